//! `restorectl confirm`: tells the run that waits for a manual step that an operator finished it.
//! A confirmation is for that run only: with no run waiting for the step, nothing is written; it
//! succeeds only once the run has journaled it, and confirms are taken one at a time.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::error::Error;
use crate::event::{Act, Event, Signer};
use crate::exit::Exit;
use crate::people::Judge;
use crate::state::{self, StateDir, StateError};
use place::Place;

mod place;

/// What the operator typed.
pub struct Request {
    pub plan: PathBuf,
    pub id: String,
    pub run: Option<String>,
    pub by: Option<String>,
    pub state: Option<PathBuf>,
    /// The SSH key to sign with (a private key file, or the .pub of a key in ssh-agent).
    pub key: Option<PathBuf>,
}

pub fn run(c: &Request) -> Result<Exit, Error> {
    let loaded = super::open(&c.plan)?;
    let message = confirm(&loaded, c)?;
    println!("{message}");
    Ok(Exit::Ok)
}

/// How long `confirm` waits for the run to take its decision (the run looks every 200 ms).
const ACK: Duration = Duration::from_secs(5);

fn confirm(loaded: &crate::loaded::Loaded, c: &Request) -> Result<String, Error> {
    let id = c.id.as_str();
    let service = &loaded.plan.services[loaded.plan.index_of(id)?];
    if service.approval.is_none() && !service.needs_confirmation() {
        return Err(Error::NotConfirmable(id.to_owned()));
    }
    let mut place = Place::open(&c.plan, &loaded.plan, c.state.as_deref())?;
    let state = place.state().clone();
    let by = c.by.clone().or_else(|| std::env::var("USER").ok()).unwrap_or_else(|| "an operator".into());
    if let Some(a) = &service.approval {
        let members = loaded.plan.approvers_of(a.role.get_ref());
        if !members.contains(&by) {
            return Err(Error::NotAnApprover {
                by,
                role: a.role.get_ref().clone(),
                members: members.to_vec(),
            });
        }
    }
    // One decision at a time: a second confirm waits here, then finds the step decided.
    let _serialized = serialize(&state)?;
    let last = place.last_run(&loaded.plan, &c.plan)?;
    if !last.running {
        return Err(Error::NoRunWaiting { id: id.to_owned(), dir: place.state().shown().into() });
    }
    if let Some(run) = c.run.as_deref().filter(|r| *r != last.id) {
        return Err(Error::OtherRun { given: run.to_owned(), current: last.id });
    }
    let (path, message) = match &service.approval {
        // A sign-off: by a named person of the role, for the run that waits for it.
        Some(a) => {
            if !awaits_approval(&last.events, id) {
                return Err(Error::NotWaiting { run: last.id, id: id.to_owned() });
            }
            let needed = crate::human::count(a.count as usize, "sign-off", "sign-offs");
            let message = format!(
                "signed off `{id}` for run {} as {by} ({needed} by `{}` needed in all); the run has taken it",
                last.id,
                a.role.get_ref()
            );
            (state.approval(&last.id, id, &by), message)
        }
        None => {
            if !waits_for(&last.events, id) {
                return Err(Error::NotWaiting { run: last.id, id: id.to_owned() });
            }
            let message =
                format!("confirmed `{id}` for run {} as done by {by}; the run has taken it", last.id);
            (state.confirmation(&last.id, id), message)
        }
    };
    let who = signed(loaded, c, &last, service, by.clone())?;
    let before = taken(&last.events, id, &by);
    let refusals = refused(&last.events, id, &by).count();
    let body = serde_json::to_vec(&state::Confirmation { v: state::Confirmation::VERSION, who })
        .map_err(|e| StateError::io("write", &path)(std::io::Error::other(e)))?;
    place.give(&path, &body)?;
    // Done only once the run journals it: a dead run (or a reused pid) never answers. A sign-off
    // already counted is taken; a manual step's confirmation is a new one.
    let deadline = Instant::now() + ACK;
    while Instant::now() < deadline {
        place.wait(Duration::from_millis(100))?;
        let now = place.last_run(&loaded.plan, &c.plan)?;
        if now.id != last.id {
            break;
        }
        if let Some(Event::Refused { act, reason, .. }) = refused(&now.events, id, &by).nth(refusals) {
            let (act, subject) = (act.as_str(), id.to_owned());
            return Err(Error::Refused { act, subject, by: by.clone(), reason: reason.clone() });
        }
        let seen = taken(&now.events, id, &by);
        if seen > before || (service.approval.is_some() && seen > 0) {
            return Ok(message);
        }
    }
    place.withdraw(&path);
    Err(Error::NotTaken { run: last.id, id: id.to_owned(), seconds: ACK.as_secs() })
}

/// `by`'s decision on `service` for the run `last`, signed with their key when they have one in
/// `allowed_signers` (or give `--key`); a role that requires signatures gets a signed one or none.
fn signed(
    loaded: &crate::loaded::Loaded,
    c: &Request,
    last: &state::LastRun,
    service: &crate::plan::Service,
    by: String,
) -> Result<Signer, Error> {
    let judge =
        Judge::new(loaded.signers.clone(), &loaded.plan.sha256, &last.incident).in_run(&last.id).live();
    let act = if service.approval.is_some() { Act::SignOff } else { Act::Confirm };
    let required = service
        .approval
        .as_ref()
        .and_then(|a| loaded.plan.role(a.role.get_ref()))
        .is_some_and(|r| r.require_signature);
    let mut who: Signer = state::Confirmation::new(by.clone()).into();
    judge
        .sign_if_able((act, &service.id), &mut who, c.key.as_deref(), required)
        .map_err(|why| Error::CannotSign { by, why })?;
    Ok(who)
}

/// The run's refusals of `by`'s decisions on `id`, in order.
fn refused<'a>(events: &'a [Event], id: &'a str, by: &'a str) -> impl Iterator<Item = &'a Event> + 'a {
    events
        .iter()
        .filter(move |e| matches!(e, Event::Refused { subject, by: who, .. } if subject == id && who == by))
}

/// Holds `confirm.lock` in the state directory while a decision is given and taken.
fn serialize(state: &StateDir) -> Result<std::fs::File, Error> {
    let path = state.root().join("confirm.lock");
    std::fs::create_dir_all(state.root()).map_err(StateError::io("create", state.root()))?;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(StateError::io("open", &path))?;
    file.lock().map_err(StateError::io("lock", &path))?;
    Ok(file)
}

/// How often the run journaled `by`'s decision on `id`: a confirmation, a sign-off counted.
fn taken(events: &[Event], id: &str, by: &str) -> usize {
    events
        .iter()
        .filter(|e| e.service().is_some_and(|s| &**s == id))
        .filter(|e| match e {
            Event::Confirmed { by: who, .. } => who == by,
            Event::WaitingForApproval { have, .. } => have.iter().any(|h| h == by),
            Event::Approved { by: who, .. } => who.iter().any(|h| h == by),
            _ => false,
        })
        .count()
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
