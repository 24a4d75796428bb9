//! What a new run learns from the journal of earlier runs: which restores were left unfinished
//! (and how far they got), what operators confirmed, which services changed in the plan since;
//! and, for `confirm` and `announce`, the latest run and whether it is still going.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use super::dir::StateDir;
use super::error::StateError;
use super::records::{Record, RunHeader, fingerprint, records};
use crate::event::Event;
use crate::plan::Plan;

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
    /// Services an operator confirmed (manual steps without checks) in an earlier run, and none
    /// of whose dependencies was restored since.
    pub confirmed: HashSet<String>,
    /// Services quarantined: a verify gate or sign-off of theirs was begun and never passed (it
    /// failed, timed out, or the run ended first), with why. Only passing it again clears it.
    pub quarantined: Quarantined<String>,
    /// Services added, removed or changed in the plan since the last run, in plan order.
    pub changes: Vec<(String, PlanChange)>,
    /// The ids of the runs in the journal.
    pub runs: HashSet<String>,
    /// The name of the plan of the latest run.
    pub plan: Option<String>,
    /// The incident of the latest run.
    pub incident: Option<super::incident::Incident>,
    /// Lines where the journal breaks, that this run was told to go on from.
    pub broken: Vec<usize>,
}

/// The latest run in a journal: its id, whether it is still going, and its events so far.
pub struct LastRun {
    pub id: String,
    /// The incident it belongs to (its own id in journals of older versions).
    pub incident: String,
    /// When its clock started (a drill's is virtual): its events count from it.
    pub clock_start: Option<jiff::Timestamp>,
    /// Its process still holds the state directory's lock.
    pub running: bool,
    pub events: Vec<Event>,
    /// The SHA-256 of the plan file it followed (journals of older versions have none).
    pub plan_sha256: Option<String>,
}

/// The latest live run in the journal of `dir`, for the plan `plan` at `plan_path` (no lock is
/// taken). A journal without a run, or of another plan, is an error, never an empty state.
pub fn last_run(state: &StateDir, plan: &Plan, plan_path: &Path) -> Result<LastRun, StateError> {
    let path = state.journal();
    let none = || StateError::NoJournal { dir: state.shown(), plan: plan_path.display().to_string() };
    if !state.has_journal()? {
        return Err(none());
    }
    let mut header: Option<RunHeader> = None;
    let mut events = Vec::new();
    for r in records(&path)? {
        match r {
            Record::Run(run) => {
                header = Some(run);
                events.clear();
            }
            Record::Event(e) => events.push(e),
            Record::End(_) => {}
        }
    }
    let header = header.ok_or_else(|| StateError::NoRun { dir: state.shown() })?;
    if header.plan != plan.name {
        return Err(StateError::OtherPlan {
            dir: state.shown(),
            found: header.plan,
            expected: plan.name.clone(),
        });
    }
    // Running: the lock is held, by the process that wrote this run's header (a new run holds
    // the lock a moment before its header is written).
    let running = lock_holder(state) == Some(header.pid) && crate::process::alive(header.pid, None);
    let clock_start = header.clock_start.as_deref().and_then(|t| t.parse().ok());
    let incident = header.incident.clone().unwrap_or_else(|| header.id.clone());
    let plan_sha256 = header.plan_sha256;
    Ok(LastRun { id: header.id, incident, clock_start, running, events, plan_sha256 })
}

/// Quarantined services (by id, or by index in the plan), each with why it is held.
pub type Quarantined<K> = HashMap<K, String>;

/// The services the journal of `state` quarantines, by index, with why (none without a journal):
/// `status` and `preview` never call them healthy.
pub fn quarantined(state: &StateDir, plan: &Plan) -> Result<Quarantined<usize>, StateError> {
    let path = state.journal();
    if !state.has_journal()? {
        return Ok(HashMap::new());
    }
    let ids = plan.ids();
    Ok(replay(&path, plan, false)?
        .quarantined
        .into_iter()
        .filter_map(|(id, why)| ids.get(id.as_str()).map(|&i| (i, why)))
        .collect())
}

/// The pid of the run that holds the lock of `dir` now, if one does.
/// Read without taking the lock, so that a run starting at that moment is never turned away; the
/// caller checks that the process is alive.
fn lock_holder(state: &StateDir) -> Option<u32> {
    std::fs::read_to_string(state.lock()).ok()?.trim().parse().ok()
}

