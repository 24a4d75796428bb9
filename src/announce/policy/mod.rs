//! When customers are told what: the announcement policy, pure (events in, updates out), so it
//! is tested without files. It holds one model: what customers were last told of each
//! customer-facing service (`Memory`: back, failed, paused, late, promised by a date) against
//! what is true now (the `Board`); an update is the difference at its publish instant. Bad news
//! (a failure, a pause, a fall-back of what was told back, a delay, a promised date passing) goes
//! out at the instant it happens; good news (services back, a stage complete) is gathered for the
//! batch window, and the closing "everything is back" folds in what came back with it. With a
//! cadence, a progress update whenever nothing else was told for that long. Numbering, and what
//! earlier runs already announced (nothing is announced twice), live here too.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::event::{Event, Outcome, Secs};
use crate::plan::Plan;

use super::board::{Board, Status};
use super::hours::Hours;
pub use memory::Memory;
pub use update::{Kind, Update};

mod memory;
mod update;

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
    /// The customer-facing services of each phase (a phase with none is not told).
    phase_customers: Vec<Vec<usize>>,
    window: Duration,
    cadence: Option<Duration>,
    /// When customers were last told something (this run's clock), once they have been.
    last: Option<Secs>,
    /// What is true now.
    board: Board,
    /// What customers were told.
    memory: Memory,
    /// Customer-facing services whose truth changed since customers were last told of them, in
    /// the order it happened (`marked` keeps each in once).
    dirty: Vec<usize>,
    marked: Vec<bool>,
    /// Dates customers were given (in delay notices), by date: the services expected by then.
    promises: BTreeMap<Promise, Vec<usize>>,
    /// Services whose promised date passed unmet, and that date: their next delay notice owns it.
    missed: Vec<(usize, Secs)>,
    phases: Vec<usize>,
    /// When what was gathered is due to be published.
    due: Option<Secs>,
    /// Restoring began and the outage notice is due (with the next flush).
    start_due: bool,
    /// With `publish_hours`: when good news may go out.
    hours: Option<Hours>,
}

/// A promised date, ordered (dates are never NaN).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Promise(Secs);
impl Eq for Promise {}
impl PartialOrd for Promise {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Promise {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.0.total_cmp(&other.0.0)
    }
}

impl Policy {
    /// `window`: good news gathered within it goes out together (see `super::batch_window`).
    pub fn new(plan: &Plan, memory: Memory, window: Duration) -> Self {
        // Told by an earlier run: the cadence counts from this run's start.
        let last = memory.started.then_some(Secs(0.0));
        let mut phase_customers = vec![Vec::new(); plan.phases.len()];
        for (i, s) in plan.services.iter().enumerate().filter(|(_, s)| s.customer_facing) {
            if let Some(p) = s.phase {
                phase_customers[p].push(i);
            }
        }
        Self {
            customer: plan.services.iter().map(|s| s.customer_facing).collect(),
            phase_index: plan.phases.iter().enumerate().map(|(i, p)| (p.id.clone(), i)).collect(),
            phase_customers,
            window,
            // Never more often than updates are gathered: a plan whose restoration runs for years
            // gets about as many progress updates as batches, not one per hour.
            cadence: plan.announce.cadence.map(|c| c.max(window)),
            last,
            board: Board::new(plan),
            memory,
            dirty: Vec::new(),
            marked: vec![false; plan.services.len()],
            promises: BTreeMap::new(),
            missed: Vec::new(),
            phases: Vec::new(),
            due: None,
            start_due: false,
            hours: None,
        }
    }

    /// Good news waits for these hours (`[announce] publish_hours`).
    pub fn with_hours(mut self, hours: Option<Hours>) -> Self {
        self.hours = hours;
        self
    }

    /// What customers see now.
    pub fn board(&self) -> &Board {
        &self.board
    }

    /// Customers were told that `services` are expected back by `by` (a delay notice's date):
    /// should it pass with any of them still not back, the next update says so at once.
    pub fn promised(&mut self, services: &[usize], by: Secs) {
        self.promises.entry(Promise(by)).or_default().extend(services);
    }

