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
}

/// What was said of decisions that do not hold: said once in a process.
static SAID: Mutex<Option<HashSet<String>>> = Mutex::new(None);

impl Screen {
    pub fn new(plan: Arc<Plan>, judge: Judge) -> Self {
        Self { judging: Some(Arc::new((plan, judge))) }
    }

    /// The updates approved in `dir` that hold, with their corrections.
    pub fn approved(&self, dir: &Path) -> Vec<super::webhook::Update> {
        log::approved(&self.records(dir))
    }

    /// The records of the delivery journal in `dir`, the decisions that do not hold left out
    /// (each told once).
    pub fn records(&self, dir: &Path) -> Vec<Record> {
        let mut records = log::read(&dir.join(LOG));
        records.retain(|r| {
            let (act, number, who, edits) = match r {
                Record::Approved { number, who, edits, .. } => {
                    (Act::ApproveUpdate, *number, &who.who, &edits[..])
                }
                Record::Rejected { number, who, .. } => (Act::RejectUpdate, *number, &who.who, &[][..]),
                _ => return true,
            };
            let Some(why) = self.why_not(act, number, who, edits) else { return true };
            let what = if act == Act::ApproveUpdate { "approval" } else { "rejection" };
            let said = format!(
                "the {what} of update {number:04} by {} at {} in the delivery journal does not hold ({why}): it is not taken",
                who.by,
                who.at,
            );
            let mut told = SAID.lock().unwrap_or_else(|e| e.into_inner());
            if told.get_or_insert_default().insert(said.clone()) {
                notices::say(Level::Warning, said);
            }
            false
        });
        records
    }

    /// Why `who`'s decision `act` on update `number` (with `edits`) does not hold, if it does not.
    fn why_not(
        &self,
        act: Act,
        number: u32,
        who: &crate::event::Signer,
        edits: &[(String, String)],
    ) -> Option<String> {
        let (plan, judge) = self.judging.as_deref()?;
        if let Verdict::Refused(why) = judged(plan, judge, (act, number, edits), who) {
            return Some(why.to_string());
        }
        let guard = crate::plan::LeakGuard::new(plan);
        edits.iter().find_map(|(locale, text)| {
            Some(match unfit(guard.as_ref(), text)? {
                Unfit::NotAnUpdate { bytes } => format!(
                    "its corrected `{locale}` text is no update: {bytes} bytes, without its title (`### …`) or over 256 KiB"
                ),
                Unfit::Reveals { found } => format!("its corrected `{locale}` text would reveal `{found}`"),
            })
        })
    }
}

/// `who`'s decision `act` on update `number` (with `edits`) judged as a review is: by one of the
/// plan's reviewers (where it names them), signed where they must sign, over exactly this.
pub fn judged(
    plan: &Plan,
    judge: &Judge,
    (act, number, edits): (Act, u32, &[(String, String)]),
    who: &crate::event::Signer,
) -> Verdict {
    let role = plan.reviewers();
    if let Some(role) = role.filter(|r| !r.people.contains(&who.by)) {
        return Verdict::Refused(crate::people::Refusal::NotAReviewer {
            by: who.by.clone(),
            role: role.name.clone(),
        });
    }
    let signed = role.filter(|r| r.require_signature).map(|r| r.name.as_str());
    judge.judge(act, &subject(number, edits), who, signed)
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

/// The largest corrected text taken (an update is a few kilobytes).
pub const MAX_TEXT: usize = 256 * 1024;

/// Why a corrected text cannot be published.
pub enum Unfit {
    /// No update's title (`### …`) first, or over `MAX_TEXT`.
    NotAnUpdate { bytes: usize },
    /// A host, address or URL the plan's checks or actions use, as written or as the page and
    /// the feeds will show it (Markdown escapes undone).
    Reveals { found: String },
}

/// Why `text` cannot be an update's corrected text, if it cannot.
pub fn unfit(guard: Option<&crate::plan::LeakGuard>, text: &str) -> Option<Unfit> {
    if text.len() > MAX_TEXT || !text.trim_start().starts_with("### ") {
        return Some(Unfit::NotAnUpdate { bytes: text.len() });
    }
    let rendered = super::feed::markdown(text);
    let found = guard?.find(text).map(|(o, l)| text[o..o + l].to_owned());
    let found = found.or_else(|| guard?.find(&rendered).map(|(o, l)| rendered[o..o + l].to_owned()));
    found.map(|found| Unfit::Reveals { found })
}
