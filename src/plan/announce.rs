//! `[announce]`: template overrides, the batch window, the outage notice's texts and the webhooks
//! updates are posted to.

use toml::Spanned;

use super::decode::{Decoder, Value, array_of_tables};
use super::defaults::DAY;

const HOUR: std::time::Duration = std::time::Duration::from_secs(3600);
use super::diagnostic::Diagnostic;
use super::keys;
use super::model::*;

use super::values::parse_localized;
use super::webhooks::parse_webhook;

/// `"08:00-20:00"`: from before to, within one day.
fn hours(text: &str) -> Option<(jiff::civil::Time, jiff::civil::Time)> {
    let (from, to) = text.split_once('-')?;
    let time = |t: &str| jiff::civil::Time::strptime("%H:%M", t.trim()).ok();
    let (from, to) = (time(from)?, time(to)?);
    (from < to).then_some((from, to))
}

pub(super) fn parse_announce(v: &Value<'_>, dec: &mut Decoder) -> Announce {
    let mut a = Announce::default();
    let Some(f) = dec.table(v, "announce", "`[announce]`", keys::ANNOUNCE) else { return a };
    if let Some(t) = f.get("templates").and_then(|v| dec.string(v, "templates")) {
        a.templates = Some(Spanned::new(t.span(), std::path::PathBuf::from(t.get_ref())));
    }
    if let Some(v) = f.get("batch_window") {
        a.batch_window = dec.duration(v, "batch_window", DAY);
    }
    if let Some(v) = f.get("cadence") {
        a.cadence = dec.duration(v, "cadence", 90 * DAY).filter(|&c| {
            let enough = c >= HOUR;
            if !enough {
                dec.push(
                    Diagnostic::error("out-of-range", v.span(), "`cadence` is shorter than 1h")
                        .label("too short")
                        .help("customers are told at most this often that work goes on; e.g. `cadence = \"7d\"`"),
                );
            }
            enough
        });
    }
    if let Some(v) = f.get("publish_eta") {
        a.publish_eta = dec.boolean(v, "publish_eta").unwrap_or(a.publish_eta);
    }
    if let Some(s) = f.get("publish").and_then(|v| dec.string(v, "publish")) {
        match s.get_ref().as_str() {
            "auto" => a.publish = Publish::Auto,
            "review" => a.publish = Publish::Review,
            other => dec.push(
                Diagnostic::error("bad-publish-mode", s.span(), format!("unknown `publish` mode `{other}`"))
                    .label("not a mode")
                    .help("use \"review\" (a person approves each update before it goes out) or \"auto\""),
            ),
        }
    }
    if let Some(v) = f.get("outage")
        && let Some(o) = dec.table(v, "outage", "`[announce.outage]`", keys::OUTAGE)
    {
        for &key in keys::OUTAGE {
            if let Some(text) = o.get(key).and_then(|v| parse_localized(v, key, dec)) {
                a.outage.push((key, text));
            }
        }
    }
    if let Some(s) = f.get("reviewers").and_then(|v| dec.string(v, "reviewers")) {
        a.reviewers = Some(s);
    }
    if let Some(s) = f.get("publish_hours").and_then(|v| dec.string(v, "publish_hours")) {
        a.publish_hours = hours(s.get_ref());
        if a.publish_hours.is_none() {
            dec.push(
                Diagnostic::error(
                    "bad-publish-hours",
                    s.span(),
                    format!("`publish_hours = \"{}\"` is not a span of the day", s.get_ref()),
                )
                .label("not HH:MM-HH:MM, earlier to later")
                .help("write the hours good news may go out, from before to, e.g. \"08:00-20:00\""),
            );
        }
    }
    if let Some(v) = f.get("webhook") {
        for item in array_of_tables(v, "webhook", dec) {
            a.webhooks.extend(parse_webhook(item, dec));
        }
    }
    a
}
