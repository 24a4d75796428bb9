//! Writes the updates the policy decides on: renders each in every locale (refusing text that
//! would reveal internal infrastructure), writes `NNNN-<kind>-<subject>.<locale>.md`, keeps the
//! feeds `updates.<locale>.md` and the status page, and hands the update to the webhooks. A live
//! run keeps the feeds and the page current after every update; a dry run writes them once.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::board::Board;
use super::eta::Eta;
use super::feed::{Feeds, Item};
use super::outgoing::{HandedOver, Outgoing};
use super::outputs::Outputs;
use super::policy::{Kind, Note, Update};
use super::record::{self, Recorder};
use super::templates::{self, Templates};
use super::{context, page, webhook};
use crate::bus::WriteError;
use crate::bus::notices;
use crate::event::Level;
use crate::event::{RunMode, Secs};
use crate::plan::{LeakGuard, Plan};
use crate::stamp::Stamp;

/// What a run publishes beyond the updates' text.
pub struct Publishing {
    /// With `publish_eta`: when what remains is expected back.
    pub eta: Option<Eta>,
    /// With `publish = "review"` (live runs): updates are drafts until a person approves them.
    pub review: bool,
    /// The commands people are told to use for this run's announcements.
    pub commands: Commands,
    /// When the incident began (this run's start, or an earlier run's of the same incident).
    pub started: jiff::ZonedDateTime,
    /// How the approvals already made are judged before they are sent.
    pub screen: super::screen::Screen,
}

/// `restorectl announce VERB PLAN [--state DIR] [--announce-dir DIR]`, as the operator of this run
/// would type it.
#[derive(Debug, Clone, Default)]
pub struct Commands {
    /// `PLAN [--state DIR] [--announce-dir DIR]`
    pub plan_args: String,
}

impl Commands {
    pub fn new(plan: &Path, state: Option<&Path>, announce_dir: Option<&Path>) -> Self {
        let mut plan_args = plan.display().to_string();
        if let Some(state) = state {
            plan_args += &format!(" --state {}", crate::state::location::shown_state(state));
        }
        if let Some(dir) = announce_dir {
            plan_args += &format!(" --announce-dir {}", dir.display());
        }
        Self { plan_args }
    }

    pub fn approve(&self) -> String {
        format!("restorectl announce approve {}", self.plan_args)
    }
    pub fn deliver(&self) -> String {
        format!("restorectl announce deliver {}", self.plan_args)
    }
}

pub struct Writer {
    plan: Arc<Plan>,
    /// With `publish_eta`: when what remains is expected back.
    eta: Option<Eta>,
    /// With `publish = "review"` (live runs): updates are drafts until approved, and the page,
    /// the feeds and the webhooks get only what was approved.
    review: bool,
    commands: Commands,
    templates: Arc<Templates>,
    guard: Option<LeakGuard>,
    dir: PathBuf,
    stamp: Stamp,
    /// When the incident began.
    started: jiff::ZonedDateTime,
    mode: RunMode,
    feeds: Feeds,
    /// What customers were told, for a later run (live runs only).
    record: Option<Recorder>,
    /// This incident's id (kept in `announced.jsonl`), in every webhook key.
    incident: String,
    webhooks: Option<webhook::Poster>,
    /// A dry run's files from an earlier rehearsal, removed at the end unless rewritten.
    stale: Vec<PathBuf>,
    written: HashSet<PathBuf>,
    /// Update files that could not be written yet (a full disk, a read-only folder), and the
    /// updates not recorded as told until they are: nothing is told that is not kept.
    unwritten: Vec<(PathBuf, String)>,
    unrecorded: Vec<(Update, jiff::Timestamp, Option<Outgoing>)>,
    /// The state customers see changed since the page was written (live runs).
    page_due: bool,
    page_written: Option<std::time::Instant>,
}

/// How often a live run's page may be rewritten while the state keeps changing.
const PAGE_EVERY: std::time::Duration = std::time::Duration::from_millis(250);

/// Where drafts wait for review, inside the announcements directory: never published from there.
pub const DRAFTS: &str = "drafts";

