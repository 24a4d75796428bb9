//! The journal: an append-only JSON-lines file of every event of every run on a state directory,
//! written (and, for live runs, fsynced) before the runner acts on it. A lock keeps a second run
//! out; replaying the journal tells a new run which restores were in flight when the last one died,
//! what operators confirmed, and which services changed in the plan since.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::event::Event;
use crate::plan::{Plan, Service};
use crate::report::Reporter;

/// Version of the record format; a reader skips records of versions it does not know.
pub const VERSION: u32 = 1;
pub const FILE: &str = "journal.jsonl";

#[derive(Debug, Serialize, Deserialize)]
struct RunHeader {
    plan: String,
    pid: u32,
    dry_run: bool,
    /// Per service, a fingerprint of what the plan says about it.
    fingerprints: BTreeMap<String, String>,
}

/// What a new run learns from the journal of earlier runs.
#[derive(Debug, Default)]
pub struct Replay {
    /// Restore processes that were started and never reported finished: (pid, start ticks).
    pub in_flight: HashMap<String, (u32, Option<u64>)>,
    /// Services an operator confirmed (manual steps without checks).
    pub confirmed: HashSet<String>,
    /// Services whose plan entry changed (or that are new) since the last run.
    pub changed: Vec<String>,
}

pub struct Journal {
    out: BufWriter<File>,
    /// Live runs fsync every record; a simulation does not need to.
    durable: bool,
    /// Held for the journal's lifetime: a second run on the same state fails at once.
    _lock: File,
    error: Option<String>,
    scratch: Vec<u8>,
}

impl Journal {
    /// Opens (or starts) the live journal in `dir`: takes the lock, rotates it with `fresh`, and
    /// replays what is there.
    pub fn open(dir: &Path, plan: &Plan, fresh: bool) -> Result<(Journal, Replay), String> {
        let lock = lock(dir)?;
        let path = dir.join(FILE);
        if fresh && path.exists() {
            let stamp = jiff::Timestamp::now().strftime("%Y%m%dT%H%M%SZ").to_string();
            let kept = dir.join(format!("journal.{stamp}.jsonl"));
            std::fs::rename(&path, &kept).map_err(|e| format!("cannot rotate {}: {e}", path.display()))?;
            eprintln!("note: started a fresh journal; the old one is {}", kept.display());
        }
        let replay = if path.exists() { replay(&path, plan)? } else { Replay::default() };
        let journal = Self::append(&path, plan, lock, true, false)?;
        Ok((journal, replay))
    }

    /// A new journal for a dry run in its own directory (never the live one).
    pub fn create(dir: &Path, plan: &Plan) -> Result<Journal, String> {
        let lock = lock(dir)?;
        let path = dir.join(FILE);
        // Emptied in place rather than deleted and created again: cheaper on most file systems.
        File::create(&path).map_err(|e| format!("cannot create the journal {}: {e}", path.display()))?;
        Self::append(&path, plan, lock, false, true)
    }

    fn append(path: &Path, plan: &Plan, lock: File, durable: bool, dry_run: bool) -> Result<Journal, String> {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| format!("cannot open the journal {}: {e}", path.display()))?;
        let mut j =
            Journal { out: BufWriter::new(file), durable, _lock: lock, error: None, scratch: Vec::new() };
        let header = RunHeader {
            plan: plan.name.clone(),
            pid: std::process::id(),
            dry_run,
            // A dry run is never resumed: nothing to compare a later plan with.
            fingerprints: if dry_run {
                BTreeMap::new()
            } else {
                plan.services.iter().map(|s| (s.id.clone(), fingerprint(s))).collect()
            },
        };
        let record = serde_json::json!({ "v": VERSION, "time": now(), "run": header });
        j.write(&record);
        match j.error.take() {
            Some(e) => Err(e),
            None => Ok(j),
        }
    }

    fn write(&mut self, record: &serde_json::Value) {
        let mut line = record.to_string().into_bytes();
        line.push(b'\n');
        self.write_line(&line);
    }

    fn write_line(&mut self, line: &[u8]) {
        let result = self.out.write_all(line).and_then(|()| {
            if self.durable { self.out.flush().and_then(|()| self.out.get_ref().sync_data()) } else { Ok(()) }
        });
        if let Err(e) = result {
            self.error.get_or_insert(format!("cannot write the journal: {e}"));
        }
    }
}

