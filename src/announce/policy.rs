//! When customers are told what: the announcement policy, pure (events in, updates out), so it
//! is tested without files. An outage notice when the first restore begins; customer-facing
//! services back online, and those past their RTO, gathered into one update per batch window;
//! a phase with customer-facing services complete; everything back. Numbering, and what earlier
//! runs already announced (nothing is announced twice), live here too.

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
    /// Everything is back.
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
    /// The phase it is about.
    pub phase: Option<usize>,
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
    pub phases: HashSet<usize>,
}

impl Memory {
    /// Takes in an update that was published.
    pub fn remember(&mut self, u: &Update) {
        self.number = self.number.max(u.number);
        match u.kind {
            Kind::Start => self.started = true,
            Kind::Restored => self.restored = true,
            Kind::Online => self.online.extend(&u.services),
            Kind::Late => self.late.extend(&u.services),
            Kind::Phase => self.phases.extend(u.phase),
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
    phase_ids: Vec<String>,
    /// Phases with at least one customer-facing service.
    phases_customers_see: Vec<bool>,
    window: Duration,
    board: Board,
    memory: Memory,
    online: Vec<usize>,
    late: Vec<usize>,
    /// When the gathered services are due to be announced.
    due: Option<Secs>,
}

impl Policy {
    pub fn new(plan: &Plan, memory: Memory) -> Self {
        let mut phases_customers_see = vec![false; plan.phases.len()];
        for s in plan.services.iter().filter(|s| s.customer_facing) {
            if let Some(p) = s.phase {
                phases_customers_see[p] = true;
            }
        }
        Self {
            customer: plan.services.iter().map(|s| s.customer_facing).collect(),
            phase_ids: plan.phases.iter().map(|p| p.id.clone()).collect(),
            phases_customers_see,
            window: plan.announce.batch_window,
            board: Board::new(plan),
            memory,
            online: Vec::new(),
            late: Vec::new(),
            due: None,
        }
    }

    /// What customers see now.
    pub fn board(&self) -> &Board {
        &self.board
    }

    /// Takes one event (`service`: its index, if it is about one); returns the updates due now,
    /// and what to keep for a later run.
    pub fn event(&mut self, e: &Event, service: Option<usize>) -> (Vec<Update>, Vec<Note>) {
        let at = e.at();
        let mut updates = Vec::new();
        let mut notes = Vec::new();
        // The window closed before this event: what was gathered went out when it closed.
        if let Some(due) = self.due.filter(|due| at.0 >= due.0) {
            self.flush(due, &mut updates);
        }
        if let Some(i) = service {
            self.board.observe(e, i);
        }
        match (e, service) {
            (Event::ActionStarted { .. } | Event::Verifying { .. }, Some(i)) => {
                if !self.memory.started {
                    self.publish(Kind::Start, Vec::new(), None, at, &mut updates);
                }
                if self.customer[i] && self.memory.restoring.insert(i) {
                    notes.push(Note::Restoring(i));
                }
            }
            (Event::Online { .. }, Some(i)) => self.gather(i, at, Kind::Online, &mut updates),
            // Found online by a run after the one that restored it: tell customers if nobody has.
            (Event::AlreadyOnline { .. }, Some(i)) if self.memory.restoring.contains(&i) => {
                self.gather(i, at, Kind::Online, &mut updates);
            }
            (Event::RtoMissed { .. }, Some(i)) if self.memory.started => {
                self.gather(i, at, Kind::Late, &mut updates)
            }
            (Event::PhaseComplete { phase, .. }, _) => {
                self.flush(at, &mut updates);
                if let Some(p) = self.phase_ids.iter().position(|id| id == phase)
                    && self.memory.started
                    && self.phases_customers_see[p]
                    && !self.memory.phases.contains(&p)
                {
                    self.publish(Kind::Phase, Vec::new(), Some(p), at, &mut updates);
                }
            }
            (Event::RunFinished { outcome, .. }, _) => {
                self.flush(at, &mut updates);
                let done = *outcome == Outcome::Success && self.board.all_back();
                if done && self.memory.started && !self.memory.restored {
                    self.publish(Kind::Restored, Vec::new(), None, at, &mut updates);
                }
            }
            _ => {}
        }
        (updates, notes)
    }

    /// Adds service `i` to the next update of `kind`, published when the batch window closes.
    fn gather(&mut self, i: usize, at: Secs, kind: Kind, updates: &mut Vec<Update>) {
        let (told, batch) = match kind {
            Kind::Late => (&self.memory.late, &mut self.late),
            _ => (&self.memory.online, &mut self.online),
        };
        if !self.customer[i] || told.contains(&i) || batch.contains(&i) {
            return;
        }
        batch.push(i);
        if self.window.is_zero() {
            self.flush(at, updates);
        } else if self.due.is_none() {
            self.due = Some(Secs(at.0 + self.window.as_secs_f64()));
        }
    }

    /// Publishes what was gathered: delays first, then what is back.
    fn flush(&mut self, at: Secs, updates: &mut Vec<Update>) {
        self.due = None;
        // A service that came back before its delay notice went out needs no delay notice.
        let late: Vec<usize> =
            std::mem::take(&mut self.late).into_iter().filter(|&i| !self.board.is_online(i)).collect();
        if !late.is_empty() {
            self.publish(Kind::Late, late, None, at, updates);
        }
        let online = std::mem::take(&mut self.online);
        if !online.is_empty() {
            self.publish(Kind::Online, online, None, at, updates);
        }
    }

    fn publish(
        &mut self,
        kind: Kind,
        services: Vec<usize>,
        phase: Option<usize>,
        at: Secs,
        updates: &mut Vec<Update>,
    ) {
        let update = Update { number: self.memory.number + 1, kind, services, phase, at };
        self.memory.remember(&update);
        updates.push(update);
    }
}
