//! The defaults of the plan format, and `[defaults]`, which changes them for one plan. The one
//! place where a default value is written; the JSON Schema shows these same values.

use std::time::Duration;

use super::decode::{Decoder, Fields, Value};
use super::diagnostic::Diagnostic;
use super::keys;

pub(super) const DAY: Duration = Duration::from_secs(86_400);
/// Anything longer is a typo (`m` for months), not a plan.
pub const MAX_SPAN: Duration = Duration::from_secs(366 * 86_400);
pub(super) const MAX_TIMEOUT: Duration = Duration::from_secs(30 * 86_400);

/// `[announce] batch_window`, at least: what comes back within a quarter of an hour is one update.
pub const BATCH_WINDOW: Duration = Duration::from_secs(15 * 60);
/// ...and a restoration planned to take longer gets at most about this many windows.
pub const BATCH_WINDOWS: u32 = 1_000;

/// `[plan]` and the kinds of checks and actions: defaults no `[defaults]` table changes.
pub(super) const LOCALE: &str = "en";
pub(super) const TIMEZONE: &str = "UTC";
pub(super) const PHASE_GATES: bool = true;
pub(super) const CHECK_METHOD: &str = "GET";
pub(super) const ACTION_METHOD: &str = "POST";
pub(super) const EXPECT_EXIT: i64 = 0;
pub(super) const INSECURE_TLS: bool = false;
pub(super) const SHELL: bool = false;
pub(super) const PUBLISH_ETA: bool = false;
pub(super) const CRITICAL: bool = true;
pub(super) const RTO_RISK_AT: f64 = 0.8;
pub(super) const ON_FAILURE: &str = "continue";
pub(super) const PUBLISH: &str = "review";

/// One default of the plan format, as a plan would write it, and where the JSON Schema shows it
/// (JSON pointers). The schema's `default`s, the reference in `docs/plan-format.md` and the
/// decoder's values all come from here; tests hold them together.
pub struct Documented {
    pub key: &'static str,
    pub value: serde_json::Value,
    pub schema: &'static [&'static str],
}

/// Every default of the plan format.
pub fn documented() -> Vec<Documented> {
    use serde_json::json;
    let d = Defaults::default();
    let text = |t: Duration| json!(crate::human::human_duration(t));
    let doc = |key, value, schema| Documented { key, value, schema };
    vec![
        doc("plan.locales", json!([LOCALE]), &["/$defs/PlanTable/properties/locales"]),
        doc("plan.timezone", json!(TIMEZONE), &["/$defs/PlanTable/properties/timezone"]),
        doc("plan.phase_gates", json!(PHASE_GATES), &["/$defs/PlanTable/properties/phase_gates"]),
        doc("plan.on_failure", json!(ON_FAILURE), &["/$defs/PlanTable/properties/on_failure"]),
        doc("plan.rto_risk_at", json!(RTO_RISK_AT), &["/$defs/PlanTable/properties/rto_risk_at"]),
        doc("service.critical", json!(CRITICAL), &["/$defs/Service/properties/critical"]),
        doc(
            "check.timeout",
            text(d.check_timeout),
            &["/$defs/CheckDefaults/properties/timeout", "/$defs/Check/properties/timeout"],
        ),
        doc(
            "check.interval",
            text(d.check_interval),
            &["/$defs/CheckDefaults/properties/interval", "/$defs/Check/properties/interval"],
        ),
        doc(
            "check.healthy_after",
            json!(d.healthy_after),
            &["/$defs/CheckDefaults/properties/healthy_after", "/$defs/Check/properties/healthy_after"],
        ),
        doc("check.method", json!(CHECK_METHOD), &["/$defs/Check/properties/method"]),
        doc("check.insecure_tls", json!(INSECURE_TLS), &["/$defs/Check/properties/insecure_tls"]),
        doc("check.expect_exit", json!(EXPECT_EXIT), &["/$defs/Check/properties/expect_exit"]),
        doc("check.shell", json!(SHELL), &["/$defs/Check/properties/shell"]),
        doc(
            "restore.timeout",
            text(d.restore_timeout),
            &["/$defs/RestoreDefaults/properties/timeout", "/$defs/Restore/properties/timeout"],
        ),
        doc(
            "restore.retries",
            json!(d.retries),
            &["/$defs/RestoreDefaults/properties/retries", "/$defs/Restore/properties/retries"],
        ),
        doc(
            "restore.backoff",
            text(d.backoff),
            &["/$defs/RestoreDefaults/properties/backoff", "/$defs/Restore/properties/backoff"],
        ),
        doc("restore.shell", json!(SHELL), &["/$defs/Restore/properties/shell"]),
        doc("restore.http.method", json!(ACTION_METHOD), &["/$defs/HttpAction/properties/method"]),
        doc(
            "service.duration",
            text(d.duration),
            &["/$defs/Defaults/properties/duration", "/$defs/Service/properties/duration"],
        ),
        doc(
            "service.customer_facing",
            json!(d.customer_facing),
            &["/$defs/Defaults/properties/customer_facing", "/$defs/Service/properties/customer_facing"],
        ),
        doc(
            "service.wait_timeout",
            text(d.wait_timeout),
            &["/$defs/Defaults/properties/wait_timeout", "/$defs/Service/properties/wait_timeout"],
        ),
        doc("announce.batch_window", text(BATCH_WINDOW), &["/$defs/Announce/properties/batch_window"]),
        doc("announce.publish_eta", json!(PUBLISH_ETA), &["/$defs/Announce/properties/publish_eta"]),
        doc("announce.publish", json!(PUBLISH), &["/$defs/Announce/properties/publish"]),
    ]
}

