//! `webhooks.jsonl`: the delivery journal. Typed, versioned records, one per line, each written
//! with a single append: an update drafted for review, approved or rejected (who, when, from
//! which account and host), queued for a webhook, delivered. A torn last line is ignored.

use std::collections::HashSet;
use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::update::{Delivery, Update};
use crate::state::confirmation::Confirmation;

pub const LOG: &str = "webhooks.jsonl";
/// Version of the delivery records; records of other versions are skipped.
const VERSION: u32 = 1;

/// One line of `webhooks.jsonl`.
#[derive(Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Record {
    /// An update awaits review before it goes to the webhooks.
    Drafted { v: u32, number: u32, about: String, update: Update },
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
    /// An update is to be posted to webhook number `webhook` with `body`.
    Queued { v: u32, key: String, webhook: usize, body: serde_json::Value },
    /// It was accepted (2xx).
    Delivered { v: u32, key: String, webhook: usize },
}

impl Record {
    pub fn drafted(number: u32, about: String, update: Update) -> Self {
        Record::Drafted { v: VERSION, number, about, update }
    }
    pub fn approved(number: u32, who: Confirmation, edits: Vec<(String, String)>) -> Self {
        Record::Approved { v: VERSION, number, who, edits }
    }
    pub fn rejected(number: u32, who: Confirmation, reason: Option<String>) -> Self {
        Record::Rejected { v: VERSION, number, who, reason }
    }
    pub fn queued(d: &Delivery) -> Self {
        Record::Queued { v: VERSION, key: d.key.clone(), webhook: d.webhook, body: d.body.clone() }
    }
    pub fn delivered(key: &str, webhook: usize) -> Self {
        Record::Delivered { v: VERSION, key: key.to_owned(), webhook }
    }
}

/// Every record of this version in `log`, in order (unreadable lines, such as a torn last one,
/// are skipped).
pub fn read(log: &Path) -> Vec<Record> {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    text.lines()
        .filter_map(|l| serde_json::from_str::<Record>(l).ok())
        .filter(|r| {
            let (Record::Drafted { v, .. }
            | Record::Approved { v, .. }
            | Record::Rejected { v, .. }
            | Record::Queued { v, .. }
            | Record::Delivered { v, .. }) = r;
            *v == VERSION
        })
        .collect()
}

/// Deliveries queued by earlier runs and never delivered.
pub fn undelivered(records: &[Record]) -> Vec<Delivery> {
    let delivered: HashSet<(&str, usize)> = records
        .iter()
        .filter_map(|r| match r {
            Record::Delivered { key, webhook, .. } => Some((key.as_str(), *webhook)),
            _ => None,
        })
        .collect();
    records
        .iter()
        .filter_map(|r| match r {
            Record::Queued { key, webhook, body, .. } if !delivered.contains(&(key.as_str(), *webhook)) => {
                Some(Delivery { key: key.clone(), webhook: *webhook, body: body.clone() })
            }
            _ => None,
        })
        .collect()
}

/// Updates approved whose deliveries were never queued (the approval was cut short).
pub fn approved_unqueued(records: &[Record]) -> Vec<Update> {
    let queued: HashSet<&str> = records
        .iter()
        .filter_map(|r| match r {
            Record::Queued { key, .. } => Some(key.as_str()),
            _ => None,
        })
        .collect();
    let approved: std::collections::HashMap<u32, &[(String, String)]> = records
        .iter()
        .filter_map(|r| match r {
            Record::Approved { number, edits, .. } => Some((*number, edits.as_slice())),
            _ => None,
        })
        .collect();
    records
        .iter()
        .filter_map(|r| match r {
            Record::Drafted { number, update, .. } if !queued.contains(update.key.as_str()) => {
                let mut update = update.clone();
                update.edit(approved.get(number)?);
                Some(update)
            }
            _ => None,
        })
        .collect()
}

/// Appends one record in a single write and syncs it, so a crash cannot lose (or repeat) a
/// delivery, and records of two processes never interleave.
pub fn append(log: &Path, record: &Record) {
    let mut line = serde_json::to_vec(record).unwrap_or_default();
    line.push(b'\n');
    let written = std::fs::OpenOptions::new().create(true).append(true).open(log).and_then(|mut f| {
        f.write_all(&line)?;
        f.sync_data()
    });
    if let Err(e) = written {
        eprintln!("error: cannot write {}: {e}", log.display());
    }
}
