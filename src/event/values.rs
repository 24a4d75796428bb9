//! The values events carry: the run's clock (`Secs`), how a run ended, what a service waits for,
//! who did something, and whether the run is live or simulated.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Who did something, as `restorectl confirm` (or the run, for a skip) recorded it: the name
/// given, when (UTC), and the operating-system account and host it came from; with the SSH key
/// that signed the decision (`SHA256:…`) and the signature (SSHSIG, armored) when it was signed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Signer {
    pub by: String,
    pub at: String,
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default)]
    pub host: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
}

/// What a person decided: the word their signature covers (see `people::Decision`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Act {
    /// Started the run (`run --by`).
    Start,
    /// Finished a manual step (`confirm`).
    Confirm,
    /// Signed a service off (`confirm` of a service with `approval`).
    SignOff,
    /// Left a service out of the run (`run --skip`).
    Skip,
    /// Let a drafted customer update go out (`announce approve`).
    ApproveUpdate,
    /// Stopped a drafted customer update (`announce reject`).
    RejectUpdate,
}

impl Act {
    pub fn as_str(self) -> &'static str {
        match self {
            Act::Start => "start",
            Act::Confirm => "confirm",
            Act::SignOff => "sign-off",
            Act::Skip => "skip",
            Act::ApproveUpdate => "approve-update",
            Act::RejectUpdate => "reject-update",
        }
    }
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
    /// The people of a role to sign the service off.
    Approval,
    /// A restore left running by an earlier run.
    EarlierRun { pid: u32 },
}

/// How much a notice matters: said as it is (`info`), or after `note:`, `warning:`, `error:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Info,
    Note,
    Warning,
    Error,
}

impl Level {
    /// The notice's line as people read it.
    pub fn line(self, text: &str) -> String {
        match self {
            Level::Info => text.to_owned(),
            Level::Note => format!("note: {text}"),
            Level::Warning => format!("warning: {text}"),
            Level::Error => format!("error: {text}"),
        }
    }
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
