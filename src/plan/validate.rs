//! Rules that span several tables of a decoded plan: unique ids, complete translations, contact
//! channels that name real services, and customer-facing text that must never reveal internal
//! infrastructure.

use std::collections::{HashMap, HashSet};

use aho_corasick::AhoCorasick;
use toml::Spanned;

use super::diagnostic::Diagnostic;
use super::model::*;
use super::source::{Source, Span};
use super::text::Text;
use crate::suggest::did_you_mean;

pub fn validate(plan: &Plan, source: &Source) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    duplicate_ids(plan.phases.iter().map(|p| (&p.id, &p.span)), "phase", &mut out);
    duplicate_ids(plan.services.iter().map(|s| (&s.id, &s.span)), "service", &mut out);
    for p in &plan.phases {
        translations(&p.name, "name", &format!("phase `{}`", p.id), &plan.locales, &mut out);
    }
    for s in &plan.services {
        let ctx = format!("service `{}`", s.id);
        if s.watch.is_some() && s.checks.is_empty() {
            out.push(
                Diagnostic::warning("watch-without-checks", s.span.clone(), format!("{ctx} is watched but has no checks"))
                    .help("without a `[[service.check]]` nothing tells that it fell back: add one, or remove `watch`"),
            );
        }
        if s.customer_facing {
            if s.name.all.is_none() && s.name.by_locale.is_empty() {
                out.push(
                    Diagnostic::warning(
                        "no-name",
                        s.span.clone(),
                        format!("customer-facing {ctx} has no `name`"),
                    )
                    .help(format!(
                        "announcements will call it `{}`; add `name = {{ {} }}`",
                        s.id,
                        example_locales(&plan.locales)
                    )),
                );
            }
            translations(&s.name, "name", &ctx, &plan.locales, &mut out);
        }
        if let Some(summary) = &s.summary {
            translations(summary, "summary", &ctx, &plan.locales, &mut out);
        }
        for (key, text) in [("workaround", &s.workaround), ("after_restore", &s.after_restore)] {
            if let Some(text) = text {
                translations(text, key, &ctx, &plan.locales, &mut out);
            }
        }
    }
    for (key, text) in &plan.announce.outage {
        translations(text, key, "`[announce.outage]`", &plan.locales, &mut out);
    }
    missing_forms(plan, &mut out);
    super::webhooks::check(plan, &mut out);
    super::notify::check_approvals(plan, &mut out);
    channels(plan, &mut out);
    leaks(plan, source, &mut out);
    out
}

/// Polish sentences name services in the genitive ("przywróciliśmy działanie poczty e-mail"); a
/// name without one is quoted after "usługi" instead ("działanie usługi „poczta e-mail”"), which
/// is correct but stiff. One warning names the services that lack it.
fn missing_forms(plan: &Plan, out: &mut Vec<Diagnostic>) {
    for locale in plan.locales.iter().filter(|l| l.split(['-', '_']).next() == Some("pl")) {
        let lacking: Vec<&Service> = plan
            .services
            .iter()
            .filter(|s| s.customer_facing && s.name.forms(locale).is_none_or(|f| f.genitive.is_none()))
            .collect();
        let Some(first) = lacking.first() else { continue };
        let span = first
            .name
            .by_locale
            .iter()
            .find(|(l, _)| l.get_ref() == locale)
            .map(|(_, t)| t.span())
            .or_else(|| first.name.all.as_ref().map(|t| t.span()))
            .unwrap_or_else(|| first.span.clone());
        let ids: Vec<String> = lacking.iter().take(5).map(|s| format!("`{}`", s.id)).collect();
        let more = if lacking.len() > ids.len() {
            format!(" and {} more", lacking.len() - ids.len())
        } else {
            String::new()
        };
        let base = first.name.get(locale).unwrap_or(&first.id);
        out.push(
            Diagnostic::warning(
                "missing-form",
                span,
                match lacking.len() {
                    1 => format!(
                        "the `{locale}` name of service {} has no genitive (`gen`), which `{locale}` updates use in sentences",
                        ids[0]
                    ),
                    _ => format!(
                        "the `{locale}` names of services {}{more} have no genitive (`gen`), which `{locale}` updates use in sentences",
                        ids.join(", ")
                    ),
                },
            )
            .label("no genitive here")
            .help(format!(
                "without it the name is quoted after \"usługi\"; give it as `name.{locale} = {{ nom = \"{base}\", gen = \"…\" }}`"
            )),
        );
    }
}

/// A contact channel's `service` must be one of the plan's services.
fn channels(plan: &Plan, out: &mut Vec<Diagnostic>) {
    for (key, channel) in plan.contact.channels() {
        let Some(service) = &channel.service else { continue };
        if plan.services.iter().any(|s| s.id == *service.get_ref()) {
            continue;
        }
        let ids = plan.services.iter().map(|s| s.id.as_str());
        out.push(
            Diagnostic::error(
                "unknown-channel-service",
                service.span(),
                format!("contact channel `{key}` needs unknown service `{}`", service.get_ref()),
            )
            .label("no service has this id")
            .help_opt(did_you_mean(service.get_ref(), ids).map(|m| format!("did you mean `{m}`?"))),
        );
    }
}

