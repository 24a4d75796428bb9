//! `allowed_signers`: who holds which SSH key, in the format git uses for SSH commit signing
//! (`principals [options] keytype base64 [comment]`, see `ssh-keygen(1)` ALLOWED SIGNERS), so the
//! file a team already reviews in git serves here too. Principals may be patterns (`*`, `?`);
//! the options `namespaces="…"`, `valid-after="…"` and `valid-before="…"` are honoured;
//! `cert-authority` is refused (certificates are not supported).

use std::path::{Path, PathBuf};

use ssh_key::PublicKey;

use super::decision::NAMESPACE;
use crate::plan::{Diagnostic, Plan};

/// The keys of `allowed_signers`, line by line.
#[derive(Debug)]
pub struct AllowedSigners {
    pub path: PathBuf,
    entries: Vec<Entry>,
}

#[derive(Debug)]
struct Entry {
    principals: Vec<String>,
    /// Only signatures in these namespaces (none: any).
    namespaces: Option<Vec<String>>,
    valid_after: Option<jiff::Timestamp>,
    valid_before: Option<jiff::Timestamp>,
    key: PublicKey,
}

/// A line of `allowed_signers` that cannot be read.
#[derive(Debug, thiserror::Error)]
#[error("{}{}: {why}", path.display(), if *line > 0 { format!(":{line}") } else { String::new() })]
pub struct AllowedError {
    pub path: PathBuf,
    /// 1-based; 0 when the file itself cannot be read.
    pub line: usize,
    pub why: LineError,
}

/// What is wrong with a line of `allowed_signers` (or the file).
#[derive(Debug, thiserror::Error)]
pub enum LineError {
    #[error("cannot read: {0}")]
    Unreadable(std::io::Error),
    #[error("no principals")]
    NoPrincipals,
    #[error("no key after {0}")]
    NoKey(String),
    #[error("not an SSH public key: {0}")]
    NotAKey(ssh_key::Error),
    #[error("certificate authorities are not supported: list each person's key")]
    CertAuthority,
    #[error("unknown option `{0}`")]
    UnknownOption(String),
    #[error("`{0}` is not a time as YYYYMMDD[HHMM[SS]][Z]")]
    BadTime(String),
    #[error("a quote is not closed")]
    OpenQuote,
}

impl AllowedSigners {
    pub fn read(path: &Path) -> Result<Self, AllowedError> {
        let text = std::fs::read_to_string(path).map_err(|e| AllowedError {
            path: path.to_path_buf(),
            line: 0,
            why: LineError::Unreadable(e),
        })?;
        Self::parse(path, &text)
    }

    pub fn parse(path: &Path, text: &str) -> Result<Self, AllowedError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut entries = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let entry =
                entry(line).map_err(|why| AllowedError { path: path.to_path_buf(), line: n + 1, why })?;
            entries.push(entry);
        }
        Ok(Self { path: path.to_path_buf(), entries })
    }

    /// The keys `who` may sign restorectl's decisions with at `at`.
    pub fn keys_of<'a>(
        &'a self,
        who: &'a str,
        at: jiff::Timestamp,
    ) -> impl Iterator<Item = &'a PublicKey> + 'a {
        self.entries
            .iter()
            .filter(move |e| listed(&e.principals, who))
            .filter(|e| e.namespaces.as_ref().is_none_or(|ns| ns.iter().any(|n| matches(n, NAMESPACE))))
            .filter(move |e| e.valid_after.is_none_or(|t| at >= t) && e.valid_before.is_none_or(|t| at < t))
            .map(|e| &e.key)
    }

    /// Whether a line gives `who` this key at any time (in restorectl's namespace).
    pub fn ever_holds(&self, who: &str, key: &ssh_key::public::KeyData) -> bool {
        self.entries
            .iter()
            .filter(|e| e.namespaces.as_ref().is_none_or(|ns| ns.iter().any(|n| matches(n, NAMESPACE))))
            .any(|e| listed(&e.principals, who) && e.key.key_data() == key)
    }

    /// Whether `who` is named at all (whatever the dates and namespaces).
    pub fn names(&self, who: &str) -> bool {
        self.entries.iter().any(|e| listed(&e.principals, who))
    }
}

