//! Everything observable in a run (live or dry) is an event. The runner emits them in one ordered
//! stream; reporters (progress, plain log, journal, JSON, JUnit, announcements) only consume them.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The service an event is about: its index in the plan (what every reporter works with) and its
/// id (what the journal keeps, so a later run can read it whatever the plan has become).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Svc {
    /// `Svc::UNKNOWN` for an event read back from a journal.
    pub index: usize,
    pub id: std::sync::Arc<str>,
}

impl Svc {
    /// The index of a service read from a journal: unknown until matched against a plan.
    pub const UNKNOWN: usize = usize::MAX;

    pub fn new(index: usize, id: impl Into<std::sync::Arc<str>>) -> Self {
        Self { index, id: id.into() }
    }

    /// The plan's index, for events of this run.
    pub fn index(&self) -> Option<usize> {
        (self.index != Self::UNKNOWN).then_some(self.index)
    }
}

impl std::ops::Deref for Svc {
    type Target = str;
    fn deref(&self) -> &str {
        &self.id
    }
}

impl std::fmt::Display for Svc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.id)
    }
}

impl Serialize for Svc {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.id)
    }
}

impl<'de> Deserialize<'de> for Svc {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(|id| Svc::new(Svc::UNKNOWN, id))
    }
}

/// One thing that happened, `at` a time since the run's start (virtual in a dry run).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    RunStarted {
        /// The run's id: names its logs and the confirmations meant for it.
        #[serde(default)]
        run: String,
        services: usize,
        dry_run: bool,
        jobs: usize,
    },
    /// The service's dependencies are online and a slot is free: it is probed first.
    ServiceStarted {
        service: Svc,
        at: Secs,
    },
    AlreadyOnline {
        service: Svc,
        at: Secs,
    },
    /// A restore action is about to run (journaled before it does).
    ActionStarted {
        service: Svc,
        attempt: u32,
        at: Secs,
    },
    /// The action's process is running: a later run waits for this pid instead of starting another.
    ProcessSpawned {
        service: Svc,
        attempt: u32,
        at: Secs,
        pid: u32,
        start_ticks: Option<u64>,
    },
    ActionFinished {
        service: Svc,
        attempt: u32,
        at: Secs,
        ok: bool,
        detail: String,
        /// The action's output, where it has one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        log: Option<String>,
    },
    /// A restore left running by an earlier run that died: this run waits for it to end (and
    /// then verifies it) instead of starting it again.
    Adopted {
        service: Svc,
        attempt: u32,
        at: Secs,
        pid: u32,
        start_ticks: Option<u64>,
    },
    /// A manual step: the operator has to act.
    WaitingForOperator {
        service: Svc,
        at: Secs,
        instruction: String,
        needs_confirmation: bool,
        /// The exact command that confirms it, for this run.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        confirm: Option<String>,
    },
    Confirmed {
        service: Svc,
        at: Secs,
        by: String,
        /// The run the confirmation was given for.
        #[serde(default)]
        run: String,
    },
    /// A wait that is going on (checks failing, an operator, an earlier run's restore), told when
    /// it starts and again every `--remind-every` (a minute by default), so nobody stares at silence.
    Waiting {
        service: Svc,
        at: Secs,
        on: WaitOn,
        /// When this wait began.
        since: Secs,
        /// What the last look found (the failing check, …).
        detail: String,
    },
    /// Health checks are being polled after the action.
    Verifying {
        service: Svc,
        attempt: u32,
        at: Secs,
    },
    Retrying {
        service: Svc,
        attempt: u32,
        /// How many attempts the service gets in all.
        #[serde(default)]
        of: u32,
        at: Secs,
        after: Secs,
        reason: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        log: Option<String>,
    },
    Online {
        service: Svc,
        at: Secs,
        attempts: u32,
    },
    Failed {
        service: Svc,
        at: Secs,
        attempts: u32,
        #[serde(default)]
        of: u32,
        reason: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        log: Option<String>,
    },
    /// A verify gate of the attempt ended; its evidence is in `evidence/<run>/`.
    VerifyStep {
        service: Svc,
        at: Secs,
        attempt: u32,
        name: String,
        ok: bool,
        detail: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        restore_point: Option<String>,
    },
    /// Healthy, and waiting for `count` people of `role` to sign it off (`have` so far).
    WaitingForApproval {
        service: Svc,
        at: Secs,
        role: String,
        count: u32,
        have: Vec<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        confirm: Option<String>,
    },
    /// Signed off by these people (each with their account and host in `confirm/`).
    Approved {
        service: Svc,
        at: Secs,
        by: Vec<String>,
    },
    Blocked {
        service: Svc,
        at: Secs,
        by: String,
    },
    /// Watched after it came online (`watch`), its checks failed: it is restored again.
    FellBack {
        service: Svc,
        at: Secs,
        detail: String,
    },
    /// Watched for its whole `watch` window without falling back (again).
    Watched {
        service: Svc,
        at: Secs,
    },
    /// Left out of this run: outside `--only` / `--retry-failed`, or `--skip`ped (with who and
    /// why; `assumed_online`: what depends on it goes on).
    Skipped {
        service: Svc,
        at: Secs,
        reason: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<String>,
        #[serde(default)]
        assumed_online: bool,
    },
    /// The run was interrupted before the service's next attempt: it is left for the next run.
    NotRetried {
        service: Svc,
        at: Secs,
        /// The attempt that was not started.
        attempt: u32,
    },
    PhaseComplete {
        phase: String,
        at: Secs,
    },
    /// A service is still not online when its recovery-time objective passes.
    /// Not online when `rto_risk_at` of its RTO has passed.
    RtoAtRisk {
        service: Svc,
        at: Secs,
        rto: Secs,
    },
    RtoMissed {
        service: Svc,
        at: Secs,
        rto: Secs,
    },
    /// A critical service failed and the plan says `on_failure = "halt"`: nothing new starts;
    /// the restores in `waiting_for` may still finish.
    Halting {
        at: Secs,
        by: String,
        waiting_for: Vec<String>,
    },
    Interrupting {
        at: Secs,
        waiting_for: Vec<String>,
        /// The run stops now instead of waiting for what runs.
        force: bool,
        /// It stops now because nothing but people were left to wait for.
        #[serde(default)]
        only_people: bool,
    },
    RunFinished {
        at: Secs,
        outcome: Outcome,
    },
}

