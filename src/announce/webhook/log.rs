//! `webhooks.jsonl`: the delivery journal. Typed, versioned records, one per line, each written
//! with a single append through one writer per process: an update drafted for review, approved or
//! rejected (who, when, from which account and host), a decision on it refused and why, queued
//! for a webhook, delivered, refused
//! (a 4xx answer), and the Statuspage incident a webhook's updates go to. A torn last line (a
//! crash mid-write) is ignored, and the next record starts on a line of its own.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use super::update::{Delivery, Update};
use crate::announce::board::ServiceState;
use crate::bus::notices;
use crate::event::Level;
use crate::state::confirmation::Confirmation;

pub const LOG: &str = "webhooks.jsonl";
/// Version of the delivery records; records of other versions are skipped.
const VERSION: u32 = 1;

/// One line of `webhooks.jsonl`.
#[derive(Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Record {
    /// An update awaits review before it goes anywhere; `states`: what customers would see of
    /// each service with it (older records have none).
    Drafted {
        v: u32,
        number: u32,
        about: String,
        update: Update,
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        states: BTreeMap<String, ServiceState>,
        /// Its files' name without the locale (`0007-online-billing`; older records have none).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        stem: Option<String>,
    },
    /// A person approved it; `edits`: the texts they corrected, by locale.
    Approved {
        v: u32,
        number: u32,
        who: Confirmation,
        #[serde(default)]
        edits: Vec<(String, String)>,
    },
    /// A person rejected it: it is never sent.
    Rejected {
        v: u32,
        number: u32,
        who: Confirmation,
        #[serde(default)]
        reason: Option<String>,
    },
    /// A person's decision on it that was refused (not a reviewer, a signature that does not
    /// hold, separate duties): who tried, and why it was refused. Nothing was decided.
    Declined {
        v: u32,
        number: u32,
        /// Whether they approved (else rejected).
        approve: bool,
        who: Confirmation,
        reason: String,
    },
    /// An update is to be posted to webhook `hook` (number `webhook` then) with `body`.
    Queued {
        v: u32,
        key: String,
        webhook: usize,
        #[serde(default)]
        hook: String,
        body: serde_json::Value,
    },
    /// It was accepted (2xx).
    Delivered {
        v: u32,
        key: String,
        webhook: usize,
        #[serde(default)]
        hook: String,
    },
    /// It was refused for good (a 4xx other than 429, a redirect, a request that cannot be
    /// made): never retried.
    Refused {
        v: u32,
        key: String,
        webhook: usize,
        #[serde(default)]
        hook: String,
        status: u16,
        body: String,
    },
    /// The Statuspage incident webhook `hook` created: later updates go to it.
    Incident {
        v: u32,
        webhook: usize,
        #[serde(default)]
        hook: String,
        id: String,
    },
}

impl Record {
    pub fn drafted(
        (number, stem): (u32, String),
        about: String,
        update: Update,
        states: BTreeMap<String, ServiceState>,
    ) -> Self {
        Record::Drafted { v: VERSION, number, about, update, states, stem: Some(stem) }
    }
    pub fn approved(number: u32, who: Confirmation, edits: Vec<(String, String)>) -> Self {
        Record::Approved { v: VERSION, number, who, edits }
    }
    pub fn rejected(number: u32, who: Confirmation, reason: Option<String>) -> Self {
        Record::Rejected { v: VERSION, number, who, reason }
    }
    pub fn declined(number: u32, approve: bool, who: Confirmation, reason: String) -> Self {
        Record::Declined { v: VERSION, number, approve, who, reason }
    }
    pub fn queued(d: &Delivery) -> Self {
        let (key, webhook, hook, body) = (d.key.clone(), d.webhook, d.hook.clone(), d.body.clone());
        Record::Queued { v: VERSION, key, webhook, hook, body }
    }
    pub fn delivered(d: &Delivery) -> Self {
        Record::Delivered { v: VERSION, key: d.key.clone(), webhook: d.webhook, hook: d.hook.clone() }
    }
    pub fn refused(d: &Delivery, status: u16, body: String) -> Self {
        let (key, webhook, hook) = (d.key.clone(), d.webhook, d.hook.clone());
        Record::Refused { v: VERSION, key, webhook, hook, status, body }
    }
    pub fn incident(webhook: usize, hook: &str, id: String) -> Self {
        Record::Incident { v: VERSION, webhook, hook: hook.to_owned(), id }
    }

    fn version(&self) -> u32 {
        let (Record::Drafted { v, .. }
        | Record::Approved { v, .. }
        | Record::Rejected { v, .. }
        | Record::Declined { v, .. }
        | Record::Queued { v, .. }
        | Record::Delivered { v, .. }
        | Record::Refused { v, .. }
        | Record::Incident { v, .. }) = self;
        *v
    }
}

/// The journal's one writer in this process.
pub struct Log {
    path: PathBuf,
    file: Mutex<Option<File>>,
}

impl Log {
    pub fn new(dir: &Path) -> Self {
        Self::at(dir.join(LOG))
    }

