//! `[[service.verify]]`: the gates a restored service must pass before it counts as online — a
//! command (a malware scan, a check that credentials were rotated) or an HTTP request (an EDR
//! API), each within its timeout; `evidence = "restore_point"` keeps a step's output as the
//! service's restore point.

use std::time::Duration;

use super::checks::{command_spec, one_kind};
use super::decode::{Decoder, Value};
use super::defaults::{MAX_TIMEOUT, nonzero};
use super::diagnostic::Diagnostic;
use super::keys;
use super::model::{Gate, GateStep, HttpRequest};
use super::values::{expect_status, headers, method, text, url_text};

/// A gate's timeout unless it gives one.
const TIMEOUT: Duration = Duration::from_secs(30 * 60);

pub(super) fn parse_gate(v: &Value<'_>, n: usize, dec: &mut Decoder, service: &str) -> Option<Gate> {
    let f = dec.table(v, "verify", format!("a verify step of {service}"), keys::VERIFY)?;
    let kind = one_kind(&f, &["command", "http"], "a verify step", dec)?;
    let name = match f.get("name").and_then(|v| dec.string(v, "name")) {
        Some(s) => s.into_inner(),
        None => format!("verify {}", n + 1),
    };
    let timeout = match f.get("timeout") {
        Some(v) => dec.duration(v, "timeout", MAX_TIMEOUT).filter(|t| nonzero(dec, v, "timeout", *t))?,
        None => TIMEOUT,
    };
    let duration = match f.get("duration") {
        Some(v) => dec.duration(v, "duration", MAX_TIMEOUT)?,
        None => Duration::ZERO,
    };
    let restore_point = match f.get("evidence").and_then(|v| dec.string(v, "evidence")) {
        None => false,
        Some(s) if s.get_ref() == "restore_point" => true,
        Some(s) => {
            dec.push(
                Diagnostic::error("bad-value", s.span(), format!("unknown `evidence` `{}`", s.get_ref()))
                    .help("`evidence = \"restore_point\"` keeps this step's output as the service's restore point"),
            );
            return None;
        }
    };
    let step = match kind {
        "command" => {
            let command = command_spec(f.get("command")?, &f, dec)?;
            let expect_exit = match f.get("expect_exit") {
                Some(v) => dec.integer(v, "expect_exit", 0, 255)? as i32,
                None => 0,
            };
            GateStep::Command { command, expect_exit }
        }
        _ => {
            let url = url_text(f.get("http")?, "http", dec);
            let method = match f.get("method") {
                Some(_) => method(&f, dec),
                None => Some("GET".to_owned()),
            };
            let headers = headers(&f, dec);
            let body = f.get("body").and_then(|v| text(v, "body", dec));
            let expect_status = expect_status(&f, dec);
            GateStep::Http(HttpRequest {
                url: url?,
                method: method?,
                headers: headers?,
                body,
                expect_status: expect_status?,
            })
        }
    };
    Some(Gate { name, step, timeout, duration, restore_point })
}
