//! The people side of the plan: `[[notify]]` (where the operators are alerted, not the customers:
//! a Slack incoming webhook, a JSON endpoint, or a command; and for which alerts), and the
//! `approval` a service needs from `[approvers]`; and what a failure or a nearing RTO does
//! (`on_failure`, `rto_risk_at`).

use super::checks::command_spec;
use super::decode::{Decoder, Fields, Value};
use super::diagnostic::Diagnostic;
use super::keys;
use super::model::{AlertKind, Approval, Notify, NotifyTarget, OnFailure, Plan, Role, WebhookFormat};
use super::values::{headers, url_text};

impl Plan {
    /// The people of `role`.
    pub fn approvers_of(&self, role: &str) -> &[String] {
        self.role(role).map_or(&[], |r| r.people.as_slice())
    }

    pub fn role(&self, role: &str) -> Option<&Role> {
        self.approvers.iter().find(|r| r.name == role)
    }

    /// The role whose people review updates (`[announce] reviewers`), if the plan names one.
    pub fn reviewers(&self) -> Option<&Role> {
        self.role(self.announce.reviewers.as_ref()?.get_ref())
    }
}

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
                        "alerts are \"manual_waiting\", \"restore_failed\", \"rto_at_risk\", \"fell_back\" and \"run_finished\"",
                    ),
                ),
            }
        }
    }
    Some(Notify { target, events })
}

/// A service's `approval` names a role of `[approvers]` with at least `count` people; so does
/// `[announce] reviewers`.
pub(super) fn check_approvals(plan: &super::model::Plan, out: &mut Vec<Diagnostic>) {
    if let Some(role) = plan.announce.reviewers.as_ref().filter(|r| plan.role(r.get_ref()).is_none()) {
        let roles: Vec<&str> = plan.approvers.iter().map(|r| r.name.as_str()).collect();
        let roles = if roles.is_empty() { "none yet".to_owned() } else { roles.join(", ") };
        out.push(
            Diagnostic::error(
                "unknown-role",
                role.span(),
                format!("`reviewers` names role `{}`, which `[approvers]` does not name", role.get_ref()),
            )
            .help(format!(
                "the roles are: {roles}; add `{} = [\"name\", …]` to `[approvers]`: its people approve the updates",
                role.get_ref()
            )),
        );
    }
    for s in &plan.services {
        let Some(a) = &s.approval else { continue };
        let people = plan.approvers_of(a.role.get_ref());
        if plan.role(a.role.get_ref()).is_none() {
            let roles: Vec<&str> = plan.approvers.iter().map(|r| r.name.as_str()).collect();
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

/// `[approvers]`: `role = ["name", …]`, any roles.
pub(super) fn parse_approvers(v: &Value<'_>, dec: &mut Decoder) -> Option<Vec<Role>> {
    let Some(t) = v.get_ref().as_table() else {
        dec.push(Diagnostic::error("wrong-type", v.span(), "`[approvers]` must be a table of roles"));
        return None;
    };
    let mut roles = Vec::new();
    for (role, value) in t.iter() {
        let name = role.get_ref().to_string();
        let (people, require_signature) = if value.get_ref().is_table() {
            let what = format!("role `{name}` of `[approvers]`");
            let Some(f) = dec.table(value, role.get_ref(), what, keys::ROLE) else { continue };
            let people =
                dec.required(&f, "people", "[\"secops-lead\"]").and_then(|p| dec.string_list(p, "people"));
            let signed = f.get("require_signature").and_then(|r| dec.boolean(r, "require_signature"));
            (people.unwrap_or_default(), signed.unwrap_or(false))
        } else {
            (dec.string_list(value, role.get_ref()).unwrap_or_default(), false)
        };
        roles.push(Role {
            name,
            people: people.into_iter().map(|p| p.into_inner()).collect(),
            require_signature,
        });
    }
    Some(roles)
}

/// `[plan] allowed_signers` (who holds which SSH key) and `separate_duties`.
pub(super) fn parse_people(f: &Fields<'_, '_>, dec: &mut Decoder, plan: &mut Plan) {
    if let Some(v) = f.get("separate_duties") {
        plan.separate_duties = dec.boolean(v, "separate_duties").unwrap_or(false);
    }
    if let Some(t) = f.get("allowed_signers").and_then(|v| dec.string(v, "allowed_signers")) {
        plan.allowed_signers = Some(toml::Spanned::new(t.span(), std::path::PathBuf::from(t.get_ref())));
    }
}

/// A service's `approval = { role, count }` (count 1 unless given).
pub(super) fn parse_approval(v: &Value<'_>, dec: &mut Decoder, service: &str) -> Option<Approval> {
    let a = dec.table(v, "approval", format!("the approval of {service}"), keys::APPROVAL)?;
    let role = dec.required(&a, "role", "\"secops\"").and_then(|r| dec.string(r, "role"));
    let count = a.get("count").map_or(Some(1), |c| dec.integer(c, "count", 1, 100).map(|n| n as u32));
    Some(Approval { role: role?, count: count? })
}

/// `[plan] rto_risk_at`: a fraction between 0 and 1.
pub(super) fn rto_risk_at(v: &Value<'_>, dec: &mut Decoder) -> Option<f64> {
    let x =
        v.get_ref().as_float().and_then(|x| x.as_str().parse::<f64>().ok()).filter(|x| *x > 0.0 && *x < 1.0);
    if x.is_none() {
        dec.push(
            Diagnostic::error("out-of-range", v.span(), "`rto_risk_at` must be a fraction between 0 and 1")
                .help("e.g. `rto_risk_at = 0.8`: alert when 80 % of a service's RTO has passed"),
        );
    }
    x
}

/// `[plan] on_failure`: "continue" or "halt".
pub(super) fn on_failure(v: &Value<'_>, dec: &mut Decoder) -> Option<OnFailure> {
    let s = dec.string(v, "on_failure")?;
    match s.get_ref().as_str() {
        "continue" => Some(OnFailure::Continue),
        "halt" => Some(OnFailure::Halt),
        other => {
            dec.push(
                Diagnostic::error("bad-value", s.span(), format!("unknown `on_failure` `{other}`")).help(
                    "use \"continue\" (default) or \"halt\" (start nothing new after a critical failure)",
                ),
            );
            None
        }
    }
}
