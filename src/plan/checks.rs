//! Decoding `[[service.check]]` and `[service.restore]`: exactly one kind each, HTTP requests,
//! commands (argv, or a script with `shell = true`), TCP targets, and the keys of each kind.

use super::decode::{Decoder, Fields, Value};
use super::defaults::{self, DAY, Defaults, MAX_TIMEOUT, nonzero, opt};
use super::diagnostic::Diagnostic;
use super::keys;
use super::model::*;
use super::text::Text;
use super::values::{expect_status, headers, method, string_table, tcp_target, text, url_text};

/// The one key of `kinds` present in `f`; reports none or several.
pub(super) fn one_kind<'k>(
    f: &Fields<'_, '_>,
    kinds: &[&'k str],
    what: &str,
    dec: &mut Decoder,
) -> Option<&'k str> {
    let mut present: Vec<&str> = kinds.iter().copied().filter(|k| f.has(k)).collect();
    // In the order they are written, so that "first kind" points at the first one.
    present.sort_by_key(|k| f.key_span(k).map_or(usize::MAX, |s| s.start));
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
            .help(format!("split it into separate {}s, one kind each", what.trim_start_matches("a ")));
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

pub(super) fn parse_check(v: &Value<'_>, dec: &mut Decoder, d: &Defaults, service: &str) -> Option<Check> {
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
    opt(
        &f,
        "interval",
        |v| dec.duration(v, "interval", DAY).filter(|t| nonzero(dec, v, "interval", *t)),
        &mut interval,
    );
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
            let insecure_tls = f
                .get("insecure_tls")
                .and_then(|v| dec.boolean(v, "insecure_tls"))
                .unwrap_or(defaults::INSECURE_TLS);
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
            let expect_exit = f
                .get("expect_exit")
                .and_then(|v| dec.integer(v, "expect_exit", 0, 255))
                .unwrap_or(defaults::EXPECT_EXIT) as i32;
            let stdout_contains = f.get("stdout_contains").and_then(|v| text(v, "stdout_contains", dec));
            Probe::Command(CommandProbe { command, expect_exit, stdout_contains })
        }
    };
    Some(Check { span: f.span.clone(), probe, timeout, interval, healthy_after })
}

pub(super) fn parse_restore(
    v: &Value<'_>,
    dec: &mut Decoder,
    d: &Defaults,
    service: &str,
) -> Option<Restore> {
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
        None => Some(defaults::ACTION_METHOD.to_owned()),
    };
    let headers = headers(&f, dec);
    let body = f.get("body").and_then(|v| text(v, "body", dec));
    let expect_status = expect_status(&f, dec);
    Some(HttpRequest { url: url?, method: method?, headers: headers?, body, expect_status: expect_status? })
}

/// `command` with its `shell`, `env` and `cwd` companions.
pub(super) fn command_spec(v: &Value<'_>, f: &Fields<'_, '_>, dec: &mut Decoder) -> Option<CommandSpec> {
    let shell = f.get("shell").and_then(|v| dec.boolean(v, "shell")).unwrap_or(defaults::SHELL);
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
    // No program can be given a NUL byte: the operating system would refuse to start it.
    if argv.iter().any(|a| a.raw().contains('\0')) {
        dec.push(
            Diagnostic::error("nul-in-command", v.span(), "`command` has a NUL byte in an argument")
                .label("no program can be given this")
                .help("remove the `\\u0000` from the argument"),
        );
        return None;
    }
    let env = match f.get("env") {
        Some(e) => string_table(e, "env", dec, |n| !n.is_empty() && !n.contains(['=', '\0']))?,
        None => Vec::new(),
    };
    let cwd = f.get("cwd").and_then(|c| text(c, "cwd", dec));
    let inherit_env = f.get("inherit_env").and_then(|v| dec.boolean(v, "inherit_env")).unwrap_or(false);
    Some(CommandSpec { argv, shell, env, cwd, inherit_env })
}
