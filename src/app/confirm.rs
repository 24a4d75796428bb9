//! `restorectl confirm`: tells the run that waits for a manual step that an operator finished it.
//! A confirmation is for that run only: with no run waiting for the step, nothing is written.

use std::path::PathBuf;

use crate::event::Event;
use crate::exit::Exit;
use crate::plan::Action;
use crate::state::{self, StateDir};

/// What the operator typed.
pub struct Request {
    pub plan: PathBuf,
    pub id: String,
    pub run: Option<String>,
    pub by: Option<String>,
    pub state: Option<PathBuf>,
}

pub fn run(c: &Request) -> Exit {
    match confirm(c) {
        Ok(message) => {
            println!("{message}");
            Exit::Ok
        }
        Err(message) => {
            eprintln!("error: {message}");
            Exit::Invalid
        }
    }
}

fn confirm(c: &Request) -> Result<String, String> {
    let loaded = super::open(&c.plan).map_err(|_| "the plan is not valid".to_owned())?;
    let id = c.id.as_str();
    let service = &loaded.plan.services[loaded.plan.index_of(id).map_err(|e| e.to_string())?];
    if !matches!(service.restore.as_ref().map(|r| &r.action), Some(Action::Manual(_)))
        || !service.checks.is_empty()
    {
        return Err(format!(
            "`{id}` is not a manual step without checks; restorectl confirms it by its checks"
        ));
    }
    let state = StateDir::for_plan(&c.plan, c.state.as_deref());
    let last = state::last_run(&state, &loaded.plan, &c.plan).map_err(|e| e.to_string())?;
    if !last.running {
        return Err(format!(
            "no run is waiting for `{id}`: no restorectl run is going on in {}",
            state.root().display()
        ));
    }
    if let Some(run) = c.run.as_deref().filter(|r| *r != last.id) {
        return Err(format!(
            "run {run} is not the run going on now (that is run {}); nothing confirmed",
            last.id
        ));
    }
    if !waits_for(&last.events, id) {
        return Err(format!("run {} is not waiting for `{id}` now; nothing confirmed", last.id));
    }
    let by = c.by.clone().or_else(|| std::env::var("USER").ok()).unwrap_or_else(|| "an operator".into());
    let path = state.confirmation(&last.id, id);
    state::Confirmation::new(by.clone())
        .write(&path)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(format!("confirmed `{id}` for run {} as done by {by}; the run picks it up within a second", last.id))
}

/// Whether the run whose events these are waits for an operator to confirm `id` now.
fn waits_for(events: &[Event], id: &str) -> bool {
    let mut waiting = false;
    for e in events.iter().filter(|e| e.service() == Some(id)) {
        match e {
            Event::WaitingForOperator { needs_confirmation, .. } => waiting = *needs_confirmation,
            Event::Confirmed { .. }
            | Event::ActionFinished { .. }
            | Event::Online { .. }
            | Event::Failed { .. } => waiting = false,
            _ => {}
        }
    }
    waiting
}
