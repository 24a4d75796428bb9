//! Review of customer updates before they go out (`[announce] publish = "review"`): a live run
//! drafts each update in the delivery journal; a person approves it (optionally with corrected
//! text per locale) or rejects it, named and recorded with their account, host and time. Only an
//! approved update is queued and sent, and each only once: a second decision is refused.

use std::path::Path;

use super::context::When;
use super::feed::Feeds;
use super::outputs::Outputs;
use super::screen::{Screen, Unfit};
use super::templates::Templates;
use super::webhook::log::{self, Record};
use super::webhook::{self, LOG, Update};
use super::writer::DRAFTS;
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
    /// Its languages, and its text in the first of them.
    pub languages: Vec<String>,
    pub text: String,
    /// Where it goes once approved: its files, the feeds and the status page, and each webhook.
    pub to: Vec<String>,
    /// What changed since it was drafted, if a later draft saw another state: the draft may no
    /// longer be true.
    pub outdated: Vec<String>,
    /// Decisions on it that were refused: whose, when, and why.
    pub refused: Vec<String>,
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
    #[error(
        "update {number:04} is older than update {later:04}, which was already approved: published now it would take customers back to an older state; reject it"
    )]
    Superseded { number: u32, later: u32 },
    #[error("`--text {locale}=…` is given twice")]
    Twice { locale: String },
    #[error(
        "`--text {locale}=…` is not an update ({bytes} bytes): it must start with its title (`### …`) and stay under 256 KiB"
    )]
    NotAnUpdate { locale: String, bytes: usize },
    #[error("cannot write {path}: {source}")]
    Write { path: String, source: std::io::Error },
    #[error(
        "update {number:04}'s record names its file `{name}`, which is no update's name (restorectl did not write it); nothing published"
    )]
    NotAName { number: u32, name: String },
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

/// Every drafted update in `dir`, oldest first. `hooks`: where each webhook of the plan goes.
/// Approvals `screen` does not believe are no approvals: their drafts still await review.
pub fn drafts(dir: &Path, hooks: &[String], screen: &Screen) -> Vec<Draft> {
    let records = screen.records(dir);
    let latest = records.iter().rev().find_map(|r| match r {
        Record::Drafted { number, states, .. } if !states.is_empty() => Some((*number, states)),
        _ => None,
    });
    let mut out: Vec<Draft> = Vec::new();
    for r in &records {
        match r {
            Record::Drafted { number, about, update, states, .. } => {
                let languages: Vec<String> = update.texts.iter().map(|(l, _)| l.clone()).collect();
                let mut to = vec![
                    format!("{DRAFTS}/{number:04}-….md → the announcements folder"),
                    format!("the feeds and the status page ({})", languages.join(", ")),
                ];
                to.extend(hooks.iter().map(|h| format!("webhook {h}")));
                let outdated = match latest {
                    Some((newer, now)) if newer != *number && !states.is_empty() => now
                        .iter()
                        .filter(|(id, state)| states.get(*id) != Some(*state))
                        .map(|(id, state)| format!("`{id}` is {} now (update {newer:04})", state.as_str()))
                        .collect(),
                    _ => Vec::new(),
                };
                out.push(Draft {
                    number: *number,
                    about: about.clone(),
                    state: "awaiting review",
                    by: None,
                    at: None,
                    text: update.texts.first().map(|(_, t)| t.clone()).unwrap_or_default(),
                    languages,
                    to,
                    outdated,
                    refused: Vec::new(),
                })
            }
            Record::Declined { number, approve, who, reason, .. } => {
                if let Some(d) = out.iter_mut().find(|d| d.number == *number) {
                    d.refused.push(declined(*approve, who, reason));
                }
            }
            Record::Approved { number, who, .. } | Record::Rejected { number, who, .. } => {
                if let Some(d) = out.iter_mut().find(|d| d.number == *number) {
                    d.state = if matches!(r, Record::Approved { .. }) { "approved" } else { "rejected" };
                    d.by = Some(who.who.by.clone());
                    d.at = Some(who.who.at.clone());
                    d.outdated.clear();
                }
            }
            _ => {}
        }
    }
    out
}

/// A refused decision, for people: `the approval by Ewa at 2026-…: why`.
pub fn declined(approve: bool, who: &Confirmation, reason: &str) -> String {
    let what = if approve { "approval" } else { "rejection" };
    format!("the {what} by {} at {}: {reason}", who.who.by, who.who.at)
}

