//! `journal.jsonl`: an append-only JSON-lines file of every event of every run on a state
//! directory, each record versioned, written (and, for live runs, fsynced in groups) before the
//! runner acts on it. A lock keeps a second run out. Tamper-evident: every record begins with
//! `"prev"`, the SHA-256 of the line before it (`chain.rs`), and each run ends with its head.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::Path;

use super::chain;
use super::dir::StateDir;
use super::error::StateError;
use super::records::{RunHeader, VERSION, fingerprint};
use super::replay::{self, Replay, Stage};
use crate::bus::notices;
use crate::bus::{Reporter, WriteError};
use crate::event::Level;
use crate::event::{Event, RunMode};
use crate::plan::Plan;

pub struct Journal {
    /// This run's id.
    pub id: String,
    /// The incident the run belongs to (journaled in its header).
    pub incident: super::incident::Incident,
    /// Journaled after the header when the run was told to go on from a broken journal.
    pub accepted: Option<Event>,
    out: BufWriter<File>,
    durable: bool,
    /// Held for the journal's lifetime: a second run on the same state fails at once.
    _lock: File,
    /// The first write that failed: reported at the end (and by `open` for the header).
    error: Option<std::io::Error>,
    path: std::path::PathBuf,
    scratch: Vec<u8>,
    /// The hash of the last line written: the next record's `prev`.
    last: chain::Hash,
    /// Signs the head as the run ends (`run --sign-key`).
    sign: Option<ed25519_dalek::SigningKey>,
    /// Where the records also go (the shared state), and those not sent there yet.
    mirror: Option<Box<dyn Mirror>>,
    unmirrored: Vec<Vec<u8>>,
}

/// Where a journal's records go besides its file (`--state postgres://…`): each group of records,
/// as written, before anything acts on them.
pub trait Mirror: Send {
    fn append(&mut self, lines: &[Vec<u8>]) -> std::io::Result<()>;
}

impl Journal {
    /// Opens (or starts) the live journal of `state`: takes the lock, rotates it (and the logs)
    /// with `fresh`, and replays what is there — only once it is verified, unless `accept` gives
    /// why to go on from a broken one (journaled, with who said so). The run belongs to the
    /// incident of the latest run, unless `new_incident` (or nothing ran yet): then it begins one.
    /// `start`: when the run's clock starts (its events count from it).
    pub fn open(
        state: &StateDir,
        plan: &Plan,
        (fresh, new_incident, accept): (bool, bool, Option<&str>),
        start: jiff::Timestamp,
        mirror: Option<Box<dyn Mirror>>,
    ) -> Result<(Journal, Replay), StateError> {
        let lock = lock(state)?;
        let path = state.journal();
        // A new journal forgets what ran, never what is quarantined: no gate is passed by starting afresh.
        let mut kept = std::collections::HashMap::new();
        if fresh && path.exists() {
            kept = rotate(state, plan)?;
        }
        let mut replay =
            if path.exists() { replay::replay(&path, plan, accept.is_some())? } else { Replay::default() };
        replay.quarantined.extend(kept);
        // Another plan's journal: resuming from it would mix two incidents' records.
        if let Some(found) = replay.plan.clone().filter(|found| *found != plan.name) {
            let dir = state.shown();
            return Err(StateError::OtherPlan { dir, found, expected: plan.name.clone() });
        }
        let id = replay::new_run_id(&replay.runs, &state.logs());
        let incident = match replay.incident.clone() {
            Some(incident) if !new_incident => incident,
            _ => {
                // A new incident restores anew: what an earlier one's restores did and people
                // confirmed is history. A restore still running is not (it is never started twice),
                // nor is a quarantine.
                replay.unfinished.retain(|_, u| match u.stage {
                    super::replay::Stage::Running { pid, start_ticks } => {
                        crate::process::alive(pid, start_ticks)
                    }
                    super::replay::Stage::Starting => true,
                    super::replay::Stage::Unverified => false,
                });
                replay.confirmed.clear();
                super::incident::Incident::begin(&id, start)
            }
        };
        let mut journal = Self::append(&path, plan, (lock, mirror), (id, incident), (start, RunMode::Live))?;
        if let Some(reason) = accept.filter(|_| !replay.broken.is_empty()) {
            let by = std::env::var("USER").unwrap_or_else(|_| "an operator".into());
            let signer = Box::new(super::confirmation::Confirmation::new(by).into());
            let lines = replay.broken.clone();
            let accepted =
                Event::JournalAccepted { at: Default::default(), lines, reason: reason.to_owned(), signer };
            journal.event(&accepted);
            journal.sync(true);
            journal.accepted = Some(accepted);
            if let Some(e) = journal.error.take() {
                return Err(StateError::io("write the journal", &path)(e));
            }
        }
        Ok((journal, replay))
    }

