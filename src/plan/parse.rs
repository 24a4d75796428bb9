//! TOML text → `Plan`: every table and value of the format, decoded with its span, and every
//! problem of shape or type recorded (cross-references are checked later, in `validate`).

use std::time::Duration;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::decode::{Decoder, Fields, Value};
use super::diagnostic::Diagnostic;
use super::keys;
use super::model::*;
use super::text::Text;

const DAY: Duration = Duration::from_secs(86_400);
/// Anything longer is a typo (`m` for months), not a plan.
const MAX_SPAN: Duration = Duration::from_secs(366 * 86_400);
const MAX_TIMEOUT: Duration = Duration::from_secs(30 * 86_400);

/// Per-plan defaults from `[defaults]`, applied to every service that does not say otherwise.
struct Defaults {
    check_timeout: Duration,
    check_interval: Duration,
    healthy_after: u32,
    restore_timeout: Duration,
    retries: u32,
    backoff: Duration,
    duration: Duration,
    rto: Option<Duration>,
    customer_facing: bool,
}

impl Default for Defaults {
    fn default() -> Self {
        Self {
            check_timeout: Duration::from_secs(5),
            check_interval: Duration::from_secs(10),
            healthy_after: 1,
            restore_timeout: Duration::from_secs(30 * 60),
            retries: 0,
            backoff: Duration::from_secs(30),
            duration: Duration::ZERO,
            rto: None,
            customer_facing: true,
        }
    }
}

/// Decodes a whole document. Returns `None` only when the file is not a plan at all.
///
/// Takes the tree by value: each `[[service]]` subtree is freed as soon as it is decoded, so a
/// large plan never holds its whole TOML tree and its whole decoded form at once.
pub fn parse(mut root: Spanned<DeTable<'_>>, dec: &mut Decoder) -> Option<Plan> {
    let is_plan = root.get_ref().contains_key("plan") || root.get_ref().contains_key("service");
    if !is_plan {
        dec.push(
            Diagnostic::error("not-a-plan", None, "this file is not a restore plan: it has no `[plan]` and no `[[service]]`")
                .help("a plan starts with `[plan]` and `name = \"…\"`, followed by `[[service]]` tables; see `restorectl schema`"),
        );
        return None;
    }
    let services = root.get_mut().remove("service");
    let top = dec.fields(root.get_ref(), root.span(), "the top level of the plan", keys::TOP);

    let mut plan = Plan {
        name: String::new(),
        organization: None,
        locales: vec!["en".into()],
        timezone: "UTC".into(),
        phase_gates: true,
        contact: Contact::default(),
        phases: Vec::new(),
        services: Vec::new(),
        announce: Announce::default(),
    };
    match top.get("plan") {
        Some(v) => parse_plan_table(v, dec, &mut plan),
        None => dec.push(
            Diagnostic::error("missing-key", 0..0, "missing `[plan]` table")
                .help("start the file with `[plan]` and `name = \"…\"`"),
        ),
    }
    let defaults = top.get("defaults").map(|v| parse_defaults(v, dec)).unwrap_or_default();
    if let Some(v) = top.get("announce") {
        plan.announce = parse_announce(v, dec);
    }

    if let Some(v) = top.get("phase") {
        for item in array_of_tables(v, "phase", dec) {
            if let Some(p) = parse_phase(item, dec) {
                plan.phases.push(p);
            }
        }
    }
    match services {
        Some(v) => {
            let span = v.span();
            match v.into_inner() {
                DeValue::Array(items) => {
                    plan.services.reserve(items.len());
                    for item in items {
                        if let Some(s) = parse_service(&item, dec, &defaults, &plan.phases) {
                            plan.services.push(s);
                        }
                    }
                }
                other => {
                    array_of_tables(&Spanned::new(span, other), "service", dec);
                }
            }
        }
        None => dec.push(
            Diagnostic::error("no-services", 0..0, "the plan has no services")
                .help("add at least one `[[service]]` table with an `id`"),
        ),
    }
    Some(plan)
}

