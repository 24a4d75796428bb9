//! Everything observable in a run (live or dry) is an event. The runner emits them in one ordered
//! stream; reporters (progress, plain log, journal, JSON, JUnit, announcements) only consume them.

use serde::{Deserialize, Serialize};

mod access;
mod failure;
mod svc;
mod values;

pub use failure::{FailKind, Failure};
pub use svc::Svc;
pub use values::{Act, Level, Outcome, RunMode, Secs, Signer, WaitOn};

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
        /// Who started it (`run --by`, or the account), signed when they have a key.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<Box<Signer>>,
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
        /// What kind of failure, when it failed (absent in journals of older versions).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        kind: Option<FailKind>,
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
        /// When, from which account and host (journaled: the confirmation's file is then removed).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        signer: Option<Box<Signer>>,
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
        /// What kind of failure (absent in journals of older versions).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        kind: Option<FailKind>,
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
        /// What kind of failure (absent in journals of older versions).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        kind: Option<FailKind>,
    },
    /// A verify gate, sign-off or confirmation of the service was begun by an earlier run and
    /// never passed: whatever its checks say, it is not online until that gate is passed again.
    Quarantined {
        service: Svc,
        at: Secs,
        /// Why: the gate that did not pass and what it said.
        reason: String,
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
        /// How long the step took (absent in journals of older versions).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        took: Option<Secs>,
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
    /// Signed off by these people; `signers`: each with when, account and host, in the order
    /// they signed.
    Approved {
        service: Svc,
        at: Secs,
        by: Vec<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        signers: Vec<Signer>,
    },
    /// The evidence of an attempt's verify gates was kept in `file`, whose SHA-256 this is: the
    /// journal's chain then vouches for the file.
    EvidenceKept {
        service: Svc,
        at: Secs,
        attempt: u32,
        file: String,
        sha256: String,
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
        /// What kind of failure (absent in journals of older versions).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        kind: Option<FailKind>,
    },
    /// Online, and watched (`watch`) until `until`: a fall-back meanwhile is restored again.
    Watching {
        service: Svc,
        at: Secs,
        until: Secs,
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
        /// Who skipped it: when, from which account and host.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        signer: Option<Box<Signer>>,
    },
    /// Interrupted while its checks were awaited after attempt `attempt`: the next run verifies it.
    LeftUnverified {
        service: Svc,
        at: Secs,
        attempt: u32,
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
    /// Something a reporter, its background work or the run's setup has to tell the operators (a
    /// webhook that refused an update, a file that could not be written, an update awaiting
    /// review): shown by the progress display and kept in the journal like every event.
    Notice {
        at: Secs,
        level: Level,
        text: String,
    },
    /// The run was told to go on from a journal whose chain or structure breaks at `lines`
    /// (`run --accept-broken-journal`): who said so and why. Later readers excuse those breaks.
    /// A person's decision the run did not take (unsigned where its role asks for a signature, a
    /// key that is not theirs, a signature over another decision, a self-approval): nothing was
    /// decided, and `confirm` says why.
    Refused {
        at: Secs,
        /// The service's id, `run` (its start), or `update 0007`.
        subject: String,
        act: Act,
        by: String,
        reason: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        signer: Option<Box<Signer>>,
    },
    JournalAccepted {
        at: Secs,
        lines: Vec<usize>,
        reason: String,
        signer: Box<Signer>,
    },
}
