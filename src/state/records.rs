//! The record format of `journal.jsonl`: a run's header (its id, plan, pid and what the plan said
//! about each service), then its events, one JSON object a line, each with its version.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::chain;
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
    #[serde(default)]
    pub signature: Option<String>,
}

/// The records of a journal, believed only once verified (`verified`).
pub(super) fn records(path: &Path) -> Result<Vec<Record>, StateError> {
    Ok(verified(path)?.into_iter().map(|(_, r)| r).collect())
}

/// The records of a journal with the (UTC) time each was written, once the journal is shown to be
/// as the runs wrote it: every line chained to the one before, every event inside a run, no
/// confirmation naming another run than the one it was written in. A break that a later run was
/// told to go on from (`run --accept-broken-journal`, journaled) is excused; any other is an error
/// naming its line. Nothing in a journal that fails this is believed.
pub(super) fn verified(path: &Path) -> Result<Vec<(String, Record)>, StateError> {
    let read = read(path)?;
    match read.breaks.into_iter().find(|b| !read.accepted.contains(&b.line)) {
        Some(b) => Err(StateError::Broken { path: path.to_path_buf(), line: b.line, why: b.why }),
        None => Ok(read.records),
    }
}

/// The first line where the journal at `path` is not as the runs wrote it (its chain, or a record
/// outside its run), unless a run was told to go on from it; `journal verify` reports it.
pub fn first_break(path: &Path) -> Result<Option<JournalBreak>, StateError> {
    let read = read(path)?;
    Ok(read.breaks.into_iter().find(|b| !read.accepted.contains(&b.line)))
}

/// Where a journal is not as the runs wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalBreak {
    /// 1-based.
    pub line: usize,
    pub why: &'static str,
}

/// A journal as read: its records, where it breaks, and which breaks runs accepted.
pub(super) struct Read {
    pub(super) records: Vec<(String, Record)>,
    pub(super) breaks: Vec<JournalBreak>,
    pub(super) accepted: Vec<usize>,
}

/// Every record of a journal, and where its chain or structure breaks. A torn last line (a crash
/// mid-write) and records of unknown versions are skipped.
pub(super) fn read(path: &Path) -> Result<Read, StateError> {
    use std::io::BufRead;
    let file = std::fs::File::open(path).map_err(StateError::io("read the journal", path))?;
    let mut reader = std::io::BufReader::with_capacity(1 << 20, file);
    let mut out = Read { records: Vec::new(), breaks: Vec::new(), accepted: Vec::new() };
    let mut prev: chain::Hash = [0; 32];
    // The run whose records these are, and whether it is still open (no `end` yet).
    let mut run: Option<(String, bool)> = None;
    let mut buf = Vec::new();
    for number in 1.. {
        buf.clear();
        let n = reader.read_until(b'\n', &mut buf).map_err(StateError::io("read the journal", path))?;
        // The end; or a torn last line (no newline: a crash mid-write), never acted on.
        if n == 0 || !buf.ends_with(b"\n") {
            break;
        }
        let line = &buf[..buf.len() - 1];
        if line.is_empty() {
            continue;
        }
        let mut broken = |why| out.breaks.push(JournalBreak { line: number, why });
        if !chain::links(line, &prev) {
            broken("it does not follow the line before it: a record was edited, removed or moved");
        }
        prev = chain::hash(line);
        let Ok(mut record) = serde_json::from_slice::<serde_json::Value>(line) else { continue };
        if record["v"] != VERSION {
            continue;
        }
        let time = record["time"].as_str().unwrap_or_default().to_owned();
        if record.get("event").is_some() {
            let Ok(event) = serde_json::from_value::<Event>(record) else { continue };
            // Never believed, even from a journal a run was told to go on from.
            match (&run, &event) {
                (None | Some((_, false)), _) => {
                    broken("it is outside any run: after a run's end, or before the first");
                    continue;
                }
                (Some((id, true)), Event::Confirmed { run: named, .. })
                    if !named.is_empty() && named != id =>
                {
                    broken("it confirms a step for another run than the one it was written in");
                    continue;
                }
                _ => {}
            }
            if let Event::JournalAccepted { lines, .. } = &event {
                out.accepted.extend(lines);
            }
            out.records.push((time, Record::Event(event)));
        } else if let Some(header) = record.get_mut("run")
            && let Ok(header) = serde_json::from_value::<RunHeader>(header.take())
        {
            run = Some((header.id.clone(), true));
            out.records.push((time, Record::Run(header)));
        } else if let Some(end) = record.get_mut("end")
            && let Ok(end) = serde_json::from_value::<RunEnd>(end.take())
        {
            if let Some((_, open)) = run.as_mut() {
                *open = false;
            }
            out.records.push((time, Record::End(end)));
        }
    }
    Ok(out)
}

/// The records of a journal with the time each was written, whatever its integrity (the
/// evidence report says how intact it is).
pub(super) fn dated_records(path: &Path) -> Result<Vec<(String, Record)>, StateError> {
    Ok(read(path)?.records)
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
