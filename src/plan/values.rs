//! Decoders of the plan's small value types: text with `${env:…}` placeholders, texts per locale,
//! URLs, HTTP methods, headers and status codes, TCP targets.

use super::decode::{Decoder, Fields, Value};
use super::defaults;
use super::diagnostic::Diagnostic;
use super::keys;
use super::model::{Forms, Localized};
use super::text::Text;
use toml::Spanned;

pub(super) fn text(v: &Value<'_>, key: &str, dec: &mut Decoder) -> Option<Text> {
    let s = dec.string(v, key)?;
    match Text::parse(s.get_ref()) {
        Ok(t) => Some(t),
        Err(e) => {
            dec.push(
                Diagnostic::error("bad-placeholder", s.span(), format!("`{key}`: {}", e.message))
                    .help("placeholders look like `${env:NAME}`"),
            );
            None
        }
    }
}

pub(super) fn url_text(v: &Value<'_>, key: &str, dec: &mut Decoder) -> Option<Text> {
    let t = text(v, key, dec)?;
    // A URL that is a secret as a whole (a Slack webhook's): checked once it is resolved.
    let raw = t.raw().trim();
    if t.vars().len() == 1
        && raw.starts_with("${env:")
        && raw.ends_with('}')
        && raw.matches("${").count() == 1
    {
        return Some(t);
    }
    let problem = match url::Url::parse(&t.with_stand_ins()) {
        Ok(u) if !matches!(u.scheme(), "http" | "https") => {
            Some(format!("`{key}` must be an http:// or https:// URL, not `{}:`", u.scheme()))
        }
        Ok(u) if u.host_str().is_none_or(str::is_empty) => Some(format!("`{key}` has no host")),
        Ok(_) => None,
        Err(e) => Some(format!("`{key}` is not a valid URL: {e}")),
    };
    match problem {
        Some(message) => {
            dec.push(
                Diagnostic::error("bad-url", v.span(), message)
                    .label("malformed URL")
                    .help("write a full URL such as \"https://mail.internal.example/health\""),
            );
            None
        }
        None => Some(t),
    }
}