fn duplicate_ids<'a>(
    items: impl Iterator<Item = (&'a String, &'a Span)>,
    what: &str,
    out: &mut Vec<Diagnostic>,
) {
    let mut first: HashMap<&str, &Span> = HashMap::new();
    for (id, span) in items {
        match first.get(id.as_str()) {
            Some(earlier) => out.push(
                Diagnostic::error("duplicate-id", span.clone(), format!("duplicate {what} id `{id}`"))
                    .label("defined again here")
                    .related((*earlier).clone(), "first defined here")
                    .help(format!("every {what} needs its own id; rename one of them")),
            ),
            None => {
                first.insert(id, span);
            }
        }
    }
}

fn example_locales(locales: &[String]) -> String {
    locales.iter().map(|l| format!("{l} = \"…\"")).collect::<Vec<_>>().join(", ")
}

/// A per-locale table must cover every locale of the plan.
fn translations(text: &Localized, key: &str, ctx: &str, locales: &[String], out: &mut Vec<Diagnostic>) {
    if text.all.is_some() || text.by_locale.is_empty() {
        return;
    }
    for (locale, _) in &text.by_locale {
        if !locales.contains(locale.get_ref()) {
            out.push(
                Diagnostic::warning(
                    "unused-locale",
                    locale.span(),
                    format!(
                        "`{key}` of {ctx} has text for `{}`, which is not in `plan.locales`",
                        locale.get_ref()
                    ),
                )
                .help(format!("plan.locales is [{}]", quoted(locales))),
            );
        }
    }
    let table_span = text.by_locale.first().map(|(l, _)| l.span()).unwrap_or_default();
    for locale in locales {
        if !text.by_locale.iter().any(|(l, _)| l.get_ref() == locale) {
            out.push(
                Diagnostic::error(
                    "missing-locale",
                    table_span.clone(),
                    format!("`{key}` of {ctx} has no `{locale}` text"),
                )
                .label(format!("no `{locale}` in this table"))
                .help(format!(
                    "add `{locale} = \"…\"`: every language in plan.locales [{}] needs one",
                    quoted(locales)
                )),
            );
        }
    }
}

fn quoted(items: &[String]) -> String {
    items.iter().map(|l| format!("\"{l}\"")).collect::<Vec<_>>().join(", ")
}

/// Host names, addresses and URLs that the plan's checks and actions reach.
pub fn infrastructure(plan: &Plan) -> Vec<String> {
    // A set: a plan of 100,000 services usually reaches far fewer distinct hosts.
    let mut found: HashSet<String> = HashSet::new();
    let add_url = |t: &Text, found: &mut HashSet<String>| {
        let raw = t.raw();
        add(found, raw);
        if let Ok(u) = url::Url::parse(raw)
            && let Some(h) = u.host_str()
        {
            add(found, h.trim_matches(['[', ']']));
        }
    };
    for s in &plan.services {
        for c in &s.checks {
            match &c.probe {
                Probe::Http(h) => add_url(&h.request.url, &mut found),
                Probe::Tcp { target } => {
                    add(&mut found, target.raw());
                    if let Some((host, _)) = target.raw().rsplit_once(':') {
                        add(&mut found, host.trim_matches(['[', ']']));
                    }
                }
                Probe::Command(cmd) => argv_hosts(&cmd.command, &mut found),
            }
        }
        match s.restore.as_ref().map(|r| &r.action) {
            Some(Action::Http(req)) => add_url(&req.url, &mut found),
            Some(Action::Command(cmd)) => argv_hosts(cmd, &mut found),
            _ => {}
        }
    }
    let mut found: Vec<String> = found
        .into_iter()
        .filter(|h| !h.is_empty() && Text::parse(h).is_ok_and(|t| t.vars().is_empty()) || h.contains("://"))
        .collect();
    found.sort();
    found
}

fn add(found: &mut HashSet<String>, name: &str) {
    if !found.contains(name) {
        found.insert(name.to_owned());
    }
}

/// Arguments that name a host: URLs, IP addresses, dotted host names and `host:port`.
fn argv_hosts(cmd: &CommandSpec, found: &mut HashSet<String>) {
    for arg in cmd.argv.iter().flat_map(|a| a.raw().split_whitespace()) {
        if let Ok(u) = url::Url::parse(arg) {
            if let Some(h) = u.host_str() {
                add(found, arg);
                add(found, h);
            }
            continue;
        }
        let host = arg.rsplit_once(':').filter(|(_, p)| p.parse::<u16>().is_ok()).map_or(arg, |(h, _)| h);
        let is_ip = host.parse::<std::net::IpAddr>().is_ok();
        let is_dotted_host = host.contains('.')
            && !host.starts_with(['.', '-', '/'])
            && host.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
            && host
                .rsplit('.')
                .next()
                .is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()))
            && !FILE_EXTENSIONS.iter().any(|ext| host.ends_with(ext));
        if is_ip || is_dotted_host {
            add(found, host);
        }
    }
}

