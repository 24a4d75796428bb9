//! Customer announcements, written as the run's events happen: an outage notice when restoring
//! starts, services back online and delays gathered into one update per `[announce]
//! batch_window`, a completed phase, and a final "everything is back". The policy decides what to
//! say when (pure: events in, updates out); the writer renders and writes it (one Markdown file
//! per update and locale, the feeds, the status page, webhooks). Internal services are never
//! named, and an update that would reveal an internal host, address or URL is not written.

pub mod board;
pub mod context;
pub mod eta;
pub mod feed;
pub mod hours;
pub mod locale;
mod outgoing;
pub mod outputs;
pub mod page;
pub mod policy;
mod record;
pub mod review;
pub mod screen;
pub mod templates;
pub mod webhook;
mod writer;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::bus::Reporter;
use crate::event::{Event, RunMode, Secs};
use crate::graph::Graph;
use crate::plan::Plan;
use crate::stamp::Stamp;
use crate::tally::Tally;
use policy::Policy;
pub use record::{stems as published_stems, times as publication_times};
use templates::Templates;
use writer::Writer;
pub use writer::{Commands, Publishing};

/// How long updates are gathered before they go out: the plan's `batch_window`, or a quarter of
/// an hour, longer for a restoration planned to take long, so that it makes at most about a
/// thousand updates (its expected length, the critical path or the work over `jobs`, whichever
/// is longer, over 1,000).
pub fn batch_window(plan: &Plan, graph: &Graph, jobs: usize) -> Duration {
    use crate::plan::defaults::{BATCH_WINDOW, BATCH_WINDOWS};
    if let Some(window) = plan.announce.batch_window {
        return window;
    }
    let work: Duration = plan.services.iter().map(|s| s.duration).sum();
    let expected = graph.critical_path(plan).length.max(work / jobs.max(1) as u32);
    let window = expected / BATCH_WINDOWS;
    // Whole minutes: announcements are read by people.
    BATCH_WINDOW.max(Duration::from_secs(window.as_secs().div_ceil(60) * 60))
}

/// The announcements of one run (live or dry): the policy's updates, written by the writer.
pub struct Announcer {
    policy: Policy,
    writer: Writer,
    /// The run's clock as the latest event or tick read it.
    now: Secs,
}

impl Announcer {
    pub fn new(
        plan: Arc<Plan>,
        templates: Arc<Templates>,
        dir: PathBuf,
        stamp: Stamp,
        mode: RunMode,
        window: Duration,
        publishing: Publishing,
    ) -> Result<Self, crate::bus::WriteError> {
        let hours = plan.announce.publish_hours.map(|h| hours::Hours::new(stamp.clone(), h));
        let (writer, memory) = Writer::open(plan.clone(), templates, dir, stamp, mode, publishing)?;
        let policy = Policy::new(&plan, memory, window).with_hours(hours);
        Ok(Self { policy, writer, now: Secs(0.0) })
    }
}

impl Announcer {
    /// Publishes what fell due before `at`, in order, each date a delay notice gives taken in
    /// before the clock moves past it.
    fn catch_up(&mut self, at: Secs) {
        loop {
            let due = self.policy.tick(at);
            if due.is_empty() {
                break;
            }
            self.write(due);
        }
    }

    /// Writes the updates; a date a delay notice gave customers is a promise the policy keeps.
    fn write(&mut self, updates: Vec<policy::Update>) {
        for u in &updates {
            if let Some(by) = self.writer.write(u, self.policy.board()) {
                self.policy.promised(&u.services, by);
            }
        }
    }
}

impl Reporter for Announcer {
    fn event(&mut self, e: &Event) {
        // What fell due before this event is written with the truth of its own instant, before
        // the event changes what the board says.
        self.catch_up(e.at());
        self.now = Secs(self.now.0.max(e.at().0));
        let (updates, notes) = self.policy.event(e);
        if e.service().and_then(|s| s.index()).is_some_and(|i| self.policy.board().visible(i)) {
            self.writer.state_changed();
        }
        for note in notes {
            self.writer.note(note);
        }
        self.write(updates);
    }

    fn tick(&mut self, at: Secs) {
        self.catch_up(at);
        self.now = Secs(self.now.0.max(at.0));
        self.writer.refresh(self.policy.board(), self.now);
    }

    /// After each batch of events: the page follows the state.
    fn sync(&mut self, _durable: bool) -> bool {
        self.writer.refresh(self.policy.board(), self.now);
        true
    }

    fn finish(&mut self, tally: &Tally) -> Result<(), crate::bus::WriteError> {
        self.writer.finish(self.policy.board(), tally.finished_at);
        Ok(())
    }
}
