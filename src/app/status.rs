//! `restorectl status`: probe every service once (or every INTERVAL with `--watch`; on a shared
//! state, also as soon as the journal changes what is quarantined).

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::signal::unix::{SignalKind, signal};

use crate::check::Prober;
use crate::cli::ReportFormat;
use crate::error::Error;
use crate::exit::Exit;
use crate::loaded::Loaded;
use crate::report;
use crate::status;

pub struct Options {
    pub plan: PathBuf,
    pub jobs: usize,
    pub only: Vec<String>,
    pub format: ReportFormat,
    pub watch: Option<Duration>,
    pub state: Option<PathBuf>,
}

pub fn run(opts: &Options) -> Result<Exit, Error> {
    let loaded = super::open(&opts.plan)?;
    let selected = super::select(&loaded, &opts.only)?;
    let prober = super::prober(&loaded, crate::secrets::Scope::Probes)?;
    // What the journal quarantines is not healthy, whatever its checks say.
    let (state, mut snapshot) = super::reader_state(&loaded.plan, &opts.plan, opts.state.as_deref())?;
    let mut held = crate::state::quarantined(&state, &loaded.plan)?;
    // A shared journal is followed as it grows (LISTEN): what a run quarantines or clears shows
    // at once, not at the next round.
    let grew = Arc::new(tokio::sync::Notify::new());
    if let (Some(url), Some(_), Some(_)) = (crate::shared::url(opts.state.as_deref()), &snapshot, opts.watch)
    {
        let heard = grew.clone();
        crate::shared::on_journal(&url, &loaded.plan.name, move || heard.notify_one())?;
    }
    super::runtime()?.block_on(async {
        // One stream for the whole command, so a Ctrl-C during a probe is not lost.
        let mut interrupt = signal(SignalKind::interrupt()).map_err(Error::Signals)?;
        loop {
            let probing = status::probe(&loaded.plan, &loaded.graph, &prober, (&selected, &held), opts.jobs);
            let snap = tokio::select! {
                snap = probing => snap,
                _ = interrupt.recv() => return Ok(Exit::Interrupted),
            };
            print(&loaded, &snap, opts, &prober);
            let exit = if snap.unhealthy() == 0 { Exit::Ok } else { Exit::Failures };
            let Some(every) = opts.watch else { return Ok(exit) };
            let round = tokio::time::sleep(every);
            tokio::pin!(round);
            loop {
                tokio::select! {
                    () = &mut round => break,
                    () = grew.notified() => {}
                    _ = interrupt.recv() => return Ok(Exit::Interrupted),
                }
                // At most a read a second however busy the run, and a round at once when what
                // the journal quarantines changed.
                tokio::select! {
                    () = tokio::time::sleep(REREAD) => {}
                    _ = interrupt.recv() => return Ok(Exit::Interrupted),
                }
                let Some(s) = snapshot.as_mut() else { continue };
                let now = reread(s, &loaded)?;
                if now != held {
                    held = now;
                    break;
                }
            }
            if let Some(s) = snapshot.as_mut() {
                held = reread(s, &loaded)?;
            }
        }
    })
}

/// How long a watch waits after the shared journal grew before it reads it again.
const REREAD: Duration = Duration::from_secs(1);

/// The shared journal read again (on a thread of its own: the database's client blocks), and
/// what it quarantines now.
fn reread(
    s: &mut crate::shared::Snapshot,
    loaded: &Loaded,
) -> Result<crate::state::replay::Quarantined<usize>, Error> {
    std::thread::scope(|scope| scope.spawn(|| s.refresh()).join()).unwrap_or_else(|_| Ok(()))?;
    Ok(crate::state::quarantined(&s.state, &loaded.plan)?)
}

fn print(loaded: &Loaded, snap: &status::Snapshot, opts: &Options, prober: &Prober) {
    let text = match opts.format {
        ReportFormat::Json => {
            serde_json::to_string(&report::status::json(&loaded.plan, snap)).unwrap_or_default()
        }
        ReportFormat::Human => {
            let redraw = opts.watch.is_some() && std::io::stdout().is_terminal();
            let clear = if redraw { "\x1b[2J\x1b[H" } else { "" };
            format!("{clear}{}", report::status::human(&loaded.plan, snap, crate::term::color(false)))
        }
    };
    println!("{}", prober.secrets().redact(&text));
}
