//! `restorectl run` and `run --dry-run`: the same runner and reporters; the dry run swaps in the
//! simulated executor and tokio's paused (virtual) clock.

use std::io::Write;
use std::sync::Arc;

use jiff::tz::TimeZone;

use crate::action::{LiveExecutor, Workplace};
use crate::bus::Reporter;
use crate::bus::Reporters;
use crate::bus::notices;
use crate::cli::{ReportFormat, RunArgs};
use crate::error::Error;
use crate::event::{Level, Outcome, RunMode, Secs};
use crate::exit::Exit;
use crate::loaded::Loaded;
use crate::report;
use crate::runner::RunConfig;
use crate::sim::SimExecutor;
use crate::stamp::Stamp;
use crate::state::{Journal, StateDir};
use drive::Drive;
use inputs::{parse_start, scenario, selection};

mod drive;
mod inputs;
mod stamp;
mod trials;
mod who;

pub fn run(args: RunArgs) -> Result<Exit, Error> {
    let loaded = super::open(&args.plan)?;
    let result = execute(&loaded, &args);
    // A plan of 100,000 services takes a while to free, and the process is about to end anyway.
    std::mem::forget(loaded);
    result
}

fn execute(loaded: &Loaded, args: &RunArgs) -> Result<Exit, Error> {
    if args.watch.is_some() {
        // A service that falls back is announced: every language needs that update's text.
        let missing = loaded.templates.missing(&loaded.plan, crate::announce::templates::UNAVAILABLE);
        if !missing.is_empty() {
            let why = format!(
                "the plan's templates have no {} (the update told when a watched service falls back)",
                missing.join(", ")
            );
            return Err(Error::flag("--watch", why));
        }
    }
    let state = StateDir::for_plan(&args.plan, args.state.as_deref());
    if let Some(dir) = &args.announce_dir {
        outside_the_state(dir, &state)?;
    }
    let zone = &loaded.plan.timezone;
    let tz = TimeZone::get(zone).map_err(|e| Error::TimeZone { zone: zone.clone(), why: e.to_string() })?;
    let start = match &args.start {
        Some(s) => parse_start(s, &tz)?,
        None => jiff::Timestamp::now().to_zoned_datetime(tz),
    };
    let jobs = args.jobs as usize;
    let plan = loaded.plan.clone();
    // A dry run's --retry-failed retries the last rehearsal.
    let mut selection = selection(loaded, args, &if args.dry_run { state.dry_run() } else { state.clone() })?;
    if args.dry_run {
        let scenario = scenario(loaded, args)?;
        // A key that cannot sign the stamp is said before the drill, not after it.
        args.sign_key.as_deref().map(inputs::signing_key).transpose()?;
        if let Some(n) = args.trials {
            return trials::run(loaded, args, &state, scenario, &start, n);
        }
        let dir = state.dry_run();
        let drive = Drive {
            runtime: crate::runtime::simulated().map_err(Error::Runtime)?,
            exec: Arc::new(SimExecutor::new(&loaded.plan, &scenario, 0)),
            journal: Journal::create(&dir, &loaded.plan, start.timestamp())?,
            announce_dir: args.announce_dir.clone().unwrap_or_else(|| dir.announcements()),
            stamp: Stamp { start: start.clone(), with_date: true },
            config: RunConfig {
                id: "dry".into(),
                jobs,
                mode: RunMode::Dry,
                selection,
                watch: args.watch,
                incident: Default::default(),
                operator: None,
            },
            alerts: None,
            interrupts: || None,
        };
        let (reporters, outcome) = drive.run(loaded, args)?;
        stamp::drill(loaded, args, &start, crate::readiness::findings(&loaded.plan, &reporters.tally))?;
        return reporters.finish(loaded, args, outcome);
    }
    // Secrets first: a missing variable must not leave a journal entry behind.
    let prober = super::prober(loaded, crate::secrets::Scope::All)?;
    let announce_dir = args.announce_dir.clone().unwrap_or_else(|| state.announcements());
    let sign = args.sign_key.as_deref().map(inputs::signing_key).transpose()?;
    let how = (args.fresh, args.new_incident, args.accept_broken_journal.as_deref());
    let (sink, inbox) = shared_journal(loaded, args, &state, &announce_dir)?.unzip();
    let logs_slot = sink.as_ref().map(|s| s.logs.clone());
    let mirror = sink.map(|s| Box::new(s) as Box<dyn crate::state::Mirror>);
    let opened = Journal::open(&state, &loaded.plan, how, start.timestamp(), mirror);
    let (mut journal, replay) = opened?;
    let (judge, operator) = who::operator(loaded, args, &mut journal, &mut selection)?;
    if let Some(inbox) = &inbox {
        // Reviews of updates given from other machines are decided here, judged as here.
        let judge = crate::people::Judge::new(loaded.signers.clone(), &plan.sha256, &journal.incident.id)
            .live()
            .separating(&loaded.plan, Some(operator.clone()));
        let (plan, templates, dir) = (plan.clone(), loaded.templates.clone(), announce_dir.clone());
        let incident = journal.incident.id.clone();
        let screen = super::review::screen(loaded, &incident);
        let reviewing = super::review::Reviewing { plan, templates, judge, incident, screen, dir };
        inbox.review_with(reviewing.into_reviewer());
    }
    if let (Some(url), Some(slot)) = (crate::shared::url(args.state.as_deref()), logs_slot) {
        // The actions' output for `logs --follow` on other machines, with the run's secrets hidden.
        let secrets = prober.secrets().clone();
        let dir = state.logs().join(&journal.id);
        let logs = crate::shared::Logs::new(dir, journal.id.clone(), move |text| secrets.redact(text));
        let _ = slot.set(logs.clone());
        crate::shared::ship(&url, &loaded.plan.name, logs)?;
    }
    if let Some(accepted) = &journal.accepted {
        notices::say(Level::Note, report::log::describe(accepted).unwrap_or_default());
    }
    if let Some(key) = sign {
        journal.sign_with(key);
    }
    if (args.fresh || args.new_incident) && announce_dir.exists() {
        // A new incident: its announcements start afresh too (the old ones are kept).
        crate::state::journal::put_away(&announce_dir)?;
        if let Some(url) = crate::shared::url(args.state.as_deref()) {
            let files = crate::shared::record_files(state.root(), &announce_dir);
            crate::shared::Shared::connect(&url, &plan.name)?.put_away_records(&files)?;
        }
    }
    // RTOs count from the incident's start; what an earlier run of it brought back was back then.
    let incident = &journal.incident;
    let clock = crate::tally::IncidentClock {
        before: incident.elapsed_at(start.timestamp()),
        back: loaded.plan.services.iter().map(|s| incident.back.get(&s.id).map(|&t| Secs(t))).collect(),
    };
    if incident.id != journal.id {
        let since = crate::human::human_duration(clock.before);
        notices::say(
            Level::Note,
            format!("this run belongs to incident {} (begun {since} ago; RTOs count from then)", incident.id),
        );
    }
    if !replay.changes.is_empty() {
        const SHOWN: usize = 10;
        let changes: Vec<String> = replay
            .changes
            .iter()
            .take(SHOWN)
            .map(|(id, change)| format!("{id} ({})", change.as_str()))
            .collect();
        let more = replay.changes.len().saturating_sub(SHOWN);
        let more =
            if more > 0 { format!(" and {} more", crate::human::thousands(more)) } else { String::new() };
        let said = format!("the plan changed since the journal was written: {}{more}", changes.join(", "));
        notices::say(Level::Note, said);
    }
    let place = Workplace {
        state: state.clone(),
        run: journal.id.clone(),
        confirm: confirm_command(args),
        remind_every: args.remind_every,
        judge,
    };
    // The operators' alerts, with the run's secrets (live runs only).
    let alerts = (!loaded.plan.notify.is_empty()).then(|| {
        let notifier = crate::notify::Notifier::new(
            plan.clone(),
            state.root(),
            journal.id.clone(),
            prober.secrets().clone(),
        );
        Box::new(notifier) as Box<dyn Reporter + Send>
    });
    let drive = Drive {
        runtime: crate::runtime::live().map_err(Error::Runtime)?,
        config: RunConfig {
            id: journal.id.clone(),
            jobs,
            mode: RunMode::Live,
            selection,
            watch: args.watch,
            incident: clock,
            operator: Some(operator),
        },
        exec: Arc::new(LiveExecutor::new(plan, prober, place, replay)),
        journal,
        announce_dir,
        stamp: Stamp { start, with_date: false },
        alerts,
        interrupts: crate::runner::signals::interrupts,
    };
    let (reporters, outcome) = drive.run(loaded, args)?;
    reporters.finish(loaded, args, outcome)
}

