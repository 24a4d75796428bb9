//! The JSON report of `run` and `run --dry-run` (`docs/cli.md`), serialized straight from the
//! run's tally.

use serde::Serialize;

use crate::event::{Outcome, RunMode};
use crate::graph::Graph;
use crate::plan::Plan;
use crate::tally::{Rto, State, Tally};

/// The JSON report of `run` (`docs/cli.md`), serialized straight from the tally's records.
pub fn report<'a>(
    tally: &'a Tally,
    plan: &'a Plan,
    graph: &Graph,
    mode: RunMode,
    rto_misses: serde_json::Value,
) -> Report<'a> {
    let services = plan
        .services
        .iter()
        .zip(&tally.records)
        .enumerate()
        .map(|(i, (s, r))| ServiceRow {
            id: &s.id,
            state: if r.quarantined() { "quarantined" } else { r.state.as_str() },
            started_at_seconds: r.started_at.map(|t| t.0),
            online_at_seconds: r.online_at.map(|t| t.0),
            attempts: r.attempts,
            reason: r.reason.as_deref(),
            kind: r.kind,
            blocked_by: r.blocked_by.as_deref(),
            rto_seconds: s.rto.map(|rto| rto.as_secs()),
            rto_met: match tally.rto(i, s.rto) {
                Some(Rto::Met) => Some(true),
                Some(Rto::Missed { .. }) => Some(false),
                Some(Rto::Open { .. }) | None => None,
            },
            rto_left_seconds: match tally.rto(i, s.rto) {
                Some(Rto::Open { left }) => Some(left.as_secs()),
                _ => None,
            },
        })
        .collect();
    Report {
        plan: &plan.name,
        dry_run: mode.is_dry(),
        outcome: tally.outcome.unwrap_or(Outcome::Interrupted).as_str(),
        makespan_seconds: tally.makespan().0,
        critical_path_seconds: graph.critical_path(plan).length.as_secs(),
        counts: Counts {
            online: tally.count(State::Online),
            already_online: tally.count(State::AlreadyOnline),
            failed: tally.count(State::Failed),
            blocked: tally.count(State::Blocked),
            pending: tally.count(State::Pending),
            skipped: tally.count(State::Skipped),
        },
        services,
        rto_misses,
        journal_head: None,
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
    /// The journal's head as the run ended (live runs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub journal_head: Option<String>,
}

#[derive(Serialize)]
struct Counts {
    online: usize,
    already_online: usize,
    failed: usize,
    blocked: usize,
    pending: usize,
    skipped: usize,
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
    /// What kind of failure: `exit`, `signal`, `timeout`, `spawn`, `http`, `checks`,
    /// `gate`, `sign_off`, `confirmation`, `journal`, `interrupted`, `lost`, `simulated`.
    #[serde(skip_serializing_if = "Option::is_none")]
    kind: Option<crate::event::FailKind>,
    #[serde(skip_serializing_if = "Option::is_none")]
    blocked_by: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rto_seconds: Option<u64>,
    /// Decided: met, or missed (the run's clock passed it first).
    #[serde(skip_serializing_if = "Option::is_none")]
    rto_met: Option<bool>,
    /// Not decided yet when the run ended: how much of it was left.
    #[serde(skip_serializing_if = "Option::is_none")]
    rto_left_seconds: Option<u64>,
}