/// The updates drafted in `dir` and not approved (awaiting review, or rejected): never published.
pub fn unpublished(dir: &Path, screen: &Screen) -> std::collections::HashSet<u32> {
    drafts(dir, &[], screen).into_iter().filter(|d| d.state != "approved").map(|d| d.number).collect()
}

/// How many webhooks accepted update `number` (drafted in `dir`).
pub fn delivered(dir: &Path, number: u32) -> usize {
    let records = log::read(&dir.join(LOG));
    let key = records.iter().find_map(|r| match r {
        Record::Drafted { number: n, update, .. } if *n == number => Some(update.key.clone()),
        _ => None,
    });
    records
        .iter()
        .filter(|r| matches!(r, Record::Delivered { key: k, .. } if Some(k) == key.as_ref()))
        .count()
}

/// The draft numbered `number`, if it awaits review, and its files' stem.
fn pending(dir: &Path, number: u32, screen: &Screen) -> Result<(Update, Option<String>), ReviewError> {
    let all = drafts(dir, &[], screen);
    if let Some(d) = all.iter().find(|d| d.number == number && d.state != "awaiting review") {
        return Err(ReviewError::Decided {
            number,
            state: d.state,
            by: d.by.clone().unwrap_or_default(),
            at: d.at.clone().unwrap_or_default(),
        });
    }
    let update = log::read(&dir.join(LOG)).into_iter().find_map(|r| match r {
        Record::Drafted { number: n, update, stem, .. } if n == number => Some((update, stem)),
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
    templates: &Templates,
    dir: &Path,
    number: u32,
    who: Confirmation,
    edits: Vec<(String, String)>,
    screen: &Screen,
) -> Result<(Update, usize), ReviewError> {
    let _decision = decision_lock(dir)?;
    let (mut update, stem) = pending(dir, number, screen)?;
    if let Some(later) = approved_after(dir, number, screen) {
        return Err(ReviewError::Superseded { number, later });
    }
    let guard = LeakGuard::new(plan);
    let have = || update.texts.iter().map(|(l, _)| l.as_str()).collect::<Vec<_>>().join(", ");
    for (k, (locale, text)) in edits.iter().enumerate() {
        if !update.texts.iter().any(|(l, _)| l == locale) {
            return Err(ReviewError::UnknownLocale { number, locale: locale.clone(), have: have() });
        }
        if edits[..k].iter().any(|(l, _)| l == locale) {
            return Err(ReviewError::Twice { locale: locale.clone() });
        }
        check_text(guard.as_ref(), locale, text)?;
    }
    update.edit(&edits);
    // The texts the run journaled (or the corrected ones) become the updates' files: only now
    // are they published. The draft files were a preview; what they hold now is not read.
    for (locale, text) in &update.texts {
        let published = publish_file(dir, (number, stem.as_deref()), &update.event, (locale, text))?;
        if let Some(draft) = file_of(&dir.join(DRAFTS), number, locale).filter(|d| *d != published) {
            let _ = std::fs::remove_file(draft);
        }
    }
    log::Log::new(dir).append(&Record::approved(number, who, edits));
    republish(plan, templates, dir, screen);
    let accepted = webhook::deliver_now(plan, dir, &update);
    Ok((update, accepted))
}

/// Writes the published file of update `number` in `locale`: named as its draft was.
fn publish_file(
    dir: &Path,
    (number, stem): (u32, Option<&str>),
    event: &str,
    (locale, text): (&str, &str),
) -> Result<std::path::PathBuf, ReviewError> {
    let draft =
        || file_of(&dir.join(DRAFTS), number, locale)?.file_name().map(|n| n.to_string_lossy().into_owned());
    // The record's names make a file name, never a path: a record written by anything else than
    // restorectl (an edited file, a row planted in a shared state) publishes nothing.
    let prefix = format!("{number:04}-");
    let names = [stem, Some(locale), Some(event)];
    let bad = names.into_iter().flatten().find(|n| !plain(n)).or(stem.filter(|s| !s.starts_with(&prefix)));
    if let Some(bad) = bad {
        return Err(ReviewError::NotAName { number, name: bad.to_owned() });
    }
    let name = stem
        .map(|s| format!("{s}.{locale}.md"))
        .or_else(draft)
        .unwrap_or_else(|| format!("{number:04}-{event}.{locale}.md"));
    let published = dir.join(name);
    crate::state::files::write(&published, text.as_bytes())
        .map_err(|source| ReviewError::Write { path: published.display().to_string(), source })?;
    Ok(published)
}

/// A corrected text an update may publish (see `screen::unfit`), or why not.
pub fn check_text(guard: Option<&LeakGuard>, locale: &str, text: &str) -> Result<(), ReviewError> {
    match super::screen::unfit(guard, text) {
        None => Ok(()),
        Some(Unfit::NotAnUpdate { bytes }) => {
            Err(ReviewError::NotAnUpdate { locale: locale.to_owned(), bytes })
        }
        Some(Unfit::Reveals { found }) => Err(ReviewError::Leak { locale: locale.to_owned(), found }),
    }
}

/// A name a file's may be made of: letters, digits, `-`, `_`, `+`, not starting with a dot.
fn plain(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '+'))
}