/// What the journal at `path` tells a new run; `accept`: go on from a journal that breaks
/// (its breaks are then in `Replay::broken`), instead of refusing it.
pub(super) fn replay(path: &Path, plan: &Plan, accept: bool) -> Result<Replay, StateError> {
    let mut r = Replay::default();
    let mut fingerprints = BTreeMap::new();
    let mut current = String::new();
    let gated: HashSet<&str> = plan
        .services
        .iter()
        .filter(|s| !s.gates.is_empty() || s.approval.is_some())
        .map(|s| s.id.as_str())
        .collect();
    // When each confirmation was given and each service last restored, in journal order.
    let (mut confirmed_at, mut restored_at) = (HashMap::new(), HashMap::new());
    let mut incident = super::incident::Tracker::default();
    let records = if accept {
        let read = super::records::read(path)?;
        r.broken = read.breaks.iter().map(|b| b.line).filter(|l| !read.accepted.contains(l)).collect();
        r.broken.dedup();
        read.records.into_iter().map(|(_, r)| r).collect()
    } else {
        records(path)?
    };
    for (seq, record) in records.into_iter().enumerate() {
        match record {
            Record::Run(run) => {
                incident.header(&run);
                current = run.id.clone();
                r.runs.insert(run.id);
                r.plan = Some(run.plan);
                fingerprints = run.fingerprints;
            }
            Record::Event(event) => {
                match &event {
                    Event::Confirmed { service, .. } => {
                        confirmed_at.insert(service.to_string(), seq);
                    }
                    Event::Online { service, .. } => {
                        restored_at.insert(service.to_string(), seq);
                    }
                    _ => {}
                }
                quarantine(&mut r.quarantined, &event, &gated, &current);
                incident.event(&event);
                apply(&mut r, event, &current);
            }
            Record::End(_) => {}
        }
    }
    r.confirmed = still_confirmed(plan, &confirmed_at, &restored_at);
    r.incident = incident.incident;
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

/// A manual step's confirmation holds while nothing it depends on (directly or through others)
/// was restored after it: a stack brought back again needs its person again.
fn still_confirmed(
    plan: &Plan,
    confirmed_at: &HashMap<String, usize>,
    restored_at: &HashMap<String, usize>,
) -> HashSet<String> {
    let ids = plan.ids();
    confirmed_at
        .iter()
        .filter(|(id, at)| {
            let Some(&start) = ids.get(id.as_str()) else { return true };
            let mut seen = HashSet::new();
            let mut stack = vec![start];
            while let Some(i) = stack.pop() {
                for d in &plan.services[i].depends_on {
                    let Some(&j) = ids.get(d.get_ref().as_str()) else { continue };
                    if !seen.insert(j) {
                        continue;
                    }
                    if restored_at.get(&plan.services[j].id).is_some_and(|r| r > at) {
                        return false;
                    }
                    stack.push(j);
                }
            }
            true
        })
        .map(|(id, _)| id.clone())
        .collect()
}

/// What an event says of a service's gates: begun (its checks verified after a restore, or its
/// sign-off asked for) or failed, it is quarantined; online, it is cleared.
fn quarantine(held: &mut HashMap<String, String>, event: &Event, gated: &HashSet<&str>, run: &str) {
    match event {
        Event::Online { service, .. } => {
            held.remove(&*service.id);
        }
        Event::Failed { service, reason, kind: Some(kind), .. } if kind.holds() => {
            held.insert(service.to_string(), reason.clone());
        }
        Event::Quarantined { service, reason, .. } => {
            held.entry(service.to_string()).or_insert_with(|| reason.clone());
        }
        Event::VerifyStep { service, name, ok: false, detail, .. } => {
            let why = format!("verify step `{name}` did not pass in run {run}: {detail}");
            held.insert(service.to_string(), why);
        }
        Event::Verifying { service, .. } | Event::WaitingForApproval { service, .. }
            if gated.contains(&*service.id) =>
        {
            held.entry(service.to_string()).or_insert_with(|| {
                format!("its verify gates and sign-offs were begun in run {run} and never passed")
            });
        }
        _ => {}
    }
}

/// The run that started the attempt under way for `service`: taken over by a later run, it
/// stays that run's attempt, with its logs.
fn started_by(r: &Replay, service: &str, run: &str) -> String {
    r.unfinished.get(service).map_or(run, |u| u.run.as_str()).to_owned()
}

/// What one event of run `run` tells a later run.
fn apply(r: &mut Replay, event: Event, run: &str) {
    match event {
        Event::ActionStarted { service, attempt, .. } => {
            r.unfinished.insert(
                service.to_string(),
                Unfinished { run: run.to_owned(), attempt, stage: Stage::Starting },
            );
        }
        // Taken over by a later run, it stays the earlier run's attempt, with its logs.
        Event::ProcessSpawned { service, attempt, pid, start_ticks, .. }
        | Event::Adopted { service, attempt, pid, start_ticks, .. } => {
            let stage = Stage::Running { pid, start_ticks };
            r.unfinished.insert(
                service.to_string(),
                Unfinished { run: started_by(r, &service, run), attempt, stage },
            );
        }
        Event::ActionFinished { service, attempt, ok: true, .. } => {
            let started_by = r.unfinished.get(&*service.id).map_or(run, |u| u.run.as_str()).to_owned();
            r.unfinished.insert(
                service.to_string(),
                Unfinished { run: started_by, attempt, stage: Stage::Unverified },
            );
        }
        Event::ActionFinished { service, .. }
        | Event::Online { service, .. }
        | Event::AlreadyOnline { service, .. }
        | Event::Retrying { service, .. }
        | Event::Failed { service, .. } => {
            r.unfinished.remove(&*service.id);
        }
        _ => {}
    }
}

/// A short id for a new run (`7f3a`), unlike any in the journal or among the kept logs.
pub(super) fn new_run_id(taken: &HashSet<String>, logs: &Path) -> String {
    let seed = u64::from(std::process::id()) ^ jiff::Timestamp::now().as_nanosecond() as u64;
    (0u64..)
        .map(|n| {
            let h = (seed ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            format!("{:04x}", (h >> 48) as u16)
        })
        .find(|id| !taken.contains(id) && !logs.join(id).exists())
        .expect("an unused id among 65,536")
}
