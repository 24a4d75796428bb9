//! The people side of the plan: `[[notify]]` (where the operators are alerted, not the customers:
//! a Slack incoming webhook, a JSON endpoint, or a command; and for which alerts), and the
//! `approval` a service needs from `[approvers]`.

use super::checks::command_spec;
use super::decode::{Decoder, Value};
use super::diagnostic::Diagnostic;
use super::keys;
use super::model::{AlertKind, Notify, NotifyTarget, WebhookFormat};
use super::values::{headers, url_text};

pub(super) fn parse_notify(item: &Value<'_>, dec: &mut Decoder) -> Option<Notify> {
    let f = dec.table(item, "notify", "`[[notify]]`", keys::NOTIFY)?;
    let target = match (f.get("url"), f.get("command")) {
        (Some(url), None) => {
            let format = match f.get("format").and_then(|v| dec.string(v, "format")) {
                None => Some(WebhookFormat::Json),
                Some(s) => match s.get_ref().as_str() {
                    "json" => Some(WebhookFormat::Json),
                    "slack" => Some(WebhookFormat::Slack),
                    other => {
                        dec.push(
                            Diagnostic::error(
                                "bad-webhook-format",
                                s.span(),
                                format!("unknown alert format `{other}`"),
                            )
                            .help("use \"json\" or \"slack\""),
                        );
                        None
                    }
                },
            };
            NotifyTarget::Http {
                url: url_text(url, "url", dec)?,
                format: format?,
                headers: headers(&f, dec)?,
            }
        }
        (None, Some(command)) => NotifyTarget::Command(command_spec(command, &f, dec)?),
        _ => {
            dec.push(
                Diagnostic::error("notify-kinds", item.span(), "a `[[notify]]` needs exactly one of `url` and `command`")
                    .help("e.g. `url = \"${env:OPS_SLACK_URL}\"` with `format = \"slack\"`, or `command = [\"/usr/local/bin/page-oncall\"]`"),
            );
            return None;
        }
    };
    let mut events = Vec::new();
    if let Some(v) = f.get("events") {
        for s in dec.string_list(v, "events")? {
            match AlertKind::parse(s.get_ref()) {
                Some(k) => events.push(k),
                None => dec.push(
                    Diagnostic::error("bad-value", s.span(), format!("unknown alert `{}`", s.get_ref())).help(
                        "alerts are \"manual_waiting\", \"restore_failed\", \"rto_at_risk\" and \"run_finished\"",
                    ),
                ),
            }
        }
    }
    Some(Notify { target, events })
}

/// A service's `approval` names a role of `[approvers]` with at least `count` people.
pub(super) fn check_approvals(plan: &super::model::Plan, out: &mut Vec<Diagnostic>) {
    for s in &plan.services {
        let Some(a) = &s.approval else { continue };
        let people = plan.approvers_of(a.role.get_ref());
        if !plan.approvers.iter().any(|(r, _)| r == a.role.get_ref()) {
            let roles: Vec<&str> = plan.approvers.iter().map(|(r, _)| r.as_str()).collect();
            out.push(
                Diagnostic::error(
                    "unknown-role",
                    a.role.span(),
                    format!(
                        "service `{}` needs approval by role `{}`, which `[approvers]` does not name",
                        s.id,
                        a.role.get_ref()
                    ),
                )
                .help(format!(
                    "the roles are: {}; add `{} = [\"name\", …]` to `[approvers]`",
                    roles.join(", "),
                    a.role.get_ref()
                )),
            );
        } else if (people.len() as u32) < a.count {
            out.push(Diagnostic::error(
                "too-few-approvers",
                a.role.span(),
                format!(
                    "service `{}` needs {} by role `{}`, which has {}",
                    s.id,
                    crate::human::count(a.count as usize, "approval", "approvals"),
                    a.role.get_ref(),
                    crate::human::count(people.len(), "person", "people")
                ),
            ));
        }
    }
}
