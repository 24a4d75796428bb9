//! When customers are told what: the announcement policy, pure (events in, updates out), so it
//! is tested without files. An outage notice when the first restore begins; customer-facing
//! services back online, and those past their RTO, gathered into one update per batch window;
//! a phase with customer-facing services complete; failures; everything back; and, with a
//! cadence, a progress update whenever nothing else was told for that long. Numbering, and what
//! earlier runs already announced (nothing is announced twice), live here too.

use std::collections::HashSet;
use std::time::Duration;

use crate::event::{Event, Outcome, Secs};
use crate::plan::Plan;

use super::board::Board;

/// What an update is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// The outage notice.
    Start,
    /// Services back online.
    Online,
    /// A phase complete.
    Phase,
    /// Services still down when their RTO passed.
    Late,
    /// Services whose restore failed for good, or that wait for one that did.
    Failed,
    /// Services customers were told are back that fell back (`watch`).
    Unavailable,
    /// Nothing else was told for a whole cadence: work goes on.
    Progress,
    /// Everything is back (with the services that came back last, if they came back now).
    Restored,
}

impl Kind {
    /// The template (and file name) of this kind of update.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Start => "start",
            Kind::Online => "online",
            Kind::Phase => "phase",
            Kind::Late => "late",
            Kind::Failed => "failed",
            Kind::Unavailable => "unavailable",
            Kind::Progress => "progress",
            Kind::Restored => "restored",
        }
    }
}

/// One update to publish.
#[derive(Debug, Clone, PartialEq)]
pub struct Update {
    pub number: u32,
    pub kind: Kind,
    /// The services it is about (online, late), in the order they happened.
    pub services: Vec<usize>,
    /// The phases it is about (completed within one window), the latest last.
    pub phases: Vec<usize>,
    pub at: Secs,
}

/// What earlier runs on the same announcements directory told customers.
#[derive(Debug, Default, Clone)]
pub struct Memory {
    pub number: u32,
    pub started: bool,
    pub restored: bool,
    /// Customer-facing services whose restore had begun: a later run that finds them online
    /// still owes customers the news.
    pub restoring: HashSet<usize>,
    pub online: HashSet<usize>,
    pub late: HashSet<usize>,
    pub failed: HashSet<usize>,
    pub phases: HashSet<usize>,
    /// The incident's id, once one was recorded.
    pub incident: Option<String>,
}

impl Memory {
    /// Takes in an update that was published.
    pub fn remember(&mut self, u: &Update) {
        self.number = self.number.max(u.number);
        match u.kind {
            Kind::Start => self.started = true,
            Kind::Restored | Kind::Online => {
                self.restored |= u.kind == Kind::Restored;
                self.online.extend(&u.services);
                self.phases.extend(&u.phases);
            }
            Kind::Late => self.late.extend(&u.services),
            Kind::Failed => self.failed.extend(&u.services),
            // Told it is down again: when it is back, that is news again.
            Kind::Unavailable => {
                for s in &u.services {
                    self.online.remove(s);
                    // Should its restore now fail, that is news too.
                    self.failed.remove(s);
                    self.late.remove(s);
                }
                self.restored = false;
            }
            Kind::Phase => self.phases.extend(&u.phases),
            Kind::Progress => {}
        }
    }
}

/// Something the policy wants kept for a later run, besides the updates themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Note {
    /// Customer-facing service `i` is being restored.
    Restoring(usize),
}

pub struct Policy {
    customer: Vec<bool>,
    /// Phases by id, for the events that name them.
    phase_index: std::collections::HashMap<String, usize>,
    /// Phases with at least one customer-facing service.
    phases_customers_see: Vec<bool>,
    window: Duration,
    cadence: Option<Duration>,
    /// When customers were last told something (this run's clock), once they have been.
    last: Option<Secs>,
    board: Board,
    memory: Memory,
    online: Vec<usize>,
    late: Vec<usize>,
    failed: Vec<usize>,
    /// Services told back that fell back.
    unavailable: Vec<usize>,
    phases: Vec<usize>,
    /// When the gathered services are due to be announced.
    due: Option<Secs>,
}

