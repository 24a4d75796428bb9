//! The runs a journal holds, for `restorectl history`: when each started and ended, how it
//! ended, what it restored or failed, and who confirmed what.

use std::path::Path;

use serde::Serialize;

use super::dir::StateDir;
use super::error::StateError;
use super::records::{Record, dated_records};
use crate::event::Event;

/// One run, as the journal tells it.
#[derive(Debug, Serialize)]
pub struct RunSummary {
    pub id: String,
    pub dry_run: bool,
    /// UTC times of its first and last records.
    pub started: String,
    pub last_record: String,
    /// `success`, `failed`, `interrupted`, or `unfinished` (it died, or still runs).
    pub outcome: &'static str,
    pub restored: usize,
    pub already_online: usize,
    pub failed: Vec<String>,
    pub blocked: usize,
    pub confirmations: Vec<Confirmed>,
}

#[derive(Debug, Serialize)]
pub struct Confirmed {
    pub service: String,
    pub by: String,
}

/// Every run in the journal of `state`, oldest first.
pub fn history(state: &StateDir, plan_path: &Path) -> Result<Vec<RunSummary>, StateError> {
    let path = state.journal();
    if !path.is_file() {
        let dir = state.root().display().to_string();
        return Err(StateError::NoJournal { dir, plan: plan_path.display().to_string() });
    }
    let mut runs: Vec<RunSummary> = Vec::new();
    for (time, record) in dated_records(&path)? {
        match record {
            Record::Run(header) => runs.push(RunSummary {
                id: header.id,
                dry_run: header.dry_run,
                started: time.clone(),
                last_record: time,
                outcome: "unfinished",
                restored: 0,
                already_online: 0,
                failed: Vec::new(),
                blocked: 0,
                confirmations: Vec::new(),
            }),
            Record::Event(event) => {
                let Some(run) = runs.last_mut() else { continue };
                run.last_record = time;
                match event {
                    Event::Online { .. } => run.restored += 1,
                    Event::AlreadyOnline { .. } => run.already_online += 1,
                    Event::Failed { service, .. } => run.failed.push(service.to_string()),
                    Event::Blocked { .. } => run.blocked += 1,
                    Event::Confirmed { service, by, .. } => {
                        run.confirmations.push(Confirmed { service: service.to_string(), by })
                    }
                    Event::RunFinished { outcome, .. } => run.outcome = outcome.as_str(),
                    _ => {}
                }
            }
            Record::End(_) => {}
        }
    }
    if runs.is_empty() {
        return Err(StateError::NoRun { dir: state.root().display().to_string() });
    }
    Ok(runs)
}
