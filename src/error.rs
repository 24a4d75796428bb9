//! Why a command could not do its job, as one enum a caller can match on: each kind says its exit
//! code. The library's own errors (the state directory, reporters, plan lookups) convert into it;
//! only `app` prints it.

use crate::bus::WriteError;
use crate::exit::Exit;
use crate::plan::UnknownService;
use crate::state::StateError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    State(#[from] StateError),
    #[error(transparent)]
    Write(#[from] WriteError),
    /// An id names no service of the plan.
    #[error(transparent)]
    NoSuchService(#[from] UnknownService),
    /// `confirm` of a service that is not a manual step without checks.
    #[error("`{0}` is not a manual step without checks; restorectl confirms it by its checks")]
    NotConfirmable(String),
    /// `confirm` with no run going on.
    #[error("no run is waiting for `{id}`: no restorectl run is going on in {}", dir.display())]
    NoRunWaiting { id: String, dir: std::path::PathBuf },
    /// `confirm --run` of another run than the one going on.
    #[error("run {given} is not the run going on now (that is run {current}); nothing confirmed")]
    OtherRun { given: String, current: String },
    /// A sign-off by someone who is not one of the role's approvers.
    #[error("`{by}` is not among the approvers of `{role}` ({}); nothing signed", members.join(", "))]
    NotAnApprover { by: String, role: String, members: Vec<String> },
    /// `confirm` of a step the run is not waiting for.
    #[error("run {run} is not waiting for `{id}` now; nothing confirmed")]
    NotWaiting { run: String, id: String },
    /// `confirm` whose decision the waiting run did not take (it died, or its pid is another
    /// process's now): withdrawn.
    #[error(
        "run {run} did not take the decision on `{id}` within {seconds}s (it is not running, or hangs); nothing confirmed"
    )]
    NotTaken { run: String, id: String, seconds: u64 },
    /// `logs` of a service, run or attempt that left none.
    #[error("no log of `{id}`{}{}", run.as_ref().map(|r| format!(" in run {r}")).unwrap_or_default(), attempt.map(|a| format!(", attempt {a}")).unwrap_or_default())]
    NoLog { id: String, run: Option<String>, attempt: Option<u32> },
    /// A flag names a service the plan does not have.
    #[error("`{flag}`: {unknown}")]
    UnknownService { flag: String, unknown: UnknownService },
    /// A flag's value is not what it takes.
    #[error("`{flag}`: {why}")]
    Flag { flag: String, why: String },
    /// The plan's time zone is not one this machine knows.
    #[error("the time zone `{zone}` is unknown here: {why}")]
    TimeZone { zone: String, why: String },
    /// The run's report could not be written to stdout.
    #[error("cannot write the report: {0}")]
    Report(std::io::Error),
    /// `import` could not read or translate its sources.
    #[error("{0}")]
    Import(String),
    /// `estimate` with no real run in the journals.
    #[error("{0}")]
    NoHistory(String),
    /// `estimate --write` could not rewrite the plan.
    #[error("nothing written: {0}")]
    NotWritten(String),
    /// The runtime (threads, timers) could not be started.
    #[error("cannot start the runtime: {0}")]
    Runtime(std::io::Error),
    /// A reporter's thread panicked: what it wrote may be incomplete.
    #[error("a reporter failed; its files may be incomplete")]
    Reporter,
}

impl Error {
    /// The exit code a command ends with on this error.
    pub fn exit(&self) -> Exit {
        match self {
            // Input that cannot be used, or a state or file that cannot be: nothing was done.
            Error::State(_)
            | Error::NoSuchService(_)
            | Error::NotConfirmable(_)
            | Error::NotAnApprover { .. }
            | Error::NoRunWaiting { .. }
            | Error::OtherRun { .. }
            | Error::NotWaiting { .. }
            | Error::NotTaken { .. }
            | Error::NoLog { .. }
            | Error::UnknownService { .. }
            | Error::Flag { .. }
            | Error::TimeZone { .. }
            | Error::NoHistory(_)
            | Error::Import(_)
            | Error::NotWritten(_) => Exit::Invalid,
            // The work may be done; its record is not whole.
            Error::Write(_) | Error::Report(_) | Error::Reporter | Error::Runtime(_) => Exit::Invalid,
        }
    }

    pub fn flag(flag: impl Into<String>, why: impl Into<String>) -> Self {
        Error::Flag { flag: flag.into(), why: why.into() }
    }
}
