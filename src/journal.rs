//! The journal: an append-only JSON-lines file of every event of every run on a state directory,
//! written (and, for live runs, fsynced) before the runner acts on it. A lock keeps a second run
//! out; replaying the journal tells a new run which restores were in flight when the last one died,
//! what operators confirmed, and which services changed in the plan since.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::event::{Event, RunMode};
use crate::plan::{Plan, Service};
use crate::reporter::Reporter;

/// Version of the record format; a reader skips records of versions it does not know.
pub const VERSION: u32 = 1;
pub const FILE: &str = "journal.jsonl";
/// The actions' output, one folder per run: `logs/<run>/<service>.<attempt>.log`.
pub const LOGS: &str = "logs";

#[derive(Debug, Serialize, Deserialize)]
struct RunHeader {
    /// The run's id (`7f3a`): names its logs and the confirmations meant for it.
    #[serde(default)]
    id: String,
    plan: String,
    pid: u32,
    dry_run: bool,
    /// Per service, a fingerprint of what the plan says about it.
    fingerprints: BTreeMap<String, String>,
}

/// A restore attempt that an earlier run started and never concluded (it died first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unfinished {
    /// The run that started it (its logs are under that run's id).
    pub run: String,
    pub attempt: u32,
    pub stage: Stage,
}

/// How far an unfinished attempt had got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// The run died after journaling the start of the attempt and before its pid: the action
    /// may or may not have started (its pid file in `logs/RUN/` says).
    Starting,
    /// Its process was running: (pid, start ticks) name it even if the pid is reused since.
    Running { pid: u32, start_ticks: Option<u64> },
    /// Its action had ended well; the checks had not yet confirmed the service.
    Unverified,
}

/// How a service's entry in the plan differs from the plan the journal was written with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanChange {
    Added,
    Removed,
    Changed,
}

impl PlanChange {
    pub fn as_str(self) -> &'static str {
        match self {
            PlanChange::Added => "added",
            PlanChange::Removed => "removed",
            PlanChange::Changed => "changed",
        }
    }
}

/// What a new run learns from the journal of earlier runs.
#[derive(Debug, Default)]
pub struct Replay {
    /// Restore attempts left unfinished by a run that died, per service.
    pub unfinished: HashMap<String, Unfinished>,
    /// Services an operator confirmed (manual steps without checks) in an earlier run.
    pub confirmed: HashSet<String>,
    /// Services added, removed or changed in the plan since the last run, in plan order.
    pub changes: Vec<(String, PlanChange)>,
    /// The ids of the runs in the journal.
    pub runs: HashSet<String>,
}

pub struct Journal {
    /// This run's id.
    pub id: String,
    out: BufWriter<File>,
    durable: bool,
    /// Held for the journal's lifetime: a second run on the same state fails at once.
    _lock: File,
    error: Option<String>,
    scratch: Vec<u8>,
}

impl Journal {
    /// Opens (or starts) the live journal in `dir`: takes the lock, rotates it (and the logs) with
    /// `fresh`, and replays what is there.
    pub fn open(dir: &Path, plan: &Plan, fresh: bool) -> Result<(Journal, Replay), String> {
        let lock = lock(dir)?;
        let path = dir.join(FILE);
        if fresh && path.exists() {
            // A fresh journal forgets what runs: never while an earlier run's restore still does.
            let running: Vec<String> = replay(&path, plan)?
                .unfinished
                .into_iter()
                .filter_map(|(id, u)| match u.stage {
                    Stage::Running { pid, start_ticks } if crate::process::alive(pid, start_ticks) => {
                        Some(format!("{id} (pid {pid})"))
                    }
                    _ => None,
                })
                .collect();
            if !running.is_empty() {
                return Err(format!(
                    "not starting afresh: restores left running by an earlier run are still running: {}; run without --fresh to take them over, or stop them first",
                    running.join(", ")
                ));
            }
            let stamp = jiff::Timestamp::now().strftime("%Y%m%dT%H%M%SZ").to_string();
            let kept = dir.join(format!("journal.{stamp}.jsonl"));
            std::fs::rename(&path, &kept).map_err(|e| format!("cannot rotate {}: {e}", path.display()))?;
            let logs = dir.join(LOGS);
            if logs.exists() {
                let old = dir.join(format!("{LOGS}.{stamp}"));
                std::fs::rename(&logs, &old).map_err(|e| format!("cannot rotate {}: {e}", logs.display()))?;
            }
            eprintln!("note: started a fresh journal; the old one is {}", kept.display());
        }
        let replay = if path.exists() { replay(&path, plan)? } else { Replay::default() };
        let id = new_run_id(&replay.runs, &dir.join(LOGS));
        let journal = Self::append(&path, plan, lock, id, RunMode::Live)?;
        Ok((journal, replay))
    }