/// A live run restores real services on the real clock; a dry run simulates them on a virtual
/// one. Everything else about a run is the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunMode {
    Live,
    Dry,
}

impl RunMode {
    pub fn is_dry(self) -> bool {
        self == RunMode::Dry
    }
}

/// What a service is waiting for.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum WaitOn {
    /// Its checks to pass, for at most `limit`.
    Checks { limit: Secs },
    /// A person to finish a manual step.
    Operator,
    /// A restore left running by an earlier run.
    EarlierRun { pid: u32 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Success,
    Failed,
    Interrupted,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failed => "failed",
            Outcome::Interrupted => "interrupted",
        }
    }
}

/// Seconds since the run's start, with millisecond precision (durations are whole milliseconds).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize, Deserialize, Default)]
#[serde(transparent)]
pub struct Secs(pub f64);

impl From<Duration> for Secs {
    fn from(d: Duration) -> Self {
        Secs((d.as_millis() as f64) / 1000.0)
    }
}

impl Secs {
    pub fn duration(self) -> Duration {
        Duration::from_millis((self.0 * 1000.0).round().max(0.0) as u64)
    }
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
            | Blocked { service, .. }
            | FellBack { service, .. }
            | Watched { service, .. }
            | WaitingForApproval { service, .. }
            | VerifyStep { service, .. }
            | Approved { service, .. }
            | Skipped { service, .. }
            | NotRetried { service, .. }
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
            | Blocked { at, .. }
            | FellBack { at, .. }
            | Watched { at, .. }
            | WaitingForApproval { at, .. }
            | VerifyStep { at, .. }
            | Approved { at, .. }
            | Skipped { at, .. }
            | NotRetried { at, .. }
            | PhaseComplete { at, .. }
            | RtoAtRisk { at, .. }
            | RtoMissed { at, .. }
            | Halting { at, .. }
            | Interrupting { at, .. }
            | RunFinished { at, .. } => *at,
        }
    }
}
