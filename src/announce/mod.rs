//! Customer announcements, written as the run's events happen: an outage notice when restoring
//! starts, an update as each customer-facing service is verified online (batched within
//! `[announce] batch_window`), one per completed phase, a delay notice when an RTO passes, and a
//! final "everything is back". One Markdown file per update and locale, a cumulative feed per
//! locale, a static status page, and webhooks. Internal services are never named, and an update
//! that would reveal an internal host, address or URL is not written.

pub mod locale;
pub mod page;
pub mod templates;
pub mod webhook;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use jiff::ZonedDateTime;
use serde_json::json;

use crate::event::{Event, Outcome, RunMode, Secs};
use crate::plan::{LeakGuard, Plan};
use crate::reporter::Reporter;
use crate::stamp::Stamp;
use crate::tally::Tally;
use page::{Board, ServiceState};
use templates::{Templates, name};

const ANNOUNCED: &str = "announced.json";

/// Indices of the services customers may be told about.
pub fn customer_facing(plan: &Plan) -> Vec<usize> {
    plan.services.iter().enumerate().filter(|(_, s)| s.customer_facing).map(|(i, _)| i).collect()
}

/// What the templates see, common to every update. `customer` is `customer_facing(plan)`.
pub fn context(
    plan: &Plan,
    customer: &[usize],
    locale: &str,
    when: &ZonedDateTime,
    online: &[bool],
) -> serde_json::Value {
    let names = |pick: &dyn Fn(usize) -> bool| -> Vec<String> {
        customer
            .iter()
            .filter(|&&i| pick(i))
            .map(|&i| plan.services[i].display_name(locale).to_owned())
            .collect()
    };
    json!({
        "org": plan.organization(),
        "locale": locale,
        "date": locale::date(locale, when),
        "time": locale::time(when),
        "contact": {
            "phone": plan.contact.phone,
            "email": plan.contact.email,
            "form": plan.contact.form,
        },
        "affected": names(&|_| true),
        "back": names(&|i| online[i]),
        "pending": names(&|i| !online[i]),
        "services": [],
        "phase": "",
        "deadline": "",
        "updates": [],
    })
}

fn subject_list(plan: &Plan, locale: &str, services: &[usize]) -> serde_json::Value {
    services
        .iter()
        .map(|&i| {
            let s = &plan.services[i];
            json!({ "id": s.id, "name": s.display_name(locale), "summary": s.summary.as_ref().and_then(|t| t.get(locale)) })
        })
        .collect()
}

/// Renders a template and refuses text that would reveal the plan's internal infrastructure.
pub fn render_checked(
    templates: &Templates,
    guard: Option<&LeakGuard>,
    name: &str,
    ctx: &serde_json::Value,
) -> Result<String, String> {
    let text = templates.render(name, &templates::value(ctx))?;
    match guard.and_then(|g| g.find(&text)) {
        Some((o, l)) => {
            Err(format!("it would reveal `{}`, which the plan's checks or actions use", &text[o..o + l]))
        }
        None => Ok(text),
    }
}

/// A context with every field filled, for test-rendering templates when the plan loads.
pub fn sample_context(plan: &Plan, locale: &str) -> minijinja::Value {
    let now = jiff::Timestamp::UNIX_EPOCH.to_zoned_datetime(jiff::tz::TimeZone::UTC);
    let online: Vec<bool> = (0..plan.services.len()).map(|i| i % 2 == 0).collect();
    let mut ctx = context(plan, &customer_facing(plan), locale, &now, &online);
    let first: Vec<usize> = plan.services.iter().position(|s| s.customer_facing).into_iter().collect();
    ctx["services"] = subject_list(plan, locale, if first.is_empty() { &[0] } else { &first });
    ctx["phase"] = json!("phase");
    ctx["deadline"] = json!(locale::date(locale, &now));
    ctx["updates"] = json!(["update"]);
    templates::value(&ctx)
}

