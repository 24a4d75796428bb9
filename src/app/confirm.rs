//! `restorectl confirm`: tells the run that waits for a manual step that an operator finished it.
//! A confirmation is for that run only: with no run waiting for the step, nothing is written.

use std::path::PathBuf;

use crate::error::Error;
use crate::event::Event;
use crate::exit::Exit;
use crate::state::{self, StateDir, StateError};

/// What the operator typed.
pub struct Request {
    pub plan: PathBuf,
    pub id: String,
    pub run: Option<String>,
    pub by: Option<String>,
    pub state: Option<PathBuf>,
}

pub fn run(c: &Request) -> Exit {
    let loaded = match super::open(&c.plan) {
        Ok(l) => l,
        Err(exit) => return exit,
    };
    match confirm(&loaded, c) {
        Ok(message) => {
            println!("{message}");
            Exit::Ok
        }
        Err(e) => {
            eprintln!("error: {e}");
            e.exit()
        }
    }
}

fn confirm(loaded: &crate::loaded::Loaded, c: &Request) -> Result<String, Error> {
    let id = c.id.as_str();
    let service = &loaded.plan.services[loaded.plan.index_of(id)?];
    if service.approval.is_none() && !service.needs_confirmation() {
        return Err(Error::NotConfirmable(id.to_owned()));
    }
    let state = StateDir::for_plan(&c.plan, c.state.as_deref());
    let last = state::last_run(&state, &loaded.plan, &c.plan)?;
    if !last.running {
        return Err(Error::NoRunWaiting { id: id.to_owned(), dir: state.root().to_path_buf() });
    }
    if let Some(run) = c.run.as_deref().filter(|r| *r != last.id) {
        return Err(Error::OtherRun { given: run.to_owned(), current: last.id });
    }
    let by = c.by.clone().or_else(|| std::env::var("USER").ok()).unwrap_or_else(|| "an operator".into());
    if let Some(a) = &service.approval {
        // A sign-off: by a named person of the role, for the run that waits for it.
        let members = loaded.plan.approvers_of(a.role.get_ref());
        if !members.contains(&by) {
            return Err(Error::NotAnApprover {
                by,
                role: a.role.get_ref().clone(),
                members: members.to_vec(),
            });
        }
        if !awaits_approval(&last.events, id) {
            return Err(Error::NotWaiting { run: last.id, id: id.to_owned() });
        }
        let path = state.approval(&last.id, id, &by);
        state::Confirmation::new(by.clone()).write(&path).map_err(StateError::io("write", &path))?;
        return Ok(format!(
            "signed off `{id}` for run {} as {by} ({} of `{}` needed); the run picks it up within a second",
            last.id,
            a.count,
            a.role.get_ref()
        ));
    }
    if !waits_for(&last.events, id) {
        return Err(Error::NotWaiting { run: last.id, id: id.to_owned() });
    }
    let path = state.confirmation(&last.id, id);
    state::Confirmation::new(by.clone()).write(&path).map_err(StateError::io("write", &path))?;
    Ok(format!("confirmed `{id}` for run {} as done by {by}; the run picks it up within a second", last.id))
}

/// Whether the run whose events these are waits for an operator to confirm `id` now.
fn waits_for(events: &[Event], id: &str) -> bool {
    let mut waiting = false;
    for e in events.iter().filter(|e| e.service().is_some_and(|s| &**s == id)) {
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

/// Whether the run whose events these are waits for sign-offs of `id` now.
fn awaits_approval(events: &[Event], id: &str) -> bool {
    let mut waiting = false;
    for e in events.iter().filter(|e| e.service().is_some_and(|s| &**s == id)) {
        match e {
            Event::WaitingForApproval { .. } => waiting = true,
            Event::Approved { .. } | Event::Online { .. } | Event::Failed { .. } => waiting = false,
            _ => {}
        }
    }
    waiting
}
