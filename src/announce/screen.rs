//! Which decisions in a delivery journal hold, as whoever acts on them judges: an approval is sent,
//! published or counted only if it was made by one of the plan's reviewers (`[announce]
//! reviewers`) and, where they sign, with a signature over exactly that update, its corrected
//! texts, the plan and the incident. A journal line is what a file or a database row says: an
//! edited file or a row planted in a shared state is not believed before it is judged.

use std::collections::HashSet;
use std::path::Path;
use std::sync::{Arc, Mutex};

use super::webhook::LOG;
use super::webhook::log::{self, Record};
use crate::bus::notices;
use crate::event::{Act, Level};
use crate::people::{Judge, Verdict};
use crate::plan::Plan;

/// Believes every decision (`Screen::default()`), or judges each (`Screen::new`).
#[derive(Clone, Default)]
pub struct Screen {
    judging: Option<Arc<(Arc<Plan>, Judge)>>,
    /// What was said of decisions that do not hold, said once.
    said: Arc<Mutex<HashSet<String>>>,
}

impl Screen {
    pub fn new(plan: Arc<Plan>, judge: Judge) -> Self {
        Self { judging: Some(Arc::new((plan, judge))), said: Arc::default() }
    }

    /// The updates approved in `dir` that hold, with their corrections.
    pub fn approved(&self, dir: &Path) -> Vec<super::webhook::Update> {
        log::approved(&self.records(dir))
    }

    /// The records of the delivery journal in `dir`, the approvals that do not hold left out
    /// (each told once).
    pub fn records(&self, dir: &Path) -> Vec<Record> {
        let mut records = log::read(&dir.join(LOG));
        records.retain(|r| match r {
            Record::Approved { number, who, edits, .. } => match self.why_not(*number, &who.who, edits) {
                None => true,
                Some(why) => {
                    let said = format!(
                        "the approval of update {number:04} by {} at {} in {} does not hold ({why}): it is not taken",
                        who.who.by,
                        who.who.at,
                        dir.join(LOG).display()
                    );
                    if self.said.lock().unwrap_or_else(|e| e.into_inner()).insert(said.clone()) {
                        notices::say(Level::Warning, said);
                    }
                    false
                }
            },
            _ => true,
        });
        records
    }

    /// Why the approval of update `number` by `who` with `edits` does not hold, if it does not.
    fn why_not(&self, number: u32, who: &crate::event::Signer, edits: &[(String, String)]) -> Option<String> {
        let (plan, judge) = self.judging.as_deref()?;
        let role = plan.reviewers();
        if let Some(role) = role.filter(|r| !r.people.contains(&who.by)) {
            return Some(format!("{} is not among the reviewers, role `{}`", who.by, role.name));
        }
        let signed = role.filter(|r| r.require_signature).map(|r| r.name.as_str());
        match judge.judge(Act::ApproveUpdate, &subject(number, edits), who, signed) {
            Verdict::Refused(why) => Some(why.to_string()),
            _ => None,
        }
    }
}

/// What a review decision on update `number` is about, as it is signed: the update, and the
/// corrected texts it publishes instead (their SHA-256), if any — a signature over one text is
/// no approval of another.
pub fn subject(number: u32, edits: &[(String, String)]) -> String {
    use sha2::Digest;
    if edits.is_empty() {
        return format!("update {number:04}");
    }
    let mut hash = sha2::Sha256::new();
    for (locale, text) in edits {
        hash.update(locale.as_bytes());
        hash.update([0]);
        hash.update(text.as_bytes());
        hash.update([0]);
    }
    format!("update {number:04} as corrected (SHA-256 {})", crate::hex::hex(&hash.finalize()))
}