pub fn sample_page(plan: &Plan) -> minijinja::Value {
    let now = jiff::Timestamp::UNIX_EPOCH.to_zoned_datetime(jiff::tz::TimeZone::UTC);
    let states = vec![ServiceState::Restoring; plan.services.len()];
    let feeds: BTreeMap<String, Vec<String>> =
        plan.locales.iter().map(|l| (l.clone(), vec!["update".to_owned()])).collect();
    templates::value(&page::context(plan, &now, &states, &feeds))
}

/// Writes the announcements of one run (live or dry) into a directory.
pub struct Announcer {
    plan: Arc<Plan>,
    templates: Templates,
    dir: PathBuf,
    stamp: Stamp,
    guard: Option<LeakGuard>,
    index: HashMap<String, usize>,
    customer: Vec<usize>,
    board: Board,
    announced: BTreeSet<String>,
    number: u32,
    /// Per locale, every update so far, newest first.
    feeds: BTreeMap<String, Vec<String>>,
    batch: Vec<usize>,
    batch_due: Option<Secs>,
    /// Live runs keep the feed and page current after every update; a dry run writes them once.
    eager: bool,
    /// A dry run's files from an earlier rehearsal, removed at the end unless rewritten.
    stale: Vec<PathBuf>,
    written: HashSet<PathBuf>,
    webhooks: Option<webhook::Poster>,
}

impl Announcer {
    /// Opens `dir`: a dry run starts it afresh; a live run carries on from what it holds.
    pub fn new(
        plan: Arc<Plan>,
        plan_dir: &Path,
        dir: PathBuf,
        stamp: Stamp,
        mode: RunMode,
    ) -> Result<Self, String> {
        let dry_run = mode.is_dry();
        let templates = Templates::load(&plan, plan_dir)
            .map_err(|d| d.into_iter().map(|d| d.message).collect::<Vec<_>>().join("\n"))?;
        std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        // A dry run starts from nothing. What an earlier rehearsal wrote is overwritten in place
        // (cheaper than deleting and creating thousands of files), and what it does not rewrite
        // goes at the end.
        let stale = if dry_run { ours(&dir) } else { Vec::new() };
        let announced: BTreeSet<String> = if dry_run {
            BTreeSet::new()
        } else {
            std::fs::read_to_string(dir.join(ANNOUNCED))
                .ok()
                .and_then(|t| serde_json::from_str(&t).ok())
                .unwrap_or_default()
        };
        let (number, feeds) = if dry_run {
            (0, plan.locales.iter().map(|l| (l.clone(), Vec::new())).collect())
        } else {
            existing(&dir, &plan.locales)
        };
        let n = plan.services.len();
        let webhooks =
            (!dry_run && !plan.announce.webhooks.is_empty()).then(|| webhook::Poster::new(&plan, &dir));
        Ok(Self {
            guard: LeakGuard::new(&plan),
            customer: customer_facing(&plan),
            index: plan.services.iter().enumerate().map(|(i, s)| (s.id.clone(), i)).collect(),
            board: Board::new(n),
            plan,
            templates,
            dir,
            stamp,
            announced,
            number,
            feeds,
            batch: Vec::new(),
            batch_due: None,
            eager: !dry_run,
            webhooks,
            stale,
            written: HashSet::new(),
        })
    }

    fn started(&self) -> bool {
        self.announced.contains("start")
    }

