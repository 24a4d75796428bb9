//! The static status page: every customer-facing service with its state, the latest updates (the
//! older ones a link away, in the feed), and a language switch; one self-contained HTML file (no
//! external assets).

use std::collections::BTreeMap;

use jiff::ZonedDateTime;
use pulldown_cmark::{Event as Md, Parser, html};
use serde::Serialize;

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

/// What the page template sees, borrowed from the plan: built straight into the template's
/// values, with no intermediate JSON tree (a page of 100,000 services is large enough).
#[derive(Serialize)]
struct Page<'a> {
    org: &'a str,
    pages: Vec<PageOf<'a>>,
}

/// The page in one locale.
#[derive(Serialize)]
struct PageOf<'a> {
    locale: &'a str,
    date: String,
    time: String,
    services: Vec<Row<'a>>,
    updates: Vec<String>,
    /// How many older updates the feed holds.
    older: usize,
}

#[derive(Serialize)]
struct Row<'a> {
    name: &'a str,
    state: &'static str,
}

/// The page's context. `feeds`: per locale, every update, oldest first.
pub fn context(
    plan: &Plan,
    when: &ZonedDateTime,
    states: &[ServiceState],
    feeds: &BTreeMap<String, Vec<String>>,
) -> minijinja::Value {
    let pages = plan
        .locales
        .iter()
        .map(|l| {
            let services = plan
                .services
                .iter()
                .zip(states)
                .filter(|(s, _)| s.customer_facing)
                .map(|(s, st)| Row { name: s.display_name(l), state: st.as_str() })
                .collect();
            let feed = feeds.get(l).map_or(&[][..], Vec::as_slice);
            let updates: Vec<String> = feed.iter().rev().take(LATEST).map(|u| markdown(u)).collect();
            // The older ones are in the feed, one link away: the page stays small.
            let older = feed.len() - updates.len();
            PageOf {
                locale: l,
                date: locale::date(l, when),
                time: locale::time(when),
                services,
                updates,
                older,
            }
        })
        .collect();
    minijinja::Value::from(minijinja::value::Serde(Page { org: plan.organization(), pages }))
}

/// A page context with every field filled, for test-rendering the page template.
pub fn sample(plan: &Plan) -> minijinja::Value {
    let now = jiff::Timestamp::UNIX_EPOCH.to_zoned_datetime(jiff::tz::TimeZone::UTC);
    // A few rows show whether the template works; the whole plan would cost memory and time.
    let states = vec![ServiceState::Restoring; plan.services.len().min(3)];
    let feeds: BTreeMap<String, Vec<String>> =
        plan.locales.iter().map(|l| (l.clone(), vec!["update".to_owned(); LATEST + 2])).collect();
    context(plan, &now, &states, &feeds)
}
