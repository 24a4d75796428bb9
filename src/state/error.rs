//! What can go wrong with the state directory, as types a caller can match on.

use std::path::PathBuf;

/// Why the state directory could not be used or read.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("no journal in {dir}: nothing has been run yet (run `restorectl run {plan}` first)")]
    NoJournal { dir: String, plan: String },
    #[error("the journal in {dir} holds no run: it is empty or not a journal")]
    NoRun { dir: String },
    #[error("the journal in {dir} has no run `{run}`; its runs: {}", runs.join(", "))]
    UnknownRun { dir: String, run: String, runs: Vec<String> },
    #[error(
        "the journal in {dir} is of the plan `{found}`, not `{expected}`; give its own state directory with --state (or, for a renamed plan, start afresh with --fresh)"
    )]
    OtherPlan { dir: String, found: String, expected: String },
    #[error("another restorectl run{} is using {}; wait for it to finish, or stop it first", holder.as_ref().map(|p| format!(" (pid {p})")).unwrap_or_default(), dir.display())]
    Busy { holder: Option<String>, dir: PathBuf },
    #[error("not starting afresh: restores left running by an earlier run are still running: {}; run without --fresh to take them over, or stop them first", .0.join(", "))]
    StillRunning(Vec<String>),
    #[error(
        "the journal {} is not as the runs wrote it: line {line}: {why}; nothing in it is believed (`restorectl journal verify` checks it; `run --accept-broken-journal REASON` goes on from it, journaling why)",
        path.display()
    )]
    Broken { path: PathBuf, line: usize, why: &'static str },
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl StateError {
    /// An I/O failure while doing `action` on `path`.
    pub fn io(action: &'static str, path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> StateError {
        let path = path.into();
        move |source| StateError::Io { action, path, source }
    }
}