    /// A new journal for a dry run in its own directory (never the live one).
    pub fn create(dir: &Path, plan: &Plan) -> Result<Journal, String> {
        let lock = lock(dir)?;
        let path = dir.join(FILE);
        // Emptied in place rather than deleted and created again: cheaper on most file systems.
        File::create(&path).map_err(|e| format!("cannot create the journal {}: {e}", path.display()))?;
        Self::append(&path, plan, lock, "dry".into(), RunMode::Dry)
    }

    fn append(path: &Path, plan: &Plan, lock: File, id: String, mode: RunMode) -> Result<Journal, String> {
        cut_torn_tail(path).map_err(|e| format!("cannot repair the journal {}: {e}", path.display()))?;
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| format!("cannot open the journal {}: {e}", path.display()))?;
        let mut j = Journal {
            id: id.clone(),
            out: BufWriter::new(file),
            // Live runs fsync every record; a simulation does not need to.
            durable: !mode.is_dry(),
            _lock: lock,
            error: None,
            scratch: Vec::new(),
        };
        let header = RunHeader {
            id,
            plan: plan.name.clone(),
            pid: std::process::id(),
            dry_run: mode.is_dry(),
            // A dry run is never resumed: nothing to compare a later plan with.
            fingerprints: if mode.is_dry() {
                BTreeMap::new()
            } else {
                plan.services.iter().map(|s| (s.id.clone(), fingerprint(s))).collect()
            },
        };
        let record = serde_json::json!({ "v": VERSION, "time": now(), "run": header });
        j.write(&record);
        j.sync(true);
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
        if let Err(e) = self.out.write_all(line) {
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

    /// Group commit: the records written since the last sync reach the disk together (in a live
    /// run, when anything waits for them), before any of them is acknowledged.
    fn sync(&mut self, durable: bool) {
        let fsync = durable && self.durable;
        let synced =
            self.out.flush().and_then(|()| if fsync { self.out.get_ref().sync_data() } else { Ok(()) });
        if let Err(e) = synced {
            self.error.get_or_insert(format!("cannot write the journal: {e}"));
        }
    }

    fn finish(&mut self, _: &crate::tally::Tally) -> Result<(), String> {
        self.sync(true);
        self.error.take().map_or(Ok(()), Err)
    }
}

fn now() -> String {
    jiff::Timestamp::now().to_string()
}

/// A run killed mid-write leaves a last line without its newline: cut it off, so the next record
/// starts on a line of its own (the torn record was never acted on: records are written before).
fn cut_torn_tail(path: &Path) -> std::io::Result<()> {
    let Ok(bytes) = std::fs::read(path) else { return Ok(()) };
    if bytes.is_empty() || bytes.ends_with(b"\n") {
        return Ok(());
    }
    let keep = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |at| at + 1);
    OpenOptions::new().write(true).open(path)?.set_len(keep as u64)
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

/// One line of the journal: a run begins, or an event of the current run.
enum Record {
    Run(RunHeader),
    Event(Event),
}

/// The records of a journal. A torn last line (a crash mid-write) and records of unknown
/// versions are skipped.
fn records(path: &Path) -> Result<Vec<Record>, String> {
    let file = File::open(path).map_err(|e| format!("cannot read the journal {}: {e}", path.display()))?;
    let mut out = Vec::new();
    // Line by line as bytes: a torn line (even one cut inside a character) is skipped, never the
    // records after it.
    for line in BufReader::new(file).split(b'\n') {
        let Ok(line) = line else { break };
        let Ok(mut record) = serde_json::from_slice::<serde_json::Value>(&line) else { continue };
        if record["v"] != VERSION {
            continue;
        }
        if record.get("event").is_some() {
            if let Ok(event) = serde_json::from_value::<Event>(record) {
                out.push(Record::Event(event));
            }
        } else if let Some(run) = record.get_mut("run")
            && let Ok(run) = serde_json::from_value::<RunHeader>(run.take())
        {
            out.push(Record::Run(run));
        }
    }
    Ok(out)
}

/// The latest run in a journal: its id, whether it is still going, and its events so far.
pub struct LastRun {
    pub id: String,
    /// Its process still holds the state directory's lock.
    pub running: bool,
    pub events: Vec<Event>,
}

/// Why a command that reads the state directory has nothing to read.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("no journal in {dir}: nothing has been run yet (run `restorectl run {plan}` first)")]
    NoJournal { dir: String, plan: String },
    #[error(
        "the journal in {dir} is of the plan `{found}`, not `{expected}`; give its own state directory with --state"
    )]
    OtherPlan { dir: String, found: String, expected: String },
    #[error("{0}")]
    Unreadable(String),
}

