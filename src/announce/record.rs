//! `announced.jsonl` in the announcements directory: what customers were told, one typed,
//! versioned record per line, appended as it happens (a live run), so a resumed run carries on
//! where the last one stopped and never announces anything twice. A torn last line is ignored.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::outgoing::Outgoing;
use super::policy::{Kind, Memory, Note, Update};
use crate::bus::notices;
use crate::event::Level;
use crate::plan::Plan;

pub const FILE: &str = "announced.jsonl";
/// Version of the record format; records of other versions are skipped.
const VERSION: u32 = 1;

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "record", rename_all = "snake_case")]
enum Record {
    /// An update was published.
    Update {
        v: u32,
        number: u32,
        kind: Kind,
        services: Vec<String>,
        phases: Vec<String>,
        /// Of a failure notice's services, those told paused (older records have none).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        paused: Vec<String>,
        /// When it was published (older records have none).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        at: Option<jiff::Timestamp>,
        /// Its files' name without the locale (`0007-online-billing`; older records have none).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        stem: Option<String>,
        /// What it hands to the webhooks or the reviewers, once recorded.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        out: Option<Box<Outgoing>>,
    },
    /// A customer-facing service's restore began.
    Restoring { v: u32, service: String },
    /// The incident these announcements are about: its id, written first.
    Incident { v: u32, id: String },
}

/// The highest update number taken from a record.
const MAX_NUMBER: u32 = 999_999;

/// What the records in `dir` say was announced (ids the plan no longer has are left out).
pub fn load(dir: &Path, plan: &Plan) -> Memory {
    let mut memory = Memory::default();
    let Ok(file) = File::open(dir.join(FILE)) else { return memory };
    let ids = plan.ids();
    let index = |id: &str| ids.get(id).copied();
    for line in BufReader::new(file).lines().map_while(Result::ok) {
        match serde_json::from_str::<Record>(&line) {
            // No incident tells a million updates: a number past that was not written here.
            Ok(Record::Update { v: VERSION, number, .. }) if number > MAX_NUMBER => notices::say(
                Level::Warning,
                format!(
                    "{}: update {number} is no update restorectl numbered; skipped",
                    dir.join(FILE).display()
                ),
            ),
            Ok(Record::Update { v: VERSION, number, kind, services, phases, paused, .. }) => {
                let phases =
                    phases.iter().filter_map(|p| plan.phases.iter().position(|ph| &ph.id == p)).collect();
                let services = services.iter().filter_map(|id| index(id)).collect();
                let paused = paused.iter().filter_map(|id| index(id)).collect();
                let at = Default::default();
                memory.remember(&Update {
                    number,
                    kind,
                    services,
                    paused,
                    phases,
                    missed: None,
                    next: None,
                    since: None,
                    at,
                });
            }
            Ok(Record::Restoring { v: VERSION, service }) => memory.restoring.extend(index(&service)),
            Ok(Record::Incident { v: VERSION, id }) => memory.incident = Some(id),
            _ => {}
        }
    }
    memory
}

/// When each update recorded in `dir` was published.
pub fn times(dir: &Path) -> HashMap<u32, jiff::Timestamp> {
    updates(dir).filter_map(|(number, at, _)| Some((number, at?))).collect()
}

/// The stem of each update recorded in `dir` (what its files are called, wherever they are).
pub fn stems(dir: &Path) -> Vec<String> {
    updates(dir).filter_map(|(_, _, stem)| stem).collect()
}

/// What the updates recorded in `dir` hand over, in order.
pub fn outgoing(dir: &Path) -> Vec<Outgoing> {
    let lines = File::open(dir.join(FILE)).map(|f| BufReader::new(f).lines().map_while(Result::ok));
    lines
        .into_iter()
        .flatten()
        .filter_map(|line| match serde_json::from_str::<Record>(&line) {
            Ok(Record::Update { v: VERSION, out, .. }) => out.map(|o| *o),
            _ => None,
        })
        .collect()
}

/// Each update recorded in `dir`: its number, when it was published, its files' stem.
fn updates(dir: &Path) -> impl Iterator<Item = (u32, Option<jiff::Timestamp>, Option<String>)> {
    let lines = File::open(dir.join(FILE)).map(|f| BufReader::new(f).lines().map_while(Result::ok));
    lines.into_iter().flatten().filter_map(|line| match serde_json::from_str::<Record>(&line) {
        Ok(Record::Update { v: VERSION, number, at, stem, .. }) => Some((number, at, stem)),
        _ => None,
    })
}

/// Appends records to `announced.jsonl`.
pub struct Recorder {
    path: PathBuf,
    file: Option<File>,
}

impl Recorder {
    pub fn new(dir: &Path) -> Self {
        Self { path: dir.join(FILE), file: None }
    }

    pub fn update(
        &mut self,
        plan: &Plan,
        u: &Update,
        (at, stem): (jiff::Timestamp, String),
        out: Option<Outgoing>,
    ) {
        let services = u.services.iter().map(|&i| plan.services[i].id.clone()).collect();
        let phases = u.phases.iter().map(|&p| plan.phases[p].id.clone()).collect();
        let paused = u.paused.iter().map(|&i| plan.services[i].id.clone()).collect();
        let (v, number, kind, at, stem, out) =
            (VERSION, u.number, u.kind, Some(at), Some(stem), out.map(Box::new));
        self.append(&Record::Update { v, number, kind, services, phases, paused, at, stem, out });
    }

    /// Starts an incident: a new id, recorded.
    pub fn incident(&mut self) -> String {
        let nanos = jiff::Timestamp::now().as_nanosecond() as u64 ^ u64::from(std::process::id());
        let id = format!("{:08x}", (nanos.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) as u32);
        self.append(&Record::Incident { v: VERSION, id: id.clone() });
        id
    }

    pub fn note(&mut self, plan: &Plan, note: Note) {
        let Note::Restoring(i) = note;
        self.append(&Record::Restoring { v: VERSION, service: plan.services[i].id.clone() });
    }

    fn append(&mut self, record: &Record) {
        if self.file.is_none() {
            self.file = crate::state::files::append(&self.path).ok();
        }
        let Some(file) = &mut self.file else {
            return notices::say(Level::Error, format!("cannot write {}", self.path.display()));
        };
        let mut line = serde_json::to_vec(record).unwrap_or_default();
        line.push(b'\n');
        // One write per record: a crash leaves at most a torn last line.
        if let Err(e) = crate::state::mirrored::append(&self.path, &line, || file.write_all(&line)) {
            notices::say(Level::Error, format!("cannot write {}: {e}", self.path.display()));
        }
    }
}