/// With `--state postgres://…`: the incident's lock taken in the database (a second run anywhere is
/// refused), its journal and records written into the local folders to resume from (and every
/// record appended to them shared), decisions from other machines listened for, and the sink
/// every journal record then also goes to.
fn shared_journal(
    loaded: &Loaded,
    args: &RunArgs,
    state: &StateDir,
    announce_dir: &std::path::Path,
) -> Result<Option<(crate::shared::Sink, crate::shared::Inbox)>, Error> {
    let Some(url) = crate::shared::url(args.state.as_deref()) else { return Ok(None) };
    if args.fresh {
        return Err(Error::flag(
            "--fresh",
            "a shared state keeps the incident's journal for every machine: begin a new incident with --new-incident",
        ));
    }
    let name = &loaded.plan.name;
    let mut shared = crate::shared::Shared::connect(&url, name)?;
    shared.lock()?;
    let holder = shared.backend_pid()?;
    shared.download(&state.journal())?;
    let incident = super::review::incident_in(state, loaded, &args.plan);
    super::review::take_records(&mut shared, (&url, loaded, &incident), (state.root(), announce_dir))?;
    let inbox = crate::shared::Inbox::start(&url, name, state.root(), holder)?;
    Ok(Some((shared.into_sink(), inbox)))
}