fn array_of_tables<'a, 'i>(v: &'a Value<'i>, key: &str, dec: &mut Decoder) -> Vec<&'a Value<'i>> {
    match dec.array(v, key, &format!("an array of tables (`[[{key}]]`)")) {
        Some(a) => a.iter().collect(),
        None => Vec::new(),
    }
}

fn parse_plan_table(v: &Value<'_>, dec: &mut Decoder, plan: &mut Plan) {
    let Some(f) = dec.table(v, "plan", "`[plan]`", keys::PLAN) else {
        return;
    };
    if let Some(name) = dec.required(&f, "name", "\"Example Co. IT restoration\"")
        && let Some(n) = dec.string(name, "name")
    {
        if n.get_ref().trim().is_empty() {
            dec.push(Diagnostic::error("empty-value", n.span(), "`name` must not be empty"));
        }
        plan.name = n.into_inner();
    }
    plan.organization =
        f.get("organization").and_then(|v| dec.string(v, "organization")).map(Spanned::into_inner);
    if let Some(v) = f.get("locales")
        && let Some(list) = dec.string_list(v, "locales")
    {
        if list.is_empty() {
            dec.push(
                Diagnostic::error("empty-value", v.span(), "`locales` must list at least one language")
                    .help("e.g. `locales = [\"pl\", \"en\"]`"),
            );
        }
        for l in &list {
            if !is_locale(l.get_ref()) {
                dec.push(
                    Diagnostic::error(
                        "bad-locale",
                        l.span(),
                        format!("`{}` is not a language tag", l.get_ref()),
                    )
                    .help("use a lowercase language code such as `pl`, `en` or `de`"),
                );
            }
            if list.iter().filter(|o| o.get_ref() == l.get_ref()).count() > 1 {
                dec.push(Diagnostic::warning(
                    "duplicate-locale",
                    l.span(),
                    format!("locale `{}` is listed twice", l.get_ref()),
                ));
            }
        }
        if !list.is_empty() {
            plan.locales = list.into_iter().map(Spanned::into_inner).collect();
            plan.locales.dedup();
        }
    }
    if let Some(v) = f.get("timezone")
        && let Some(tz) = dec.string(v, "timezone")
    {
        check_timezone(&tz, dec);
        plan.timezone = tz.into_inner();
    }
    if let Some(v) = f.get("phase_gates") {
        plan.phase_gates = dec.boolean(v, "phase_gates").unwrap_or(true);
    }
    if let Some(v) = f.get("contact")
        && let Some(c) = dec.table(v, "contact", "`[plan.contact]`", keys::CONTACT)
    {
        let mut field = |key: &str| c.get(key).and_then(|v| dec.string(v, key)).map(Spanned::into_inner);
        plan.contact = Contact { phone: field("phone"), email: field("email"), form: field("form") };
    }
}

