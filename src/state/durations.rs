//! How long restores really took: from the journals of real runs (every journal of a state
//! directory, the current one and those `--fresh` or `--new-incident` put away), per service,
//! the time from its first restore attempt to online, split into the restore itself (retries and
//! a manual step's own work included: what a plan's `duration` stands for), its verify gates, and
//! the wait for its sign-offs. Dry runs are left out: their durations are the plan's own.

use std::collections::HashMap;
use std::path::PathBuf;

use super::dir::StateDir;
use super::error::StateError;
use super::records::{Record, verified};
use crate::event::Event;

/// What was seen of one service, in seconds, a sample per restoration that ended online.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Seen {
    pub restore: Vec<f64>,
    /// The restorations that had verify gates: how long those took.
    pub gates: Vec<f64>,
    /// The restorations that waited for sign-offs: how long that took.
    pub sign_off: Vec<f64>,
}

/// The durations of every real run found.
#[derive(Debug, Default)]
pub struct Observed {
    /// The journals read, and how many real runs they held.
    pub journals: Vec<PathBuf>,
    pub runs: usize,
    pub services: HashMap<String, Seen>,
}

/// A restoration under way in one run.
#[derive(Default)]
struct Open {
    start: f64,
    gates: f64,
    gated: bool,
    sign_off: f64,
    signed: bool,
    waiting_since: Option<f64>,
    /// Begun by an earlier run that died: its start is not in this run.
    adopted: bool,
}

/// Every journal of these state directories, oldest first within each.
pub fn journals(dirs: &[StateDir]) -> Result<Vec<PathBuf>, StateError> {
    let mut found = Vec::new();
    for dir in dirs {
        let root = dir.root();
        let entries = match std::fs::read_dir(root) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(StateError::io("read the state directory", root)(e)),
        };
        let mut put_away: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| {
                let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                name.starts_with("journal.")
                    && name.ends_with(".jsonl")
                    && name != "journal.jsonl"
                    && p.is_file()
            })
            .collect();
        // Their names hold when they were put away: in name order, oldest first.
        put_away.sort();
        found.extend(put_away);
        if dir.has_journal()? {
            found.push(dir.journal());
        }
    }
    Ok(found)
}

/// The durations in every real run of these journals.
pub fn observed(journals: Vec<PathBuf>) -> Result<Observed, StateError> {
    let mut seen = Observed::default();
    for path in journals {
        let mut live = false;
        let mut open: HashMap<String, Open> = HashMap::new();
        for (_, record) in verified(&path)? {
            match record {
                Record::Run(header) => {
                    live = !header.dry_run;
                    seen.runs += usize::from(live);
                    open.clear();
                }
                Record::Event(e) if live => take(&e, &mut open, &mut seen.services),
                Record::Event(_) | Record::End(_) => {}
            }
        }
        seen.journals.push(path);
    }
    Ok(seen)
}

fn take(e: &Event, open: &mut HashMap<String, Open>, services: &mut HashMap<String, Seen>) {
    let Some(service) = e.service() else { return };
    let at = e.at().0;
    match e {
        Event::ActionStarted { .. } => {
            open.entry(service.to_string()).or_insert_with(|| Open { start: at, ..Open::default() });
        }
        Event::Adopted { .. } => {
            open.entry(service.to_string()).or_default().adopted = true;
        }
        Event::VerifyStep { took, .. } => {
            if let Some(o) = open.get_mut(&**service) {
                o.gates += took.map_or(0.0, |t| t.0);
                o.gated = true;
            }
        }
        Event::WaitingForApproval { .. } => {
            if let Some(o) = open.get_mut(&**service) {
                o.waiting_since.get_or_insert(at);
            }
        }
        Event::Approved { .. } => {
            if let Some(o) = open.get_mut(&**service)
                && let Some(since) = o.waiting_since.take()
            {
                o.sign_off += at - since;
                o.signed = true;
            }
        }
        Event::Online { .. } => {
            let Some(o) = open.remove(&**service) else { return };
            if o.adopted {
                return;
            }
            let s = services.entry(service.to_string()).or_default();
            s.restore.push((at - o.start - o.gates - o.sign_off).max(0.0));
            if o.gated {
                s.gates.push(o.gates);
            }
            if o.signed {
                s.sign_off.push(o.sign_off);
            }
        }
        Event::Failed { .. } | Event::LeftUnverified { .. } => {
            open.remove(&**service);
        }
        _ => {}
    }
}