/// Per-plan defaults from `[defaults]`, applied to every service that does not say otherwise.
pub(super) struct Defaults {
    pub(super) check_timeout: Duration,
    pub(super) check_interval: Duration,
    pub(super) healthy_after: u32,
    pub(super) restore_timeout: Duration,
    pub(super) retries: u32,
    pub(super) backoff: Duration,
    pub(super) duration: Duration,
    pub(super) rto: Option<Duration>,
    pub(super) customer_facing: bool,
    pub(super) wait_timeout: Duration,
    /// `[defaults] wait_timeout`, when given: it bounds the waits for people too.
    pub(super) people_timeout: Option<Duration>,
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
            wait_timeout: DAY,
            people_timeout: None,
        }
    }
}

pub(super) fn parse_defaults(v: &Value<'_>, dec: &mut Decoder) -> Defaults {
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
        opt(
            &c,
            "interval",
            |v| dec.duration(v, "interval", DAY).filter(|t| nonzero(dec, v, "interval", *t)),
            &mut d.check_interval,
        );
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
    opt(&f, "wait_timeout", |v| wait_timeout(dec, v), &mut d.wait_timeout);
    if f.get("wait_timeout").is_some() {
        d.people_timeout = Some(d.wait_timeout);
    }
    d
}

pub(super) fn wait_timeout(dec: &mut Decoder, v: &Value<'_>) -> Option<Duration> {
    dec.duration(v, "wait_timeout", MAX_TIMEOUT).filter(|t| nonzero(dec, v, "wait_timeout", *t))
}

