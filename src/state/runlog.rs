//! What `restorectl report` reads of the journal: the latest incident (every run of it), or one
//! run — each run's header, every event with the time it was written, told on the clock of the
//! first run covered, and the head the last one ended with.

use std::path::PathBuf;

use super::dir::StateDir;
use super::error::StateError;
pub use super::records::RunEnd;
use super::records::{Record, RunHeader, dated_records};
use crate::event::Event;

/// One run as its header tells it.
#[derive(Debug, Clone)]
pub struct RunPart {
    pub id: String,
    /// When its header was written (UTC, RFC 3339).
    pub started: String,
    /// When its clock started (RFC 3339; a dry run's is virtual): its events count from it.
    pub clock_start: Option<String>,
    /// The SHA-256 of the plan file it followed.
    pub plan_sha256: Option<String>,
    /// When its incident began (RFC 3339; its own clock's start in journals of older versions).
    pub incident_start: Option<String>,
    /// How it was started: the command line, restorectl's version, the account and host.
    pub command: Vec<String>,
    pub version: Option<String>,
    pub user: Option<String>,
    pub host: Option<String>,
    /// Its `end` record, unless it died (or still runs).
    pub end: Option<RunEnd>,
}

/// The runs a report covers, as one log.
#[derive(Debug)]
pub struct RunLog {
    /// The last run covered (its head closes the report).
    pub id: String,
    /// The incident the runs belong to (the id of its first run).
    pub incident: String,
    pub dry_run: bool,
    /// The plan's name, as the runs followed it.
    pub plan: String,
    /// The runs covered, oldest first: one (`--run`), or every run of the incident.
    pub parts: Vec<RunPart>,
    /// Their events, each with when it was written (UTC), on the first part's clock.
    pub events: Vec<(String, Event)>,
    /// The ids of every run in the journal, oldest first.
    pub runs: Vec<String>,
    pub journal: PathBuf,
    /// The people's decisions of the runs covered, with what each was given for.
    pub decisions: Vec<crate::people::Decided>,
}

impl RunLog {
    pub fn first(&self) -> &RunPart {
        &self.parts[0]
    }

    /// The last run's `end` record.
    pub fn end(&self) -> Option<&RunEnd> {
        self.parts.last().and_then(|p| p.end.as_ref())
    }
}

/// A run of the journal with its events.
struct Run {
    header: RunHeader,
    part: RunPart,
    events: Vec<(String, Event)>,
}

/// The run `run` of the journal of `state`, or (`None`) every run of the latest incident.
pub fn read(state: &StateDir, plan_path: &std::path::Path, run: Option<&str>) -> Result<RunLog, StateError> {
    let journal = state.journal();
    let dir = state.shown();
    if !state.has_journal()? {
        return Err(StateError::NoJournal { dir, plan: plan_path.display().to_string() });
    }
    let mut all: Vec<Run> = Vec::new();
    for (time, record) in dated_records(&journal)? {
        match record {
            Record::Run(header) => {
                let part = RunPart {
                    id: header.id.clone(),
                    started: time,
                    clock_start: header.clock_start.clone(),
                    plan_sha256: header.plan_sha256.clone(),
                    incident_start: header.incident_start.clone().or_else(|| header.clock_start.clone()),
                    command: header.command.clone(),
                    version: header.version.clone(),
                    user: header.user.clone(),
                    host: header.host.clone(),
                    end: None,
                };
                all.push(Run { header, part, events: Vec::new() });
            }
            Record::Event(event) => {
                if let Some(r) = all.last_mut().filter(|r| r.part.end.is_none()) {
                    r.events.push((time, event));
                }
            }
            Record::End(end) => {
                if let Some(r) = all.last_mut().filter(|r| r.part.id == end.run && r.part.end.is_none()) {
                    r.part.end = Some(end);
                }
            }
        }
    }
    let runs: Vec<String> = all.iter().map(|r| r.part.id.clone()).collect();
    let incident_of = |r: &Run| r.header.incident.clone().unwrap_or_else(|| r.part.id.clone());
    let covered: Vec<Run> = match run {
        // The first run of that id: a later one of the same id (a dry run's journal is rewritten
        // each time) does not mix in.
        Some(id) => match all.into_iter().find(|r| r.part.id == id) {
            Some(r) => vec![r],
            None if runs.is_empty() => return Err(StateError::NoRun { dir }),
            None => return Err(StateError::UnknownRun { dir, run: id.to_owned(), runs }),
        },
        None => {
            let Some(latest) = all.last().map(incident_of) else { return Err(StateError::NoRun { dir }) };
            // An incident's runs follow one another: from the last one of another incident on.
            let from = all.iter().rposition(|r| incident_of(r) != latest).map_or(0, |p| p + 1);
            all.into_iter().skip(from).collect()
        }
    };
    let clock = |r: &Run| r.part.clock_start.as_deref().and_then(|t| t.parse::<jiff::Timestamp>().ok());
    let base = clock(&covered[0]);
    let first = &covered[0];
    let (incident, dry_run, plan) = (incident_of(first), first.header.dry_run, first.header.plan.clone());
    let mut events = Vec::new();
    let mut parts = Vec::new();
    let mut decisions = Vec::new();
    for r in covered {
        decisions.extend(decided(&r));
        // Each run's events count from its own clock's start: told on the first one's.
        let by = match (base, clock(&r)) {
            (Some(b), Some(c)) => (c.as_nanosecond() - b.as_nanosecond()) as f64 / 1e9,
            _ => 0.0,
        };
        events.extend(r.events.into_iter().map(|(time, mut e)| {
            e.shift(by);
            (time, e)
        }));
        parts.push(r.part);
    }
    let id = parts.last().map(|p| p.id.clone()).unwrap_or_default();
    Ok(RunLog { id, incident, dry_run, plan, parts, events, runs, journal, decisions })
}

/// The people's decisions in run `r`.
fn decided(r: &Run) -> Vec<crate::people::Decided> {
    let incident = r.header.incident.clone().unwrap_or_else(|| r.part.id.clone());
    let given = (r.part.id.as_str(), incident.as_str(), r.part.plan_sha256.as_deref());
    crate::people::decisions_in(given, r.events.iter().map(|(_, e)| e))
}

/// Every person's decision in the journal of `state`, run by run (`journal verify`).
pub fn decisions(state: &StateDir) -> Result<Vec<crate::people::Decided>, StateError> {
    let mut out = Vec::new();
    let mut run: Option<Run> = None;
    for (time, record) in dated_records(&state.journal())? {
        match record {
            Record::Run(header) => {
                out.extend(run.take().map(|r| decided(&r)).unwrap_or_default());
                let part = RunPart {
                    id: header.id.clone(),
                    started: time,
                    clock_start: None,
                    plan_sha256: header.plan_sha256.clone(),
                    incident_start: None,
                    command: Vec::new(),
                    version: None,
                    user: None,
                    host: None,
                    end: None,
                };
                run = Some(Run { header, part, events: Vec::new() });
            }
            Record::Event(e) => {
                if let Some(r) = run.as_mut() {
                    r.events.push((time, e));
                }
            }
            Record::End(_) => {}
        }
    }
    out.extend(run.map(|r| decided(&r)).unwrap_or_default());
    Ok(out)
}
