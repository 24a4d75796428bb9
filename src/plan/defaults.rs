//! The defaults of the plan format, and `[defaults]`, which changes them for one plan. The one
//! place where a default value is written; the JSON Schema shows these same values.

use std::time::Duration;

use super::decode::{Decoder, Fields, Value};
use super::diagnostic::Diagnostic;
use super::keys;

pub(super) const DAY: Duration = Duration::from_secs(86_400);
/// Anything longer is a typo (`m` for months), not a plan.
pub(super) const MAX_SPAN: Duration = Duration::from_secs(366 * 86_400);
pub(super) const MAX_TIMEOUT: Duration = Duration::from_secs(30 * 86_400);

/// `[announce] batch_window`, at least: what comes back within a quarter of an hour is one update.
pub const BATCH_WINDOW: Duration = Duration::from_secs(15 * 60);
/// ...and a restoration planned to take longer gets at most about this many windows.
pub const BATCH_WINDOWS: u32 = 1_000;

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
    opt(&f, "wait_timeout", |v| wait_timeout(dec, v), &mut d.wait_timeout);
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
