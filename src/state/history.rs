//! The runs a journal holds, for `restorectl history`: which incident each belongs to, when it
//! started and ended, how it ended, what it restored or failed, and who confirmed what.

use std::path::Path;

use serde::Serialize;

use super::dir::StateDir;
use super::error::StateError;
use super::records::{Record, verified};
use crate::event::Event;

/// One run, as the journal tells it.
#[derive(Debug, Serialize)]
pub struct RunSummary {
    pub id: String,
    /// The incident it belongs to (the id of the incident's first run).
    pub incident: String,
    pub dry_run: bool,
    /// UTC times of its first and last records.
    pub started: String,
    pub last_record: String,
    /// `success`, `failed`, `interrupted`, or `unfinished` (it died, or still runs).
    pub outcome: &'static str,
    /// Services it restored (once each, however often one came back after a fall-back).
    pub restored: usize,
    pub already_online: usize,
    /// Services that ended failed.
    pub failed: Vec<String>,
    pub blocked: usize,
    /// Services that fell back while watched (`watch`), each time.
    pub fell_back: Vec<String>,
    pub confirmations: Vec<Confirmed>,
    /// How each service restored or failed ended, by id: the counts above come from it.
    #[serde(skip)]
    ended: std::collections::BTreeMap<String, bool>,
}

#[derive(Debug, Serialize)]
pub struct Confirmed {
    pub service: String,
    pub by: String,
}

/// Every run in the journal of `state`, oldest first.
pub fn history(state: &StateDir, plan_path: &Path) -> Result<Vec<RunSummary>, StateError> {
    let path = state.journal();
    if !state.has_journal()? {
        let dir = state.shown();
        return Err(StateError::NoJournal { dir, plan: plan_path.display().to_string() });
    }
    let mut runs: Vec<RunSummary> = Vec::new();
    for (time, record) in verified(&path)? {
        match record {
            Record::Run(header) => runs.push(RunSummary {
                incident: header.incident.unwrap_or_else(|| header.id.clone()),
                id: header.id,
                dry_run: header.dry_run,
                started: time.clone(),
                last_record: time,
                outcome: "unfinished",
                restored: 0,
                already_online: 0,
                failed: Vec::new(),
                blocked: 0,
                fell_back: Vec::new(),
                confirmations: Vec::new(),
                ended: Default::default(),
            }),
            Record::Event(event) => {
                let Some(run) = runs.last_mut() else { continue };
                run.last_record = time;
                match event {
                    Event::Online { service, .. } => {
                        run.ended.insert(service.to_string(), true);
                    }
                    Event::Failed { service, .. } => {
                        run.ended.insert(service.to_string(), false);
                    }
                    Event::FellBack { service, .. } => run.fell_back.push(service.to_string()),
                    Event::AlreadyOnline { .. } => run.already_online += 1,
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
        return Err(StateError::NoRun { dir: state.shown() });
    }
    for run in &mut runs {
        run.restored = run.ended.values().filter(|&&up| up).count();
        run.failed = run.ended.iter().filter(|(_, up)| !**up).map(|(id, _)| id.clone()).collect();
    }
    Ok(runs)
}
