//! A walker over the spanned TOML tree that turns values into typed data and records every problem
//! (wrong type, missing key, unknown key, bad duration) instead of stopping at the first.

use std::time::Duration;

use toml::Spanned;
use toml::de::{DeArray, DeTable, DeValue};

use super::diagnostic::Diagnostic;
use super::source::Span;
use crate::suggest::did_you_mean;

pub type Value<'i> = Spanned<DeValue<'i>>;

/// Collects the diagnostics of one plan while its tree is decoded.
#[derive(Default)]
pub struct Decoder {
    pub diagnostics: Vec<Diagnostic>,
    /// Byte offset of the piece of the file being decoded: spans of values are relative to it.
    pub base: usize,
}

/// The keys of one table, already checked against the keys its kind allows.
pub struct Fields<'a, 'i> {
    table: &'a DeTable<'i>,
    pub span: Span,
    /// How the table is named in messages: `[plan]`, `service \`email\``, ….
    pub context: String,
}

impl<'a, 'i> Fields<'a, 'i> {
    pub fn get(&self, key: &str) -> Option<&'a Value<'i>> {
        self.table.get(key)
    }

    pub fn has(&self, key: &str) -> bool {
        self.table.contains_key(key)
    }

    /// The span of a key itself (for "this key is wrong here" messages).
    pub fn key_span(&self, key: &str) -> Option<Span> {
        self.table.get_key_value(key).map(|(k, _)| k.span())
    }
}

impl Decoder {
    pub fn push(&mut self, mut d: Diagnostic) {
        if self.base > 0 {
            let base = self.base;
            let shift = |s: &mut std::ops::Range<usize>| *s = s.start + base..s.end + base;
            d.span.iter_mut().for_each(shift);
            d.related.iter_mut().for_each(|(s, _)| shift(s));
        }
        self.diagnostics.push(d);
    }

    fn wrong_type(&mut self, v: &Value<'_>, key: &str, expected: &str) {
        let found = v.get_ref().type_str();
        self.push(
            Diagnostic::error(
                "wrong-type",
                v.span(),
                format!("`{key}` must be {expected}, found {}", article(found)),
            )
            .label(format!("expected {expected}")),
        );
    }

    /// Checks that `v` is a table whose keys are all in `known`, reporting each unknown key.
    pub fn table<'a, 'i>(
        &mut self,
        v: &'a Value<'i>,
        key: &str,
        context: impl Into<String>,
        known: &[&str],
    ) -> Option<Fields<'a, 'i>> {
        let Some(table) = v.get_ref().as_table() else {
            self.wrong_type(v, key, "a table");
            return None;
        };
        Some(self.fields(table, v.span(), context, known))
    }

    /// Wraps a table whose keys must all be in `known`, reporting each unknown key.
    pub fn fields<'a, 'i>(
        &mut self,
        table: &'a DeTable<'i>,
        span: Span,
        context: impl Into<String>,
        known: &[&str],
    ) -> Fields<'a, 'i> {
        let context = context.into();
        for (k, _) in table.iter() {
            if !known.contains(&k.get_ref().as_ref()) {
                let help = did_you_mean(k.get_ref(), known.iter().copied())
                    .map(|s| format!("did you mean `{s}`?"))
                    .unwrap_or_else(|| format!("the keys allowed here are: {}", known.join(", ")));
                self.push(
                    Diagnostic::error(
                        "unknown-key",
                        k.span(),
                        format!("unknown key `{}` in {context}", k.get_ref()),
                    )
                    .label("not a known key")
                    .help(help),
                );
            }
        }
        Fields { table, span, context }
    }

    /// A key that must be present; reports it missing at the table's span.
    pub fn required<'a, 'i>(
        &mut self,
        f: &Fields<'a, 'i>,
        key: &str,
        example: &str,
    ) -> Option<&'a Value<'i>> {
        let v = f.get(key);
        if v.is_none() {
            self.push(
                Diagnostic::error("missing-key", f.span.clone(), format!("missing `{key}` in {}", f.context))
                    .label(format!("`{key}` is required here"))
                    .help(format!("add `{key} = {example}`")),
            );
        }
        v
    }