impl Writer {
    /// Opens `dir`: a dry run starts it afresh; a live run carries on from what it holds, and
    /// says what earlier runs announced.
    pub fn open(
        plan: Arc<Plan>,
        templates: Arc<Templates>,
        dir: PathBuf,
        stamp: Stamp,
        mode: RunMode,
        publishing: Publishing,
    ) -> Result<(Self, super::policy::Memory), WriteError> {
        std::fs::create_dir_all(&dir).map_err(WriteError::at(&dir))?;
        let dry = mode.is_dry();
        // A dry run starts from nothing. What an earlier rehearsal wrote is overwritten in place
        // (cheaper than deleting and creating thousands of files), and what it does not rewrite
        // goes at the end.
        if dry && (dir.join(record::FILE).exists() || dir.join(webhook::LOG).exists()) {
            let why = "it holds a live run's announcements; a dry run needs another --announce-dir";
            return Err(WriteError { path: dir, source: std::io::Error::other(why) });
        }
        let stale = if dry { ours(&dir) } else { Vec::new() };
        let memory = if dry { Default::default() } else { record::load(&dir, &plan) };
        let feeds = if dry {
            Feeds::new(&plan.locales)
        } else {
            Feeds::existing(&dir, &plan.locales, &record::times(&dir))
        };
        let mut webhooks = (!dry && !plan.announce.webhooks.is_empty()).then(|| {
            webhook::Poster::new(
                plan.clone(),
                &dir,
                publishing.commands.deliver(),
                publishing.screen.approved(&dir),
            )
        });
        // What an earlier run recorded as told and was killed before handing over.
        let before = HandedOver::in_dir(&dir);
        for out in record::outgoing(&dir) {
            out.hand_over(webhooks.as_mut(), &dir, &publishing.commands.approve(), &before);
        }
        let mut record = (!dry).then(|| Recorder::new(&dir));
        let incident = match (&memory.incident, &mut record) {
            (Some(id), _) => id.clone(),
            (None, Some(r)) => r.incident(),
            (None, None) => "rehearsal".into(),
        };
        let writer = Self {
            eta: publishing.eta,
            review: publishing.review && !dry,
            commands: publishing.commands,
            started: publishing.started,
            guard: LeakGuard::new(&plan),
            record,
            incident,
            plan,
            templates,
            dir,
            stamp,
            mode,
            feeds,
            webhooks,
            stale,
            written: HashSet::new(),
            unwritten: Vec::new(),
            unrecorded: Vec::new(),
            page_due: false,
            page_written: None,
        };
        Ok((writer, memory))
    }

    /// Renders, checks and writes one update in every locale; a leak or a template error means
    /// nothing is written and the operator is told. Returns what a delay notice promised: the end
    /// of the day it named (customers read a date, not a time).
    pub fn write(&mut self, u: &Update, board: &Board) -> Option<Secs> {
        let mut texts = Vec::new();
        // A delay notice gives the new date the schedule expects, where it can tell.
        let eta = match (&self.eta, u.kind) {
            (Some(eta), Kind::Late) => {
                let expected = eta.expected(board, u.at);
                u.services.iter().try_fold(u.at, |t, &i| expected[i].map(|e| Secs(t.0.max(e.0))))
            }
            _ => None,
        };
        for locale in &self.plan.locales {
            let ctx = context::update(&self.plan, board, (&self.stamp, &self.started), locale, u, eta);
            let name = templates::name(u.kind.as_str(), locale);
            match self.templates.render_checked(self.guard.as_ref(), &name, &ctx) {
                Ok(text) => texts.push((locale.clone(), text)),
                Err(e) => {
                    notices::say(
                        Level::Error,
                        format!("update {:04} ({}, {locale}) not written: {e}", u.number, u.kind.as_str()),
                    );
                    return None;
                }
            }
        }
        self.retry();
        let stem = self.stem(u);
        let published = self.stamp.zoned(u.at).timestamp();
        let folder = if self.review { self.dir.join(DRAFTS) } else { self.dir.clone() };
        if self.review {
            let _ = std::fs::create_dir_all(&folder);
        }
        for (locale, text) in &texts {
            let file = folder.join(format!("{stem}.{locale}.md"));
            if let Err(e) = crate::state::files::write(&file, text.as_bytes()) {
                notices::say(
                    Level::Error,
                    format!("cannot write {}: {e}; it is kept to be written again", file.display()),
                );
                self.unwritten.push((file.clone(), text.clone()));
            }
            if !self.stale.is_empty() {
                self.written.insert(file);
            }
            if !self.review {
                self.feeds.push(locale, Item { number: u.number, at: published, text: text.clone() });
            }
        }
        // Recorded as told only once its text is kept, after every update before it; handed to
        // the webhooks or the reviewers once recorded (see `outgoing`).
        let out = self.outgoing(u, board, texts, published);
        self.unrecorded.push((u.clone(), published, out));
        self.retry();
        self.state_changed();
        self.refresh(board, u.at);
        eta.map(|eta| self.stamp.end_of_day(eta))
    }

    /// What the update hands to the webhooks, or (under review) to the reviewers as a draft, with
    /// what customers would see with it.
    fn outgoing(
        &self,
        u: &Update,
        board: &Board,
        texts: Vec<(String, String)>,
        published: jiff::Timestamp,
    ) -> Option<Outgoing> {
        if self.webhooks.is_none() && !self.review {
            return None;
        }
        let update = webhook::Update {
            // Unique across incidents: a receiver that remembers keys never drops a new one.
            key: format!("{}-{:04}-{}", u.kind.as_str(), u.number, self.incident),
            event: u.kind.as_str().to_owned(),
            at: published.to_string(),
            services: u.services.iter().map(|&i| self.plan.services[i].id.clone()).collect(),
            texts,
            components: webhook::components(&self.plan, &board.states),
        };
        Some(match self.review {
            true => Outgoing::Review {
                number: u.number,
                stem: self.stem(u),
                about: u.about(&self.plan),
                update,
                states: super::outputs::visible_states(&self.plan, board),
            },
            false => Outgoing::Webhooks { update },
        })
    }

