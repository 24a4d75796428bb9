//! `restorectl run` and `run --dry-run`: the same runner and reporters; the dry run swaps in the
//! simulated executor and tokio's paused (virtual) clock.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use jiff::tz::TimeZone;

use crate::action::{LiveExecutor, Workplace};
use crate::announce::Announcer;
use crate::bus::Reporters;
use crate::cli::{Progress, ReportFormat, RunArgs};
use crate::error::Error;
use crate::event::{Outcome, RunMode, Secs};
use crate::exit::Exit;
use crate::loaded::Loaded;
use crate::report;
use crate::report::log::PlainLog;
use crate::report::progress::Mode;
use crate::reporter::Reporter;
use crate::runner::{self, RunConfig};
use crate::sim::SimExecutor;
use crate::stamp::Stamp;
use crate::state::{Journal, StateDir};
use crate::tally::Tally;
use inputs::{parse_start, scenario, selection};

mod inputs;
mod stamp;

pub fn run(args: RunArgs) -> Exit {
    let loaded = match super::open(&args.plan) {
        Ok(l) => l,
        Err(exit) => return exit,
    };
    let exit = match execute(&loaded, &args) {
        Ok(exit) => exit,
        Err(e) => {
            eprintln!("error: {e}");
            e.exit()
        }
    };
    // A plan of 100,000 services takes a while to free, and the process is about to end anyway.
    std::mem::forget(loaded);
    exit
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
    let selection = selection(loaded, args, &if args.dry_run { state.dry_run() } else { state.clone() })?;
    if args.dry_run {
        let scenario = scenario(loaded, args)?;
        // A key that cannot sign the stamp is said before the drill, not after it.
        args.sign_key.as_deref().map(inputs::signing_key).transpose()?;
        let runtime = crate::runtime::simulated().expect("a current-thread runtime starts");
        if let Some(n) = args.trials {
            let (draws, drawn, said) = inputs::trial_draws(loaded, &state)?;
            let scenario = crate::sim::Scenario { draws: draws.map(Arc::new), ..scenario };
            let stats = runtime.block_on(crate::trials::run(plan.clone(), &loaded.graph, &scenario, jobs, n));
            let late = report::trials::p90_past_rto(&loaded.plan, &stats);
            let text = match args.format {
                ReportFormat::Json => {
                    let mut report = report::trials::json(&loaded.plan, &stats, &late);
                    report["durations"] = drawn;
                    format!("{report:#}\n")
                }
                ReportFormat::Human => report::trials::human(&loaded.plan, &stats, &late) + &said,
            };
            crate::term::print_report(&text).map_err(Error::Report)?;
            let lost = stats.trials - stats.successes;
            let not_restored =
                if lost == 0 { Vec::new() } else { vec![format!("everything, in {lost} of {n} trials")] };
            let missed = late.iter().map(|&i| loaded.plan.services[i].id.clone()).collect();
            let restored = if lost == 0 { loaded.plan.services.len() } else { 0 };
            stamp::drill(loaded, args, &start, (restored, not_restored, missed))?;
            // With --strict, a p90 past an RTO fails like a failed trial.
            let failed = stats.successes < stats.trials || (args.strict && !late.is_empty());
            return Ok(if failed { Exit::Failures } else { Exit::Ok });
        }
        let dir = state.dry_run();
        let journal = Journal::create(&dir, &loaded.plan, start.timestamp())?;
        let exec = Arc::new(SimExecutor::new(&loaded.plan, &scenario, 0));
        let announce_dir = args.announce_dir.clone().unwrap_or_else(|| dir.announcements());
        let stamp = Stamp { start: start.clone(), with_date: true };
        let clock = crate::tally::IncidentClock::default();
        let reporters = reporters(loaded, args, stamp, journal, (announce_dir, clock.clone()))?;
        let (mut feed, worker) = reporters.spawn(RunMode::Dry);
        // Acknowledged at once: nothing real waits for a simulated event, and a task waiting on
        // another thread would let the virtual clock jump ahead.
        let config = RunConfig {
            id: "dry".into(),
            jobs,
            mode: RunMode::Dry,
            selection,
            watch: args.watch,
            incident: clock,
        };
        let outcome =
            runtime.block_on(runner::run(plan, &loaded.graph, exec, &config, None, &mut |e, ack| {
                ack.recorded();
                feed.queue(e);
            }));
        feed.flush();
        drop(feed);
        let reporters = worker.join().map_err(|_| Error::Reporter)?;
        stamp::drill(loaded, args, &start, crate::readiness::findings(&loaded.plan, &reporters.tally))?;
        return reporters.finish(loaded, args, outcome);
    }
    // Secrets first: a missing variable must not leave a journal entry behind.
    let prober = match super::prober(loaded, crate::secrets::Scope::All) {
        Ok(p) => p,
        Err(exit) => return Ok(exit),
    };
    let announce_dir = args.announce_dir.clone().unwrap_or_else(|| state.announcements());
    let sign = args.sign_key.as_deref().map(inputs::signing_key).transpose()?;
    let how = (args.fresh, args.new_incident, args.accept_broken_journal.as_deref());
    let opened = Journal::open(&state, &loaded.plan, how, start.timestamp());
    let (mut journal, replay) = opened?;
    if let Some(accepted) = &journal.accepted {
        eprintln!("note: {}", report::log::describe(accepted).unwrap_or_default());
    }
    if let Some(key) = sign {
        journal.sign_with(key);
    }
    if (args.fresh || args.new_incident) && announce_dir.exists() {
        // A new incident: its announcements start afresh too (the old ones are kept).
        crate::state::journal::put_away(&announce_dir)?;
    }
    // RTOs count from the incident's start; what an earlier run of it brought back was back then.
    let incident = &journal.incident;
    let clock = crate::tally::IncidentClock {
        before: incident.elapsed_at(start.timestamp()),
        back: loaded.plan.services.iter().map(|s| incident.back.get(&s.id).map(|&t| Secs(t))).collect(),
    };
    if incident.id != journal.id {
        let since = crate::human::human_duration(clock.before);
        eprintln!(
            "note: this run belongs to incident {} (begun {since} ago; RTOs count from then)",
            incident.id
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
        eprintln!("note: the plan changed since the journal was written: {}{more}", changes.join(", "));
    }
    let place = Workplace {
        state: state.clone(),
        run: journal.id.clone(),
        confirm: confirm_command(args),
        remind_every: args.remind_every,
    };
    let config = RunConfig {
        id: journal.id.clone(),
        jobs,
        mode: RunMode::Live,
        selection,
        watch: args.watch,
        incident: clock.clone(),
    };
    let runtime = super::runtime();
    // Reporters may start background work (webhooks) on this runtime.
    let _entered = runtime.enter();
    // The operators' alerts, with the run's secrets (live runs only).
    let alerts = (!loaded.plan.notify.is_empty()).then(|| {
        crate::notify::Notifier::new(plan.clone(), state.root(), journal.id.clone(), prober.secrets().clone())
    });
    let stamp = Stamp { start, with_date: false };
    let mut reporters = reporters(loaded, args, stamp, journal, (announce_dir, clock))?;
    if let Some(alerts) = alerts {
        reporters.sinks.push(Box::new(alerts));
    }
    let (mut feed, worker) = reporters.spawn(RunMode::Live);
    let outcome = runtime.block_on(async {
        let exec = Arc::new(LiveExecutor::new(plan.clone(), prober, place, replay));
        let interrupts = crate::signals::interrupts();
        runner::run(plan, &loaded.graph, exec, &config, interrupts, &mut |e, ack| {
            feed.send(e, ack);
        })
        .await
    });
    drop(feed);
    worker.join().map_err(|_| Error::Reporter)?.finish(loaded, args, outcome)
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
        cmd += &format!(" --state {}", state.display());
    }
    cmd
}

