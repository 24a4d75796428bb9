//! The record format of `journal.jsonl`: a run's header (its id, plan, pid and what the plan said
//! about each service), then its events, one JSON object a line, each with its version.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::error::StateError;
use crate::event::Event;
use crate::plan::Service;

/// Version of the record format; a reader skips records of versions it does not know.
pub const VERSION: u32 = 1;

#[derive(Debug, Serialize, Deserialize)]
pub(super) struct RunHeader {
    /// The run's id (`7f3a`): names its logs and the confirmations meant for it.
    #[serde(default)]
    pub(super) id: String,
    pub(super) plan: String,
    pub(super) pid: u32,
    pub(super) dry_run: bool,
    /// Per service, a fingerprint of what the plan says about it.
    pub(super) fingerprints: BTreeMap<String, String>,
    /// The SHA-256 of the plan file the run followed (absent in journals of older versions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) plan_sha256: Option<String>,
    /// When the run's clock started: its events' `at` count from it (a dry run's is virtual:
    /// `--start`, or when it ran).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) clock_start: Option<String>,
    /// The incident the run belongs to (the id of its first run), and when that began: RTOs
    /// count from it. Absent in journals of older versions: each run was its own incident.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) incident: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) incident_start: Option<String>,
    /// How it was started: the command line, restorectl's version, the account and host.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(super) command: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) user: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) host: Option<String>,
}

/// One line of the journal: a run begins, an event of the current run, or the run's end.
pub(super) enum Record {
    Run(RunHeader),
    Event(Event),
    End(RunEnd),
}

/// `end`: the head of the chain as a run ended (the hash of the record before), maybe signed.
#[derive(Debug, Clone, Deserialize)]
pub struct RunEnd {
    pub run: String,
    pub head: String,
    #[serde(default)]
    pub signature: Option<String>,
}

/// The records of a journal. A torn last line (a crash mid-write) and records of unknown
/// versions are skipped.
pub(super) fn records(path: &Path) -> Result<Vec<Record>, StateError> {
    Ok(dated_records(path)?.into_iter().map(|(_, r)| r).collect())
}

/// The records of a journal with the (UTC) time each was written.
pub(super) fn dated_records(path: &Path) -> Result<Vec<(String, Record)>, StateError> {
    let file = File::open(path).map_err(StateError::io("read the journal", path))?;
    let mut out = Vec::new();
    // Line by line as bytes: a torn line (even one cut inside a character) is skipped, never the
    // records after it.
    for line in BufReader::new(file).split(b'\n') {
        let Ok(line) = line else { break };
        let Ok(mut record) = serde_json::from_slice::<serde_json::Value>(&line) else { continue };
        if record["v"] != VERSION {
            continue;
        }
        let time = record["time"].as_str().unwrap_or_default().to_owned();
        if record.get("event").is_some() {
            if let Ok(event) = serde_json::from_value::<Event>(record) {
                out.push((time, Record::Event(event)));
            }
        } else if let Some(run) = record.get_mut("run")
            && let Ok(run) = serde_json::from_value::<RunHeader>(run.take())
        {
            out.push((time, Record::Run(run)));
        } else if let Some(end) = record.get_mut("end")
            && let Ok(end) = serde_json::from_value::<RunEnd>(end.take())
        {
            out.push((time, Record::End(end)));
        }
    }
    Ok(out)
}

/// What the plan says about a service, hashed (FNV-1a): spans and names left out.
pub fn fingerprint(s: &Service) -> String {
    let deps: Vec<&str> = s.depends_on.iter().map(|d| d.get_ref().as_str()).collect();
    let checks: Vec<String> = s
        .checks
        .iter()
        .map(|c| format!("{}|{:?}|{}", crate::check::target(c), c.timeout, c.healthy_after))
        .collect();
    let restore =
        s.restore.as_ref().map(|r| format!("{:?}|{:?}|{}|{:?}", r.action, r.timeout, r.retries, r.backoff));
    let text = format!("{deps:?}|{:?}|{:?}|{checks:?}|{restore:?}", s.duration, s.phase);
    let hash =
        text.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
    format!("{hash:016x}")
}
