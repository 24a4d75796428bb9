//! Customer announcements, written as the run's events happen: an outage notice when restoring
//! starts, services back online and delays gathered into one update per `[announce]
//! batch_window`, a completed phase, and a final "everything is back". The policy decides what to
//! say when (pure: events in, updates out); the writer renders and writes it (one Markdown file
//! per update and locale, the feeds, the status page, webhooks). Internal services are never
//! named, and an update that would reveal an internal host, address or URL is not written.

pub mod board;
pub mod context;
pub mod locale;
pub mod page;
pub mod policy;
mod record;
pub mod templates;
pub mod webhook;
mod writer;

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;

use crate::event::{Event, RunMode};
use crate::plan::{LeakGuard, Plan};
use crate::reporter::Reporter;
use crate::stamp::Stamp;
use crate::tally::Tally;
use board::ServiceState;
use policy::Policy;
use templates::Templates;
use writer::Writer;

/// Renders a template and refuses text that would reveal the plan's internal infrastructure.
pub fn render_checked(
    templates: &Templates,
    guard: Option<&LeakGuard>,
    name: &str,
    ctx: &serde_json::Value,
) -> Result<String, String> {
    let text = templates.render(name, &templates::value(ctx))?;
    match guard.and_then(|g| g.find(&text)) {
        Some((o, l)) => {
            Err(format!("it would reveal `{}`, which the plan's checks or actions use", &text[o..o + l]))
        }
        None => Ok(text),
    }
}

/// A page context with every field filled, for test-rendering the page template.
pub fn sample_page(plan: &Plan) -> minijinja::Value {
    let now = jiff::Timestamp::UNIX_EPOCH.to_zoned_datetime(jiff::tz::TimeZone::UTC);
    let states = vec![ServiceState::Restoring; plan.services.len()];
    let feeds: BTreeMap<String, Vec<String>> =
        plan.locales.iter().map(|l| (l.clone(), vec!["update".to_owned(); 12])).collect();
    templates::value(&page::context(plan, &now, &states, &feeds))
}

/// The announcements of one run (live or dry): the policy's updates, written by the writer.
pub struct Announcer {
    plan: Arc<Plan>,
    index: HashMap<String, usize>,
    policy: Policy,
    writer: Writer,
}

impl Announcer {
    pub fn new(
        plan: Arc<Plan>,
        templates: Arc<Templates>,
        dir: PathBuf,
        stamp: Stamp,
        mode: RunMode,
    ) -> Result<Self, String> {
        let (writer, memory) = Writer::open(plan.clone(), templates, dir, stamp, mode)?;
        Ok(Self {
            index: plan.services.iter().enumerate().map(|(i, s)| (s.id.clone(), i)).collect(),
            policy: Policy::new(&plan, memory),
            plan,
            writer,
        })
    }
}

impl Reporter for Announcer {
    fn event(&mut self, e: &Event) {
        let service = e.service().and_then(|s| self.index.get(s)).copied();
        let (updates, notes) = self.policy.event(e, service);
        for note in notes {
            self.writer.note(note);
        }
        for u in &updates {
            self.writer.write(u, self.policy.board());
        }
    }

    fn finish(&mut self, tally: &Tally) -> Result<(), String> {
        let _ = &self.plan;
        self.writer.finish(self.policy.board(), tally.finished_at);
        Ok(())
    }
}