/// `--announce-dir` may be anywhere but among the state directory's own files (its own
/// `announcements/` folders aside): the updates never overwrite the journal, logs or evidence.
fn outside_the_state(dir: &std::path::Path, state: &StateDir) -> Result<(), Error> {
    let resolve =
        |p: &std::path::Path| p.canonicalize().unwrap_or_else(|_| std::path::absolute(p).unwrap_or_default());
    let (dir, root) = (resolve(dir), resolve(state.root()));
    let own = [resolve(&state.announcements()), resolve(&state.dry_run().announcements())];
    if dir.starts_with(&root) && !own.iter().any(|a| dir.starts_with(a)) {
        let why = format!(
            "it is inside the state directory {}, among the journal, logs and evidence",
            root.display()
        );
        return Err(Error::flag(format!("--announce-dir {}", dir.display()), why));
    }
    Ok(())
}

/// `restorectl confirm PLAN [--state DIR]`, as the operator of this run would type it.
fn confirm_command(args: &RunArgs) -> String {
    let mut cmd = format!("restorectl confirm {}", args.plan.display());
    if let Some(state) = &args.state {
        cmd += &format!(" --state {}", crate::state::location::shown_state(state));
    }
    cmd
}

/// What the reporters tell once the run is over: the summary or JSON report, the exit code.
impl Reporters {
    fn finish(mut self, loaded: &Loaded, args: &RunArgs, outcome: Outcome) -> Result<Exit, Error> {
        // Every reporter finishes (the feeds and page, JUnit, the timeline), whatever another's
        // trouble; the first error is told after the report.
        let mut failed = None;
        for s in &mut self.sinks {
            if let Err(e) = s.finish(&self.tally) {
                failed.get_or_insert(e);
            }
        }
        let plan = &loaded.plan;
        let misses = self.tally.rto_misses(plan);
        // The journal's head as the run ends (live runs): `journal verify --head` checks it later.
        let state = StateDir::for_plan(&args.plan, args.state.as_deref());
        let head = (!self.mode.is_dry())
            .then(|| crate::state::chain::last_hash(&state.journal()).ok())
            .flatten()
            .map(|h| crate::state::chain::hex(&h));
        match args.format {
            ReportFormat::Json => {
                let misses = report::rto::json(plan, &loaded.graph, &self.tally, &misses);
                let mut report = report::json::report(&self.tally, plan, &loaded.graph, self.mode, misses);
                report.journal_head = head.clone();
                // Streamed: the report of a large plan is tens of megabytes.
                let mut out = std::io::BufWriter::new(std::io::stdout().lock());
                let written = serde_json::to_writer_pretty(&mut out, &report).map_err(std::io::Error::from);
                match written.and_then(|()| writeln!(out)).and_then(|()| out.flush()) {
                    Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => return Err(Error::Report(e)),
                    _ => {}
                }
            }
            ReportFormat::Human => {
                let mut text = report::summary::human(plan, &self.tally, self.mode);
                text += &report::rto::human(plan, &loaded.graph, &self.tally, &misses);
                if self.mode.is_dry() {
                    text += &format!("\n{}", report::gantt::render(plan, &loaded.graph, &self.tally));
                }
                if let Some(head) = &head {
                    text += &format!("journal head {head} (restorectl journal verify --head {head})\n");
                }
                crate::term::print_report(&text).map_err(Error::Report)?;
            }
        }
        if let Some(e) = failed {
            return Err(e.into());
        }
        Ok(match outcome {
            Outcome::Interrupted => Exit::Interrupted,
            Outcome::Failed => Exit::Failures,
            Outcome::Success if args.strict && !misses.is_empty() => Exit::Failures,
            Outcome::Success => Exit::Ok,
        })
    }
}
