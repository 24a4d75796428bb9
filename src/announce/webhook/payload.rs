//! What each kind of webhook receives for an update: restorectl's own JSON (the texts of its
//! languages), a Slack message in mrkdwn (its languages, one after another), or a Statuspage
//! incident update: status, body, and the status of each component mapped to a service.

use serde_json::json;

use super::slack::mrkdwn;
use super::update::Update;
use crate::announce::board::ServiceState;
use crate::plan::{ComponentStatus, Plan, Webhook, WebhookFormat};

pub fn payload(plan: &Plan, hook: &Webhook, u: &Update) -> serde_json::Value {
    // The hook's languages, in its order; by default every locale of the plan.
    let texts: Vec<&(String, String)> = if hook.locales.is_empty() {
        u.texts.iter().collect()
    } else {
        hook.locales.iter().filter_map(|l| u.texts.iter().find(|(t, _)| t == l.get_ref())).collect()
    };
    let primary = texts.first().map(|(_, t)| t.as_str()).unwrap_or_default();
    match hook.format {
        WebhookFormat::Json => json!({
            "event": u.event,
            "key": u.key,
            "at": u.at,
            "organization": plan.organization(),
            "services": u.services,
            "texts": texts.iter().map(|(l, t)| (l.clone(), json!(t))).collect::<serde_json::Map<_, _>>(),
        }),
        WebhookFormat::Slack => {
            let parts: Vec<String> = texts.iter().map(|(_, t)| mrkdwn(t.trim_end())).collect();
            json!({ "text": parts.join("\n\n———\n\n"), "mrkdwn": true })
        }
        WebhookFormat::Statuspage => {
            let status = match u.event.as_str() {
                "restored" => "resolved",
                "online" | "phase" => "monitoring",
                _ => "identified",
            };
            let states: Vec<(&String, &'static str)> = hook
                .components
                .iter()
                .filter_map(|(service, component)| {
                    let state = match u.components.get(service.get_ref())? {
                        ServiceState::Available => ComponentStatus::Operational,
                        ServiceState::Restoring => hook.restoring,
                        _ if plan.services.iter().any(|s| s.id == *service.get_ref() && s.limited) => {
                            ComponentStatus::PartialOutage
                        }
                        ServiceState::Delayed | ServiceState::Unavailable => ComponentStatus::MajorOutage,
                    };
                    Some((component, state.as_str()))
                })
                .collect();
            let (title, body) = primary.split_once('\n').unwrap_or((primary, ""));
            json!({ "incident": {
                "name": title.trim_start_matches('#').trim(),
                "status": status,
                "body": body.trim(),
                "component_ids": states.iter().map(|(c, _)| c).collect::<Vec<_>>(),
                "components": states.iter().map(|(c, s)| ((*c).clone(), json!(s))).collect::<serde_json::Map<_, _>>(),
                "deliver_notifications": hook.deliver_notifications,
                // Which incident of ours it is: after a crash, the incident is looked up by it
                // instead of created twice.
                "metadata": { "restorectl": { "incident": incident_of(&u.key) } },
            } })
        }
    }
}

/// Our incident's id in an update's key (`online-0007-<incident>`).
pub fn incident_of(key: &str) -> &str {
    key.splitn(3, '-').nth(2).unwrap_or(key)
}