/// The plan's `allowed_signers` (`[plan] allowed_signers`, or the file of that name beside the
/// plan), read and checked now, not first when somebody signs in the middle of an incident: every
/// person of a role that requires signatures must have a key in it.
pub fn for_plan(plan: &Plan, plan_dir: &Path) -> Result<Option<AllowedSigners>, Vec<Diagnostic>> {
    let (path, span) = match &plan.allowed_signers {
        Some(p) => (plan_dir.join(p.get_ref()), Some(p.span())),
        None => (plan_dir.join("allowed_signers"), None),
    };
    let allowed = if span.is_some() || path.is_file() {
        match AllowedSigners::read(&path) {
            Ok(a) => Some(a),
            Err(e) => {
                let help = "one line per key: `NAME[,NAME…] [namespaces=\"restorectl\"] ssh-ed25519 AAAA… [comment]`, as for git";
                return Err(vec![Diagnostic::error("bad-allowed-signers", span, e.to_string()).help(help)]);
            }
        }
    } else {
        None
    };
    let mut problems = Vec::new();
    for role in plan.approvers.iter().filter(|r| r.require_signature) {
        for person in &role.people {
            if !allowed.as_ref().is_some_and(|a| a.names(person)) {
                let message = format!(
                    "`{person}` of role `{}` must sign, but has no key in {}",
                    role.name,
                    path.display()
                );
                let help =
                    format!("add `{person} ssh-ed25519 AAAA…` (their public key) to {}", path.display());
                problems.push(Diagnostic::error("no-signing-key", None, message).help(help));
            }
        }
    }
    if problems.is_empty() { Ok(allowed) } else { Err(problems) }
}

fn entry(line: &str) -> Result<Entry, LineError> {
    let mut words = words(line)?.into_iter();
    let principals: Vec<String> =
        words.next().unwrap_or_default().split(',').filter(|p| !p.is_empty()).map(str::to_owned).collect();
    if principals.is_empty() {
        return Err(LineError::NoPrincipals);
    }
    let mut next = words.next().ok_or_else(|| LineError::NoKey("the principals".into()))?;
    let mut options = Options::default();
    if !is_key_type(&next) {
        options = Options::parse(&next)?;
        next = words.next().ok_or_else(|| LineError::NoKey("the options".into()))?;
    }
    let blob = words.next().ok_or_else(|| LineError::NoKey(format!("`{next}`")))?;
    let key = PublicKey::from_openssh(&format!("{next} {blob}")).map_err(LineError::NotAKey)?;
    let Options { namespaces, valid_after, valid_before } = options;
    Ok(Entry { principals, namespaces, valid_after, valid_before, key })
}

fn is_key_type(word: &str) -> bool {
    ["ssh-", "ecdsa-", "sk-"].iter().any(|p| word.starts_with(p))
}

/// `namespaces="…",valid-after="…",valid-before="…"`.
#[derive(Default)]
struct Options {
    namespaces: Option<Vec<String>>,
    valid_after: Option<jiff::Timestamp>,
    valid_before: Option<jiff::Timestamp>,
}

impl Options {
    fn parse(text: &str) -> Result<Self, LineError> {
        let mut o = Options::default();
        for option in split_outside_quotes(text, ',') {
            let (name, value) = match option.split_once('=') {
                Some((n, v)) => (n, Some(v.trim_matches('"'))),
                None => (option.as_str(), None),
            };
            match (name.to_ascii_lowercase().as_str(), value) {
                ("namespaces", Some(v)) => o.namespaces = Some(v.split(',').map(str::to_owned).collect()),
                ("valid-after", Some(v)) => o.valid_after = Some(time(v)?),
                ("valid-before", Some(v)) => o.valid_before = Some(time(v)?),
                ("cert-authority", _) => {
                    return Err(LineError::CertAuthority);
                }
                _ => return Err(LineError::UnknownOption(option)),
            }
        }
        Ok(o)
    }
}

/// `YYYYMMDD[HHMM[SS]]`, with a trailing `Z` for UTC (otherwise the system's time zone).
fn time(text: &str) -> Result<jiff::Timestamp, LineError> {
    let bad = || LineError::BadTime(text.to_owned());
    let (digits, utc) = match text.strip_suffix(['Z', 'z']) {
        Some(d) => (d, true),
        None => (text, false),
    };
    if !digits.bytes().all(|b| b.is_ascii_digit()) || ![8, 12, 14].contains(&digits.len()) {
        return Err(bad());
    }
    let padded = format!("{digits:0<14}");
    let civil = jiff::civil::DateTime::strptime("%Y%m%d%H%M%S", &padded).map_err(|_| bad())?;
    let zone = if utc { jiff::tz::TimeZone::UTC } else { jiff::tz::TimeZone::system() };
    zone.to_timestamp(civil).map_err(|_| bad())
}

