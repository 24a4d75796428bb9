//! The static status page: every customer-facing service with its state, the contact channels
//! customers can use now (as `tel:`/`mailto:` links), the latest updates (the older ones a link
//! away, in the feed), and a language switch; one self-contained HTML file (no external assets).

use jiff::ZonedDateTime;
use std::sync::Arc;

use minijinja::context;
use minijinja::value::{Enumerator, Object, ObjectRepr, Serde, Value};
use serde::Serialize;

use super::board::{Board, ServiceState};
use super::feed::{Feeds, Item, markdown};
use super::locale;
use crate::event::Secs;
use crate::plan::Plan;
use crate::stamp::Stamp;

/// How many updates the page shows; the older ones are in the feed.
const LATEST: usize = 10;

/// The rows of one language's page, handed to the template as a sequence whose items are made
/// when the template reaches them: a page of 100,000 services is never also held as 100,000
/// template maps.
#[derive(Debug)]
struct Rows {
    locale: String,
    /// The run's clock, to write the dates (none: no dates).
    stamp: Option<Stamp>,
    rows: Vec<Row>,
}

impl Object for Rows {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Seq
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let row = self.rows.get(key.as_usize()?)?;
        let date = |at: Option<Secs>| Some(locale::date(&self.locale, &self.stamp.as_ref()?.zoned(at?)));
        // Still usable in a limited way while not back: shown as limited, not as an outage.
        let state =
            if row.limited && row.state != ServiceState::Available { "limited" } else { row.state.as_str() };
        Some(context! {
            name => row.name.as_str(),
            state => state,
            since => date(row.since),
            expected => date(row.expected),
        })
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Seq(self.rows.len())
    }
}

#[derive(Debug)]
struct Row {
    name: String,
    state: ServiceState,
    /// The plan says customers can still use it in a limited way while it is down.
    limited: bool,
    /// Back since (an available service).
    since: Option<Secs>,
    /// Expected back by (with `publish_eta`, where the schedule can tell).
    expected: Option<Secs>,
}

/// The dates beside the states: what the run has seen, on its clock, and with `publish_eta` when
/// the rest is expected. Without it (`restorectl announce` reads no clock) the page shows none.
pub struct Dates<'a> {
    pub stamp: &'a Stamp,
    pub expected: Option<Vec<Option<Secs>>>,
}

/// A contact channel on the page: a link while customers can use it, a note while they cannot.
#[derive(Serialize)]
struct Channel<'a> {
    /// `phone`, `email` or `form`.
    kind: &'static str,
    address: &'a str,
    /// `None` while the service the channel needs is down, or for a postal address.
    href: Option<String>,
    /// Customers can use it now.
    usable: bool,
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
    board: &Board,
    dates: Option<Dates>,
    feeds: &Feeds,
) -> minijinja::Value {
    build(plan, when, board, dates, feeds, usize::MAX)
}

/// The context with at most `rows` services.
fn build(
    plan: &Plan,
    when: &ZonedDateTime,
    board: &Board,
    dates: Option<Dates>,
    feeds: &Feeds,
    rows: usize,
) -> minijinja::Value {
    let contact: Vec<Channel> = board
        .channels()
        .zip(plan.contact.channels())
        .map(|((kind, usable), (_, c))| Channel {
            kind,
            address: c.address.get_ref(),
            href: if usable { href(kind, c.address.get_ref()) } else { None },
            usable,
        })
        .collect();
    let pages = plan
        .locales
        .iter()
        .map(|l| {
            let services: Vec<Row> = plan
                .services
                .iter()
                .enumerate()
                .filter(|(_, s)| s.customer_facing)
                .take(rows)
                .map(|(i, s)| {
                    let state = board.states[i];
                    let d = dates.as_ref();
                    let since = board.seen[i].since.filter(|_| state == ServiceState::Available);
                    let expected = d
                        .filter(|_| state != ServiceState::Available)
                        .and_then(|d| d.expected.as_ref().and_then(|e| e[i]));
                    Row { name: s.label(l), state, limited: s.limited, since, expected }
                })
                .collect();
            let updates: Vec<String> = feeds.texts(l).rev().take(LATEST).map(|u| markdown(u)).collect();
            // The older ones are in the feed, one link away: the page stays small.
            let older = feeds.texts(l).len() - updates.len();
            let headline =
                plan.announce.outage.iter().find(|(k, _)| *k == "headline").and_then(|(_, t)| t.get(l));
            context! {
                locale => l,
                headline => headline,
                back => board.back(0).0,
                total => board.customers(0).0,
                date => locale::date(l, when),
                time => locale::time(when),
                services => Value::from_object(Rows {
                    locale: l.clone(),
                    stamp: dates.as_ref().map(|d| d.stamp.clone()),
                    rows: services,
                }),
                contact => Value::from(Serde(&contact)),
                updates => updates,
                older => older,
            }
        })
        .collect::<Vec<Value>>();
    context! { org => plan.organization(), pages => pages }
}

/// A page context with every field filled, for test-rendering the page template: every state,
/// both dates, a usable and an unusable channel (`board` from `Board::sample`).
pub fn sample(plan: &Plan, board: &Board) -> minijinja::Value {
    let now = jiff::Timestamp::UNIX_EPOCH.to_zoned_datetime(jiff::tz::TimeZone::UTC);
    let stamp = Stamp { start: now.clone(), with_date: true };
    let mut feeds = Feeds::new(&plan.locales);
    for l in &plan.locales {
        for number in 0..LATEST as u32 + 2 {
            feeds.push(l, Item { number, at: now.timestamp(), text: "update".into() });
        }
    }
    let expected = Some(vec![Some(Secs(86_400.0)); plan.services.len()]);
    // A few rows show whether the template works; the whole plan would cost memory and time.
    build(plan, &now, board, Some(Dates { stamp: &stamp, expected }), &feeds, 4)
}
