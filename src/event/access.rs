//! What every event is about and when: its service, its time on the run's clock, and the same
//! event told on another clock (a run's events on its incident's).

use super::{Event, Secs, Svc};

/// `match` on the event's time: `$at` bound to it in every event that has one (all but
/// `run_started`, whose time is 0) — one list of the timed events for `at` and `at_mut`.
macro_rules! timed {
    ($event:expr, $at:ident => $some:expr, $none:expr) => {{
        use Event::*;
        match $event {
            RunStarted { .. } => $none,
            ServiceStarted { at: $at, .. }
            | AlreadyOnline { at: $at, .. }
            | ActionStarted { at: $at, .. }
            | ProcessSpawned { at: $at, .. }
            | ActionFinished { at: $at, .. }
            | Adopted { at: $at, .. }
            | WaitingForOperator { at: $at, .. }
            | Confirmed { at: $at, .. }
            | Waiting { at: $at, .. }
            | Verifying { at: $at, .. }
            | Retrying { at: $at, .. }
            | Online { at: $at, .. }
            | Failed { at: $at, .. }
            | Quarantined { at: $at, .. }
            | Blocked { at: $at, .. }
            | FellBack { at: $at, .. }
            | Watching { at: $at, .. }
            | Watched { at: $at, .. }
            | WaitingForApproval { at: $at, .. }
            | VerifyStep { at: $at, .. }
            | Approved { at: $at, .. }
            | EvidenceKept { at: $at, .. }
            | Skipped { at: $at, .. }
            | NotRetried { at: $at, .. }
            | LeftUnverified { at: $at, .. }
            | PhaseComplete { at: $at, .. }
            | RtoAtRisk { at: $at, .. }
            | RtoMissed { at: $at, .. }
            | Halting { at: $at, .. }
            | Interrupting { at: $at, .. }
            | JournalAccepted { at: $at, .. }
            | Refused { at: $at, .. }
            | Notice { at: $at, .. }
            | RunFinished { at: $at, .. } => $some,
        }
    }};
}

impl Event {
    /// The service an event is about, if any.
    pub fn service(&self) -> Option<&Svc> {
        use Event::*;
        match self {
            ServiceStarted { service, .. }
            | AlreadyOnline { service, .. }
            | ActionStarted { service, .. }
            | ProcessSpawned { service, .. }
            | ActionFinished { service, .. }
            | Adopted { service, .. }
            | WaitingForOperator { service, .. }
            | Confirmed { service, .. }
            | Waiting { service, .. }
            | Verifying { service, .. }
            | Retrying { service, .. }
            | Online { service, .. }
            | Failed { service, .. }
            | Quarantined { service, .. }
            | Blocked { service, .. }
            | FellBack { service, .. }
            | Watching { service, .. }
            | Watched { service, .. }
            | WaitingForApproval { service, .. }
            | VerifyStep { service, .. }
            | Approved { service, .. }
            | EvidenceKept { service, .. }
            | Skipped { service, .. }
            | NotRetried { service, .. }
            | LeftUnverified { service, .. }
            | RtoAtRisk { service, .. }
            | RtoMissed { service, .. } => Some(service),
            _ => None,
        }
    }

    pub fn at(&self) -> Secs {
        timed!(self, at => *at, Secs(0.0))
    }

    /// The same event on a clock that started `by` seconds earlier (a run's events, told on
    /// its incident's clock).
    pub fn shift(&mut self, by: f64) {
        if let Event::Waiting { since, .. } = self {
            since.0 += by;
        }
        if let Event::Watching { until, .. } = self {
            until.0 += by;
        }
        if let Some(at) = self.at_mut() {
            at.0 += by;
        }
    }

    /// The event's time, to move it onto another clock (`shift`).
    fn at_mut(&mut self) -> Option<&mut Secs> {
        timed!(self, at => Some(at), None)
    }
}