    /// Renders, checks and writes one update in every locale; a leak or a template error means
    /// nothing is written and the operator is told.
    fn publish(
        &mut self,
        event: &str,
        subject: &str,
        key: String,
        at: Secs,
        services: &[usize],
        extra: &dyn Fn(&str) -> serde_json::Value,
    ) {
        if self.announced.contains(&key) {
            return;
        }
        let when = self.stamp.zoned(at);
        let mut texts = Vec::new();
        for locale in &self.plan.locales {
            let mut ctx = context(&self.plan, &self.customer, locale, &when, &self.board.online);
            ctx["services"] = subject_list(&self.plan, locale, services);
            for (k, v) in extra(locale).as_object().into_iter().flatten() {
                ctx[k] = v.clone();
            }
            let text = match render_checked(&self.templates, self.guard.as_ref(), &name(event, locale), &ctx)
            {
                Ok(t) => t,
                Err(e) => return eprintln!("error: announcement `{key}` ({locale}) not written: {e}"),
            };
            texts.push((locale.clone(), text));
        }
        self.number += 1;
        for (locale, text) in &texts {
            let file = self.dir.join(format!("{:04}-{event}-{subject}.{locale}.md", self.number));
            if let Err(e) = std::fs::write(&file, text) {
                eprintln!("error: cannot write {}: {e}", file.display());
            }
            if !self.stale.is_empty() {
                self.written.insert(file);
            }
            self.feeds.entry(locale.clone()).or_default().insert(0, text.clone());
        }
        self.announced.insert(key.clone());
        let _ = std::fs::write(
            self.dir.join(ANNOUNCED),
            serde_json::to_string(&self.announced).unwrap_or_default(),
        );
        if self.eager {
            self.write_feeds_and_page(at);
        }
        if let Some(w) = &self.webhooks {
            let ids: Vec<String> = services.iter().map(|&i| self.plan.services[i].id.clone()).collect();
            w.send(webhook::Update {
                key,
                event: event.to_owned(),
                at: self.stamp.zoned(at).timestamp().to_string(),
                services: ids,
                texts,
                states: self.board.states.clone(),
            });
        }
    }

    /// Remembers what was announced. A dry run has nothing to resume: it saves once, at the end.
    fn save(&self) {
        if !self.eager {
            return;
        }
        self.save_now();
    }

    fn save_now(&self) {
        let _ = std::fs::write(
            self.dir.join(ANNOUNCED),
            serde_json::to_string(&self.announced).unwrap_or_default(),
        );
    }

    fn flush_batch(&mut self, at: Secs) {
        if self.batch.is_empty() {
            return;
        }
        let batch = std::mem::take(&mut self.batch);
        self.batch_due = None;
        let first = &self.plan.services[batch[0]].id;
        let subject = if batch.len() == 1 { first.clone() } else { format!("{first}+{}", batch.len() - 1) };
        let key = batch
            .iter()
            .map(|&i| format!("online:{}", self.plan.services[i].id))
            .collect::<Vec<_>>()
            .join(",");
        self.publish("online", &subject, key, at, &batch, &|_| json!({}));
    }

    fn write_feeds_and_page(&self, at: Secs) {
        let when = self.stamp.zoned(at);
        for locale in &self.plan.locales {
            let mut ctx = context(&self.plan, &self.customer, locale, &when, &self.board.online);
            ctx["updates"] = json!(self.feeds.get(locale).cloned().unwrap_or_default());
            match self.templates.render(&name("feed", locale), &templates::value(&ctx)) {
                Ok(text) => {
                    let _ = std::fs::write(self.dir.join(format!("updates.{locale}.md")), text);
                }
                Err(e) => eprintln!("error: cannot render the {locale} feed: {e}"),
            }
        }
        let ctx = page::context(&self.plan, &when, &self.board.states, &self.feeds);
        match self.templates.render(templates::PAGE, &templates::value(&ctx)) {
            Ok(html) => {
                let _ = std::fs::write(self.dir.join("status.html"), html);
            }
            Err(e) => eprintln!("error: cannot render the status page: {e}"),
        }
    }

    fn late(&mut self, i: usize, at: Secs) {
        if !self.started() || !self.plan.services[i].customer_facing {
            return;
        }
        let id = self.plan.services[i].id.clone();
        let deadline = self.stamp.zoned(Secs(self.plan.services[i].rto.unwrap_or_default().as_secs_f64()));
        self.publish(
            "late",
            &id,
            format!("late:{id}"),
            at,
            &[i],
            &|l| json!({ "deadline": locale::date(l, &deadline) }),
        );
    }
}