    /// Takes one event; returns the updates due now, and what to keep for a later run.
    pub fn event(&mut self, e: &Event) -> (Vec<Update>, Vec<Note>) {
        let service = e.service().and_then(|s| s.index());
        let at = e.at();
        // What was due before this event went out then, with the truth of that instant.
        let mut updates = self.tick(at);
        let mut notes = Vec::new();
        if let Some(i) = service {
            self.board.observe(e, i);
        }
        match (e, service) {
            // Restoring begins: the outage notice is due, with the truth of this instant.
            (Event::ServiceStarted { .. }, Some(_)) if !self.memory.started => {
                self.start_due = true;
                self.due_at(at, true);
            }
            (Event::ActionStarted { .. } | Event::Verifying { .. }, Some(i)) => {
                if !self.memory.started {
                    self.start_due = true;
                    self.due_at(at, true);
                }
                if self.customer[i] && self.memory.restoring.insert(i) {
                    notes.push(Note::Restoring(i));
                }
                // Told back (by an earlier run, before it went down again while no run watched),
                // or told failed or paused: being restored again, that is what customers hear next.
                if self.memory.told(i) != Status::Working {
                    self.changed(i, at, self.memory.told(i) == Status::Back);
                }
            }
            (Event::Online { .. }, Some(i)) => self.changed(i, at, false),
            // Found online by a run after the one that restored it: tell customers if nobody has.
            (Event::AlreadyOnline { .. }, Some(i)) if self.memory.restoring.contains(&i) => {
                self.changed(i, at, false)
            }
            // Bad news: told at this instant, with whatever else happens at it.
            (Event::RtoMissed { .. } | Event::Failed { .. } | Event::Blocked { .. }, Some(i)) => {
                self.changed(i, at, true)
            }
            (Event::FellBack { .. }, Some(i)) => self.changed(i, at, self.memory.told(i) == Status::Back),
            (Event::PhaseComplete { phase, .. }, _) => {
                // Once everything is back the closing update has said it all.
                if let Some(&p) = self.phase_index.get(phase.as_str())
                    && self.memory.started
                    && !self.memory.restored
                    && !self.phase_customers[p].is_empty()
                    && !self.memory.phases.contains(&p)
                {
                    if !self.phases.contains(&p) {
                        self.phases.push(p);
                    }
                    self.due_at(at, false);
                }
            }
            (Event::RunFinished { outcome, .. }, _) => {
                self.flush(at, &mut updates);
                let done = *outcome == Outcome::Success && self.board.all_back();
                if done && self.memory.started && !self.memory.restored {
                    self.publish(Update::new(0, Kind::Restored, Vec::new(), at), &mut updates);
                }
            }
            _ => {}
        }
        (updates, notes)
    }

    /// The run's clock reads `at`: what was due before it goes out (at its own time, once every
    /// event of that instant is in); a promised date that passed unmet is owned at once; and a
    /// progress update for each whole cadence that passed with nothing told. It stops after a
    /// delay notice, whose date the caller takes in (`promised`) before calling it again.
    pub fn tick(&mut self, at: Secs) -> Vec<Update> {
        let mut updates = Vec::new();
        loop {
            let progress = self.next_progress().filter(|next| next.0 < at.0);
            let promise = self.promises.first_key_value().map(|(p, _)| p.0).filter(|p| p.0 < at.0);
            let due = self.due.filter(|due| due.0 < at.0);
            let first = [progress, promise, due].into_iter().flatten().min_by(|a, b| a.0.total_cmp(&b.0));
            // A delay notice may give customers a date (`promised`, by the writer): the caller
            // takes it in before the clock moves past it.
            if updates.iter().any(|u: &Update| u.kind == Kind::Late) {
                break;
            }
            match first {
                None => break,
                Some(t) if promise == Some(t) => self.promise_passed(t),
                Some(t) if due == Some(t) => {
                    // Good news gathered by then waits for the publishing hours, even when bad
                    // news goes out now.
                    let closed = self.hours.as_ref().map(|h| h.open(t)).filter(|open| open.0 > t.0);
                    self.flush_holding(t, closed, &mut updates)
                }
                // What changed since customers were last told is the progress; with nothing
                // changed, a word that work goes on. Either way every standing list is told.
                Some(t) => {
                    let before = updates.len();
                    self.flush(t, &mut updates);
                    if updates.len() == before {
                        // Everything back and told: what is owed is the closing update.
                        let all = self.board.all_back() && !self.memory.restored;
                        let kind = if all { Kind::Restored } else { Kind::Progress };
                        self.publish(Update::new(0, kind, Vec::new(), t), &mut updates);
                    }
                }
            }
        }
        updates
    }

    /// When the policy next has something to say if nothing else happens: what was gathered, a
    /// promised date, or a progress update owed.
    pub fn next_due(&self) -> Option<Secs> {
        let promise = self.promises.first_key_value().map(|(p, _)| p.0);
        [self.due, promise, self.next_progress()].into_iter().flatten().min_by(|a, b| a.0.total_cmp(&b.0))
    }

    /// When the next progress update is owed, if customers are waiting for news.
    fn next_progress(&self) -> Option<Secs> {
        let (cadence, last) = (self.cadence?, self.last?);
        // Owed until the closing update: customers were told when to expect the next word, and
        // good news gathered for the window goes out by then at the latest.
        let waiting = self.memory.started && !self.memory.restored;
        waiting.then_some(Secs(last.0 + cadence.as_secs_f64()))
    }

    /// The truth of customer-facing service `i` changed at `at`: customers hear of it in the next
    /// update, at once if it is bad news.
    fn changed(&mut self, i: usize, at: Secs, bad: bool) {
        if !self.customer[i] {
            return;
        }
        if !self.marked[i] {
            self.marked[i] = true;
            self.dirty.push(i);
        }
        self.due_at(at, bad);
    }

