//! Where a plan's state is: a folder (`--state DIR`, or beside the plan), or a PostgreSQL database
//! (`--state postgres://…`, or `RESTORECTL_STATE`; see `shared`), and how such a URL is shown:
//! never with its password.

use std::path::Path;

/// `--state` as a message may show it: a PostgreSQL URL without its password (each operator
/// connects with their own), quoted for the shell.
pub fn shown_state(state: &Path) -> String {
    match url(Some(state)) {
        Some(u) => format!("'{}'", shown(&u)),
        None => state.display().to_string(),
    }
}

/// A command-line argument as the journal records it: a PostgreSQL URL in it (`--state=…` too)
/// without its password.
pub fn redacted_arg(arg: &str) -> String {
    let lower = arg.to_ascii_lowercase();
    match ["postgres://", "postgresql://"].iter().filter_map(|s| lower.find(s)).min() {
        Some(at) => format!("{}{}", &arg[..at], shown(&arg[at..])),
        None => arg.to_owned(),
    }
}

/// The PostgreSQL URL of the state, if `--state` (or, without it, `RESTORECTL_STATE`) names one.
pub fn url(given: Option<&Path>) -> Option<String> {
    let is_url = |s: &str| {
        let s = s.to_ascii_lowercase();
        s.starts_with("postgres://") || s.starts_with("postgresql://")
    };
    match given {
        Some(p) => p.to_str().filter(|s| is_url(s)).map(str::to_owned),
        None => std::env::var("RESTORECTL_STATE").ok().filter(|s| is_url(s)),
    }
}

/// The URL without its password (in the user part or as a `password=` parameter).
pub fn shown(url: &str) -> String {
    let url = match url.split_once('?') {
        Some((base, query)) => {
            let kept: Vec<&str> = query.split('&').filter(|p| !p.starts_with("password=")).collect();
            if kept.is_empty() { base.to_owned() } else { format!("{base}?{}", kept.join("&")) }
        }
        None => url.to_owned(),
    };
    let url = url.as_str();
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            let user = userinfo.split(':').next().unwrap_or_default();
            format!("{}{user}@{}", &url[..scheme + 3], &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_is_shown_without_its_password() {
        assert_eq!(
            shown("postgres://ops:s3cret@db:5432/r?sslmode=require"),
            "postgres://ops@db:5432/r?sslmode=require"
        );
        assert_eq!(
            shown("postgres://db/r?password=s3cret&sslmode=require"),
            "postgres://db/r?sslmode=require"
        );
        assert_eq!(redacted_arg("--state=postgresql://ops:x@db/r"), "--state=postgresql://ops@db/r");
        assert_eq!(redacted_arg("plans/ista.toml"), "plans/ista.toml");
        assert_eq!(redacted_arg("Postgres://ops:x@db/r"), "Postgres://ops@db/r");
        assert!(url(Some(Path::new("POSTGRESQL://db/r"))).is_some());
    }
}