impl Policy {
    /// `window`: updates gathered within it go out together (see `super::batch_window`).
    pub fn new(plan: &Plan, memory: Memory, window: Duration) -> Self {
        // Told by an earlier run: the cadence counts from this run's start.
        let last = memory.started.then_some(Secs(0.0));
        let mut phases_customers_see = vec![false; plan.phases.len()];
        for s in plan.services.iter().filter(|s| s.customer_facing) {
            if let Some(p) = s.phase {
                phases_customers_see[p] = true;
            }
        }
        Self {
            customer: plan.services.iter().map(|s| s.customer_facing).collect(),
            phase_index: plan.phases.iter().enumerate().map(|(i, p)| (p.id.clone(), i)).collect(),
            phases_customers_see,
            window,
            // Never more often than updates are gathered: a plan whose restoration runs for years
            // gets about as many progress updates as batches, not one per hour.
            cadence: plan.announce.cadence.map(|c| c.max(window)),
            last,
            board: Board::new(plan),
            memory,
            online: Vec::new(),
            late: Vec::new(),
            failed: Vec::new(),
            unavailable: Vec::new(),
            phases: Vec::new(),
            due: None,
        }
    }

    /// What customers see now.
    pub fn board(&self) -> &Board {
        &self.board
    }

    /// Takes one event; returns the updates due now, and what to keep for a later run.
    pub fn event(&mut self, e: &Event) -> (Vec<Update>, Vec<Note>) {
        let service = e.service().and_then(|s| s.index());
        let at = e.at();
        // The window closed before this event: what was gathered went out when it closed.
        let mut updates = self.tick(at);
        let mut notes = Vec::new();
        if let Some(i) = service {
            self.board.observe(e, i);
        }
        match (e, service) {
            (Event::ActionStarted { .. } | Event::Verifying { .. }, Some(i)) => {
                if !self.memory.started {
                    self.publish(Kind::Start, Vec::new(), Vec::new(), at, &mut updates);
                }
                if self.customer[i] && self.memory.restoring.insert(i) {
                    notes.push(Note::Restoring(i));
                }
                // Customers were told it is back (by an earlier run, before it went down again
                // while no run watched): being restored again, it is down again.
                self.down_again(i, at);
            }
            (Event::Online { .. }, Some(i)) => self.gather(i, at, Kind::Online),
            // Found online by a run after the one that restored it: tell customers if nobody has.
            (Event::AlreadyOnline { .. }, Some(i)) if self.memory.restoring.contains(&i) => {
                self.gather(i, at, Kind::Online);
            }
            (Event::RtoMissed { .. }, Some(i)) if self.memory.started => self.gather(i, at, Kind::Late),
            (Event::Failed { .. } | Event::Blocked { .. }, Some(i)) if self.memory.started => {
                self.gather(i, at, Kind::Failed)
            }
            // Fell back: customers who were told it is back are told it is not; if the news had not
            // gone out yet, it does not.
            (Event::FellBack { .. }, Some(i)) => {
                self.online.retain(|&o| o != i);
                self.down_again(i, at);
            }
            (Event::PhaseComplete { phase, .. }, _) => {
                // Once everything is back the closing update has said it all.
                if let Some(&p) = self.phase_index.get(phase.as_str())
                    && self.memory.started
                    && !self.memory.restored
                    && self.phases_customers_see[p]
                    && !self.memory.phases.contains(&p)
                {
                    self.gather_phase(p, at);
                }
            }
            (Event::RunFinished { outcome, .. }, _) => {
                self.flush(at, &mut updates);
                let done = *outcome == Outcome::Success && self.board.all_back();
                if done && self.memory.started && !self.memory.restored {
                    self.publish(Kind::Restored, Vec::new(), Vec::new(), at, &mut updates);
                }
            }
            _ => {}
        }
        (updates, notes)
    }

    /// The run's clock reads `at`: what was gathered goes out if its window has closed, and a
    /// progress update for each whole cadence that passed with nothing told (at its own time).
    pub fn tick(&mut self, at: Secs) -> Vec<Update> {
        let mut updates = Vec::new();
        loop {
            let progress = self.next_due().filter(|next| next.0 <= at.0);
            let closed = |due: &Secs| at.0 > due.0 || (!self.window.is_zero() && at.0 >= due.0);
            match (self.due.filter(closed), progress) {
                (Some(due), Some(next)) if next.0 < due.0 => {
                    self.publish(Kind::Progress, Vec::new(), Vec::new(), next, &mut updates)
                }
                (Some(due), _) => self.flush(due, &mut updates),
                (None, Some(next)) => {
                    self.publish(Kind::Progress, Vec::new(), Vec::new(), next, &mut updates)
                }
                (None, None) => break,
            }
        }
        updates
    }

