//! `restorectl logs`: a restore action's output, from `logs/<run>/<service>.<attempt>.log`; with
//! `--follow`, what it writes as it writes it, until the attempt ends.

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::PathBuf;
use std::time::Duration;

use crate::error::Error;
use crate::event::Event;
use crate::exit::Exit;
use crate::loaded::Loaded;
use crate::state::{self, StateDir, StateError};

/// What the operator asked for.
pub struct Request {
    pub plan: PathBuf,
    pub id: String,
    pub run: Option<String>,
    pub attempt: Option<u32>,
    pub follow: bool,
    pub state: Option<PathBuf>,
}

pub fn run(r: &Request) -> Result<Exit, Error> {
    let loaded = super::open(&r.plan)?;
    show(&loaded, r)?;
    Ok(Exit::Ok)
}

fn show(loaded: &Loaded, r: &Request) -> Result<(), Error> {
    loaded.plan.index_of(&r.id)?;
    if let Some(url) = crate::shared::url(r.state.as_deref()) {
        return shared(loaded, r, &url);
    }
    let state = StateDir::for_plan(&r.plan, r.state.as_deref());
    let runs = state::history(&state, &r.plan)?;
    // Attempts are numbered from 1: the last one with a log.
    let latest = |run: &str| (1..).take_while(|&n| state.log(run, &r.id, n).exists()).last();
    // The run asked for, or the latest that has a log of this service.
    let run = match &r.run {
        Some(run) => run.clone(),
        None => runs
            .iter()
            .rev()
            .map(|s| s.id.clone())
            .find(|id| latest(id).is_some())
            .ok_or_else(|| Error::NoLog { id: r.id.clone(), run: None, attempt: None })?,
    };
    let no_log = |attempt| Error::NoLog { id: r.id.clone(), run: Some(run.clone()), attempt };
    let attempt = match r.attempt {
        Some(n) => n,
        None => latest(&run).ok_or_else(|| no_log(None))?,
    };
    let path = state.log(&run, &r.id, attempt);
    let mut file = std::fs::File::open(&path).map_err(|_| no_log(Some(attempt)))?;
    let mut out = std::io::stdout().lock();
    // An action's output may echo the secrets it was given: shown redacted, like everything else.
    let secrets = crate::secrets::Secrets::set_here(&loaded.plan);
    let mut copy = |file: &mut std::fs::File| -> Result<(), Error> {
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(StateError::io("read", &path))?;
        let text = secrets.redact(&String::from_utf8_lossy(&bytes));
        match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            other => other.map_err(Error::Report),
        }
    };
    copy(&mut file)?;
    while r.follow && !ended(&state, loaded, r, &run, attempt) {
        std::thread::sleep(Duration::from_millis(200));
        let at = file.stream_position().map_err(StateError::io("read", &path))?;
        file.seek(SeekFrom::Start(at)).map_err(StateError::io("read", &path))?;
        copy(&mut file)?;
    }
    // What the action wrote as it ended.
    copy(&mut file)
}

/// The output as the run shipped it to the shared state, from any machine; `--follow` wakes as
/// output arrives or the journal grows (LISTEN), until the attempt ends.
fn shared(loaded: &Loaded, r: &Request, url: &str) -> Result<(), Error> {
    let mut snapshot = crate::shared::Snapshot::take(url, &loaded.plan.name)?;
    let runs = state::history(&snapshot.state, &r.plan)?;
    // The latest attempt the journal says was started (its output may not have arrived yet).
    let mut found = None;
    let wanted = |id: &String| r.run.as_ref().is_none_or(|want| want == id);
    for run in runs.iter().rev().map(|s| s.id.clone()).filter(wanted) {
        let log = state::runlog::read(&snapshot.state, &r.plan, Some(&run))?;
        let started = log.events.iter().filter_map(|(_, e)| match e {
            Event::ActionStarted { service, attempt, .. } if **service == *r.id => Some(*attempt as i32),
            _ => None,
        });
        if let Some(latest) = started.max() {
            found = Some((run, latest));
            break;
        }
    }
    let (run, latest) =
        found.ok_or_else(|| Error::NoLog { id: r.id.clone(), run: r.run.clone(), attempt: None })?;
    let attempt = r.attempt.map_or(latest, |a| a as i32);
    snapshot.shared.listen_logs()?;
    let secrets = crate::secrets::Secrets::set_here(&loaded.plan);
    let mut out = std::io::stdout().lock();
    let mut seen = 0;
    loop {
        let (last, text) = snapshot.shared.log_after((&run, &r.id, attempt), seen)?;
        seen = last;
        match out.write_all(secrets.redact(&text).as_bytes()).and_then(|()| out.flush()) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(()),
            other => other.map_err(Error::Report)?,
        }
        if !r.follow || shared_ended(&mut snapshot, loaded, r, (&run, attempt))? {
            // What was shipped as it ended.
            let (_, text) = snapshot.shared.log_after((&run, &r.id, attempt), seen)?;
            let _ = out.write_all(secrets.redact(&text).as_bytes());
            return Ok(());
        }
        snapshot.shared.wait_journal(Duration::from_secs(1))?;
    }
}

/// As `ended`, from the shared journal: its run no longer holds the incident, or the attempt's
/// action finished.
fn shared_ended(
    snapshot: &mut crate::shared::Snapshot,
    loaded: &Loaded,
    r: &Request,
    (run, attempt): (&str, i32),
) -> Result<bool, Error> {
    snapshot.refresh()?;
    let last = state::last_run(&snapshot.state, &loaded.plan, &r.plan)?;
    if last.id != run || !snapshot.shared.running()? {
        return Ok(true);
    }
    Ok(last.events.iter().any(|e| {
        matches!(e, Event::ActionFinished { service, attempt: a, .. } if **service == *r.id && *a as i32 == attempt)
    }))
}

/// Whether attempt `attempt` of the service in run `run` is over: the run is no longer going
/// on, or its journal says the action finished.
fn ended(state: &StateDir, loaded: &Loaded, r: &Request, run: &str, attempt: u32) -> bool {
    let Ok(last) = state::last_run(state, &loaded.plan, &r.plan) else { return true };
    if last.id != run || !last.running {
        return true;
    }
    last.events.iter().any(|e| {
        matches!(e, Event::ActionFinished { service, attempt: a, .. } if **service == *r.id && *a == attempt)
    })
}
