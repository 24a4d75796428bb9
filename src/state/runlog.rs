//! One run as the journal holds it, for `restorectl report`: its header, every event with the
//! time it was written, and the head it ended with.

use std::path::PathBuf;

use super::dir::StateDir;
use super::error::StateError;
pub use super::records::RunEnd;
use super::records::{Record, dated_records};
use crate::event::Event;

/// One run of a journal.
#[derive(Debug)]
pub struct RunLog {
    pub id: String,
    pub dry_run: bool,
    /// The plan's name, and the SHA-256 of its file, as the run followed it.
    pub plan: String,
    pub plan_sha256: Option<String>,
    /// When its header was written (UTC, RFC 3339).
    pub started: String,
    /// When the run's clock started (RFC 3339; a dry run's is virtual): its events count from it.
    pub clock_start: Option<String>,
    /// How it was started: the command line, restorectl's version, the account and host.
    pub command: Vec<String>,
    pub version: Option<String>,
    pub user: Option<String>,
    pub host: Option<String>,
    /// Its events, each with when it was written (UTC).
    pub events: Vec<(String, Event)>,
    /// Its `end` record, unless it died (or still runs).
    pub end: Option<RunEnd>,
    /// The ids of every run in the journal, oldest first.
    pub runs: Vec<String>,
    pub journal: PathBuf,
}

/// The run `run` (the latest when `None`) of the journal of `state`.
pub fn read(state: &StateDir, plan_path: &std::path::Path, run: Option<&str>) -> Result<RunLog, StateError> {
    let journal = state.journal();
    if !journal.is_file() {
        let dir = state.root().display().to_string();
        return Err(StateError::NoJournal { dir, plan: plan_path.display().to_string() });
    }
    let mut found: Option<RunLog> = None;
    let mut runs = Vec::new();
    for (time, record) in dated_records(&journal)? {
        match record {
            Record::Run(header) => {
                runs.push(header.id.clone());
                let wanted = run.is_none_or(|r| r == header.id);
                // The first run of that id: a later one of the same id (a dry run's journal is
                // rewritten each time) does not mix in.
                if wanted && (run.is_none() || found.is_none()) {
                    found = Some(RunLog {
                        id: header.id,
                        dry_run: header.dry_run,
                        plan: header.plan,
                        plan_sha256: header.plan_sha256,
                        started: time,
                        clock_start: header.clock_start,
                        command: header.command,
                        version: header.version,
                        user: header.user,
                        host: header.host,
                        events: Vec::new(),
                        end: None,
                        runs: Vec::new(),
                        journal: journal.clone(),
                    });
                }
            }
            Record::Event(event) => {
                if let Some(f) = found.as_mut().filter(|f| runs.last() == Some(&f.id) && f.end.is_none()) {
                    f.events.push((time, event));
                }
            }
            Record::End(end) => {
                if let Some(f) = found.as_mut().filter(|f| f.id == end.run && f.end.is_none()) {
                    f.end = Some(end);
                }
            }
        }
    }
    let dir = state.root().display().to_string();
    match found {
        Some(mut f) => {
            f.runs = runs;
            Ok(f)
        }
        None if runs.is_empty() => Err(StateError::NoRun { dir }),
        None => Err(StateError::UnknownRun { dir, run: run.unwrap_or_default().to_owned(), runs }),
    }
}
