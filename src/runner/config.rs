//! What a run is told before it starts, checked into one value: its id, how many services at
//! once, live or dry, what it leaves out, how long it watches, and where it stands in its incident.

use std::time::Duration;

use crate::event::RunMode;

/// What kind of run this is.
#[derive(Debug, Clone)]
pub struct RunConfig {
    /// Names the run's logs and the confirmations meant for it.
    pub id: String,
    /// How many services are worked on at once.
    pub jobs: usize,
    pub mode: RunMode,
    /// What this run leaves out.
    pub selection: Selection,
    /// `run --watch`: how long to keep probing a service once it is online, for services
    /// without their own `watch`.
    pub watch: Option<Duration>,
    /// Where the run stands in its incident: RTOs count from the incident's start.
    pub incident: crate::tally::IncidentClock,
    /// Who started it (a live run), signed when they have a key.
    pub operator: Option<crate::event::Signer>,
}

/// What a run leaves out (`--only`, `--retry-failed`, `--skip`).
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Per service: outside this run's scope (empty: nothing is).
    pub out: Vec<bool>,
    /// `--skip`ped services, each with whether it counts as online (`--assume-online`).
    pub skipped: Vec<(usize, bool)>,
    /// Why they are skipped, and who said so.
    pub reason: String,
    pub by: Option<String>,
    /// Who skipped each of `skipped` (in its order): when, from which account and host, and
    /// their signature of that skip when they signed it.
    pub signers: Vec<crate::event::Signer>,
}

impl Selection {
    /// Service `i` is not worked on in this run.
    pub fn leaves_out(&self, i: usize) -> bool {
        self.out.get(i).copied().unwrap_or(false) || self.skipped.iter().any(|&(s, _)| s == i)
    }
}