    /// A new journal for a dry run in its own directory (never the live one), whose virtual
    /// clock starts at `start`.
    pub fn create(state: &StateDir, plan: &Plan, start: jiff::Timestamp) -> Result<Journal, StateError> {
        let lock = lock(state)?;
        let path = state.journal();
        // Emptied in place rather than deleted and created again: cheaper on most file systems.
        super::files::open(OpenOptions::new().write(true).create(true).truncate(true), &path)
            .map_err(StateError::io("create the journal", &path))?;
        let id = "dry".to_owned();
        let incident = super::incident::Incident::begin(&id, start);
        Self::append(&path, plan, (lock, None), (id, incident), (start, RunMode::Dry))
    }

    fn append(
        path: &Path,
        plan: &Plan,
        (lock, mirror): (File, Option<Box<dyn Mirror>>),
        (id, incident): (String, super::incident::Incident),
        (clock_start, mode): (jiff::Timestamp, RunMode),
    ) -> Result<Journal, StateError> {
        cut_torn_tail(path).map_err(StateError::io("repair the journal", path))?;
        let last = chain::last_hash(path).map_err(StateError::io("read the journal", path))?;
        let file = super::files::append(path).map_err(StateError::io("open the journal", path))?;
        let mut j = Journal {
            id: id.clone(),
            incident: incident.clone(),
            accepted: None,
            out: BufWriter::new(file),
            // Live runs fsync their records, in groups, before anything acts on them; a
            // simulation does not need to.
            durable: !mode.is_dry(),
            _lock: lock,
            error: None,
            path: path.to_path_buf(),
            scratch: Vec::new(),
            last,
            sign: None,
            mirror,
            unmirrored: Vec::new(),
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
            plan_sha256: Some(plan.sha256.clone()),
            clock_start: Some(clock_start.to_string()),
            incident: Some(incident.id.clone()),
            incident_start: Some(incident.start.to_string()),
            // A PostgreSQL URL's password is not kept.
            command: std::env::args_os()
                .map(|a| super::location::redacted_arg(&a.to_string_lossy()))
                .collect(),
            version: Some(env!("CARGO_PKG_VERSION").to_owned()),
            user: super::confirmation::account().0,
            host: super::confirmation::account().1,
        };
        let record = serde_json::json!({ "v": VERSION, "time": now(), "run": header });
        j.write(&record);
        j.sync(true);
        match j.error.take() {
            Some(e) => Err(StateError::io("write the journal", path)(e)),
            None => Ok(j),
        }
    }

    fn write(&mut self, record: &serde_json::Value) {
        let mut line = record.to_string().into_bytes();
        line.push(b'\n');
        self.write_line(&line);
    }

    /// Writes one record (`{…}\n`), chained: `"prev"` first, then the record's own fields.
    fn write_line(&mut self, line: &[u8]) {
        let line = chain::link(&self.last, line);
        self.last = chain::hash(&line[..line.len() - 1]);
        if self.mirror.is_some() {
            self.unmirrored.push(line.clone());
        }
        if let Err(e) = self.out.write_all(&line) {
            self.error.get_or_insert(e);
        }
    }

    /// Signs the head this run ends with (its last record before the `end` one) with `key`.
    pub fn sign_with(&mut self, key: ed25519_dalek::SigningKey) {
        self.sign = Some(key);
    }