fn mode(args: &RunArgs) -> RunMode {
    if args.dry_run { RunMode::Dry } else { RunMode::Live }
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
        let head = (!args.dry_run)
            .then(|| crate::state::chain::last_hash(&state.journal()).ok())
            .flatten()
            .map(|h| crate::state::chain::hex(&h));
        match args.format {
            ReportFormat::Json => {
                let misses = report::rto::json(plan, &loaded.graph, &self.tally, &misses);
                let mut report = report::json::report(&self.tally, plan, &loaded.graph, mode(args), misses);
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
                let mut text = report::summary::human(plan, &self.tally, mode(args));
                text += &report::rto::human(plan, &loaded.graph, &self.tally, &misses);
                if args.dry_run {
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

fn reporters(
    loaded: &Loaded,
    args: &RunArgs,
    stamp: Stamp,
    journal: Journal,
    (announce_dir, clock): (PathBuf, crate::tally::IncidentClock),
) -> Result<Reporters, Error> {
    let mut sinks: Vec<Box<dyn Reporter + Send>> = vec![Box::new(journal)];
    let display = report::progress::Display {
        asked: match args.progress {
            Progress::Auto => None,
            Progress::Bar => Some(Mode::Bar),
            Progress::Plain => Some(Mode::Plain),
            Progress::None => Some(Mode::None),
        },
        json: args.format == ReportFormat::Json,
        terminal: std::io::IsTerminal::is_terminal(&std::io::stderr()),
        ci: crate::term::is_ci(),
        mode: mode(args),
    };
    match display.choose() {
        Mode::Bar => sinks.push(Box::new(report::progress::Bar::new(&loaded.plan, &loaded.graph))),
        Mode::Plain => sinks.push(Box::new(PlainLog { stamp: stamp.clone() })),
        Mode::None => {}
    }
    if let Some(path) = &args.junit {
        sinks.push(Box::new(report::junit::Junit::new(&loaded.plan, path.clone(), mode(args))));
    }
    if let Some(path) = &args.timeline {
        sinks.push(Box::new(report::timeline::Timeline::new(
            &loaded.plan,
            &loaded.graph,
            path.clone(),
            stamp.clone(),
        )));
    }
    let window = crate::announce::batch_window(&loaded.plan, &loaded.graph, args.jobs as usize);
    let before = jiff::SignedDuration::try_from(clock.before).unwrap_or_default();
    let started = stamp.start.checked_sub(before).unwrap_or_else(|_| stamp.start.clone());
    let publishing =
        crate::announce::Publishing {
            eta: loaded.plan.announce.publish_eta.then(|| {
                crate::announce::eta::Eta::new(&loaded.plan, std::sync::Arc::new(loaded.graph.clone()))
            }),
            review: !args.dry_run && loaded.plan.announce.publish == crate::plan::Publish::Review,
            commands: crate::announce::Commands::new(
                &args.plan,
                args.state.as_deref(),
                args.announce_dir.as_deref(),
            ),
            started,
        };
    let announcer = Announcer::new(
        loaded.plan.clone(),
        loaded.templates.clone(),
        announce_dir,
        stamp,
        mode(args),
        window,
        publishing,
    )?;
    sinks.push(Box::new(announcer));
    let mut tally = Tally::new(&loaded.plan);
    tally.incident = clock;
    Ok(Reporters { tally, sinks })
}
