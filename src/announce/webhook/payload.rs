//! What each kind of webhook receives for an update: restorectl's own JSON, a Slack message, or
//! a Statuspage incident with its components' states.

use serde_json::json;

use super::update::Update;
use crate::announce::board::ServiceState;
use crate::plan::{Plan, Webhook, WebhookFormat};

pub fn payload(plan: &Plan, hook: &Webhook, u: &Update) -> serde_json::Value {
    let primary = u.texts.first().map(|(_, t)| t.as_str()).unwrap_or_default();
    match hook.format {
        WebhookFormat::Json => json!({
            "event": u.event,
            "key": u.key,
            "at": u.at,
            "organization": plan.organization(),
            "services": u.services,
            "texts": u.texts.iter().cloned().collect::<std::collections::BTreeMap<_, _>>(),
        }),
        WebhookFormat::Slack => json!({ "text": primary }),
        WebhookFormat::Statuspage => {
            let status = match u.event.as_str() {
                "restored" => "resolved",
                "start" => "identified",
                _ => "monitoring",
            };
            let components: serde_json::Map<String, serde_json::Value> = hook
                .components
                .iter()
                .filter_map(|(service, component)| {
                    let state = match u.components.get(service)? {
                        ServiceState::Available => "operational",
                        ServiceState::Restoring => "under_maintenance",
                        ServiceState::Delayed | ServiceState::Unavailable => "major_outage",
                    };
                    Some((component.clone(), json!(state)))
                })
                .collect();
            let title = primary.lines().next().unwrap_or_default().trim_start_matches('#').trim();
            json!({ "incident": { "name": title, "status": status, "body": primary, "components": components } })
        }
    }
}