/// The line's words, split at blanks outside double quotes, quotes kept inside words.
fn words(line: &str) -> Result<Vec<String>, LineError> {
    let words = split_outside_quotes(line, ' ');
    if line.matches('"').count() % 2 == 1 {
        return Err(LineError::OpenQuote);
    }
    Ok(words.into_iter().filter(|w| !w.is_empty()).map(|w| strip_outer_quotes(&w)).collect())
}

fn strip_outer_quotes(word: &str) -> String {
    word.strip_prefix('"').and_then(|w| w.strip_suffix('"')).unwrap_or(word).to_owned()
}

fn split_outside_quotes(text: &str, at: char) -> Vec<String> {
    let (mut parts, mut part, mut quoted) = (Vec::new(), String::new(), false);
    for c in text.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                part.push(c);
            }
            c if !quoted && (c == at || (at == ' ' && c == '\t')) => parts.push(std::mem::take(&mut part)),
            c => part.push(c),
        }
    }
    parts.push(part);
    parts
}

/// Whether a line's principals (a pattern list, as OpenSSH reads one) name `who`: a negated
/// pattern (`!name`) that matches excludes them whatever else matches.
fn listed(patterns: &[String], who: &str) -> bool {
    let negated = patterns.iter().filter_map(|p| p.strip_prefix('!')).any(|p| matches(p, who));
    !negated && patterns.iter().filter(|p| !p.starts_with('!')).any(|p| matches(p, who))
}

/// A principal pattern as `ssh-keygen` matches them: `*` any run of characters, `?` any one.
fn matches(pattern: &str, name: &str) -> bool {
    let (p, n): (Vec<char>, Vec<char>) = (pattern.chars().collect(), name.chars().collect());
    // Iterative glob with one star backtrack point.
    let (mut i, mut j, mut star, mut mark) = (0, 0, None, 0);
    while j < n.len() {
        if i < p.len() && (p[i] == '?' || p[i] == n[j]) {
            i += 1;
            j += 1;
        } else if i < p.len() && p[i] == '*' {
            star = Some(i);
            mark = j;
            i += 1;
        } else if let Some(s) = star {
            i = s + 1;
            mark += 1;
            j = mark;
        } else {
            return false;
        }
    }
    p[i..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOTz8ck5ENeQkEyCW2eP5bMkmFkD8BX7hkD3bNIRvmpw";

    fn at(s: &str) -> jiff::Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn principals_options_and_patterns_are_read_as_git_writes_them() {
        let text = format!(
            "# the security team\nsecops-lead,ciso {KEY} lead@laptop\n\"*@example.com\" namespaces=\"git,restorectl\" {KEY}\nold valid-before=\"20200101Z\" {KEY}\nwrongns namespaces=\"git\" {KEY}\n"
        );
        let a = AllowedSigners::parse(Path::new("allowed_signers"), &text).unwrap();
        let now = at("2026-12-07T00:00:00Z");
        assert_eq!(a.keys_of("ciso", now).count(), 1);
        assert_eq!(a.keys_of("anna@example.com", now).count(), 1);
        assert_eq!(a.keys_of("old", now).count(), 0, "expired");
        assert_eq!(a.keys_of("old", at("2019-06-01T00:00:00Z")).count(), 1);
        assert_eq!(a.keys_of("wrongns", now).count(), 0, "only for git");
        assert!(a.names("wrongns"));
        assert_eq!(a.keys_of("nobody", now).count(), 0);
    }

    #[test]
    fn a_bad_line_is_named_with_its_number() {
        let text = format!("ok {KEY}\nbroken ssh-ed25519 notbase64\nca cert-authority {KEY}\n");
        let e = AllowedSigners::parse(Path::new("as"), &text).unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.to_string().starts_with("as:2: not an SSH public key"), "{e}");
        let e = AllowedSigners::parse(Path::new("as"), &format!("ca cert-authority {KEY}\n")).unwrap_err();
        assert_eq!(e.to_string(), "as:1: certificate authorities are not supported: list each person's key");
        let e =
            AllowedSigners::parse(Path::new("as"), &format!("x valid-after=\"2020\" {KEY}\n")).unwrap_err();
        assert_eq!(e.to_string(), "as:1: `2020` is not a time as YYYYMMDD[HHMM[SS]][Z]");
    }

    #[test]
    fn patterns_match_like_ssh_keygen() {
        assert!(matches("*", "x"));
        assert!(matches("a?c", "abc"));
        assert!(matches("*@ex.com", "a@ex.com"));
        assert!(!matches("*@ex.com", "a@ex.org"));
        assert!(!listed(&["*".into(), "!a".into()], "a"));
        assert!(listed(&["*".into(), "!a".into()], "b"));
        assert!(matches("a*b*c", "axxbyyc"));
    }
}