    /// The hash of the last record written: what `journal verify --head` checks the journal
    /// against.
    pub fn head(&self) -> String {
        chain::hex(&self.last)
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
    fn sync(&mut self, durable: bool) -> bool {
        let fsync = durable && self.durable;
        let synced =
            self.out.flush().and_then(|()| if fsync { self.out.get_ref().sync_data() } else { Ok(()) });
        if let Err(e) = synced {
            self.error.get_or_insert(e);
        }
        // The shared state has each group before anything acts on it.
        if let Some(mirror) = self.mirror.as_mut()
            && !self.unmirrored.is_empty()
            && self.error.is_none()
        {
            match mirror.append(&self.unmirrored) {
                Ok(()) => self.unmirrored.clear(),
                Err(e) => {
                    self.error.get_or_insert(e);
                }
            }
        }
        self.error.is_none()
    }

    fn finish(&mut self, _: &crate::tally::Tally) -> Result<(), WriteError> {
        // The run's end, and the head of the chain as it ends (printed for the operators too).
        let head = self.head();
        let time = now();
        let mut end = serde_json::json!({ "run": self.id, "head": head });
        if let Some(key) = &self.sign {
            use ed25519_dalek::Signer;
            // What is signed: the run, its head and when it ended — none can be edited unseen.
            let signed = chain::end_message(&self.id, &head, &time);
            end["signature"] = serde_json::json!(crate::hex::hex(&key.sign(signed.as_bytes()).to_bytes()));
            end["signs"] = serde_json::json!(chain::SIGNS);
        }
        let record = serde_json::json!({ "v": VERSION, "time": time, "end": end });
        self.write(&record);
        self.sync(true);
        self.error.take().map_or(Ok(()), |e| Err(WriteError::at(&self.path)(e)))
    }
}

fn now() -> String {
    jiff::Timestamp::now().to_string()
}

/// A run killed mid-write leaves a last line without its newline: cut it off, so the next record
/// starts on a line of its own (the torn record was never acted on: records are written before).
fn cut_torn_tail(path: &Path) -> std::io::Result<()> {
    use std::io::{Read, Seek, SeekFrom};
    let Ok(mut file) = super::files::open(OpenOptions::new().read(true).write(true), path) else {
        return Ok(());
    };
    let len = file.metadata()?.len();
    // Only the end is read: a record is far shorter than this, a journal may be far longer.
    let tail_len = len.min(1 << 20);
    file.seek(SeekFrom::Start(len - tail_len))?;
    let mut tail = Vec::new();
    file.read_to_end(&mut tail)?;
    if tail.is_empty() || tail.ends_with(b"\n") {
        return Ok(());
    }
    let keep =
        tail.iter().rposition(|&b| b == b'\n').map_or(len - tail_len, |at| len - tail_len + at as u64 + 1);
    file.set_len(keep)
}

/// `--fresh`: the journal and the logs are put away (renamed, kept) — never while a restore left
/// running by an earlier run still runs, which a fresh journal would forget.
fn rotate(state: &StateDir, plan: &Plan) -> Result<replay::Quarantined<String>, StateError> {
    let path = state.journal();
    let old = replay::replay(&path, plan, true)?;
    let quarantined = old.quarantined;
    let running: Vec<String> = old
        .unfinished
        .into_iter()
        .filter_map(|(id, u)| match u.stage {
            Stage::Running { pid, start_ticks } if crate::process::alive(pid, start_ticks) => {
                Some(format!("{id} (pid {pid})"))
            }
            // Killed before its pid was journaled: noted, or found by its marker.
            Stage::Starting => {
                let (pids, key) = (state.pids(&u.run), format!("{id}/{}", u.attempt));
                let marker = state.action_marker(&u.run, &id, u.attempt);
                crate::process::left_running(&pids, &key, &marker).map(|(pid, _)| format!("{id} (pid {pid})"))
            }
            _ => None,
        })
        .collect();
    if !running.is_empty() {
        return Err(StateError::StillRunning(running));
    }
    let kept = put_away(&path)?;
    // Everything that belongs to the old journal's runs goes with it: a new run's id could be an
    // old one's, and must never find that run's confirmations or sign-offs.
    for dir in [state.logs(), state.root().join("confirm"), state.root().join("evidence")] {
        if dir.exists() {
            put_away(&dir)?;
        }
    }
    notices::say(Level::Note, format!("started a fresh journal; the old one is {}", kept.display()));
    if !quarantined.is_empty() {
        let ids: Vec<&str> = quarantined.keys().map(String::as_str).collect();
        notices::say(
            Level::Note,
            format!("still quarantined in the fresh journal (its gates must pass again): {}", ids.join(", ")),
        );
    }
    Ok(quarantined)
}

/// Renames `path` out of the way, keeping it: `journal.jsonl` → `journal.<time>.jsonl`, `logs` →
/// `logs.<time>`, with `-2`, `-3`… when that name is taken (two fresh starts in one second never
/// overwrite each other's records).
pub fn put_away(path: &Path) -> Result<std::path::PathBuf, StateError> {
    let stamp = jiff::Timestamp::now().strftime("%Y%m%dT%H%M%SZ").to_string();
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let (stem, ext) = match name.rsplit_once('.') {
        Some((stem, ext)) if path.is_file() => (stem.to_owned(), format!(".{ext}")),
        _ => (name.clone(), String::new()),
    };
    let kept = (1..)
        .map(|n| if n == 1 { format!("{stem}.{stamp}{ext}") } else { format!("{stem}.{stamp}-{n}{ext}") })
        .map(|candidate| path.with_file_name(candidate))
        .find(|candidate| !candidate.exists())
        .expect("a free name");
    std::fs::rename(path, &kept).map_err(StateError::io("put away", path))?;
    Ok(kept)
}

/// Takes the state directory's lock for as long as the file is open (a run, or `announce
/// deliver`, which must not deliver beside a run), or says who holds it.
pub fn lock(state: &StateDir) -> Result<File, StateError> {
    let dir = state.root();
    std::fs::create_dir_all(dir).map_err(StateError::io("create the state directory", dir))?;
    // Its folders are its own too: one planted as a link would have every log, evidence file,
    // confirmation or update written elsewhere.
    for sub in ["logs", "evidence", "confirm", "announcements", "dry-run"] {
        let path = dir.join(sub);
        if std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink()) {
            let why = std::io::Error::other(format!(
                "{} is a symbolic link; the state directory's folders never are",
                path.display()
            ));
            return Err(StateError::io("use", &path)(why));
        }
    }
    let path = state.lock();
    // A link planted as `lock` is refused: its target is never opened, let alone truncated.
    let mut file =
        super::files::open(OpenOptions::new().read(true).write(true).create(true).truncate(false), &path)
            .map_err(StateError::io("open", &path))?;
    if file.try_lock().is_err() {
        let holder =
            std::fs::read_to_string(&path).ok().map(|h| h.trim().to_owned()).filter(|h| !h.is_empty());
        return Err(StateError::Busy { holder, dir: dir.to_path_buf() });
    }
    file.set_len(0)
        .and_then(|()| write!(file, "{}", std::process::id()))
        .map_err(StateError::io("write", &path))?;
    Ok(file)
}
