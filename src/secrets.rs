//! `${env:NAME}` values: resolved from the environment once, before anything runs, and redacted
//! (`***`) from every string we print, log or write.

use std::collections::BTreeMap;

use crate::plan::{Action, CommandSpec, HttpRequest, Plan, Probe, Text};

/// Shorter values are not redacted (see `redact`).
pub const MIN_SECRET: usize = 4;

/// The resolved placeholder values of one plan.
#[derive(Debug, Default, Clone)]
pub struct Secrets {
    values: BTreeMap<String, String>,
}

/// A placeholder's variable that is not set (`${env:NAME}`): its name.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("environment variable `{0}` is not set")]
pub struct Unset(pub String);

/// Variables that are used by the plan but not set, with where each is used.
#[derive(Debug)]
pub struct MissingVars(pub Vec<(String, Vec<String>)>);

impl std::fmt::Display for MissingVars {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, (name, places)) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "environment variable `{name}` is not set (used by {})", places.join(", "))?;
        }
        Ok(())
    }
}

impl Secrets {
    /// Resolves every placeholder of the plan from `lookup` (the environment, in production).
    pub fn resolve_plan(
        plan: &Plan,
        scope: Scope,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, MissingVars> {
        let mut values = BTreeMap::new();
        let mut missing: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (text, place) in placeholders(plan, scope) {
            for name in text.vars() {
                match lookup(name) {
                    Some(v) => {
                        values.insert(name.clone(), v);
                    }
                    None => {
                        let places = missing.entry(name.clone()).or_default();
                        if !places.contains(&place) {
                            places.push(place.clone());
                        }
                    }
                }
            }
        }
        if missing.is_empty() { Ok(Self { values }) } else { Err(MissingVars(missing.into_iter().collect())) }
    }

    /// Every placeholder of the plan, webhooks included.
    pub fn from_env(plan: &Plan) -> Result<Self, MissingVars> {
        Self::resolve_plan(plan, Scope::All, |name| std::env::var(name).ok())
    }

    /// Those of the plan's variables that are set here, for redacting what restorectl shows (a
    /// variable not set here cannot be in anything this environment's runs wrote).
    pub fn set_here(plan: &Plan) -> Self {
        let lookup = |name: &str| Some(std::env::var(name).unwrap_or_default());
        Self::resolve_plan(plan, Scope::All, lookup).unwrap_or_default()
    }

    /// The value of the placeholder `name`, if the plan uses it.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// The text with its placeholders filled in. Only for handing to a request or a process.
    pub fn resolve(&self, text: &Text) -> Result<String, Unset> {
        text.resolve_with(|n| self.values.get(n).cloned()).map_err(|m| Unset(m.0))
    }

    /// `s` with every secret value replaced by `***`, as written and in every encoding it may be
    /// echoed in (percent-encoded in a URL or form, escaped in JSON, base64): apply to anything
    /// that leaves the process.
    pub fn redact(&self, s: &str) -> String {
        let mut out = s.to_owned();
        // Longest first, so a secret that contains another is hidden whole.
        // Values of one to three characters would blank out ordinary words everywhere; they are
        // too short to be secrets worth the name.
        let mut secrets: Vec<String> = self
            .values
            .values()
            .filter(|v| v.chars().count() >= MIN_SECRET)
            .flat_map(|v| encodings(v))
            .collect();
        secrets.sort_by_key(|v| std::cmp::Reverse(v.len()));
        secrets.dedup();
        for v in secrets {
            if out.contains(v.as_str()) {
                out = out.replace(v.as_str(), "***");
            }
        }
        out
    }
}

/// A secret as written and as servers echo it back: percent-encoded (every byte but the
/// unreserved ones, and as a form field), escaped inside a JSON string, and in base64.
fn encodings(secret: &str) -> Vec<String> {
    use base64::Engine;
    use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
    const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');
    let json = serde_json::to_string(secret).unwrap_or_default();
    let json = json.trim_matches('"').to_owned();
    let b64 = base64::engine::general_purpose::STANDARD.encode(secret);
    vec![
        secret.to_owned(),
        utf8_percent_encode(secret, UNRESERVED).to_string(),
        url::form_urlencoded::byte_serialize(secret.as_bytes()).collect(),
        json,
        b64.trim_end_matches('=').to_owned(),
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret),
    ]
}