    /// When the next update is owed at the latest, if customers are waiting for news.
    pub fn next_due(&self) -> Option<Secs> {
        let (cadence, last) = (self.cadence?, self.last?);
        // Once every customer-facing service is back, only the closing update is owed.
        let waiting = self.memory.started && !self.memory.restored && !self.board.all_back();
        waiting.then_some(Secs(last.0 + cadence.as_secs_f64()))
    }

    /// Adds service `i` to the next update of `kind`, published when the batch window closes.
    fn gather(&mut self, i: usize, at: Secs, kind: Kind) {
        let (told, batch) = match kind {
            Kind::Late => (&self.memory.late, &mut self.late),
            Kind::Failed => (&self.memory.failed, &mut self.failed),
            _ => (&self.memory.online, &mut self.online),
        };
        if !self.customer[i] || told.contains(&i) || batch.contains(&i) {
            return;
        }
        batch.push(i);
        self.due_at(at);
    }

    /// Something was gathered at `at`: it goes out when the window closes; without a window, as
    /// soon as the clock moves on, so that what happens at one instant (a service back and the
    /// stage it completes) is still one update.
    fn due_at(&mut self, at: Secs) {
        if self.due.is_none() {
            self.due = Some(Secs(at.0 + self.window.as_secs_f64()));
        }
    }

    /// Service `i` is down after customers were told it is back: the next update says so.
    fn down_again(&mut self, i: usize, at: Secs) {
        if self.customer[i] && self.memory.online.contains(&i) && !self.unavailable.contains(&i) {
            self.unavailable.push(i);
            self.due_at(at);
        }
    }

    /// Adds a completed phase to the next update, like the services back in the same window.
    fn gather_phase(&mut self, p: usize, at: Secs) {
        if !self.phases.contains(&p) {
            self.phases.push(p);
        }
        self.due_at(at);
    }

    /// Publishes what was gathered: failures first, then delays, then what is back with the
    /// stages it completes (one update), or the stages alone.
    fn flush(&mut self, at: Secs, updates: &mut Vec<Update>) {
        self.due = None;
        let failed = std::mem::take(&mut self.failed);
        if !failed.is_empty() {
            self.publish(Kind::Failed, failed, Vec::new(), at, updates);
        }
        // Down again, unless it came back within the window.
        let unavailable: Vec<usize> =
            std::mem::take(&mut self.unavailable).into_iter().filter(|&i| !self.board.is_online(i)).collect();
        if !unavailable.is_empty() {
            self.publish(Kind::Unavailable, unavailable, Vec::new(), at, updates);
        }
        // A service that came back (or was told failed) before its delay notice went out needs
        // no delay notice.
        let late: Vec<usize> = std::mem::take(&mut self.late)
            .into_iter()
            .filter(|&i| !self.board.is_online(i) && !self.memory.failed.contains(&i))
            .collect();
        if !late.is_empty() {
            self.publish(Kind::Late, late, Vec::new(), at, updates);
        }
        // Services back and the stages they complete: one update; the closing one when they were
        // the last.
        let online = std::mem::take(&mut self.online);
        let phases = std::mem::take(&mut self.phases);
        if !online.is_empty() {
            let last = self.board.all_back() && self.memory.started && !self.memory.restored;
            self.publish(if last { Kind::Restored } else { Kind::Online }, online, phases, at, updates);
        } else if !phases.is_empty() {
            self.publish(Kind::Phase, Vec::new(), phases, at, updates);
        }
    }

    fn publish(
        &mut self,
        kind: Kind,
        services: Vec<usize>,
        phases: Vec<usize>,
        at: Secs,
        updates: &mut Vec<Update>,
    ) {
        let update = Update { number: self.memory.number + 1, kind, services, phases, at };
        self.memory.remember(&update);
        self.last = Some(at);
        updates.push(update);
    }
}

#[cfg(test)]
mod tests;
