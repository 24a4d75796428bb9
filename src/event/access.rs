//! What every event is about and when: its service, its time on the run's clock, and the same
//! event told on another clock (a run's events on its incident's).

use super::{Event, Secs, Svc};

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
        use Event::*;
        match self {
            RunStarted { .. } => Secs(0.0),
            ServiceStarted { at, .. }
            | AlreadyOnline { at, .. }
            | ActionStarted { at, .. }
            | ProcessSpawned { at, .. }
            | ActionFinished { at, .. }
            | Adopted { at, .. }
            | WaitingForOperator { at, .. }
            | Confirmed { at, .. }
            | Waiting { at, .. }
            | Verifying { at, .. }
            | Retrying { at, .. }
            | Online { at, .. }
            | Failed { at, .. }
            | Quarantined { at, .. }
            | Blocked { at, .. }
            | FellBack { at, .. }
            | Watching { at, .. }
            | Watched { at, .. }
            | WaitingForApproval { at, .. }
            | VerifyStep { at, .. }
            | Approved { at, .. }
            | EvidenceKept { at, .. }
            | Skipped { at, .. }
            | NotRetried { at, .. }
            | LeftUnverified { at, .. }
            | PhaseComplete { at, .. }
            | RtoAtRisk { at, .. }
            | RtoMissed { at, .. }
            | Halting { at, .. }
            | Interrupting { at, .. }
            | JournalAccepted { at, .. }
            | RunFinished { at, .. } => *at,
        }
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
        use Event::*;
        match self {
            RunStarted { .. } => None,
            ServiceStarted { at, .. }
            | AlreadyOnline { at, .. }
            | ActionStarted { at, .. }
            | ProcessSpawned { at, .. }
            | ActionFinished { at, .. }
            | Adopted { at, .. }
            | WaitingForOperator { at, .. }
            | Confirmed { at, .. }
            | Waiting { at, .. }
            | Verifying { at, .. }
            | Retrying { at, .. }
            | Online { at, .. }
            | Failed { at, .. }
            | Quarantined { at, .. }
            | Blocked { at, .. }
            | FellBack { at, .. }
            | Watching { at, .. }
            | Watched { at, .. }
            | WaitingForApproval { at, .. }
            | VerifyStep { at, .. }
            | Approved { at, .. }
            | EvidenceKept { at, .. }
            | Skipped { at, .. }
            | NotRetried { at, .. }
            | LeftUnverified { at, .. }
            | PhaseComplete { at, .. }
            | RtoAtRisk { at, .. }
            | RtoMissed { at, .. }
            | Halting { at, .. }
            | Interrupting { at, .. }
            | JournalAccepted { at, .. }
            | RunFinished { at, .. } => Some(at),
        }
    }
}
