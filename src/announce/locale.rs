//! What differs between languages beyond the words: dates, joined lists and plural forms (CLDR
//! rules, from `intl_pluralrules`), exposed to templates as filters.

use intl_pluralrules::{PluralCategory, PluralRuleType, PluralRules};
use jiff::ZonedDateTime;
use unic_langid::LanguageIdentifier;

const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// A date as people of `locale` write it: `21.09.2022` (pl), `21 September 2022` (en), ISO otherwise.
pub fn date(locale: &str, z: &ZonedDateTime) -> String {
    match lang(locale) {
        "pl" | "de" | "cs" | "sk" | "ru" | "uk" => z.strftime("%d.%m.%Y").to_string(),
        "en" => format!("{} {} {}", z.day(), MONTHS_EN[(z.month() - 1) as usize], z.year()),
        _ => z.strftime("%Y-%m-%d").to_string(),
    }
}

/// Polish month names in the genitive, as a date says them ("25 lipca").
const MONTHS_PL_GEN: [&str; 12] = [
    "stycznia",
    "lutego",
    "marca",
    "kwietnia",
    "maja",
    "czerwca",
    "lipca",
    "sierpnia",
    "września",
    "października",
    "listopada",
    "grudnia",
];

/// A day as a sentence names it: `25 lipca 2022 r.` (pl), `25 July 2022` (en), else as `date`.
/// Plan texts say "wysłane do nas od {{ started }}": a reader takes in words faster than digits.
pub fn day(locale: &str, z: &ZonedDateTime) -> String {
    match lang(locale) {
        "pl" => format!("{} {} {} r.", z.day(), MONTHS_PL_GEN[(z.month() - 1) as usize], z.year()),
        _ => date(locale, z),
    }
}

/// A time of day: `14:05` everywhere we support.
pub fn time(z: &ZonedDateTime) -> String {
    z.strftime("%H:%M").to_string()
}

/// `a, b oraz c` (pl), `a, b and c` (en).
/// With `word`, that word joins the last item instead (`a, b or c`). English puts a comma before it
/// in lists of three or more, since an item may itself contain "and".
pub fn join_list(locale: &str, items: &[String], word: Option<&str>) -> String {
    let and = match (lang(locale), word) {
        (_, Some(w)) => w,
        // Formal Polish joins the last item with "oraz" (an item may itself contain "i").
        ("pl", None) => "oraz",
        ("de", None) => "und",
        (_, None) => "and",
    };
    let serial = if lang(locale) == "en" && items.len() > 2 { "," } else { "" };
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{}{serial} {and} {last}", init.join(", ")),
    }
}

/// A count as people of `locale` write it: `12,500` (en); `12 500` (pl, with a no-break space,
/// and four-digit numbers left whole: `9995`).
pub fn number(locale: &str, n: u64) -> String {
    let digits = n.to_string();
    let (sep, from) = match lang(locale) {
        "en" => (",", 1_000),
        "pl" | "de" | "cs" | "sk" | "ru" | "uk" | "fr" => ("\u{a0}", 10_000),
        _ => return digits,
    };
    if n < from { digits } else { crate::human::grouped(n, sep) }
}

/// The CLDR plural category of `n` in `locale`: "one", "few", "many" or "other" (and "two", "zero").
pub fn plural_category(locale: &str, n: u64) -> &'static str {
    let id: LanguageIdentifier = lang(locale).parse().unwrap_or_default();
    let category = PluralRules::create(id, PluralRuleType::CARDINAL).ok().and_then(|r| r.select(n).ok());
    match category {
        Some(PluralCategory::ZERO) => "zero",
        Some(PluralCategory::ONE) => "one",
        Some(PluralCategory::TWO) => "two",
        Some(PluralCategory::FEW) => "few",
        Some(PluralCategory::MANY) => "many",
        _ => "other",
    }
}

/// Picks the form for `n` from the forms a template gives, in CLDR order `one, few, many, other`
/// (a missing form falls back to the last one given): `plural(n, "usługa", "usługi", "usług")`,
/// `plural(n, "service", "services")`.
pub fn plural<'a>(locale: &str, n: u64, forms: &'a [String]) -> &'a str {
    let index = match plural_category(locale, n) {
        "one" => 0,
        "few" | "two" => 1,
        "many" | "zero" => 2,
        _ => 3,
    };
    forms.get(index).or(forms.last()).map_or("", String::as_str)
}

fn lang(locale: &str) -> &str {
    locale.split(['-', '_']).next().unwrap_or(locale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_grouped_as_each_language_writes_them() {
        assert_eq!(number("en", 999), "999");
        assert_eq!(number("en", 9_995), "9,995");
        assert_eq!(number("en", 1_234_567), "1,234,567");
        assert_eq!(number("pl", 9_995), "9995");
        assert_eq!(number("pl", 99_990), "99\u{a0}990");
    }

    #[test]
    fn polish_has_three_forms_english_two() {
        let pl: Vec<String> = ["usługa", "usługi", "usług"].map(String::from).to_vec();
        let forms: Vec<&str> =
            [1, 2, 3, 4, 5, 11, 12, 21, 22, 25, 112].iter().map(|&n| plural("pl", n, &pl)).collect();
        assert_eq!(
            forms,
            [
                "usługa", "usługi", "usługi", "usługi", "usług", "usług", "usług", "usług", "usługi",
                "usług", "usług"
            ]
        );
        let en: Vec<String> = ["service", "services"].map(String::from).to_vec();
        assert_eq!(plural("en", 1, &en), "service");
        assert_eq!(plural("en", 5, &en), "services");
    }

    #[test]
    fn lists_and_dates_follow_the_locale() {
        let items: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
        assert_eq!(join_list("pl", &items, None), "a, b oraz c");
        assert_eq!(join_list("en", &items, None), "a, b, and c");
        assert_eq!(join_list("en", &items[..2], Some("or")), "a or b");
        assert_eq!(join_list("en", &items[..1], None), "a");
        let z: ZonedDateTime = "2022-09-21T10:00[Europe/Warsaw]".parse().unwrap();
        assert_eq!(date("pl", &z), "21.09.2022");
        assert_eq!(date("en", &z), "21 September 2022");
    }
}
