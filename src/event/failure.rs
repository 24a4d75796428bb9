//! Why something failed, as a value: what kind of failure it was (a script tells a timeout from an
//! exit status from a gate by `kind`, never by parsing words) and what happened, for people.
//! Executors return it, events and the journal carry its kind beside its text, the JSON report
//! shows both.

use serde::{Deserialize, Serialize};

/// What kind of failure: the `kind` of the journal's events and of the JSON report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailKind {
    /// The restore action exited with a status other than 0.
    Exit,
    /// The restore action was killed by a signal.
    Signal,
    /// The restore action (or the restore an earlier run left running) did not end within its
    /// timeout; its process group was killed.
    Timeout,
    /// The restore action could not be started: its program, its log file, a secret it names.
    Spawn,
    /// An HTTP restore action could not be sent or was answered with a status the plan does not
    /// expect.
    Http,
    /// The checks did not pass after the action (or cannot run at all: a program missing), or
    /// failed again while the service was watched.
    Checks,
    /// A verify gate (`[[service.verify]]`) did not pass: the service is quarantined.
    Gate,
    /// Its sign-offs (`approval`) were not all given in time.
    SignOff,
    /// A manual step was not confirmed in time.
    Confirmation,
    /// The journal could not record the start of the restore.
    Journal,
    /// Ctrl-C (or SIGTERM) ended it: a wait cut short, an action killed.
    Interrupted,
    /// The restore an earlier run left running ended while no run watched, and without checks
    /// nothing can tell how.
    Lost,
    /// A dry run's injected failure (`--fail`, `--fall-back`).
    Simulated,
    /// The restore action failed, in a journal written before kinds were this fine.
    Action,
}

impl FailKind {
    /// A gate that a scan or people keep: once it did not pass, it is not retried by restoring
    /// again, and no later run takes the service as online until the gate is passed again.
    pub fn holds(self) -> bool {
        matches!(self, FailKind::Gate | FailKind::SignOff)
    }
}

/// A failure: its kind and what happened (secrets already redacted where it came from a command).
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub kind: FailKind,
    pub detail: String,
}

impl Failure {
    pub fn new(kind: FailKind, detail: impl Into<String>) -> Self {
        Self { kind, detail: detail.into() }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.detail)
    }
}