    pub fn string(&mut self, v: &Value<'_>, key: &str) -> Option<Spanned<String>> {
        match v.get_ref().as_str() {
            Some(s) => Some(Spanned::new(v.span(), s.to_owned())),
            None => {
                self.wrong_type(v, key, "a string");
                None
            }
        }
    }

    pub fn boolean(&mut self, v: &Value<'_>, key: &str) -> Option<bool> {
        let b = v.get_ref().as_bool();
        if b.is_none() {
            self.wrong_type(v, key, "`true` or `false`");
        }
        b
    }

    /// An integer within `min..=max`.
    pub fn integer(&mut self, v: &Value<'_>, key: &str, min: i64, max: i64) -> Option<i64> {
        let Some(int) = v.get_ref().as_integer() else {
            self.wrong_type(v, key, "an integer");
            return None;
        };
        let n = i64::from_str_radix(int.as_str(), int.radix()).ok();
        match n {
            Some(n) if (min..=max).contains(&n) => Some(n),
            _ => {
                self.push(
                    Diagnostic::error(
                        "out-of-range",
                        v.span(),
                        format!("`{key}` must be between {min} and {max}, found {}", int.as_str()),
                    )
                    .label("out of range"),
                );
                None
            }
        }
    }

    pub fn array<'a, 'i>(&mut self, v: &'a Value<'i>, key: &str, expected: &str) -> Option<&'a DeArray<'i>> {
        let a = v.get_ref().as_array();
        if a.is_none() {
            self.wrong_type(v, key, expected);
        }
        a
    }

    pub fn string_list(&mut self, v: &Value<'_>, key: &str) -> Option<Vec<Spanned<String>>> {
        let arr = self.array(v, key, "a list of strings")?;
        let items: Vec<_> = arr.iter().map(|item| self.string(item, key)).collect();
        items.into_iter().collect()
    }

    /// A duration (`90s`, `5m`, `4h`, `3d`; see `human::parse_duration`) of at most `max`.
    pub fn duration(&mut self, v: &Value<'_>, key: &str, max: Duration) -> Option<Duration> {
        let Some(text) = v.get_ref().as_str() else {
            let help = match v.get_ref().as_integer() {
                Some(i) => format!("write it as a string with a unit, e.g. `{key} = \"{}s\"`", i.as_str()),
                None => "durations are strings like \"90s\", \"5m\", \"4h\" or \"3d\"".to_owned(),
            };
            self.wrong_type(v, key, "a duration string");
            if let Some(last) = self.diagnostics.last_mut() {
                last.help = Some(help);
            }
            return None;
        };
        match crate::human::parse_duration(text) {
            Ok(d) if d <= max => Some(d),
            Ok(_) => {
                self.push(
                    Diagnostic::error(
                        "out-of-range",
                        v.span(),
                        format!(
                            "`{key}` of `{text}` is longer than the limit of {}",
                            crate::human::human_duration(max)
                        ),
                    )
                    .label("too long")
                    .help("check the unit: `m` is minutes, `M` is months"),
                );
                None
            }
            Err(e) => {
                self.push(
                    Diagnostic::error(
                        "bad-duration",
                        v.span(),
                        format!("`{key}` is not a valid duration: `{text}` ({e})"),
                    )
                    .label("not a duration")
                    .help("durations look like \"90s\", \"5m\", \"4h\", \"1h 30m\" or \"3d\""),
                );
                None
            }
        }
    }
}

/// "an integer", "a string", ….
fn article(type_name: &str) -> String {
    let vowel = type_name.starts_with(['a', 'e', 'i', 'o', 'u']);
    format!("{} {type_name}", if vowel { "an" } else { "a" })
}

pub(super) fn array_of_tables<'a, 'i>(v: &'a Value<'i>, key: &str, dec: &mut Decoder) -> Vec<&'a Value<'i>> {
    match dec.array(v, key, &format!("an array of tables (`[[{key}]]`)")) {
        Some(a) => a.iter().collect(),
        None => Vec::new(),
    }
}
