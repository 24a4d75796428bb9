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
            Kind::Restored => self.restored = true,
            Kind::Online => self.online.extend(&u.services),
            Kind::Late => self.late.extend(&u.services),
            Kind::Phase => self.phases.extend(&u.phases),
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
    board: Board,
    memory: Memory,
    online: Vec<usize>,
    late: Vec<usize>,
    phases: Vec<usize>,
    /// When the gathered services are due to be announced.
    due: Option<Secs>,
}

impl Policy {
    /// `window`: updates gathered within it go out together (see `super::batch_window`).
    pub fn new(plan: &Plan, memory: Memory, window: Duration) -> Self {
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
            board: Board::new(plan),
            memory,
            online: Vec::new(),
            late: Vec::new(),
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
                if let Some(&p) = self.phase_index.get(phase.as_str())
                    && self.memory.started
                    && self.phases_customers_see[p]
                    && !self.memory.phases.contains(&p)
                {
                    self.gather_phase(p, at, &mut updates);
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

    /// The run's clock reads `at`: what was gathered goes out if its window has closed.
    pub fn tick(&mut self, at: Secs) -> Vec<Update> {
        let mut updates = Vec::new();
        if let Some(due) = self.due.filter(|due| at.0 >= due.0) {
            self.flush(due, &mut updates);
        }
        updates
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
        self.due_at(at, updates);
    }

    /// Something was gathered at `at`: it goes out when the window closes (at once without one).
    fn due_at(&mut self, at: Secs, updates: &mut Vec<Update>) {
        if self.window.is_zero() {
            self.flush(at, updates);
        } else if self.due.is_none() {
            self.due = Some(Secs(at.0 + self.window.as_secs_f64()));
        }
    }

    /// Adds a completed phase to the next update, like the services back in the same window.
    fn gather_phase(&mut self, p: usize, at: Secs, updates: &mut Vec<Update>) {
        if !self.phases.contains(&p) {
            self.phases.push(p);
        }
        self.due_at(at, updates);
    }

    /// Publishes what was gathered: delays first, then what is back, then the stages complete.
    fn flush(&mut self, at: Secs, updates: &mut Vec<Update>) {
        self.due = None;
        // A service that came back before its delay notice went out needs no delay notice.
        let late: Vec<usize> =
            std::mem::take(&mut self.late).into_iter().filter(|&i| !self.board.is_online(i)).collect();
        if !late.is_empty() {
            self.publish(Kind::Late, late, Vec::new(), at, updates);
        }
        let online = std::mem::take(&mut self.online);
        if !online.is_empty() {
            self.publish(Kind::Online, online, Vec::new(), at, updates);
        }
        let phases = std::mem::take(&mut self.phases);
        if !phases.is_empty() {
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
        updates.push(update);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAN: &str = r#"
[plan]
name = "policy"
[announce]
batch_window = "15m"
[[phase]]
id = "core"
[[phase]]
id = "front"
[[service]]
id = "db"
phase = "core"
customer_facing = false
[[service]]
id = "mail"
name = "e-mail"
phase = "front"
rto = "1h"
[[service]]
id = "web"
name = "web shop"
phase = "front"
"#;

    fn policy(memory: Memory) -> (Policy, std::sync::Arc<Plan>) {
        let loaded = crate::loaded::check(std::path::Path::new("p.toml"), PLAN.as_bytes().to_vec())
            .unwrap_or_else(|r| panic!("{:?}", r.diagnostics));
        (Policy::new(&loaded.plan, memory, Duration::from_secs(15 * 60)), loaded.plan)
    }

    fn at(minutes: f64) -> Secs {
        Secs(minutes * 60.0)
    }

    /// The test plan's services, by id.
    fn svc(id: &str) -> crate::event::Svc {
        let index = ["db", "mail", "web"].iter().position(|s| *s == id).expect("a service of the plan");
        crate::event::Svc::new(index, id)
    }

    fn started(service: &str, m: f64) -> Event {
        Event::ActionStarted { service: svc(service), attempt: 1, at: at(m) }
    }

    fn online(service: &str, m: f64) -> Event {
        Event::Online { service: svc(service), at: at(m), attempts: 1 }
    }

    /// Feeds events (with their service's index) and collects every update.
    fn run(p: &mut Policy, events: &[Event]) -> Vec<(Kind, Vec<usize>, f64)> {
        events.iter().flat_map(|e| p.event(e).0).map(|u| (u.kind, u.services, u.at.0 / 60.0)).collect()
    }

    #[test]
    fn one_outage_notice_then_what_comes_back_together_is_one_update_at_the_window_close() {
        let (mut p, _) = policy(Memory::default());
        let updates = run(
            &mut p,
            &[
                started("db", 0.0),
                online("db", 10.0),
                started("mail", 10.0),
                started("web", 10.0),
                online("mail", 20.0),
                online("web", 30.0),
                Event::PhaseComplete { phase: "front".into(), at: at(30.0) },
                Event::RunFinished { at: at(30.0), outcome: Outcome::Success },
            ],
        );
        assert_eq!(
            updates,
            [
                (Kind::Start, vec![], 0.0),
                (Kind::Online, vec![1, 2], 30.0),
                (Kind::Phase, vec![], 30.0),
                (Kind::Restored, vec![], 30.0),
            ]
        );
    }

    #[test]
    fn the_window_closing_before_the_next_event_dates_the_update_at_its_close() {
        let (mut p, _) = policy(Memory::default());
        let updates = run(&mut p, &[started("mail", 0.0), online("mail", 5.0), started("web", 300.0)]);
        assert_eq!(updates, [(Kind::Start, vec![], 0.0), (Kind::Online, vec![1], 20.0)]);
    }

    #[test]
    fn a_phase_of_internal_services_only_is_not_announced_and_a_delay_is_told_once() {
        let (mut p, _) = policy(Memory::default());
        let late = Event::RtoMissed { service: svc("mail"), at: at(60.0), rto: at(60.0) };
        let updates = run(
            &mut p,
            &[
                started("db", 0.0),
                online("db", 10.0),
                Event::PhaseComplete { phase: "core".into(), at: at(10.0) },
                started("mail", 10.0),
                late.clone(),
                late,
                started("web", 90.0),
            ],
        );
        assert_eq!(updates, [(Kind::Start, vec![], 0.0), (Kind::Late, vec![1], 75.0)]);
    }

    #[test]
    fn a_later_run_tells_what_an_earlier_one_restored_but_never_announced_and_nothing_twice() {
        let memory = Memory {
            number: 4,
            started: true,
            restoring: [1, 2].into(),
            online: [2].into(),
            ..Memory::default()
        };
        let (mut p, _) = policy(memory);
        let mut updates = Vec::new();
        for e in [
            Event::AlreadyOnline { service: svc("mail"), at: at(0.0) },
            Event::AlreadyOnline { service: svc("web"), at: at(0.0) },
            Event::RunFinished { at: at(1.0), outcome: Outcome::Success },
        ] {
            updates.extend(p.event(&e).0);
        }
        let got: Vec<(u32, Kind, Vec<usize>)> =
            updates.into_iter().map(|u| (u.number, u.kind, u.services)).collect();
        assert_eq!(got, [(5, Kind::Online, vec![1]), (6, Kind::Restored, vec![])]);
    }
}
