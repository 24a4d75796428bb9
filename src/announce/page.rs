//! The static status page: every customer-facing service with its state, the contact channels
//! customers can use now (as `tel:`/`mailto:` links), the latest updates (the older ones a link
//! away, in the feed), and a language switch; one self-contained HTML file (no external assets).

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
    contact: &'a [Channel<'a>],
    updates: Vec<String>,
    /// How many older updates the feed holds.
    older: usize,
}

#[derive(Serialize)]
struct Row<'a> {
    name: &'a str,
    state: &'static str,
}

/// A contact channel on the page: a link while customers can use it, a note while they cannot.
#[derive(Serialize)]
struct Channel<'a> {
    /// `phone`, `email` or `form`.
    kind: &'static str,
    address: &'a str,
    /// `None` while the service the channel needs is down.
    href: Option<String>,
}

/// Where a link to a channel points: `tel:` with the digits, `mailto:`, or the form's own URL.
fn href(kind: &str, address: &str) -> Option<String> {
    match kind {
        "phone" => Some(format!(
            "tel:{}",
            address.chars().filter(|c| c.is_ascii_digit() || *c == '+').collect::<String>()
        )),
        "email" => Some(format!("mailto:{address}")),
        _ if address.starts_with("https://") || address.starts_with("http://") => Some(address.to_owned()),
        _ => None,
    }
}

/// The page's context. `channels`: each contact channel and whether customers can use it now;
/// `feeds`: per locale, every update, oldest first.
pub fn context(
    plan: &Plan,
    when: &ZonedDateTime,
    states: &[ServiceState],
    channels: impl Iterator<Item = (&'static str, bool)>,
    feeds: &BTreeMap<String, Vec<String>>,
) -> minijinja::Value {
    let contact: Vec<Channel> = channels
        .zip(plan.contact.channels())
        .map(|((kind, usable), (_, c))| Channel {
            kind,
            address: &c.address,
            href: if usable { href(kind, &c.address) } else { None },
        })
        .collect();
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
                contact: &contact,
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
    // One channel usable, the next not: both ways of showing one are rendered.
    let channels = plan.contact.channels().enumerate().map(|(i, (kind, _))| (kind, i % 2 == 0));
    context(plan, &now, &states, channels, &feeds)
}