fn is_locale(s: &str) -> bool {
    let mut parts = s.split(['-', '_']);
    let lang = parts.next().unwrap_or_default();
    let lang_ok = (2..=3).contains(&lang.len()) && lang.chars().all(|c| c.is_ascii_lowercase());
    lang_ok && parts.all(|p| (2..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

fn check_timezone(tz: &Spanned<String>, dec: &mut Decoder) {
    if jiff::tz::TimeZone::get(tz.get_ref()).is_ok() {
        return;
    }
    let names: Vec<String> = jiff::tz::db().available().map(|n| n.to_string()).collect();
    let suggestion = crate::suggest::did_you_mean(tz.get_ref(), names.iter().map(String::as_str));
    dec.push(
        Diagnostic::error("unknown-timezone", tz.span(), format!("unknown time zone `{}`", tz.get_ref()))
            .label("not an IANA time zone")
            .help(match suggestion {
                Some(s) => format!("did you mean `{s}`?"),
                None => "use an IANA name such as `Europe/Warsaw` or `UTC`".into(),
            }),
    );
}

fn parse_defaults(v: &Value<'_>, dec: &mut Decoder) -> Defaults {
    let mut d = Defaults::default();
    let Some(f) = dec.table(v, "defaults", "`[defaults]`", keys::DEFAULTS) else {
        return d;
    };
    if let Some(c) =
        f.get("check").and_then(|v| dec.table(v, "check", "`[defaults.check]`", keys::CHECK_DEFAULTS))
    {
        opt(
            &c,
            "timeout",
            |v| dec.duration(v, "timeout", MAX_TIMEOUT).filter(|t| nonzero(dec, v, "timeout", *t)),
            &mut d.check_timeout,
        );
        opt(&c, "interval", |v| dec.duration(v, "interval", DAY), &mut d.check_interval);
        opt(
            &c,
            "healthy_after",
            |v| dec.integer(v, "healthy_after", 1, 100).map(|n| n as u32),
            &mut d.healthy_after,
        );
    }
    if let Some(r) =
        f.get("restore").and_then(|v| dec.table(v, "restore", "`[defaults.restore]`", keys::RESTORE_DEFAULTS))
    {
        opt(
            &r,
            "timeout",
            |v| dec.duration(v, "timeout", MAX_TIMEOUT).filter(|t| nonzero(dec, v, "timeout", *t)),
            &mut d.restore_timeout,
        );
        opt(&r, "retries", |v| dec.integer(v, "retries", 0, 100).map(|n| n as u32), &mut d.retries);
        opt(&r, "backoff", |v| dec.duration(v, "backoff", DAY), &mut d.backoff);
    }
    opt(&f, "duration", |v| dec.duration(v, "duration", MAX_SPAN), &mut d.duration);
    if let Some(v) = f.get("rto") {
        d.rto = dec.duration(v, "rto", MAX_SPAN);
    }
    opt(&f, "customer_facing", |v| dec.boolean(v, "customer_facing"), &mut d.customer_facing);
    d
}

/// Overwrites `slot` with the decoded value of `key`, when present and valid.
fn opt<T>(f: &Fields<'_, '_>, key: &str, decode: impl FnOnce(&Value<'_>) -> Option<T>, slot: &mut T) {
    if let Some(value) = f.get(key).and_then(decode) {
        *slot = value;
    }
}

fn nonzero(dec: &mut Decoder, v: &Value<'_>, key: &str, d: Duration) -> bool {
    if d.is_zero() {
        dec.push(
            Diagnostic::error("out-of-range", v.span(), format!("`{key}` must be longer than zero"))
                .label("zero"),
        );
    }
    !d.is_zero()
}

fn parse_id(f: &Fields<'_, '_>, dec: &mut Decoder, example: &str) -> Option<Spanned<String>> {
    let value = dec.required(f, "id", example)?;
    let id = dec.string(value, "id")?;
    let valid = !id.get_ref().is_empty()
        && id.get_ref().chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
    if !valid {
        let fixed: String = id
            .get_ref()
            .to_lowercase()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '-' })
            .collect();
        dec.push(
            Diagnostic::error(
                "bad-id",
                id.span(),
                format!("id `{}` may only contain a-z, 0-9, `_` and `-`", id.get_ref()),
            )
            .label("invalid id")
            .help_opt((!fixed.is_empty()).then(|| format!("try `{fixed}`"))),
        );
    }
    Some(id)
}

fn parse_phase(v: &Value<'_>, dec: &mut Decoder) -> Option<Phase> {
    let f = dec.table(v, "phase", "`[[phase]]`", keys::PHASE)?;
    let id = parse_id(&f, dec, "\"internal\"");
    let name = f.get("name").and_then(|v| parse_localized(v, "name", dec)).unwrap_or_default();
    let id = id?;
    Some(Phase { span: id.span(), id: id.into_inner(), name })
}

fn parse_localized(v: &Value<'_>, key: &str, dec: &mut Decoder) -> Option<Localized> {
    if let Some(s) = v.get_ref().as_str() {
        return Some(Localized { all: Some(Spanned::new(v.span(), s.to_owned())), by_locale: Vec::new() });
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
    let mut by_locale = Vec::new();
    for (locale, text) in table.iter() {
        if let Some(t) = dec.string(text, key) {
            by_locale.push((Spanned::new(locale.span(), locale.get_ref().to_string()), t));
        }
    }
    Some(Localized { all: None, by_locale })
}

fn parse_service(v: &Value<'_>, dec: &mut Decoder, d: &Defaults, phases: &[Phase]) -> Option<Service> {
    let f = dec.table(v, "service", "`[[service]]`", keys::SERVICE)?;
    let id = parse_id(&f, dec, "\"email\"");
    let ctx = match &id {
        Some(id) => format!("service `{}`", id.get_ref()),
        None => "`[[service]]`".into(),
    };
    let name = match f.get("name") {
        Some(v) => parse_localized(v, "name", dec).unwrap_or_default(),
        None => Localized::default(),
    };
    let phase = f.get("phase").and_then(|v| dec.string(v, "phase")).and_then(|p| {
        let found = phases.iter().position(|ph| &ph.id == p.get_ref());
        if found.is_none() {
            let ids = phases.iter().map(|ph| ph.id.as_str());
            let help = match crate::suggest::did_you_mean(p.get_ref(), ids) {
                Some(s) => format!("did you mean `{s}`?"),
                None if phases.is_empty() => {
                    "the plan has no `[[phase]]` tables; add one with this id".into()
                }
                None => format!(
                    "known phases: {}",
                    phases.iter().map(|ph| format!("`{}`", ph.id)).collect::<Vec<_>>().join(", ")
                ),
            };
            dec.push(
                Diagnostic::error(
                    "unknown-phase",
                    p.span(),
                    format!("{ctx} is in unknown phase `{}`", p.get_ref()),
                )
                .label("no `[[phase]]` has this id")
                .help(help),
            );
        }
        found
    });
    let depends_on = f.get("depends_on").and_then(|v| dec.string_list(v, "depends_on")).unwrap_or_default();
    let mut duration = d.duration;
    opt(&f, "duration", |v| dec.duration(v, "duration", MAX_SPAN), &mut duration);
    let rto = match f.get("rto") {
        Some(v) => dec.duration(v, "rto", MAX_SPAN).filter(|t| nonzero(dec, v, "rto", *t)),
        None => d.rto,
    };
    let mut customer_facing = d.customer_facing;
    opt(&f, "customer_facing", |v| dec.boolean(v, "customer_facing"), &mut customer_facing);
    let summary = f.get("summary").and_then(|v| parse_localized(v, "summary", dec));
    let checks = match f.get("check") {
        Some(v) => array_of_tables(v, "check", dec)
            .into_iter()
            .filter_map(|c| parse_check(c, dec, d, &ctx))
            .collect(),
        None => Vec::new(),
    };
    let restore = f.get("restore").and_then(|v| parse_restore(v, dec, d, &ctx));
    let id = id?;
    Some(Service {
        span: id.span(),
        id: id.into_inner(),
        name,
        phase,
        depends_on,
        duration,
        rto,
        customer_facing,
        summary,
        checks,
        restore,
    })
}

/// The one key of `kinds` present in `f`; reports none or several.
fn one_kind<'k>(f: &Fields<'_, '_>, kinds: &[&'k str], what: &str, dec: &mut Decoder) -> Option<&'k str> {
    let present: Vec<&str> = kinds.iter().copied().filter(|k| f.has(k)).collect();
    match present.as_slice() {
        [one] => Some(one),
        [] => {
            dec.push(
                Diagnostic::error(
                    "no-kind",
                    f.span.clone(),
                    format!("{} needs one of {}", f.context, backticked(kinds, " or ")),
                )
                .label(format!("{what} of no kind")),
            );
            None
        }
        [first, rest @ ..] => {
            let mut d = Diagnostic::error(
                "several-kinds",
                f.key_span(first).unwrap_or(f.span.clone()),
                format!("{} has several kinds: {}", f.context, backticked(&present, " and ")),
            )
            .label("first kind")
            .help(format!("split it into separate {what}s, one kind each"));
            for k in rest {
                if let Some(s) = f.key_span(k) {
                    d = d.related(s, "another kind");
                }
            }
            dec.push(d);
            None
        }
    }
}

