//! Who did what in a run: every confirmation of a manual step, sign-off and skip, with the
//! account and host `confirm` recorded beside the name; and every retry.

use serde::Serialize;

use crate::event::{Event, Secs};
use crate::plan::Plan;
use crate::state::runlog::RunLog;
use crate::state::{Confirmation, StateDir};

#[derive(Debug, Serialize)]
pub struct PersonAct {
    /// `confirmed` (a manual step), `approved` (a sign-off), `skipped`.
    pub kind: &'static str,
    pub service: String,
    pub by: String,
    /// The operating-system account and host the person ran `confirm` from.
    pub account: Option<String>,
    pub host: Option<String>,
    /// When (UTC) they did it, as their confirmation file says; else when it was journaled.
    pub time: String,
    /// When the run took it, on its clock.
    pub at: String,
    pub detail: String,
}

/// A service the plan says must be signed off by `count` people of `role` before it is online.
#[derive(Debug, Serialize)]
pub struct Required {
    pub service: String,
    pub role: String,
    pub count: u32,
    pub approvers: Vec<String>,
}

pub fn required(plan: &Plan) -> Vec<Required> {
    plan.services
        .iter()
        .filter_map(|s| {
            let a = s.approval.as_ref()?;
            Some(Required {
                service: s.id.clone(),
                role: a.role.get_ref().clone(),
                count: a.count,
                approvers: plan.approvers_of(a.role.get_ref()).to_vec(),
            })
        })
        .collect()
}

#[derive(Debug, Serialize)]
pub struct Retry {
    pub service: String,
    /// The attempt that failed, of how many the service gets.
    pub attempt: u32,
    pub of: u32,
    pub reason: String,
    pub at: String,
}

pub fn acts(log: &RunLog, state: &StateDir, when: &dyn Fn(Secs) -> String) -> Vec<PersonAct> {
    let mut out = Vec::new();
    for (time, e) in &log.events {
        let at = when(e.at());
        match e {
            Event::Confirmed { service, by, run, .. } => {
                let run = if run.is_empty() { &log.id } else { run };
                let file = Confirmation::read(&state.confirmation(run, service));
                out.push(act(
                    "confirmed",
                    service,
                    by.clone(),
                    file.as_ref(),
                    time,
                    at,
                    "manual step done".into(),
                ));
            }
            Event::Approved { service, by, .. } => {
                for name in by {
                    let file = Confirmation::read(&state.approval(&log.id, service, name));
                    let detail = format!(
                        "signed off ({} of {})",
                        by.iter().position(|b| b == name).unwrap_or(0) + 1,
                        by.len()
                    );
                    out.push(act("approved", service, name.clone(), file.as_ref(), time, at.clone(), detail));
                }
            }
            Event::Skipped { service, by: Some(by), reason, assumed_online, .. } => {
                let detail =
                    if *assumed_online { format!("{reason} (counted as online)") } else { reason.clone() };
                out.push(act("skipped", service, by.clone(), None, time, at, detail));
            }
            _ => {}
        }
    }
    out
}

fn act(
    kind: &'static str,
    service: &str,
    by: String,
    file: Option<&Confirmation>,
    journaled: &str,
    at: String,
    detail: String,
) -> PersonAct {
    PersonAct {
        kind,
        service: service.to_owned(),
        by,
        account: file.and_then(|f| f.user.clone()),
        host: file.and_then(|f| f.host.clone()),
        time: file.map_or(journaled, |f| f.at.as_str()).to_owned(),
        at,
        detail,
    }
}

pub fn retries(log: &RunLog, when: &dyn Fn(Secs) -> String) -> Vec<Retry> {
    log.events
        .iter()
        .filter_map(|(_, e)| match e {
            Event::Retrying { service, attempt, of, reason, at, .. } => Some(Retry {
                service: service.to_string(),
                attempt: *attempt,
                of: *of,
                reason: reason.clone(),
                at: when(*at),
            }),
            _ => None,
        })
        .collect()
}