    /// A journal of the same records in another file (the operators' alerts).
    pub fn at(path: PathBuf) -> Self {
        Self { path, file: Mutex::new(None) }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every record of this version, in order.
    pub fn read(&self) -> Vec<Record> {
        read(&self.path)
    }

    /// Appends one record in a single write and syncs it, so that a crash loses at most the
    /// record being written, never one before it; on a shared state, the database has it too
    /// before this returns.
    pub fn append(&self, record: &Record) {
        let mut line = serde_json::to_vec(record).unwrap_or_default();
        line.push(b'\n');
        let mut file = self.file.lock().unwrap_or_else(|e| e.into_inner());
        if file.is_none() {
            *file = open(&self.path)
                .map_err(|e| notices::say(Level::Error, format!("cannot open {}: {e}", self.path.display())))
                .ok();
        }
        let Some(f) = file.as_mut() else { return };
        let local = || f.write_all(&line).and_then(|()| f.sync_data());
        if let Err(e) = crate::state::mirrored::append(&self.path, &line, local) {
            notices::say(Level::Error, format!("cannot write {}: {e}", self.path.display()));
        }
    }
}

/// Opens the journal for appending; a torn last line is closed first, so that the next record
/// is a line of its own.
fn open(path: &Path) -> std::io::Result<File> {
    let mut f =
        crate::state::files::open(std::fs::OpenOptions::new().create(true).read(true).append(true), path)?;
    let len = f.metadata()?.len();
    if len > 0 {
        let mut last = [0u8];
        f.seek(SeekFrom::Start(len - 1))?;
        f.read_exact(&mut last)?;
        if last[0] != b'\n' {
            f.write_all(b"\n")?;
        }
    }
    Ok(f)
}

/// Every record of this version in `log`, in order (unreadable lines, such as a torn last one,
/// are skipped).
pub fn read(log: &Path) -> Vec<Record> {
    // Line by line as bytes: a torn line (even one cut inside a character) costs only itself.
    let bytes = std::fs::read(log).unwrap_or_default();
    bytes
        .split(|&b| b == b'\n')
        .filter_map(|l| serde_json::from_slice::<Record>(l).ok())
        .filter(|r| r.version() == VERSION)
        .collect()
}

/// Which webhook a record means: the one of the plan that is `hook` (records of older
/// versions name none: their number then).
pub fn resolve(hook: &str, webhook: usize, hooks: &[String]) -> Option<usize> {
    if hook.is_empty() {
        (webhook < hooks.len()).then_some(webhook)
    } else {
        hooks.iter().position(|h| h == hook)
    }
}

/// Deliveries queued and neither delivered nor refused, in order, with where each goes now
/// (`hooks`: the plan's webhooks' identities); `None` for a webhook no longer in the plan.
pub fn undelivered(records: &[Record], hooks: &[String]) -> Vec<(Delivery, Option<usize>)> {
    // A webhook is its identity where the record gives one, its number in older records.
    let which =
        |hook: &str, webhook: usize| if hook.is_empty() { format!("#{webhook}") } else { hook.to_owned() };
    let done: HashSet<(&str, String)> = records
        .iter()
        .filter_map(|r| match r {
            Record::Delivered { key, webhook, hook, .. } | Record::Refused { key, webhook, hook, .. } => {
                Some((key.as_str(), which(hook, *webhook)))
            }
            _ => None,
        })
        .collect();
    let mut seen = HashSet::new();
    records
        .iter()
        .filter_map(|r| match r {
            Record::Queued { key, webhook, hook, body, .. }
                if !done.contains(&(key.as_str(), which(hook, *webhook)))
                    && seen.insert((key.as_str(), which(hook, *webhook))) =>
            {
                let now = resolve(hook, *webhook, hooks);
                let d = Delivery {
                    key: key.clone(),
                    webhook: now.unwrap_or(*webhook),
                    hook: hook.clone(),
                    body: body.clone(),
                };
                Some((d, now))
            }
            _ => None,
        })
        .collect()
}

/// How many deliveries were refused for good.
pub fn refused(records: &[Record]) -> usize {
    records.iter().filter(|r| matches!(r, Record::Refused { .. })).count()
}

/// Every (key, webhook now) ever queued.
pub fn queued(records: &[Record], hooks: &[String]) -> HashSet<(String, usize)> {
    records
        .iter()
        .filter_map(|r| match r {
            Record::Queued { key, webhook, hook, .. } => Some((key.clone(), resolve(hook, *webhook, hooks)?)),
            _ => None,
        })
        .collect()
}

/// The Statuspage incident of each webhook (by its place in the plan now) that created one.
pub fn incidents(records: &[Record], hooks: &[String]) -> HashMap<usize, String> {
    records
        .iter()
        .filter_map(|r| match r {
            Record::Incident { webhook, hook, id, .. } => Some((resolve(hook, *webhook, hooks)?, id.clone())),
            _ => None,
        })
        .collect()
}

/// Every approved update, with its corrections (its deliveries are queued where they are not yet).
pub fn approved(records: &[Record]) -> Vec<Update> {
    let approved: HashMap<u32, &[(String, String)]> = records
        .iter()
        .filter_map(|r| match r {
            Record::Approved { number, edits, .. } => Some((*number, edits.as_slice())),
            _ => None,
        })
        .collect();
    records
        .iter()
        .filter_map(|r| match r {
            Record::Drafted { number, update, .. } => {
                let mut update = update.clone();
                update.edit(approved.get(number)?);
                Some(update)
            }
            _ => None,
        })
        .collect()
}
