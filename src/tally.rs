//! The run's state, built only from its events: per service its final state, when it started and
//! came online, its attempts, and whether its RTO was met. Every report reads it; none rebuilds it.

use std::time::Duration;

use crate::event::{Event, Outcome, Secs};
use crate::plan::Plan;

/// A service against its recovery-time objective.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Rto {
    Met,
    /// `late_by` seconds, or `None` when it was not online at all.
    Missed {
        late_by: Option<f64>,
    },
    /// Not online when the run ended, with `left` of its RTO to go.
    Open {
        left: Duration,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Pending,
    Online,
    AlreadyOnline,
    Failed,
    Blocked,
    /// Left out of the run (`--only`, `--skip`, `--retry-failed`).
    Skipped,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Pending => "pending",
            State::Online => "online",
            State::AlreadyOnline => "already_online",
            State::Failed => "failed",
            State::Blocked => "blocked",
            State::Skipped => "skipped",
        }
    }

    pub fn is_online(self) -> bool {
        matches!(self, State::Online | State::AlreadyOnline)
    }
}

#[derive(Debug, Clone)]
pub struct Record {
    pub state: State,
    pub started_at: Option<Secs>,
    /// When it first came online (what its RTO is held against).
    pub online_at: Option<Secs>,
    /// When it last came online: later than `online_at` once it fell back and came back again.
    pub back_at: Option<Secs>,
    pub attempts: u32,
    /// Why it failed, or which failed service blocked it.
    pub reason: Option<String>,
    /// What kind of failure it was (or its fall-back).
    pub kind: Option<crate::event::FailKind>,
    pub blocked_by: Option<String>,
}

impl Record {
    /// Failed at a gate that holds (a scan, a sign-off): quarantined until it passes again.
    pub fn quarantined(&self) -> bool {
        self.state == State::Failed && self.kind.is_some_and(|k| k.holds())
    }
}

pub struct Tally {
    pub records: Vec<Record>,
    pub outcome: Option<Outcome>,
    pub finished_at: Secs,
    /// The run's place in its incident: RTOs count from the incident's start.
    pub incident: IncidentClock,
}

impl Tally {
    pub fn new(plan: &Plan) -> Self {
        let empty = Record {
            state: State::Pending,
            started_at: None,
            online_at: None,
            back_at: None,
            attempts: 0,
            reason: None,
            kind: None,
            blocked_by: None,
        };
        Self {
            records: vec![empty; plan.services.len()],
            outcome: None,
            finished_at: Secs(0.0),
            incident: Default::default(),
        }
    }

    pub fn event(&mut self, e: &Event) {
        if let Event::RunFinished { at, outcome } = e {
            self.outcome = Some(*outcome);
            self.finished_at = *at;
            return;
        }
        if let Some(i) = e.service().and_then(|s| s.index()) {
            self.service_event(i, e);
        }
    }

    /// An event of service `i` (read back from a journal, where events name services by id).
    pub fn service_event(&mut self, i: usize, e: &Event) {
        let r = &mut self.records[i];
        match e {
            // Restored again after a fall-back: it started the first time.
            Event::ServiceStarted { at, .. } => {
                r.started_at.get_or_insert(*at);
            }
            Event::AlreadyOnline { at, .. } => {
                r.state = State::AlreadyOnline;
                r.online_at.get_or_insert(*at);
                r.back_at = Some(*at);
            }
            Event::ActionStarted { attempt, .. } => r.attempts = *attempt,
            Event::Online { at, attempts, .. } => {
                r.state = State::Online;
                // Back again after a fall-back: its RTO was met (or not) the first time.
                r.online_at.get_or_insert(*at);
                r.back_at = Some(*at);
                r.attempts = *attempts;
                r.reason = None;
                r.kind = None;
            }
            // Down again: pending until restored again (or failed, or blocked); a run that stops
            // first leaves it for the next.
            Event::FellBack { detail, kind, .. } => {
                r.state = State::Pending;
                r.reason = Some(format!("fell back after it was online: {detail}"));
                r.kind = *kind;
            }
            Event::Failed { attempts, reason, kind, .. } => {
                r.state = State::Failed;
                r.attempts = *attempts;
                r.reason = Some(reason.clone());
                r.kind = *kind;
            }
            Event::Blocked { by, .. } => {
                r.state = State::Blocked;
                r.blocked_by = Some(by.clone());
            }
            Event::Skipped { reason, .. } => {
                r.state = State::Skipped;
                r.reason = Some(reason.clone());
            }
            _ => {}
        }
    }

    pub fn count(&self, state: State) -> usize {
        self.records.iter().filter(|r| r.state == state).count()
    }

    /// From the start of the run to the last service online (the last time, for one that fell
    /// back and came back).
    pub fn makespan(&self) -> Secs {
        self.records.iter().filter_map(|r| r.back_at).fold(Secs(0.0), |a, b| if b.0 > a.0 { b } else { a })
    }

    /// Services online later than their RTO: (service, how late).
    pub fn rto_misses(&self, plan: &Plan) -> Vec<(usize, f64)> {
        plan.services.iter().enumerate().filter_map(|(i, s)| Some((i, self.late_by(i, s.rto)?))).collect()
    }

    /// Where service `i` stands against its recovery-time objective: the one rule for an RTO
    /// miss. Missed when it came online after it, or was not online when the run's clock passed
    /// it; open while neither has happened.
    /// Times count from the incident's start: a service first back in an earlier run of it is
    /// judged by then (once back, its RTO was met or missed then, whatever happened after).
    pub fn rto(&self, i: usize, rto: Option<Duration>) -> Option<Rto> {
        let rto = rto?.as_secs_f64();
        let r = &self.records[i];
        let before = self.incident.before.as_secs_f64();
        // Back once, but not at the end (it fell back and did not come back): as if never back.
        let online_at = match self.incident.back(i) {
            Some(earlier) => Some(earlier.0),
            None => r.online_at.filter(|_| r.state.is_online()).map(|at| at.0 + before),
        };
        let now = self.finished_at.0 + before;
        Some(match online_at {
            Some(at) if at > rto => Rto::Missed { late_by: Some(at - rto) },
            Some(_) => Rto::Met,
            None if now > rto => Rto::Missed { late_by: None },
            None => Rto::Open { left: Duration::from_secs_f64(rto - now) },
        })
    }

    /// How many seconds past `rto` service `i` came online (infinite if it was not online when
    /// the run's clock passed its RTO), or `None` if it met it or its RTO has not passed yet.
    pub fn late_by(&self, i: usize, rto: Option<Duration>) -> Option<f64> {
        match self.rto(i, rto)? {
            Rto::Missed { late_by } => Some(late_by.unwrap_or(f64::INFINITY)),
            Rto::Met | Rto::Open { .. } => None,
        }
    }
}

/// How long the incident had lasted when this run began, and when each service was first back in
/// it (seconds since its start) if an earlier run brought it back: RTOs count from the incident's
/// start, and one met (or missed) in an earlier run stays so.
#[derive(Debug, Clone, Default)]
pub struct IncidentClock {
    pub before: Duration,
    /// Per service (empty: none was back).
    pub back: Vec<Option<Secs>>,
}

impl IncidentClock {
    /// When service `i` was first back in an earlier run of the incident.
    pub fn back(&self, i: usize) -> Option<Secs> {
        self.back.get(i).copied().flatten()
    }
}