/// Which of the plan's placeholders a command needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Checks (`status`, `preview`).
    Probes,
    /// Those, restores, verify gates, webhooks and alert targets (`run`, `announce approve|deliver`).
    All,
}

/// Every placeholder-bearing text of the plan in `scope`, with a description of where it is.
fn placeholders(plan: &Plan, scope: Scope) -> Vec<(&Text, String)> {
    let mut out = Vec::new();
    if scope == Scope::All {
        for (n, w) in plan.announce.webhooks.iter().enumerate() {
            let place = format!("webhook {} of [announce]", n + 1);
            out.push((&w.url, place.clone()));
            out.extend(w.headers.iter().map(|(_, v)| (v, place.clone())));
        }
        for (n, alert) in plan.notify.iter().enumerate() {
            let place = format!("[[notify]] {}", n + 1);
            match &alert.target {
                crate::plan::NotifyTarget::Http { url, headers, .. } => {
                    out.push((url, place.clone()));
                    out.extend(headers.iter().map(|(_, v)| (v, place.clone())));
                }
                crate::plan::NotifyTarget::Command(c) => command_texts(c, &place, &mut out),
            }
        }
    }
    for s in &plan.services {
        for (n, c) in s.checks.iter().enumerate() {
            let place = format!("check {} of service `{}`", n + 1, s.id);
            match &c.probe {
                Probe::Http(h) => {
                    request_texts(&h.request, &place, &mut out);
                    if let Some(t) = &h.body_contains {
                        out.push((t, place.clone()));
                    }
                }
                Probe::Tcp { target } => out.push((target, place.clone())),
                Probe::Command(cmd) => {
                    command_texts(&cmd.command, &place, &mut out);
                    if let Some(t) = &cmd.stdout_contains {
                        out.push((t, place.clone()));
                    }
                }
            }
        }
        // `status` and `preview` only probe: what restores and gates need is a run's concern.
        if scope == Scope::Probes {
            continue;
        }
        for (n, g) in s.gates.iter().enumerate() {
            let place = format!("verify step {} of service `{}`", n + 1, s.id);
            match &g.step {
                crate::plan::GateStep::Command { command, .. } => command_texts(command, &place, &mut out),
                crate::plan::GateStep::Http(r) => request_texts(r, &place, &mut out),
            }
        }
        let place = format!("the restore of service `{}`", s.id);
        match s.restore.as_ref().map(|r| &r.action) {
            Some(Action::Command(c)) => command_texts(c, &place, &mut out),
            Some(Action::Http(r)) => request_texts(r, &place, &mut out),
            _ => {}
        }
    }
    out.retain(|(t, _)| !t.vars().is_empty());
    out
}

fn request_texts<'a>(r: &'a HttpRequest, place: &str, out: &mut Vec<(&'a Text, String)>) {
    out.push((&r.url, place.to_owned()));
    out.extend(r.headers.iter().map(|(_, v)| (v, place.to_owned())));
    out.extend(r.body.iter().map(|b| (b, place.to_owned())));
}

fn command_texts<'a>(c: &'a CommandSpec, place: &str, out: &mut Vec<(&'a Text, String)>) {
    out.extend(c.argv.iter().map(|a| (a, place.to_owned())));
    out.extend(c.env.iter().map(|(_, v)| (v, place.to_owned())));
    out.extend(c.cwd.iter().map(|d| (d, place.to_owned())));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_every_value_longest_first() {
        let s = Secrets {
            values: [
                ("A".to_string(), "abcd".to_string()),
                ("B".to_string(), "abcdef".to_string()),
                ("C".to_string(), "ab".to_string()),
            ]
            .into(),
        };
        assert_eq!(s.redact("token abcdef and abcd abc"), "token *** and *** abc");
    }

    #[test]
    fn redacts_a_secret_as_servers_echo_it_back() {
        let s = Secrets { values: [("T".to_string(), "p@ss/w rd+\"key".to_string())].into() };
        for echoed in [
            "token=p%40ss%2Fw%20rd%2B%22key",
            "token=p%40ss%2Fw+rd%2B%22key",
            r#"{"error":"bad token p@ss/w rd+\"key"}"#,
            "Authorization: Basic cEBzcy93IHJkKyJrZXk",
            "cEBzcy93IHJkKyJrZXk",
        ] {
            let redacted = s.redact(echoed);
            assert!(redacted.contains("***"), "{echoed} → {redacted}");
            assert!(!redacted.contains("key"), "{echoed} → {redacted}");
        }
    }
}
