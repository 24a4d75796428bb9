//! What the plan tells customers: every customer-facing text (names, summaries, workarounds,
//! phase names, the outage texts, the contact addresses), checked for the plan's internal host
//! names, addresses and URLs, and for `${env:…}` placeholders, which nothing fills in for
//! customers.

use std::collections::HashSet;

use aho_corasick::AhoCorasick;
use toml::Spanned;

use super::diagnostic::Diagnostic;
use super::model::*;
use super::source::{Source, Span};
use super::text::Text;

/// Every customer-facing text of the plan, with what it belongs to.
fn customer_texts(plan: &Plan) -> Vec<(&Spanned<String>, String)> {
    let mut out = Vec::new();
    for p in &plan.phases {
        out.extend(p.name.texts().map(|t| (t, format!("phase `{}`", p.id))));
    }
    for (key, text) in &plan.announce.outage {
        out.extend(text.texts().map(|t| (t, format!("`[announce.outage]` `{key}`"))));
    }
    for (key, channel) in plan.contact.channels() {
        out.push((&channel.address, format!("`[plan.contact]` `{key}`")));
    }
    for s in plan.services.iter().filter(|s| s.customer_facing) {
        let ctx = format!("service `{}`", s.id);
        let told = s.summary.iter().chain(&s.workaround).chain(&s.after_restore).flat_map(|x| x.texts());
        out.extend(s.name.texts().chain(told).map(|t| (t, ctx.clone())));
    }
    out
}

pub(super) fn check(plan: &Plan, source: &Source, out: &mut Vec<Diagnostic>) {
    let texts = customer_texts(plan);
    placeholders(&texts, source, out);
    // The plan's name and organization head every update.
    for (key, text) in [("name", Some(&plan.name)), ("organization", plan.organization.as_ref())] {
        let Some(placeholder) = text.and_then(|t| t.find("${env:").map(|at| &t[at..])) else { continue };
        let placeholder = placeholder.find('}').map_or(placeholder, |end| &placeholder[..=end]);
        out.push(
            Diagnostic::error(
                "placeholder-in-customer-text",
                None,
                format!("customer-facing text of `[plan]` `{key}` uses `{placeholder}`, which is never filled in for customers"),
            )
            .help("write the text itself; `${env:…}` is for the secrets of checks, actions, gates, webhooks and alerts"),
        );
    }
    let Some(guard) = LeakGuard::new(plan) else { return };
    for (text, ctx) in texts {
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
    }
}

/// `${env:…}` in customer text would reach customers as written: refused, with the field named.
fn placeholders(texts: &[(&Spanned<String>, String)], source: &Source, out: &mut Vec<Diagnostic>) {
    for (text, ctx) in texts {
        let Some(at) = text.get_ref().find("${env:") else { continue };
        let len = text.get_ref()[at..].find('}').map_or(text.get_ref().len() - at, |end| end + 1);
        let placeholder = &text.get_ref()[at..at + len];
        out.push(
            Diagnostic::error(
                "placeholder-in-customer-text",
                inner_span(source, text, at, len),
                format!("customer-facing text of {ctx} uses `{placeholder}`, which is never filled in for customers"),
            )
            .label("customers would read this as written")
            .help("write the text itself; `${env:…}` is for the secrets of checks, actions, gates, webhooks and alerts"),
        );
    }
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
