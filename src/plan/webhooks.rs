//! `[[announce.webhook]]`: where updates are posted, in which format and languages, how often at
//! most, and (Statuspage) which component shows which service.

use std::time::Duration;

use toml::Spanned;

use super::decode::{Decoder, Value};
use super::diagnostic::Diagnostic;
use super::keys;
use super::model::{ComponentStatus, Plan, Webhook, WebhookFormat};
use super::values::{headers, string_table, url_text};
use crate::suggest::did_you_mean;

/// Slack accepts about one message per second per webhook; Statuspage 60 requests a minute per key.
const PACE_SLACK: Duration = Duration::from_secs(1);
const PACE_STATUSPAGE: Duration = Duration::from_secs(1);

pub(super) fn parse_webhook(item: &Value<'_>, dec: &mut Decoder) -> Option<Webhook> {
    let w = dec.table(item, "webhook", "`[[announce.webhook]]`", keys::WEBHOOK)?;
    let url =
        dec.required(&w, "url", "\"https://hooks.example.com/…\"").and_then(|v| url_text(v, "url", dec));
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
        Some(c) => component_table(c, dec),
        None => Some(Vec::new()),
    };
    let locales = match w.get("locales") {
        Some(v) => dec.string_list(v, "locales").map(|l| l.into_iter().collect()),
        None => Some(Vec::new()),
    };
    let pace = match w.get("pace") {
        Some(v) => dec.duration(v, "pace", Duration::from_secs(3600)),
        None => format.map(|f| match f {
            WebhookFormat::Slack => PACE_SLACK,
            WebhookFormat::Statuspage => PACE_STATUSPAGE,
            WebhookFormat::Json => Duration::ZERO,
        }),
    };
    let restoring = match w.get("restoring").and_then(|v| dec.string(v, "restoring")) {
        None => Some(ComponentStatus::PartialOutage),
        Some(s) => match s.get_ref().as_str() {
            "partial_outage" => Some(ComponentStatus::PartialOutage),
            "major_outage" => Some(ComponentStatus::MajorOutage),
            "under_maintenance" => Some(ComponentStatus::UnderMaintenance),
            other => {
                dec.push(
                    Diagnostic::error("bad-value", s.span(), format!("unknown component status `{other}`"))
                        .help("a service being restored shows as \"partial_outage\" (default), \"major_outage\" or \"under_maintenance\""),
                );
                None
            }
        },
    };
    let deliver_notifications =
        w.get("deliver_notifications").map_or(Some(true), |v| dec.boolean(v, "deliver_notifications"));
    Some(Webhook {
        url: url?,
        format: format?,
        headers: headers?,
        components: components?,
        locales: locales?,
        pace: pace?,
        restoring: restoring?,
        deliver_notifications: deliver_notifications?,
    })
}

/// `components = { service = "component id" }`, the services with their spans (for `validate`).
fn component_table(v: &Value<'_>, dec: &mut Decoder) -> Option<Vec<(Spanned<String>, String)>> {
    let pairs = string_table(v, "components", dec, |_| true)?;
    let table = v.get_ref().as_table()?;
    Some(
        table
            .iter()
            .zip(pairs)
            .map(|((k, _), (id, component))| (Spanned::new(k.span(), id), component.raw().to_owned()))
            .collect(),
    )
}

/// What `validate` checks of the webhooks: a Statuspage component shows a customer-facing service
/// of the plan (an internal one's state is never published), and a webhook's languages are the
/// plan's.
pub(super) fn check(plan: &Plan, out: &mut Vec<Diagnostic>) {
    for (n, w) in plan.announce.webhooks.iter().enumerate() {
        for (service, _) in &w.components {
            match plan.services.iter().find(|s| s.id == *service.get_ref()) {
                Some(s) if s.customer_facing => {}
                Some(s) => out.push(
                    Diagnostic::error(
                        "internal-component",
                        service.span(),
                        format!(
                            "webhook {} maps a Statuspage component to `{}`, an internal service (customer_facing = false)",
                            n + 1,
                            s.id
                        ),
                    )
                    .label("internal")
                    .help("only customer-facing services are published; remove it from `components`"),
                ),
                None => {
                    let ids = plan.services.iter().map(|s| s.id.as_str());
                    out.push(
                        Diagnostic::error(
                            "unknown-service",
                            service.span(),
                            format!("webhook {} maps a component to unknown service `{}`", n + 1, service.get_ref()),
                        )
                        .label("no service has this id")
                        .help_opt(did_you_mean(service.get_ref(), ids).map(|m| format!("did you mean `{m}`?"))),
                    );
                }
            }
        }
        for locale in w.locales.iter().filter(|l| !plan.locales.contains(l.get_ref())) {
            out.push(
                Diagnostic::error(
                    "unknown-locale",
                    locale.span(),
                    format!(
                        "webhook {} asks for `{}`, which is not in `plan.locales`",
                        n + 1,
                        locale.get_ref()
                    ),
                )
                .help(format!("plan.locales is [{}]", plan.locales.join(", "))),
            );
        }
    }
}