impl Reporter for Announcer {
    fn event(&mut self, e: &Event) {
        let at = e.at();
        if self.batch_due.is_some_and(|due| at.0 >= due.0) {
            self.flush_batch(at);
        }
        let service = e.service().and_then(|s| self.index.get(s)).copied();
        if let Some(i) = service {
            self.board.observe(e, i);
        }
        match (e, service) {
            (Event::ActionStarted { .. } | Event::Verifying { .. }, Some(i)) => {
                if !self.started() {
                    self.publish("start", "outage", "start".into(), at, &[], &|_| json!({}));
                }
                // Remembered across runs: a restore finished by a crashed run still gets its update.
                let key = format!("restoring:{}", self.plan.services[i].id);
                if self.plan.services[i].customer_facing && self.announced.insert(key) {
                    self.save();
                }
            }
            (Event::Online { .. } | Event::AlreadyOnline { .. }, Some(i)) => {
                // Found online by a run after the one that restored it: tell customers if nobody has.
                let resumed = |this: &Self| {
                    let id = &this.plan.services[i].id;
                    let online_key = format!("online:{id}");
                    this.announced.contains(&format!("restoring:{id}"))
                        && !this.announced.iter().any(|k| k.split(',').any(|k| k == online_key))
                };
                let customer = self.plan.services[i].customer_facing;
                if customer && (matches!(e, Event::Online { .. }) || resumed(self)) {
                    self.batch.push(i);
                    let window = self.plan.announce.batch_window;
                    if window.is_zero() {
                        self.flush_batch(at);
                    } else if self.batch_due.is_none() {
                        self.batch_due = Some(Secs(at.0 + window.as_secs_f64()));
                    }
                }
            }
            (Event::RtoMissed { .. }, Some(i)) => self.late(i, at),
            (Event::PhaseComplete { phase, .. }, _) => {
                self.flush_batch(at);
                if let Some(p) = self.plan.phases.iter().find(|p| &p.id == phase).filter(|_| self.started()) {
                    let name = p.name.clone();
                    let title = |l: &str| json!({ "phase": name.get(l).unwrap_or(phase) });
                    self.publish("phase", phase, format!("phase:{phase}"), at, &[], &title);
                }
            }
            (Event::RunFinished { outcome, .. }, _) => {
                self.flush_batch(at);
                let all = self.customer.iter().all(|&i| self.board.online[i]);
                if *outcome == Outcome::Success && all && self.started() {
                    self.publish("restored", "all", "restored".into(), at, &[], &|_| json!({}));
                }
            }
            _ => {}
        }
    }

    fn finish(&mut self, tally: &Tally) -> Result<(), String> {
        self.save_now();
        self.write_feeds_and_page(tally.finished_at);
        let mut keep = std::mem::take(&mut self.written);
        keep.extend([self.dir.join(ANNOUNCED), self.dir.join("status.html")]);
        keep.extend(self.plan.locales.iter().map(|l| self.dir.join(format!("updates.{l}.md"))));
        for path in std::mem::take(&mut self.stale).into_iter().filter(|p| !keep.contains(p)) {
            let _ = std::fs::remove_file(path);
        }
        if let Some(w) = self.webhooks.take() {
            w.finish();
        }
        Ok(())
    }
}

/// The files of `dir` that restorectl writes (never anything else).
fn ours(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    entries
        .flatten()
        .filter(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            name == ANNOUNCED
                || name == "status.html"
                || name == webhook::LOG
                || name.starts_with("updates.") && name.ends_with(".md")
                || name.len() > 5 && name[..4].chars().all(|c| c.is_ascii_digit()) && name.ends_with(".md")
        })
        .map(|entry| entry.path())
        .collect()
}

/// The number of the last update in `dir` and the updates per locale, newest first.
fn existing(dir: &Path, locales: &[String]) -> (u32, BTreeMap<String, Vec<String>>) {
    let mut files: Vec<(u32, String, PathBuf)> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let number: u32 = name.get(..4)?.parse().ok()?;
            let locale = name.strip_suffix(".md")?.rsplit('.').next()?.to_owned();
            Some((number, locale, e.path()))
        })
        .collect();
    files.sort();
    let last = files.last().map_or(0, |f| f.0);
    let mut feeds: BTreeMap<String, Vec<String>> = locales.iter().map(|l| (l.clone(), Vec::new())).collect();
    for (_, locale, path) in files.into_iter().rev() {
        if let (Some(feed), Ok(text)) = (feeds.get_mut(&locale), std::fs::read_to_string(&path)) {
            feed.push(text);
        }
    }
    (last, feeds)
}
