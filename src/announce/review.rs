//! Review of customer updates before they go out (`[announce] publish = "review"`): a live run
//! drafts each update in the delivery journal; a person approves it (optionally with corrected
//! text per locale) or rejects it, named and recorded with their account, host and time. Only an
//! approved update is queued and sent, and each only once: a second decision is refused.

use std::path::Path;

use super::webhook::log::{self, Record};
use super::webhook::{self, LOG, Update};
use crate::plan::{LeakGuard, Plan};
use crate::state::Confirmation;

/// A drafted update and what became of it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Draft {
    pub number: u32,
    pub about: String,
    /// `awaiting review`, `approved` or `rejected`.
    pub state: &'static str,
    /// Who decided, and when.
    pub by: Option<String>,
    pub at: Option<String>,
}

/// Holds `review.lock` in `dir` while a decision is taken: two people deciding on the same update
/// at once are taken one after the other, and the second is told it was decided.
fn decision_lock(dir: &Path) -> Result<std::fs::File, ReviewError> {
    let path = dir.join("review.lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|source| ReviewError::Write { path: path.display().to_string(), source })?;
    file.lock().map_err(|source| ReviewError::Write { path: path.display().to_string(), source })?;
    Ok(file)
}

/// Why a decision cannot be taken.
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error("no update {number:04} awaits review in {dir}{}", pending_hint(.pending))]
    NoDraft { number: u32, dir: String, pending: Vec<u32> },
    #[error("update {number:04} was already {state} by {by} at {at}; it is not decided twice")]
    Decided { number: u32, state: &'static str, by: String, at: String },
    #[error("`--text {locale}=…`: update {number:04} has no `{locale}` text (it has {have})")]
    UnknownLocale { number: u32, locale: String, have: String },
    #[error(
        "`--text {locale}=…`: the corrected text would reveal `{found}`, which the plan's checks or actions use"
    )]
    Leak { locale: String, found: String },
    #[error("cannot write {path}: {source}")]
    Write { path: String, source: std::io::Error },
}

fn pending_hint(pending: &[u32]) -> String {
    match pending {
        [] => " (none does)".into(),
        _ => format!(
            " (awaiting review: {})",
            pending.iter().map(|n| format!("{n:04}")).collect::<Vec<_>>().join(", ")
        ),
    }
}

/// Every drafted update in `dir`, oldest first.
pub fn drafts(dir: &Path) -> Vec<Draft> {
    let records = log::read(&dir.join(LOG));
    let mut out: Vec<Draft> = Vec::new();
    for r in &records {
        match r {
            Record::Drafted { number, about, .. } => out.push(Draft {
                number: *number,
                about: about.clone(),
                state: "awaiting review",
                by: None,
                at: None,
            }),
            Record::Approved { number, who, .. } | Record::Rejected { number, who, .. } => {
                if let Some(d) = out.iter_mut().find(|d| d.number == *number) {
                    d.state = if matches!(r, Record::Approved { .. }) { "approved" } else { "rejected" };
                    d.by = Some(who.who.by.clone());
                    d.at = Some(who.who.at.clone());
                }
            }
            _ => {}
        }
    }
    out
}

/// The draft numbered `number`, if it awaits review.
fn pending(dir: &Path, number: u32) -> Result<Update, ReviewError> {
    let all = drafts(dir);
    if let Some(d) = all.iter().find(|d| d.number == number && d.state != "awaiting review") {
        return Err(ReviewError::Decided {
            number,
            state: d.state,
            by: d.by.clone().unwrap_or_default(),
            at: d.at.clone().unwrap_or_default(),
        });
    }
    let update = log::read(&dir.join(LOG)).into_iter().find_map(|r| match r {
        Record::Drafted { number: n, update, .. } if n == number => Some(update),
        _ => None,
    });
    update.ok_or_else(|| ReviewError::NoDraft {
        number,
        dir: dir.display().to_string(),
        pending: all.iter().filter(|d| d.state == "awaiting review").map(|d| d.number).collect(),
    })
}

/// Approves update `number`, with `edits` (locale, corrected Markdown) replacing its text in
/// those locales (and in its files), then sends it to every webhook. Returns the update sent and
/// how many webhooks accepted it.
pub fn approve(
    plan: &Plan,
    dir: &Path,
    number: u32,
    who: Confirmation,
    edits: Vec<(String, String)>,
) -> Result<(Update, usize), ReviewError> {
    let _decision = decision_lock(dir)?;
    let mut update = pending(dir, number)?;
    let guard = LeakGuard::new(plan);
    let have = || update.texts.iter().map(|(l, _)| l.as_str()).collect::<Vec<_>>().join(", ");
    for (locale, text) in &edits {
        if !update.texts.iter().any(|(l, _)| l == locale) {
            return Err(ReviewError::UnknownLocale { number, locale: locale.clone(), have: have() });
        }
        if let Some((o, l)) = guard.as_ref().and_then(|g| g.find(text)) {
            return Err(ReviewError::Leak { locale: locale.clone(), found: text[o..o + l].to_owned() });
        }
    }
    for (locale, text) in &edits {
        if let Some(path) = file_of(dir, number, locale) {
            std::fs::write(&path, text)
                .map_err(|source| ReviewError::Write { path: path.display().to_string(), source })?;
        }
    }
    update.edit(&edits);
    log::Log::new(dir).append(&Record::approved(number, who, edits));
    let accepted = webhook::deliver_now(plan, dir, &update);
    Ok((update, accepted))
}

/// Rejects update `number`: it is never sent.
pub fn reject(dir: &Path, number: u32, who: Confirmation, reason: Option<String>) -> Result<(), ReviewError> {
    let _decision = decision_lock(dir)?;
    pending(dir, number)?;
    log::Log::new(dir).append(&Record::rejected(number, who, reason));
    Ok(())
}

/// The file of update `number` in `locale` (`0007-online-billing.pl.md`).
fn file_of(dir: &Path, number: u32, locale: &str) -> Option<std::path::PathBuf> {
    let prefix = format!("{number:04}-");
    let suffix = format!(".{locale}.md");
    std::fs::read_dir(dir).ok()?.flatten().map(|e| e.path()).find(|p| {
        p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with(&prefix) && n.ends_with(&suffix))
    })
}
