//! The run's result, built only from its events: per service its final state, when it started and
//! came online, its attempts; and the JSON report of `run` (`../shared/DESIGN.md`).

use std::collections::HashMap;

use serde::Serialize;

use crate::event::{Event, Outcome, Secs};
use crate::graph::Graph;
use crate::plan::Plan;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Pending,
    Online,
    AlreadyOnline,
    Failed,
    Blocked,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Pending => "pending",
            State::Online => "online",
            State::AlreadyOnline => "already_online",
            State::Failed => "failed",
            State::Blocked => "blocked",
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
    pub online_at: Option<Secs>,
    pub attempts: u32,
    /// Why it failed, or which failed service blocked it.
    pub reason: Option<String>,
    pub blocked_by: Option<String>,
}

pub struct Tally {
    index: HashMap<String, usize>,
    pub records: Vec<Record>,
    pub outcome: Option<Outcome>,
    pub finished_at: Secs,
}

impl Tally {
    pub fn new(plan: &Plan) -> Self {
        let empty = Record {
            state: State::Pending,
            started_at: None,
            online_at: None,
            attempts: 0,
            reason: None,
            blocked_by: None,
        };
        Self {
            index: plan.services.iter().enumerate().map(|(i, s)| (s.id.clone(), i)).collect(),
            records: vec![empty; plan.services.len()],
            outcome: None,
            finished_at: Secs(0.0),
        }
    }

    pub fn event(&mut self, e: &Event) {
        if let Event::RunFinished { at, outcome } = e {
            self.outcome = Some(*outcome);
            self.finished_at = *at;
            return;
        }
        let Some(&i) = e.service().and_then(|s| self.index.get(s)) else { return };
        let r = &mut self.records[i];
        match e {
            Event::ServiceStarted { at, .. } => r.started_at = Some(*at),
            Event::AlreadyOnline { at, .. } => {
                r.state = State::AlreadyOnline;
                r.online_at = Some(*at);
            }
            Event::ActionStarted { attempt, .. } => r.attempts = *attempt,
            Event::Online { at, attempts, .. } => {
                r.state = State::Online;
                r.online_at = Some(*at);
                r.attempts = *attempts;
            }
            Event::Failed { attempts, reason, .. } => {
                r.state = State::Failed;
                r.attempts = *attempts;
                r.reason = Some(reason.clone());
            }
            Event::Blocked { by, .. } => {
                r.state = State::Blocked;
                r.blocked_by = Some(by.clone());
            }
            _ => {}
        }
    }

    pub fn count(&self, state: State) -> usize {
        self.records.iter().filter(|r| r.state == state).count()
    }

    /// From the start of the run to the last service online.
    pub fn makespan(&self) -> Secs {
        self.records.iter().filter_map(|r| r.online_at).fold(Secs(0.0), |a, b| if b.0 > a.0 { b } else { a })
    }

    /// Services online later than their RTO: (service, how late).
    pub fn rto_misses(&self, plan: &Plan) -> Vec<(usize, f64)> {
        plan.services.iter().enumerate().filter_map(|(i, s)| Some((i, self.late_by(i, s.rto)?))).collect()
    }

    /// How many seconds past `rto` service `i` came online (infinite if it was not online when
    /// the run's clock passed its RTO), or `None` if it met it or its RTO has not passed yet.
    /// The same rule as the runner's `RtoMissed`, applied after the fact.
    pub fn late_by(&self, i: usize, rto: Option<std::time::Duration>) -> Option<f64> {
        let rto = rto?.as_secs_f64();
        match self.records[i].online_at {
            Some(at) => (at.0 > rto).then_some(at.0 - rto),
            None => (self.finished_at.0 > rto).then_some(f64::INFINITY),
        }
    }

    /// For a service not online when the run ended: how much of its RTO was left then (`None`
    /// when it has no RTO, is online, or its RTO had passed).
    pub fn rto_left(&self, i: usize, rto: Option<std::time::Duration>) -> Option<std::time::Duration> {
        let rto = rto?.as_secs_f64();
        let left = rto - self.finished_at.0;
        (self.records[i].online_at.is_none() && left >= 0.0).then(|| std::time::Duration::from_secs_f64(left))
    }

    /// The JSON report of `run` (`../shared/DESIGN.md`), serialized straight from these records.
    pub fn report<'a>(
        &'a self,
        plan: &'a Plan,
        graph: &Graph,
        dry_run: bool,
        rto_misses: serde_json::Value,
    ) -> Report<'a> {
        let services = plan
            .services
            .iter()
            .zip(&self.records)
            .map(|(s, r)| ServiceRow {
                id: &s.id,
                state: r.state.as_str(),
                started_at_seconds: r.started_at.map(|t| t.0),
                online_at_seconds: r.online_at.map(|t| t.0),
                attempts: r.attempts,
                reason: r.reason.as_deref(),
                blocked_by: r.blocked_by.as_deref(),
                rto_seconds: s.rto.map(|rto| rto.as_secs()),
                rto_met: s.rto.map(|rto| r.online_at.is_some_and(|t| t.0 <= rto.as_secs_f64())),
            })
            .collect();
        Report {
            plan: &plan.name,
            dry_run,
            outcome: self.outcome.unwrap_or(Outcome::Interrupted).as_str(),
            makespan_seconds: self.makespan().0,
            critical_path_seconds: graph.critical_path(plan).length.as_secs(),
            counts: Counts {
                online: self.count(State::Online),
                already_online: self.count(State::AlreadyOnline),
                failed: self.count(State::Failed),
                blocked: self.count(State::Blocked),
                pending: self.count(State::Pending),
            },
            services,
            rto_misses,
        }
    }
}

#[derive(Serialize)]
pub struct Report<'a> {
    plan: &'a str,
    dry_run: bool,
    outcome: &'static str,
    makespan_seconds: f64,
    critical_path_seconds: u64,
    counts: Counts,
    services: Vec<ServiceRow<'a>>,
    rto_misses: serde_json::Value,
}

#[derive(Serialize)]
struct Counts {
    online: usize,
    already_online: usize,
    failed: usize,
    blocked: usize,
    pending: usize,
}

#[derive(Serialize)]
struct ServiceRow<'a> {
    id: &'a str,
    state: &'static str,
    started_at_seconds: Option<f64>,
    online_at_seconds: Option<f64>,
    attempts: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    blocked_by: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rto_seconds: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rto_met: Option<bool>,
}
