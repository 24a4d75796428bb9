//! The static status page: every customer-facing service with its state, the latest updates (the
//! older ones a link away, in the feed), and a language switch; one self-contained HTML file (no
//! external assets).

use std::collections::BTreeMap;

use jiff::ZonedDateTime;
use pulldown_cmark::{Event as Md, Parser, html};
use serde_json::json;

use super::board::ServiceState;
use super::locale;
use crate::plan::Plan;

/// How many updates the page shows; the older ones are in the feed.
const LATEST: usize = 10;

/// Markdown → HTML; raw HTML in the text is shown as text, never interpreted.
pub fn markdown(text: &str) -> String {
    let events = Parser::new(text).map(|e| match e {
        Md::Html(raw) | Md::InlineHtml(raw) => Md::Text(raw),
        other => other,
    });
    let mut out = String::new();
    html::push_html(&mut out, events);
    out
}

/// `feeds`: per locale, every update, oldest first.
pub fn context(
    plan: &Plan,
    when: &ZonedDateTime,
    states: &[ServiceState],
    feeds: &BTreeMap<String, Vec<String>>,
) -> serde_json::Value {
    let pages: Vec<_> = plan
        .locales
        .iter()
        .map(|l| {
            let services: Vec<_> = plan
                .services
                .iter()
                .zip(states)
                .filter(|(s, _)| s.customer_facing)
                .map(|(s, st)| json!({ "name": s.display_name(l), "state": st.as_str() }))
                .collect();
            let feed = feeds.get(l).map_or(&[][..], Vec::as_slice);
            let latest: Vec<String> = feed.iter().rev().take(LATEST).map(|u| markdown(u)).collect();
            // The older ones are in the feed, one link away: the page stays small.
            let older = feed.len() - latest.len();
            json!({
                "locale": l,
                "date": locale::date(l, when),
                "time": locale::time(when),
                "services": services,
                "updates": latest,
                "older": older,
            })
        })
        .collect();
    json!({ "org": plan.organization(), "pages": pages })
}
