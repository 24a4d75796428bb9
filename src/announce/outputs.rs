//! What customers read beside the updates: the Markdown and Atom feeds and the status page,
//! rendered from what customers may see — the updates published (under review, those approved)
//! and the state they describe. A live run writes them whenever that state changes; under review
//! `announce approve|reject` writes them again from the delivery journal, so that nothing a
//! person has not approved is ever on them.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::json;

use super::board::{Board, ServiceState};
use super::context::{self, When};
use super::feed::{self, Feeds};
use super::page;
use super::templates::{self, Templates};
use crate::bus::notices;
use crate::event::Level;
use crate::event::{Event, Secs, Svc};
use crate::plan::Plan;

/// Where and for which incident the outputs are written.
pub struct Outputs<'a> {
    pub plan: &'a Plan,
    pub templates: &'a Templates,
    pub dir: &'a Path,
    /// The incident every Atom id is scoped to.
    pub incident: &'a str,
}

impl Outputs<'_> {
    /// Writes the feeds (`updates.<locale>.md`, `feed.<locale>.xml`) and `status.html`: `feeds`
    /// holds the updates customers may read, `board` the state they may see, at `when`.
    pub fn write(&self, board: &Board, when: &When, dates: Option<page::Dates>, feeds: &Feeds) {
        for locale in &self.plan.locales {
            let mut ctx = context::common(self.plan, board, locale, when);
            let newest_first: Vec<&String> = feeds.texts(locale).rev().collect();
            ctx["updates"] = json!(newest_first);
            match self.templates.render(&templates::name("feed", locale), &context::value(&ctx)) {
                Ok(text) => {
                    let title = text.lines().next().unwrap_or_default().trim_start_matches('#').trim();
                    let items = feeds.by_locale.get(locale).map_or(&[][..], Vec::as_slice);
                    let atom = feed::atom(items, locale, title, self.incident, self.plan.organization());
                    let _ = crate::state::files::write(
                        &self.dir.join(format!("feed.{locale}.xml")),
                        atom.as_bytes(),
                    );
                    let _ = crate::state::files::write(
                        &self.dir.join(format!("updates.{locale}.md")),
                        text.as_bytes(),
                    );
                }
                Err(e) => notices::say(Level::Error, format!("cannot render the {locale} feed: {e}")),
            }
        }
        let ctx = page::context(self.plan, &when.now, board, dates, feeds);
        match self.templates.render(templates::PAGE, &ctx) {
            Ok(html) => {
                let _ = crate::state::files::write(&self.dir.join("status.html"), html.as_bytes());
            }
            Err(e) => notices::say(Level::Error, format!("cannot render the status page: {e}")),
        }
    }
}

/// The services customers see the state of (customer-facing, and those a contact channel needs),
/// with their states now: what a drafted update describes, kept with it for its approval.
pub fn visible_states(plan: &Plan, board: &Board) -> BTreeMap<String, ServiceState> {
    plan.services
        .iter()
        .enumerate()
        .filter(|&(i, _)| board.visible(i))
        .map(|(i, s)| (s.id.clone(), board.states[i]))
        .collect()
}

/// A board showing `states` (from `visible_states`): what an approved update described.
pub fn board_of(plan: &Plan, states: &BTreeMap<String, ServiceState>) -> Board {
    let mut board = Board::new(plan);
    let at = Secs(0.0);
    for (id, state) in states {
        let Ok(i) = plan.index_of(id) else { continue };
        let service = Svc::new(i, id.as_str());
        let events: &[Event] = match state {
            ServiceState::Available => &[Event::Online { service, at, attempts: 1 }],
            ServiceState::Restoring => &[Event::ActionStarted { service, attempt: 1, at }],
            ServiceState::Delayed => &[
                Event::ActionStarted { service: service.clone(), attempt: 1, at },
                Event::RtoMissed { service, at, rto: at },
            ],
            ServiceState::Unavailable => &[],
        };
        for e in events {
            board.observe(e, i);
        }
    }
    board
}