/// Arguments ending like this are files, not hosts.
const FILE_EXTENSIONS: &[&str] = &[
    ".yml", ".yaml", ".json", ".toml", ".sh", ".py", ".sql", ".conf", ".cfg", ".ini", ".txt", ".log", ".tar",
    ".gz", ".zip", ".ps1", ".rb", ".pl", ".js",
];

/// Finds the plan's internal host names, addresses and URLs in text meant for customers.
pub struct LeakGuard {
    names: AhoCorasick,
}

impl LeakGuard {
    /// `None` when the plan reaches no infrastructure at all.
    pub fn new(plan: &Plan) -> Option<Self> {
        let infra = infrastructure(plan);
        // One automaton for every name: plans with many thousands of endpoints stay linear.
        let names = AhoCorasick::builder().ascii_case_insensitive(true).build(&infra).ok()?;
        (!infra.is_empty()).then_some(Self { names })
    }

    /// The first internal name in `text` that stands as a whole name: (offset, length).
    pub fn find(&self, text: &str) -> Option<(usize, usize)> {
        find_word(&self.names, text)
    }
}

fn leaks(plan: &Plan, source: &Source, out: &mut Vec<Diagnostic>) {
    let Some(guard) = LeakGuard::new(plan) else { return };
    let mut check = |text: &Spanned<String>, ctx: &str| {
        if let Some((at, len)) = guard.find(text.get_ref()) {
            let hit = &text.get_ref()[at..at + len];
            out.push(
                Diagnostic::error(
                    "leaks-infrastructure",
                    inner_span(source, text, at, len),
                    format!("customer-facing text of {ctx} reveals `{hit}`, which the plan's checks or actions use"),
                )
                .label("internal infrastructure")
                .help("customer notices must never name internal hosts, addresses or URLs; say what customers can do instead"),
            );
        }
    };
    for p in &plan.phases {
        for t in p.name.texts() {
            check(t, &format!("phase `{}`", p.id));
        }
    }
    for (key, text) in &plan.announce.outage {
        for t in text.texts() {
            check(t, &format!("`[announce.outage]` `{key}`"));
        }
    }
    for s in plan.services.iter().filter(|s| s.customer_facing) {
        let ctx = format!("service `{}`", s.id);
        let told = s.summary.iter().chain(&s.workaround).chain(&s.after_restore).flat_map(|x| x.texts());
        for t in s.name.texts().chain(told) {
            check(t, &ctx);
        }
    }
}

/// The first (offset, length) in `hay` of any of `names` that is not part of a longer name.
fn find_word(names: &AhoCorasick, hay: &str) -> Option<(usize, usize)> {
    let is_name = |c: char| c.is_alphanumeric() || c == '-' || c == '_';
    names.find_overlapping_iter(hay).map(|m| (m.start(), m.end())).find_map(|(start, end)| {
        let before = hay[..start].chars().next_back();
        let mut after = hay[end..].chars();
        let next = after.next();
        let continues =
            next.is_some_and(|c| is_name(c) || (c == '.' && after.next().is_some_and(char::is_alphanumeric)));
        let inside = before.is_some_and(|c| is_name(c) || c == '.');
        (!inside && !continues).then_some((start, end - start))
    })
}

/// The span of `len` bytes at `offset` inside a string value, when the source spells it verbatim.
fn inner_span(source: &Source, text: &Spanned<String>, offset: usize, len: usize) -> Span {
    let span = text.span();
    let literal = source.text.get(span.clone()).unwrap_or_default();
    let quote = if literal.starts_with("\"\"\"") || literal.starts_with("'''") { 3 } else { 1 };
    match literal.get(quote..quote + text.get_ref().len()) {
        Some(body) if body == text.get_ref() => {
            span.start + quote + offset..span.start + quote + offset + len
        }
        _ => span,
    }
}

#[cfg(test)]
mod tests {
    use super::find_word;

    #[test]
    fn host_matches_only_as_a_whole_name() {
        let find = |hay: &str, name: &str| {
            let names =
                aho_corasick::AhoCorasick::builder().ascii_case_insensitive(true).build([name]).unwrap();
            find_word(&names, hay).map(|(at, _)| at)
        };
        assert_eq!(find("see mail.internal.example now", "mail.internal.example"), Some(4));
        assert_eq!(find("Mail.Internal.Example.", "mail.internal.example"), Some(0));
        assert_eq!(find("db10 is fine", "db1"), None);
        assert_eq!(find("xdb1", "db1"), None);
        assert_eq!(find("db1.internal", "db1"), None);
        assert_eq!(find("ask db1, then db2", "db1"), Some(4));
    }
}