pub(super) fn method(f: &Fields<'_, '_>, dec: &mut Decoder) -> Option<String> {
    let Some(v) = f.get("method") else {
        return Some(defaults::CHECK_METHOD.into());
    };
    let m = dec.string(v, "method")?;
    let upper = m.get_ref().to_ascii_uppercase();
    const KNOWN: &[&str] = &["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];
    if KNOWN.contains(&upper.as_str()) {
        Some(upper)
    } else {
        dec.push(
            Diagnostic::error("bad-method", m.span(), format!("unknown HTTP method `{}`", m.get_ref()))
                .help(format!("use one of {}", KNOWN.join(", "))),
        );
        None
    }
}

pub(super) fn headers(f: &Fields<'_, '_>, dec: &mut Decoder) -> Option<Vec<(String, Text)>> {
    let Some(v) = f.get("headers") else {
        return Some(Vec::new());
    };
    string_table(v, "headers", dec, |name| reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_ok())
}

/// A table of string values whose keys pass `key_ok` (headers, environment variables).
pub(super) fn string_table(
    v: &Value<'_>,
    key: &str,
    dec: &mut Decoder,
    key_ok: impl Fn(&str) -> bool,
) -> Option<Vec<(String, Text)>> {
    let Some(table) = v.get_ref().as_table() else {
        dec.push(
            Diagnostic::error(
                "wrong-type",
                v.span(),
                format!("`{key}` must be a table of strings, found {}", v.get_ref().type_str()),
            )
            .help(format!("e.g. `{key} = {{ NAME = \"value\" }}`")),
        );
        return None;
    };
    let mut out = Vec::new();
    let mut ok = true;
    for (name, value) in table.iter() {
        if !key_ok(name.get_ref()) {
            dec.push(Diagnostic::error(
                "bad-name",
                name.span(),
                format!("`{}` is not a valid name in `{key}`", name.get_ref()),
            ));
            ok = false;
        }
        match text(value, key, dec) {
            Some(t) => out.push((name.get_ref().to_string(), t)),
            None => ok = false,
        }
    }
    ok.then_some(out)
}

pub(super) fn expect_status(f: &Fields<'_, '_>, dec: &mut Decoder) -> Option<Vec<u16>> {
    let Some(v) = f.get("expect_status") else {
        return Some(Vec::new());
    };
    let list = dec.array(v, "expect_status", "a list of HTTP status codes")?;
    let codes: Vec<Option<u16>> =
        list.iter().map(|c| dec.integer(c, "expect_status", 100, 599).map(|n| n as u16)).collect();
    if codes.is_empty() {
        dec.push(
            Diagnostic::error("empty-value", v.span(), "`expect_status` must list at least one status code")
                .help("leave it out to accept any 2xx"),
        );
        return None;
    }
    codes.into_iter().collect()
}

pub(super) fn tcp_target(v: &Value<'_>, dec: &mut Decoder) -> Option<Text> {
    let t = text(v, "tcp", dec)?;
    let resolved = t.with_stand_ins();
    let problem = match resolved.rsplit_once(':') {
        None => Some(format!("`tcp` target `{resolved}` has no port")),
        Some((host, port)) => {
            let bare_v6 = host.contains(':') && !(host.starts_with('[') && host.ends_with(']'));
            if host.is_empty() {
                Some(format!("`tcp` target `{resolved}` has no host"))
            } else if bare_v6 {
                Some(format!("`tcp` target `{resolved}` has no port (write IPv6 addresses as `[::1]:5432`)"))
            } else if port.parse::<u16>().map_or(true, |p| p == 0) && port != "placeholder" {
                Some(format!("`tcp` target `{resolved}` has an invalid port `{port}`"))
            } else {
                None
            }
        }
    };
    match problem {
        Some(message) => {
            dec.push(
                Diagnostic::error("bad-tcp-target", v.span(), message)
                    .label("expected host:port")
                    .help("write it as \"host:port\", e.g. \"db1.internal:5432\""),
            );
            None
        }
        None => Some(t),
    }
}

pub(super) fn parse_localized(v: &Value<'_>, key: &str, dec: &mut Decoder) -> Option<Localized> {
    localized(v, key, dec, false)
}

/// A service's name: like any text, but a locale may give grammatical forms,
/// `pl = { nom = "poczta e-mail", gen = "poczty e-mail" }`, `en = { nom = "contact forms", plural = true }`.
pub(super) fn parse_name(v: &Value<'_>, dec: &mut Decoder) -> Option<Localized> {
    localized(v, "name", dec, true)
}

fn localized(v: &Value<'_>, key: &str, dec: &mut Decoder, with_forms: bool) -> Option<Localized> {
    if let Some(s) = v.get_ref().as_str() {
        return Some(Localized { all: Some(Spanned::new(v.span(), s.to_owned())), ..Localized::default() });
    }
    let Some(table) = v.get_ref().as_table() else {
        dec.push(
            Diagnostic::error(
                "wrong-type",
                v.span(),
                format!("`{key}` must be a string or a table of languages, found {}", v.get_ref().type_str()),
            )
            .help(format!("e.g. `{key} = {{ pl = \"…\", en = \"…\" }}`")),
        );
        return None;
    };
    let mut out = Localized::default();
    for (locale, text) in table.iter() {
        let locale = Spanned::new(locale.span(), locale.get_ref().to_string());
        if with_forms && text.get_ref().as_table().is_some() {
            let context = format!("`{key}.{}`", locale.get_ref());
            let Some(f) = dec.table(text, key, context, keys::NAME_FORMS) else { continue };
            let nom = dec.required(&f, "nom", "\"…\"").and_then(|n| dec.string(n, "nom"));
            let genitive = f.get("gen").and_then(|g| dec.string(g, "gen"));
            let plural = f.get("plural").and_then(|p| dec.boolean(p, "plural")).unwrap_or(false);
            let label = f.get("label").and_then(|l| dec.string(l, "label"));
            // Without `nom` the plan is already invalid; the locale still counts as given, so the
            // error is not repeated as a missing translation.
            let nom = nom.unwrap_or_else(|| Spanned::new(text.span(), String::new()));
            out.forms.push((locale.get_ref().clone(), Forms { genitive, plural, label }));
            out.by_locale.push((locale, nom));
        } else if let Some(t) = dec.string(text, key) {
            out.by_locale.push((locale, t));
        }
    }
    Some(out)
}