/// Overwrites `slot` with the decoded value of `key`, when present and valid.
pub(super) fn opt<T>(
    f: &Fields<'_, '_>,
    key: &str,
    decode: impl FnOnce(&Value<'_>) -> Option<T>,
    slot: &mut T,
) {
    if let Some(value) = f.get(key).and_then(decode) {
        *slot = value;
    }
}

pub(super) fn nonzero(dec: &mut Decoder, v: &Value<'_>, key: &str, d: Duration) -> bool {
    if d.is_zero() {
        dec.push(
            Diagnostic::error("out-of-range", v.span(), format!("`{key}` must be longer than zero"))
                .label("zero"),
        );
    }
    !d.is_zero()
}

/// A service's `duration_p90`: at least its `duration` (the median).
pub(super) fn duration_p90(
    v: &Value<'_>,
    dec: &mut Decoder,
    ctx: &str,
    duration: Duration,
) -> Option<Duration> {
    let p90 = dec.duration(v, "duration_p90", MAX_SPAN)?;
    if p90 < duration {
        dec.push(
            Diagnostic::error(
                "p90-below-duration",
                v.span(),
                format!("{ctx} has a `duration_p90` shorter than its `duration`"),
            )
            .label("shorter than the median")
            .help("`duration` is the median restore time and `duration_p90` what nine in ten stay within: it is at least as long"),
        );
        return None;
    }
    Some(p90)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::json;

    use crate::human::human_duration as text;
    use crate::plan::{Action, Probe};

    /// A plan that leaves every default alone, decoded: what the model holds must be what the
    /// table documents (and so what the schema and the docs show).
    #[test]
    fn the_decoder_applies_exactly_the_documented_defaults() {
        let toml = r#"
[plan]
name = "defaults"
[[service]]
id = "web"
name = "web"
[[service.check]]
http = "https://web.example/health"
[service.restore]
http = { url = "https://awx.example/launch" }
[[service]]
id = "db"
name = "db"
[[service.check]]
command = ["pg_isready"]
[service.restore]
command = ["restore-db"]
"#;
        let loaded = crate::loaded::check(std::path::Path::new("p.toml"), toml.as_bytes().to_vec())
            .unwrap_or_else(|r| panic!("{:?}", r.diagnostics));
        let plan = &loaded.plan;
        let (web, db) = (&plan.services[0], &plan.services[1]);
        let (Probe::Http(http), Probe::Command(command)) = (&web.checks[0].probe, &db.checks[0].probe) else {
            panic!("the checks are http and command")
        };
        let (Some(Action::Http(call)), Some(Action::Command(restore))) =
            (web.restore.as_ref().map(|r| &r.action), db.restore.as_ref().map(|r| &r.action))
        else {
            panic!("the restores are http and command")
        };
        let r = db.restore.as_ref().unwrap();
        let model: BTreeMap<&str, serde_json::Value> = [
            ("plan.locales", json!(plan.locales)),
            ("plan.timezone", json!(plan.timezone)),
            ("plan.phase_gates", json!(plan.phase_gates)),
            (
                "plan.on_failure",
                json!(match plan.on_failure {
                    crate::plan::OnFailure::Continue => "continue",
                    crate::plan::OnFailure::Halt => "halt",
                }),
            ),
            ("service.critical", json!(db.critical)),
            ("plan.rto_risk_at", json!(plan.rto_risk_at)),
            ("check.timeout", json!(text(db.checks[0].timeout))),
            ("check.interval", json!(text(db.checks[0].interval))),
            ("check.healthy_after", json!(db.checks[0].healthy_after)),
            ("check.method", json!(http.request.method)),
            ("check.insecure_tls", json!(http.insecure_tls)),
            ("check.expect_exit", json!(command.expect_exit)),
            ("check.shell", json!(command.command.shell)),
            ("restore.timeout", json!(text(r.timeout))),
            ("restore.retries", json!(r.retries)),
            ("restore.backoff", json!(text(r.backoff))),
            ("restore.shell", json!(restore.shell)),
            ("restore.http.method", json!(call.method)),
            ("service.duration", json!(text(db.duration))),
            ("service.customer_facing", json!(db.customer_facing)),
            ("service.wait_timeout", json!(text(db.wait_timeout))),
            ("announce.batch_window", json!(text(crate::announce::batch_window(plan, &loaded.graph, 8)))),
            ("announce.publish_eta", json!(plan.announce.publish_eta)),
            (
                "announce.publish",
                json!(match plan.announce.publish {
                    crate::plan::Publish::Auto => "auto",
                    crate::plan::Publish::Review => "review",
                }),
            ),
        ]
        .into();
        let documented: BTreeMap<&str, serde_json::Value> =
            super::documented().into_iter().map(|d| (d.key, d.value)).collect();
        assert_eq!(model, documented);
    }

    #[test]
    fn the_schema_shows_every_documented_default_where_it_says() {
        let schema = crate::schema::plan_schema();
        for d in super::documented() {
            for pointer in d.schema {
                let property =
                    schema.pointer(pointer).unwrap_or_else(|| panic!("{pointer} is not in the schema"));
                assert_eq!(property["default"], d.value, "{} at {pointer}", d.key);
            }
        }
    }

    #[test]
    fn the_plan_format_reference_lists_every_default() {
        let docs = include_str!("../../docs/plan-format.md");
        for d in super::documented() {
            let row = format!("| `{}` | `{}` |", d.key, d.value);
            assert!(docs.contains(&row), "docs/plan-format.md lacks the row {row}");
        }
    }
}