/// The latest live run in the journal of `dir`, for the plan `plan` at `plan_path` (no lock is
/// taken). A journal without a run, or of another plan, is an error, never an empty state.
pub fn last_run(dir: &Path, plan: &Plan, plan_path: &Path) -> Result<LastRun, StateError> {
    let path = dir.join(FILE);
    let none =
        || StateError::NoJournal { dir: dir.display().to_string(), plan: plan_path.display().to_string() };
    if !path.is_file() {
        return Err(none());
    }
    let mut header: Option<RunHeader> = None;
    let mut events = Vec::new();
    for r in records(&path).map_err(StateError::Unreadable)? {
        match r {
            Record::Run(run) => {
                header = Some(run);
                events.clear();
            }
            Record::Event(e) => events.push(e),
        }
    }
    let header = header.ok_or_else(none)?;
    if header.plan != plan.name {
        return Err(StateError::OtherPlan {
            dir: dir.display().to_string(),
            found: header.plan,
            expected: plan.name.clone(),
        });
    }
    // Running: the lock is held, by the process that wrote this run's header (a new run holds
    // the lock a moment before its header is written).
    let running = lock_holder(dir) == Some(header.pid) && crate::process::alive(header.pid, None);
    Ok(LastRun { id: header.id, running, events })
}

/// The pid of the run that holds the lock of `dir` now, if one does.
fn lock_holder(dir: &Path) -> Option<u32> {
    let path = dir.join("lock");
    let file = OpenOptions::new().read(true).write(true).open(&path).ok()?;
    if file.try_lock().is_ok() {
        let _ = file.unlock();
        return None;
    }
    std::fs::read_to_string(&path).ok()?.trim().parse().ok()
}

fn replay(path: &Path, plan: &Plan) -> Result<Replay, String> {
    let mut r = Replay::default();
    let mut fingerprints = BTreeMap::new();
    let mut current = String::new();
    for record in records(path)? {
        match record {
            Record::Run(run) => {
                current = run.id.clone();
                r.runs.insert(run.id);
                fingerprints = run.fingerprints;
            }
            Record::Event(event) => apply(&mut r, event, &current),
        }
    }
    if !fingerprints.is_empty() {
        let mut in_plan = HashSet::new();
        for s in &plan.services {
            in_plan.insert(s.id.as_str());
            match fingerprints.get(&s.id) {
                None => r.changes.push((s.id.clone(), PlanChange::Added)),
                Some(f) if *f != fingerprint(s) => r.changes.push((s.id.clone(), PlanChange::Changed)),
                Some(_) => {}
            }
        }
        for id in fingerprints.keys().filter(|id| !in_plan.contains(id.as_str())) {
            r.changes.push((id.clone(), PlanChange::Removed));
        }
    }
    Ok(r)
}

/// What one event of run `run` tells a later run.
fn apply(r: &mut Replay, event: Event, run: &str) {
    match event {
        Event::ActionStarted { service, attempt, .. } => {
            r.unfinished.insert(service, Unfinished { run: run.to_owned(), attempt, stage: Stage::Starting });
        }
        // Taken over by a later run, it stays the earlier run's attempt, with its logs.
        Event::ProcessSpawned { service, attempt, pid, start_ticks, .. }
        | Event::Adopted { service, attempt, pid, start_ticks, .. } => {
            let started_by = r.unfinished.get(&service).map_or(run, |u| u.run.as_str()).to_owned();
            let stage = Stage::Running { pid, start_ticks };
            r.unfinished.insert(service, Unfinished { run: started_by, attempt, stage });
        }
        Event::ActionFinished { service, attempt, ok: true, .. } => {
            let started_by = r.unfinished.get(&service).map_or(run, |u| u.run.as_str()).to_owned();
            r.unfinished.insert(service, Unfinished { run: started_by, attempt, stage: Stage::Unverified });
        }
        Event::ActionFinished { service, .. }
        | Event::Online { service, .. }
        | Event::AlreadyOnline { service, .. }
        | Event::Retrying { service, .. }
        | Event::Failed { service, .. } => {
            r.unfinished.remove(&service);
        }
        Event::Confirmed { service, .. } => {
            r.confirmed.insert(service);
        }
        _ => {}
    }
}

/// A short id for a new run (`7f3a`), unlike any in the journal or among the kept logs.
fn new_run_id(taken: &HashSet<String>, logs: &Path) -> String {
    let seed = u64::from(std::process::id()) ^ jiff::Timestamp::now().as_nanosecond() as u64;
    (0u64..)
        .map(|n| {
            let h = (seed ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            format!("{:04x}", (h >> 48) as u16)
        })
        .find(|id| !taken.contains(id) && !logs.join(id).exists())
        .expect("an unused id among 65,536")
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

/// Where an operator's confirmation of `service` for run `run` is dropped (by `restorectl confirm`).
pub fn confirmation_path(state: &Path, run: &str, service: &str) -> PathBuf {
    state.join("confirm").join(run).join(format!("{service}.json"))
}

/// Where the actions of run `run` note their pids before they exec (see `process`).
pub fn pids_path(state: &Path, run: &str) -> PathBuf {
    state.join(LOGS).join(run).join("pids")
}

/// Where the output of a restore attempt goes.
pub fn log_path(state: &Path, run: &str, service: &str, attempt: u32) -> PathBuf {
    state.join(LOGS).join(run).join(format!("{service}.{attempt}.log"))
}
