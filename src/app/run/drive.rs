//! Live or dry, chosen once: `execute` builds a `Drive` with the executor (real or simulated),
//! the runtime (its clock: real, or tokio's paused time), the journal, where the customer updates
//! go and what only a live run has (alerts, Ctrl-C); from here on both take the same way through
//! the reporters, the bus and the runner. What below differs by it (how events are batched, what
//! the announcer carries on from, the display) reads it from the run's metadata (`RunConfig::mode`,
//! told in `RunStarted`), never from the command line.

use std::path::PathBuf;
use std::sync::Arc;

use crate::announce::Announcer;
use crate::bus::{Reporter, Reporters};
use crate::cli::{Progress, ReportFormat, RunArgs};
use crate::error::Error;
use crate::event::Outcome;
use crate::loaded::Loaded;
use crate::report;
use crate::report::log::PlainLog;
use crate::report::progress::Mode;
use crate::runner::{self, Executor, Interrupts, RunConfig};
use crate::stamp::Stamp;
use crate::state::Journal;
use crate::tally::Tally;

/// Everything a live run and a drill do differently, chosen once.
pub(super) struct Drive<E: Executor> {
    pub runtime: tokio::runtime::Runtime,
    pub exec: Arc<E>,
    pub journal: Journal,
    pub config: RunConfig,
    pub announce_dir: PathBuf,
    pub stamp: Stamp,
    /// The operators' alerts (live runs with `[[notify]]`).
    pub alerts: Option<Box<dyn Reporter + Send>>,
    /// Where Ctrl-C presses come from (called inside the runtime).
    pub interrupts: fn() -> Interrupts,
}

impl<E: Executor> Drive<E> {
    /// Runs the plan: the reporters on their thread, the runner on the runtime, every event from
    /// one to the other through the bus. Returns the reporters (to finish) and how it ended.
    pub(super) fn run(self, loaded: &Loaded, args: &RunArgs) -> Result<(Reporters, Outcome), Error> {
        let clock = self.config.incident.clone();
        let mut reporters =
            reporters(loaded, args, self.stamp, self.journal, (self.announce_dir, clock), &self.config)?;
        reporters.sinks.extend(self.alerts);
        let (mut feed, worker) = reporters.spawn();
        let plan = loaded.plan.clone();
        let (exec, config, interrupts) = (self.exec, &self.config, self.interrupts);
        let outcome = self.runtime.block_on(async {
            runner::run(plan, &loaded.graph, exec, config, interrupts(), &mut |e, ack| feed.pass(e, ack))
                .await
        });
        feed.flush();
        drop(feed);
        let reporters = worker.join().map_err(|_| Error::Reporter)?;
        Ok((reporters, outcome))
    }
}

fn reporters(
    loaded: &Loaded,
    args: &RunArgs,
    stamp: Stamp,
    journal: Journal,
    (announce_dir, clock): (PathBuf, crate::tally::IncidentClock),
    config: &RunConfig,
) -> Result<Reporters, Error> {
    let mode = config.mode;
    let screen = crate::app::review::screen(loaded, &journal.incident.id);
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
        mode,
    };
    match display.choose() {
        Mode::Bar => sinks.push(Box::new(report::progress::Bar::new(&loaded.plan, &loaded.graph))),
        Mode::Plain => sinks.push(Box::new(PlainLog { stamp: stamp.clone() })),
        Mode::None => sinks.push(Box::new(report::log::NoticeLog)),
    }
    if let Some(path) = &args.junit {
        sinks.push(Box::new(report::junit::Junit::new(&loaded.plan, path.clone(), mode)));
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
            review: !mode.is_dry() && loaded.plan.announce.publish == crate::plan::Publish::Review,
            commands: crate::announce::Commands::new(
                &args.plan,
                args.state.as_deref(),
                args.announce_dir.as_deref(),
            ),
            started,
            screen,
        };
    let announcer = Announcer::new(
        loaded.plan.clone(),
        loaded.templates.clone(),
        announce_dir,
        stamp,
        mode,
        window,
        publishing,
    )?;
    sinks.push(Box::new(announcer));
    let mut tally = Tally::new(&loaded.plan);
    tally.incident = clock;
    Ok(Reporters { tally, sinks, mode })
}