impl Reporter for Journal {
    fn event(&mut self, e: &Event) {
        // `{"v":1,"time":…,` + the event's own fields: one serialization, no intermediate tree.
        self.scratch.clear();
        if serde_json::to_writer(&mut self.scratch, e).is_err() || self.scratch.first() != Some(&b'{') {
            return;
        }
        let mut line = format!("{{\"v\":{VERSION},\"time\":\"{}\",", now()).into_bytes();
        line.extend_from_slice(&self.scratch[1..]);
        line.push(b'\n');
        self.write_line(&line);
    }

    fn finish(&mut self, _: &crate::report::tally::Tally) -> Result<(), String> {
        if let Err(e) = self.out.flush() {
            self.error.get_or_insert(format!("cannot write the journal: {e}"));
        }
        self.error.take().map_or(Ok(()), Err)
    }
}

fn now() -> String {
    jiff::Timestamp::now().to_string()
}

/// Takes `dir/lock` or says who holds it.
fn lock(dir: &Path) -> Result<File, String> {
    std::fs::create_dir_all(dir)
        .map_err(|e| format!("cannot create the state directory {}: {e}", dir.display()))?;
    let path = dir.join("lock");
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    if file.try_lock().is_err() {
        let holder = std::fs::read_to_string(&path).unwrap_or_default();
        let holder = holder.trim();
        let who = if holder.is_empty() { String::new() } else { format!(" (pid {holder})") };
        return Err(format!(
            "another restorectl run{who} is using {}; wait for it to finish, or stop it first",
            dir.display()
        ));
    }
    file.set_len(0).and_then(|()| write!(file, "{}", std::process::id())).map_err(|e| e.to_string())?;
    Ok(file)
}

/// The records of a journal: run headers and events. A torn last line (a crash mid-write) and
/// records of unknown versions are skipped.
fn records(path: &Path) -> Result<Vec<Result<RunHeader, Event>>, String> {
    let file = File::open(path).map_err(|e| format!("cannot read the journal {}: {e}", path.display()))?;
    let mut out = Vec::new();
    for line in BufReader::new(file).lines() {
        let Ok(line) = line else { break };
        let Ok(mut record) = serde_json::from_str::<serde_json::Value>(&line) else { continue };
        if record["v"] != VERSION {
            continue;
        }
        if let Some(run) = record.get_mut("run") {
            if let Ok(run) = serde_json::from_value::<RunHeader>(run.take()) {
                out.push(Ok(run));
            }
        } else if let Ok(event) = serde_json::from_value::<Event>(record) {
            out.push(Err(event));
        }
    }
    Ok(out)
}

/// The events of the latest run in the journal of `dir` (for `announce`; no lock is taken).
pub fn last_run(dir: &Path) -> Result<Vec<Event>, String> {
    let path = dir.join(FILE);
    if !path.exists() {
        return Ok(Vec::new());
    }
    let mut events = Vec::new();
    for r in records(&path)? {
        match r {
            Ok(_) => events.clear(),
            Err(e) => events.push(e),
        }
    }
    Ok(events)
}

fn replay(path: &Path, plan: &Plan) -> Result<Replay, String> {
    let mut r = Replay::default();
    let mut fingerprints = BTreeMap::new();
    for record in records(path)? {
        match record {
            Ok(run) => fingerprints = run.fingerprints,
            Err(event) => apply(&mut r, event),
        }
    }
    r.changed = plan
        .services
        .iter()
        .filter(|s| fingerprints.get(&s.id).is_none_or(|f| *f != fingerprint(s)))
        .map(|s| s.id.clone())
        .collect();
    if fingerprints.is_empty() {
        r.changed.clear();
    }
    Ok(r)
}

fn apply(r: &mut Replay, event: Event) {
    match event {
        Event::ProcessSpawned { service, pid, start_ticks, .. } => {
            r.in_flight.insert(service, (pid, start_ticks));
        }
        Event::ActionFinished { service, .. } => {
            r.in_flight.remove(&service);
        }
        Event::Confirmed { service, .. } => {
            r.confirmed.insert(service);
        }
        _ => {}
    }
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

/// Where an operator's confirmation of `service` is dropped (by `restorectl confirm`).
pub fn confirmation_path(state: &Path, service: &str) -> PathBuf {
    state.join("confirm").join(format!("{service}.json"))
}