/// Brings `dir` up to what its records say was decided — on another machine of a shared state —
/// so that the folder holds every update published, wherever it was approved: the files of every
/// approved update it lacks are written, the drafts of decided ones removed, and with `outputs`
/// (the plan and its templates) the feeds and the page written again when anything is published
/// (a folder left half-written by a killed approval is whole again).
pub fn restore_approved(
    dir: &Path,
    screen: &Screen,
    outputs: Option<(&Plan, &Templates)>,
) -> Result<(), ReviewError> {
    let records = screen.records(dir);
    let mut published = false;
    for r in &records {
        let Record::Drafted { number, update, stem, .. } = r else { continue };
        let decided = records.iter().find_map(|r| match r {
            Record::Approved { number: n, edits, .. } if n == number => Some(Some(edits)),
            Record::Rejected { number: n, .. } if n == number => Some(None),
            _ => None,
        });
        let Some(approved) = decided else { continue };
        let mut update = update.clone();
        for (locale, _) in &update.texts {
            if let Some(draft) = file_of(&dir.join(DRAFTS), *number, locale) {
                let _ = std::fs::remove_file(draft);
            }
        }
        let Some(edits) = approved else { continue };
        published = true;
        update.edit(edits);
        for (locale, text) in &update.texts {
            if file_of(dir, *number, locale).is_none() {
                publish_file(dir, (*number, stem.as_deref()), &update.event, (locale, text))?;
            }
        }
    }
    if let Some((plan, templates)) = outputs.filter(|_| published) {
        republish(plan, templates, dir, screen);
    }
    Ok(())
}

/// A draft numbered after `number` that was already approved, if any: approving `number` now
/// would take customers back to an older state.
fn approved_after(dir: &Path, number: u32, screen: &Screen) -> Option<u32> {
    screen.records(dir).iter().find_map(|r| match r {
        Record::Approved { number: n, .. } if *n > number => Some(*n),
        _ => None,
    })
}

/// Writes the feeds and the page again from what was approved: every update published in `dir`,
/// and the state the latest approved one described.
fn republish(plan: &Plan, templates: &Templates, dir: &Path, screen: &Screen) {
    let records = screen.records(dir);
    let approved: Vec<u32> = records
        .iter()
        .filter_map(|r| match r {
            Record::Approved { number, .. } => Some(*number),
            _ => None,
        })
        .collect();
    let states = records.iter().rev().find_map(|r| match r {
        Record::Drafted { number, states, .. } if approved.contains(number) => Some(states.clone()),
        _ => None,
    });
    let board = super::outputs::board_of(plan, &states.unwrap_or_default());
    let feeds = Feeds::existing(dir, &plan.locales, &super::publication_times(dir));
    let incident = super::record::load(dir, plan).incident.unwrap_or_else(|| "incident".into());
    let zone = jiff::tz::TimeZone::get(&plan.timezone).unwrap_or(jiff::tz::TimeZone::UTC);
    let now = jiff::Timestamp::now().to_zoned_datetime(zone);
    let when = When { now: now.clone(), started: now };
    Outputs { plan, templates, dir, incident: &incident }.write(&board, &when, None, &feeds);
}

/// Rejects update `number`: it is never sent.
pub fn reject(
    dir: &Path,
    number: u32,
    (who, reason): (Confirmation, Option<String>),
    screen: &Screen,
) -> Result<(), ReviewError> {
    let _decision = decision_lock(dir)?;
    let (update, _) = pending(dir, number, screen)?;
    log::Log::new(dir).append(&Record::rejected(number, who, reason));
    // A rejected update is nowhere: its draft files go (its text stays in the delivery journal).
    for (locale, _) in &update.texts {
        if let Some(draft) = file_of(&dir.join(DRAFTS), number, locale) {
            let _ = std::fs::remove_file(draft);
        }
    }
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
