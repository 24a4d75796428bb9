//! The verify gates' evidence of a run, per service and attempt: each step as the journal tells
//! it (name, passed or not, what it found, the restore point), with what the evidence file of the
//! attempt kept (exit or HTTP status, duration, SHA-256 and first lines of its output), checked
//! against the file's SHA-256 the journal holds: a file changed since the run is called out.

use serde::Serialize;

use crate::event::{Event, Secs};
use crate::state::StateDir;
use crate::state::chain::{hash, hex};
use crate::state::runlog::RunLog;

#[derive(Debug, Serialize)]
pub struct ServiceEvidence {
    pub service: String,
    pub attempt: u32,
    pub restore_point: Option<String>,
    pub steps: Vec<GateStep>,
    /// The evidence file (none in a drill: nothing ran), its SHA-256 now, and the one the
    /// journal holds (`false`: the file was changed since the run).
    pub file: Option<String>,
    pub file_sha256: Option<String>,
    pub journaled_sha256: Option<String>,
    pub matches_journal: Option<bool>,
}

#[derive(Debug, Serialize)]
pub struct GateStep {
    pub name: String,
    pub ok: bool,
    pub detail: String,
    pub at: String,
    pub code: Option<i64>,
    pub seconds: Option<f64>,
    pub stdout_sha256: Option<String>,
    pub stderr_sha256: Option<String>,
    /// The first lines of what it printed (redacted when it was kept).
    pub output: Option<String>,
}

/// How much of a step's output the report quotes.
const QUOTE: usize = 400;

pub fn collect(log: &RunLog, state: &StateDir, when: &dyn Fn(Secs) -> String) -> Vec<ServiceEvidence> {
    let mut out: Vec<ServiceEvidence> = Vec::new();
    // Which run each attempt belongs to: its files are under that run's id.
    let mut runs: Vec<String> = Vec::new();
    let mut run = log.first().id.clone();
    for (_, e) in &log.events {
        if let Event::RunStarted { run: id, .. } = e {
            run.clone_from(id);
        }
        let Event::VerifyStep { service, at, attempt, name, ok, detail, restore_point, .. } = e else {
            continue;
        };
        let fresh = out.last().is_none_or(|l| l.service != **service || l.attempt != *attempt);
        if fresh {
            runs.push(run.clone());
            out.push(ServiceEvidence {
                service: service.to_string(),
                attempt: *attempt,
                restore_point: None,
                steps: Vec::new(),
                file: None,
                file_sha256: None,
                journaled_sha256: None,
                matches_journal: None,
            });
        }
        let last = out.last_mut().expect("just pushed");
        if restore_point.is_some() {
            last.restore_point.clone_from(restore_point);
        }
        last.steps.push(GateStep {
            name: name.clone(),
            ok: *ok,
            detail: detail.clone(),
            at: when(*at),
            code: None,
            seconds: None,
            stdout_sha256: None,
            stderr_sha256: None,
            output: None,
        });
    }
    if !log.dry_run {
        for (ev, run) in out.iter_mut().zip(&runs) {
            ev.journaled_sha256 = log.events.iter().find_map(|(_, e)| match e {
                Event::EvidenceKept { service, attempt, sha256, .. }
                    if **service == ev.service && *attempt == ev.attempt =>
                {
                    Some(sha256.clone())
                }
                _ => None,
            });
            attach_file(ev, state, run);
            ev.matches_journal = ev.journaled_sha256.as_ref().map(|j| Some(j) == ev.file_sha256.as_ref());
        }
    }
    out
}

/// What the attempt's evidence file adds to the journal's account of its steps.
fn attach_file(ev: &mut ServiceEvidence, state: &StateDir, run: &str) {
    let path = state.evidence(run, &ev.service, ev.attempt);
    let Ok(bytes) = std::fs::read(&path) else { return };
    ev.file = Some(path.display().to_string());
    ev.file_sha256 = Some(hex(&hash(&bytes)));
    let Ok(record) = serde_json::from_slice::<serde_json::Value>(&bytes) else { return };
    let Some(steps) = record["steps"].as_array() else { return };
    for (step, kept) in ev.steps.iter_mut().zip(steps) {
        if kept["name"].as_str() != Some(step.name.as_str()) {
            continue;
        }
        step.code = kept["code"].as_i64();
        step.seconds = kept["seconds"].as_f64();
        step.stdout_sha256 = kept["stdout_sha256"].as_str().map(str::to_owned);
        step.stderr_sha256 = kept["stderr_sha256"].as_str().map(str::to_owned);
        let quote = |k: &str| {
            kept[k]
                .as_str()
                .map(|t| t.trim())
                .filter(|t| !t.is_empty())
                .map(|t| t.chars().take(QUOTE).collect::<String>())
        };
        step.output = quote("stdout_head").or_else(|| quote("stderr_head"));
    }
}
