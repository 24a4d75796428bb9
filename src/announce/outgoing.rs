//! What an update hands over once it is recorded as told: to the webhooks, or to the reviewers as
//! a draft. It is kept in the update's record (`announced.jsonl`), the one line that commits the
//! update: a run killed after it hands it over on resume (queued once per webhook by its key,
//! drafted once by its number), and one killed before it re-decides the update from scratch —
//! so an update number is never two different updates, on this machine or another one of a
//! shared state.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::board::ServiceState;
use super::webhook::log::{self, Log, Record};
use super::webhook::{LOG, Poster, Update};
use crate::bus::notices;
use crate::event::Level;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "to", rename_all = "snake_case")]
pub enum Outgoing {
    /// Posted to every webhook.
    Webhooks { update: Update },
    /// Kept for review (`publish = "review"`) with what customers would see with it.
    Review {
        number: u32,
        stem: String,
        about: String,
        update: Update,
        states: BTreeMap<String, ServiceState>,
    },
}

impl Outgoing {
    /// Hands it over: queued for the webhooks, or drafted and the operators told how to approve
    /// it (`approve`: the command) — unless `before` says it was handed over already.
    pub fn hand_over(&self, poster: Option<&mut Poster>, dir: &Path, approve: &str, before: &HandedOver) {
        match self {
            Outgoing::Webhooks { update } if before.queued.contains(&update.key) => {}
            Outgoing::Webhooks { update } => {
                if let Some(p) = poster {
                    p.send(update);
                }
            }
            Outgoing::Review { number, .. } if before.drafted.contains(number) => {}
            Outgoing::Review { number, stem, about, update, states } => {
                notices::say(
                    Level::Info,
                    format!("update {number:04} ({about}) awaits review: {approve} {number:04} --by NAME"),
                );
                let record =
                    Record::drafted((*number, stem.clone()), about.clone(), update.clone(), states.clone());
                match poster {
                    Some(p) => p.draft(&record),
                    None => Log::new(dir).append(&record),
                }
            }
        }
    }
}

/// What was handed over already: the updates queued for any webhook (a webhook added to the plan
/// later is not sent the ones before it), the numbers drafted.
#[derive(Default)]
pub struct HandedOver {
    queued: HashSet<String>,
    drafted: HashSet<u32>,
}

impl HandedOver {
    /// As the delivery journal in `dir` has it.
    pub fn in_dir(dir: &Path) -> Self {
        let mut before = Self::default();
        for r in log::read(&dir.join(LOG)) {
            match r {
                Record::Queued { key, .. } => {
                    before.queued.insert(key);
                }
                Record::Drafted { number, .. } => {
                    before.drafted.insert(number);
                }
                _ => {}
            }
        }
        before
    }
}