    /// Something to tell happened at `at`: it goes out when the batch window closes, or (bad news)
    /// at `at` itself, once every event of that instant is in.
    fn due_at(&mut self, at: Secs, now: bool) {
        let due = match (now, &self.hours) {
            (true, _) => at,
            (false, None) => Secs(at.0 + self.window.as_secs_f64()),
            (false, Some(hours)) => hours.open(Secs(at.0 + self.window.as_secs_f64())),
        };
        if self.due.is_none_or(|d| due.0 < d.0) {
            self.due = Some(due);
        }
    }

    /// The earliest promised date passed at `at`: of its services, those still being worked on
    /// are owed a delay notice that says the date was missed, now.
    fn promise_passed(&mut self, at: Secs) {
        let Some((_, services)) = self.promises.pop_first() else { return };
        for i in services {
            if self.board.status(i) == Status::Working && self.memory.late.remove(&i) {
                self.missed.push((i, at));
                self.changed(i, at, true);
            }
        }
    }

    /// Publishes the difference between what customers were told and what is true at `at`:
    /// failures and pauses first, then what is unavailable again, then delays (and dates missed),
    /// then what is back with the stages it completes (one update), or the stages alone.
    fn flush(&mut self, at: Secs, updates: &mut Vec<Update>) {
        self.flush_holding(at, None, updates)
    }

    /// As `flush`, holding good news (what is back, stages complete) until `hold` if given.
    fn flush_holding(&mut self, at: Secs, hold: Option<Secs>, updates: &mut Vec<Update>) {
        self.due = None;
        if !self.memory.started {
            if !std::mem::take(&mut self.start_due) {
                // Nothing is told before the outage notice.
                self.dirty.clear();
                return;
            }
            self.publish(Update::new(0, Kind::Start, Vec::new(), at), updates);
        }
        let (mut failed, mut paused, mut down, mut late, mut back) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for i in std::mem::take(&mut self.dirty) {
            self.marked[i] = false;
            let (told, truth) = (self.memory.told(i), self.board.status(i));
            let list: Option<&mut Vec<usize>> = match (told, truth) {
                (t, s) if t == s => None,
                (_, Status::Back) => Some(&mut back),
                (_, Status::Failed) => Some(&mut failed),
                (_, Status::Paused) => Some(&mut paused),
                (Status::Back, Status::Working) => Some(&mut down),
                (_, Status::Working) => {
                    self.memory.resumed(i);
                    None
                }
            };
            if let Some(list) = list {
                list.push(i);
            }
            let told_late = self.memory.late.contains(&i) || down.contains(&i);
            if self.board.status(i) == Status::Working && self.board.seen[i].late && !told_late {
                late.push(i);
            }
        }
        if !failed.is_empty() || !paused.is_empty() {
            let mut u = Update::new(0, Kind::Failed, [failed, paused.clone()].concat(), at);
            u.paused = paused;
            self.publish(u, updates);
        }
        if !down.is_empty() {
            self.publish(Update::new(0, Kind::Unavailable, down, at), updates);
        }
        if !late.is_empty() {
            // A date missed: the earliest of those it was given for is the one customers remember.
            let missed = late
                .iter()
                .filter_map(|i| self.missed.iter().find(|(m, _)| m == i).map(|(_, by)| *by))
                .min_by(|a, b| a.0.total_cmp(&b.0));
            self.missed.retain(|(m, _)| !late.contains(m));
            let mut u = Update::new(0, Kind::Late, late, at);
            u.missed = missed;
            self.publish(u, updates);
        }
        // A stage is told complete only while every service of it customers see is back (one may
        // have fallen back since it completed).
        let mut phases = std::mem::take(&mut self.phases);
        phases.retain(|&p| self.phase_customers[p].iter().all(|&i| self.board.status(i) == Status::Back));
        if let Some(open) = hold {
            // Held until the hours open: told then, with the truth of that instant.
            for i in back.drain(..) {
                self.changed(i, at, false);
            }
            self.phases = phases;
            if self.due.is_none_or(|d| open.0 < d.0) {
                self.due = Some(open);
            }
            return;
        }
        if !back.is_empty() {
            let last = self.board.all_back() && self.memory.started && !self.memory.restored;
            let mut u = Update::new(0, if last { Kind::Restored } else { Kind::Online }, back, at);
            u.phases = phases;
            self.publish(u, updates);
        } else if !phases.is_empty() {
            let mut u = Update::new(0, Kind::Phase, Vec::new(), at);
            u.phases = phases;
            self.publish(u, updates);
        }
    }

    fn publish(&mut self, mut update: Update, updates: &mut Vec<Update>) {
        update.number = self.memory.number.saturating_add(1);
        self.memory.remember(&update);
        update.since = self.last;
        self.last = Some(update.at);
        update.next = self.next_progress();
        updates.push(update);
    }
}

#[cfg(test)]
mod tests;