fn backticked(items: &[&str], last_sep: &str) -> String {
    let quoted: Vec<String> = items.iter().map(|k| format!("`{k}`")).collect();
    match quoted.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, init)) => format!("{}{last_sep}{last}", init.join(", ")),
        None => String::new(),
    }
}

/// Keys that do not apply to the kind that was chosen.
fn reject_foreign(f: &Fields<'_, '_>, kind: &str, only: &[(&[&str], &str)], dec: &mut Decoder) {
    for (group, owner) in only {
        if *owner == kind {
            continue;
        }
        for key in group.iter().filter(|k| f.has(k)) {
            dec.push(
                Diagnostic::error(
                    "misplaced-key",
                    f.key_span(key),
                    format!(
                        "`{key}` applies only to `{owner}` {}, not to `{kind}`",
                        if f.context.contains("restore") { "restores" } else { "checks" }
                    ),
                )
                .label("not used here"),
            );
        }
    }
}

fn text(v: &Value<'_>, key: &str, dec: &mut Decoder) -> Option<Text> {
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

fn parse_check(v: &Value<'_>, dec: &mut Decoder, d: &Defaults, service: &str) -> Option<Check> {
    let f = dec.table(v, "check", format!("a check of {service}"), keys::CHECK)?;
    let kind = one_kind(&f, &["http", "tcp", "command"], "a check", dec);
    let mut timeout = d.check_timeout;
    opt(
        &f,
        "timeout",
        |v| dec.duration(v, "timeout", MAX_TIMEOUT).filter(|t| nonzero(dec, v, "timeout", *t)),
        &mut timeout,
    );
    let mut interval = d.check_interval;
    opt(&f, "interval", |v| dec.duration(v, "interval", DAY), &mut interval);
    let mut healthy_after = d.healthy_after;
    opt(
        &f,
        "healthy_after",
        |v| dec.integer(v, "healthy_after", 1, 100).map(|n| n as u32),
        &mut healthy_after,
    );
    let kind = kind?;
    reject_foreign(&f, kind, &[(keys::CHECK_HTTP_ONLY, "http"), (keys::CHECK_COMMAND_ONLY, "command")], dec);
    let value = f.get(kind)?;
    let probe = match kind {
        "http" => {
            let url = url_text(value, "http", dec);
            let method = method(&f, dec);
            let headers = headers(&f, dec);
            let expect_status = expect_status(&f, dec);
            let body_contains = f.get("body_contains").and_then(|v| text(v, "body_contains", dec));
            let body_regex = f.get("body_regex").and_then(|v| {
                let s = dec.string(v, "body_regex")?;
                regex::Regex::new(s.get_ref())
                    .map_err(|e| {
                        let msg = e.to_string().lines().last().unwrap_or_default().trim().to_owned();
                        dec.push(Diagnostic::error(
                            "bad-regex",
                            s.span(),
                            format!("`body_regex` is not a valid regular expression: {msg}"),
                        ));
                    })
                    .ok()
            });
            let max_latency = f.get("max_latency").and_then(|v| dec.duration(v, "max_latency", MAX_TIMEOUT));
            let insecure_tls =
                f.get("insecure_tls").and_then(|v| dec.boolean(v, "insecure_tls")).unwrap_or(false);
            if insecure_tls {
                dec.push(
                    Diagnostic::warning(
                        "insecure-tls",
                        f.key_span("insecure_tls"),
                        format!("a check of {service} does not verify TLS certificates"),
                    )
                    .help("use this only for self-signed endpoints during the recovery"),
                );
            }
            Probe::Http(HttpProbe {
                request: HttpRequest {
                    url: url?,
                    method: method?,
                    headers: headers?,
                    body: None,
                    expect_status: expect_status?,
                },
                body_contains,
                body_regex,
                max_latency,
                insecure_tls,
            })
        }
        "tcp" => Probe::Tcp { target: tcp_target(value, dec)? },
        _ => {
            let command = command_spec(value, &f, dec)?;
            let expect_exit =
                f.get("expect_exit").and_then(|v| dec.integer(v, "expect_exit", 0, 255)).unwrap_or(0) as i32;
            let stdout_contains = f.get("stdout_contains").and_then(|v| text(v, "stdout_contains", dec));
            Probe::Command(CommandProbe { command, expect_exit, stdout_contains })
        }
    };
    Some(Check { span: f.span.clone(), probe, timeout, interval, healthy_after })
}

fn parse_restore(v: &Value<'_>, dec: &mut Decoder, d: &Defaults, service: &str) -> Option<Restore> {
    let f = dec.table(v, "restore", format!("the restore of {service}"), keys::RESTORE)?;
    let kind = one_kind(&f, &["command", "http", "manual"], "a restore", dec);
    let mut timeout = d.restore_timeout;
    opt(
        &f,
        "timeout",
        |v| dec.duration(v, "timeout", MAX_TIMEOUT).filter(|t| nonzero(dec, v, "timeout", *t)),
        &mut timeout,
    );
    let mut retries = d.retries;
    opt(&f, "retries", |v| dec.integer(v, "retries", 0, 100).map(|n| n as u32), &mut retries);
    let mut backoff = d.backoff;
    opt(&f, "backoff", |v| dec.duration(v, "backoff", DAY), &mut backoff);
    let kind = kind?;
    reject_foreign(&f, kind, &[(keys::RESTORE_COMMAND_ONLY, "command")], dec);
    let value = f.get(kind)?;
    let action = match kind {
        "command" => Action::Command(command_spec(value, &f, dec)?),
        "http" => Action::Http(http_action(value, dec)?),
        _ => {
            let s = dec.string(value, "manual")?;
            if s.get_ref().trim().is_empty() {
                dec.push(Diagnostic::error(
                    "empty-value",
                    s.span(),
                    "`manual` must say what the operator has to do",
                ));
            }
            Action::Manual(s.into_inner())
        }
    };
    Some(Restore { span: f.span.clone(), action, timeout, retries, backoff })
}

fn http_action(v: &Value<'_>, dec: &mut Decoder) -> Option<HttpRequest> {
    let f = dec.table(v, "http", "an `http` restore", keys::HTTP_ACTION)?;
    let url = url_text(
        dec.required(&f, "url", "\"https://awx.internal/api/v2/job_templates/7/launch/\"")?,
        "url",
        dec,
    );
    let method = match f.get("method") {
        Some(_) => method(&f, dec),
        None => Some("POST".to_owned()),
    };
    let headers = headers(&f, dec);
    let body = f.get("body").and_then(|v| text(v, "body", dec));
    let expect_status = expect_status(&f, dec);
    Some(HttpRequest { url: url?, method: method?, headers: headers?, body, expect_status: expect_status? })
}

fn url_text(v: &Value<'_>, key: &str, dec: &mut Decoder) -> Option<Text> {
    let t = text(v, key, dec)?;
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

fn method(f: &Fields<'_, '_>, dec: &mut Decoder) -> Option<String> {
    let Some(v) = f.get("method") else {
        return Some("GET".into());
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

fn headers(f: &Fields<'_, '_>, dec: &mut Decoder) -> Option<Vec<(String, Text)>> {
    let Some(v) = f.get("headers") else {
        return Some(Vec::new());
    };
    string_table(v, "headers", dec, |name| reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_ok())
}

/// A table of string values whose keys pass `key_ok` (headers, environment variables).
fn string_table(
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

fn expect_status(f: &Fields<'_, '_>, dec: &mut Decoder) -> Option<Vec<u16>> {
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

fn tcp_target(v: &Value<'_>, dec: &mut Decoder) -> Option<Text> {
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

/// `command` with its `shell`, `env` and `cwd` companions.
fn command_spec(v: &Value<'_>, f: &Fields<'_, '_>, dec: &mut Decoder) -> Option<CommandSpec> {
    let shell = f.get("shell").and_then(|v| dec.boolean(v, "shell")).unwrap_or(false);
    let argv: Vec<Text> = if let Some(script) = v.get_ref().as_str() {
        if !shell {
            let words: Vec<String> = script.split_whitespace().map(|w| format!("{w:?}")).collect();
            dec.push(
                Diagnostic::error("command-is-string", v.span(), "`command` must be a list of arguments")
                    .label("a string would need a shell")
                    .help(format!(
                        "write `command = [{}]`, or add `shell = true` to run it through `sh -c`",
                        words.join(", ")
                    )),
            );
            return None;
        }
        vec![text(v, "command", dec)?]
    } else {
        let items = dec.array(v, "command", "a list of arguments")?;
        let argv: Option<Vec<Text>> = items.iter().map(|a| text(a, "command", dec)).collect();
        argv?
    };
    if argv.first().is_none_or(|a| a.raw().trim().is_empty()) {
        dec.push(
            Diagnostic::error("empty-command", v.span(), "`command` is empty")
                .label("no program to run")
                .help("the first element is the program, e.g. [\"pg_isready\", \"-h\", \"db1\"]"),
        );
        return None;
    }
    let env = match f.get("env") {
        Some(e) => string_table(e, "env", dec, |n| !n.is_empty() && !n.contains(['=', '\0']))?,
        None => Vec::new(),
    };
    let cwd = f.get("cwd").and_then(|c| text(c, "cwd", dec));
    Some(CommandSpec { argv, shell, env, cwd })
}

fn parse_announce(v: &Value<'_>, dec: &mut Decoder) -> Announce {
    let mut a = Announce::default();
    let Some(f) = dec.table(v, "announce", "`[announce]`", keys::ANNOUNCE) else { return a };
    if let Some(t) = f.get("templates").and_then(|v| dec.string(v, "templates")) {
        a.templates = Some(Spanned::new(t.span(), std::path::PathBuf::from(t.get_ref())));
    }
    opt(&f, "batch_window", |v| dec.duration(v, "batch_window", DAY), &mut a.batch_window);
    if let Some(v) = f.get("webhook") {
        for item in array_of_tables(v, "webhook", dec) {
            let Some(w) = dec.table(item, "webhook", "`[[announce.webhook]]`", keys::WEBHOOK) else {
                continue;
            };
            let url = dec
                .required(&w, "url", "\"https://hooks.example.com/…\"")
                .and_then(|v| url_text(v, "url", dec));
            let format = match w.get("format").and_then(|v| dec.string(v, "format")) {
                None => Some(WebhookFormat::Json),
                Some(s) => match s.get_ref().as_str() {
                    "json" => Some(WebhookFormat::Json),
                    "slack" => Some(WebhookFormat::Slack),
                    "statuspage" => Some(WebhookFormat::Statuspage),
                    other => {
                        dec.push(
                            Diagnostic::error(
                                "bad-webhook-format",
                                s.span(),
                                format!("unknown webhook format `{other}`"),
                            )
                            .help("use \"json\", \"slack\" or \"statuspage\""),
                        );
                        None
                    }
                },
            };
            let headers = headers(&w, dec);
            let components = match w.get("components") {
                Some(c) => string_table(c, "components", dec, |_| true)
                    .map(|t| t.into_iter().map(|(k, v)| (k, v.raw().to_owned())).collect()),
                None => Some(Vec::new()),
            };
            if let (Some(url), Some(format), Some(headers), Some(components)) =
                (url, format, headers, components)
            {
                a.webhooks.push(Webhook { url, format, headers, components });
            }
        }
    }
    a
}