    pub fn note(&mut self, note: Note) {
        if let Some(r) = &mut self.record {
            r.note(&self.plan, note);
        }
    }

    /// The file name's subject: the service (and how many more), the phase, or the occasion.
    /// An update's files' name without the locale: `0007-online-billing`.
    fn stem(&self, u: &Update) -> String {
        format!("{:04}-{}-{}", u.number, u.kind.as_str(), self.subject(u))
    }

    fn subject(&self, u: &Update) -> String {
        match (u.kind, u.services.as_slice(), u.phases.last().copied()) {
            (Kind::Start, ..) => "outage".into(),
            (Kind::Restored, ..) => "all".into(),
            (Kind::Progress, ..) => "work-continues".into(),
            (_, [one], _) => self.plan.services[*one].id.clone(),
            (_, [first, rest @ ..], _) => format!("{}+{}", self.plan.services[*first].id, rest.len()),
            (_, [], Some(p)) => self.plan.phases[p].id.clone(),
            (_, [], None) => "none".into(),
        }
    }

    /// Writes again what could not be written; once all is, records the updates waiting for it.
    fn retry(&mut self) {
        self.unwritten.retain(|(file, text)| crate::state::files::write(file, text.as_bytes()).is_err());
        if !self.unwritten.is_empty() {
            return;
        }
        for (u, published, out) in std::mem::take(&mut self.unrecorded) {
            let stem = self.stem(&u);
            if let Some(r) = &mut self.record {
                r.update(&self.plan, &u, (published, stem), out.clone());
            }
            if let Some(out) = out {
                let fresh = HandedOver::default();
                out.hand_over(self.webhooks.as_mut(), &self.dir, &self.commands.approve(), &fresh);
            }
        }
    }

    /// The feeds and the page as customers may see them now. Under review they are written only
    /// by `announce approve|reject` (nothing unapproved is ever on them).
    fn write_feeds_and_page(&mut self, board: &Board, at: Secs) {
        self.page_due = false;
        self.page_written = Some(std::time::Instant::now());
        if self.review {
            return;
        }
        let when = context::When { now: self.stamp.zoned(at), started: self.started.clone() };
        let dates = page::Dates {
            stamp: &self.stamp,
            expected: self.eta.as_ref().map(|eta| eta.expected(board, at)),
        };
        let outputs = Outputs {
            plan: &self.plan,
            templates: &self.templates,
            dir: &self.dir,
            incident: &self.incident,
        };
        outputs.write(board, &when, Some(dates), &self.feeds);
    }

    /// What customers see of a service changed: a live run's page and feeds follow within a
    /// quarter of a second (`refresh`), whether or not an update goes out.
    pub fn state_changed(&mut self) {
        self.page_due = !self.mode.is_dry();
    }

    /// Rewrites the page if the state changed since it was written, at most four times a second.
    pub fn refresh(&mut self, board: &Board, at: Secs) {
        let recently = self.page_written.is_some_and(|t| t.elapsed() < PAGE_EVERY);
        if self.page_due && !recently {
            self.write_feeds_and_page(board, at);
        }
    }

    /// The feeds and the page as they stand at the end; a rehearsal's leftovers go.
    pub fn finish(&mut self, board: &Board, at: Secs) {
        self.retry();
        if !self.unwritten.is_empty() {
            notices::say(
                Level::Error,
                format!(
                    "{} update file(s) could not be written in {} (is the disk full, or the folder read-only?): those updates are not recorded as told, and the next run tells them again",
                    self.unwritten.len(),
                    self.dir.display()
                ),
            );
        }
        self.write_feeds_and_page(board, at);
        let mut keep = std::mem::take(&mut self.written);
        keep.extend([self.dir.join(record::FILE), self.dir.join("status.html")]);
        keep.extend(self.plan.locales.iter().map(|l| self.dir.join(format!("updates.{l}.md"))));
        keep.extend(self.plan.locales.iter().map(|l| self.dir.join(format!("feed.{l}.xml"))));
        for path in std::mem::take(&mut self.stale).into_iter().filter(|p| !keep.contains(p)) {
            let _ = std::fs::remove_file(path);
        }
        if let Some(w) = self.webhooks.take() {
            w.finish(Some(webhook::STALL));
        }
    }
}

/// The files of `dir` that restorectl writes (never anything else).
fn ours(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    entries
        .flatten()
        .filter(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            name == record::FILE
                || name == "announced.json"
                || name == "status.html"
                || name == webhook::LOG
                || name.starts_with("updates.") && name.ends_with(".md")
                || name.starts_with("feed.") && name.ends_with(".xml")
                || name.len() > 5 && name[..4].chars().all(|c| c.is_ascii_digit()) && name.ends_with(".md")
        })
        .map(|entry| entry.path())
        .collect()
}
