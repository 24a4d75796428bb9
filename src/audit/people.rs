//! Who did what in a run: every confirmation of a manual step, sign-off and skip, with when and
//! the account and host each came from, as the journal holds them, each signature judged again;
//! and every retry.

use serde::Serialize;

use std::sync::Arc;

use crate::event::{Act, Event, Secs, Signer};
use crate::people::AllowedSigners;
use crate::plan::Plan;
use crate::state::runlog::RunLog;

#[derive(Debug, Serialize)]
pub struct PersonAct {
    /// `confirmed` (a manual step), `approved` (a sign-off), `skipped`.
    pub kind: &'static str,
    pub service: String,
    pub by: String,
    /// The operating-system account and host the person acted from.
    pub account: Option<String>,
    pub host: Option<String>,
    /// When (UTC) they did it; when it was journaled if the journal does not say.
    pub time: String,
    /// When the run took it, on its clock.
    pub at: String,
    pub detail: String,
    /// Its signature, judged again now: `verified: SHA256:…` (a key `allowed_signers` gives the
    /// person, over exactly this decision), `unsigned`, `refused` (the run did not take it), or
    /// `DOES NOT HOLD: why`.
    pub signature: String,
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

/// Who did what, each decision's signature judged again against `plan` and `allowed`.
pub fn acts(
    log: &RunLog,
    when: &dyn Fn(Secs) -> String,
    (plan, allowed): (&Plan, Option<&Arc<AllowedSigners>>),
) -> Vec<PersonAct> {
    let mut out = listed(log, when);
    for a in &mut out {
        a.signature = signature(a, log, plan, allowed);
    }
    out
}

/// How a listed act's signature holds now.
fn signature(a: &PersonAct, log: &RunLog, plan: &Plan, allowed: Option<&Arc<AllowedSigners>>) -> String {
    let act = match a.kind {
        "started" => Act::Start,
        "confirmed" => Act::Confirm,
        "approved" => Act::SignOff,
        "skipped" => Act::Skip,
        _ => return "refused".to_owned(),
    };
    let found = log
        .decisions
        .iter()
        .find(|d| d.act == act && d.subject == a.service && d.signer.by == a.by && d.signer.at == a.time);
    found.map_or_else(|| "unsigned".to_owned(), |d| crate::people::reverify(d, plan, allowed).said())
}

fn listed(log: &RunLog, when: &dyn Fn(Secs) -> String) -> Vec<PersonAct> {
    let mut out = Vec::new();
    for (time, e) in &log.events {
        let at = when(e.at());
        match e {
            Event::RunStarted { by: Some(by), dry_run: false, .. } => {
                out.push(act("started", "run", &by.by, Some(by), time, at, "started the run".to_owned()));
            }
            Event::Refused { subject, act: what, by, reason, signer, .. } => {
                let detail = format!("{} refused: {reason}", what.as_str());
                out.push(act("refused", subject, by, signer.as_deref(), time, at, detail));
            }
            Event::Confirmed { service, by, signer, .. } => {
                let detail = "manual step done".to_owned();
                out.push(act("confirmed", service, by, signer.as_deref(), time, at, detail));
            }
            Event::Approved { service, by, signers, .. } => {
                let n = by.len();
                if signers.is_empty() {
                    // A journal of an older version: the names only.
                    for name in by {
                        out.push(act(
                            "approved",
                            service,
                            name,
                            None,
                            time,
                            at.clone(),
                            format!("signed off ({n} needed)"),
                        ));
                    }
                }
                for (k, s) in signers.iter().enumerate() {
                    let detail = format!("signed off ({} of {n})", k + 1);
                    out.push(act("approved", service, &s.by, Some(s), time, at.clone(), detail));
                }
            }
            Event::Skipped { service, by: Some(by), reason, assumed_online, signer, .. } => {
                let detail =
                    if *assumed_online { format!("{reason} (counted as online)") } else { reason.clone() };
                out.push(act("skipped", service, by, signer.as_deref(), time, at, detail));
            }
            _ => {}
        }
    }
    out
}

fn act(
    kind: &'static str,
    service: &str,
    by: &str,
    signer: Option<&Signer>,
    journaled: &str,
    at: String,
    detail: String,
) -> PersonAct {
    PersonAct {
        kind,
        service: service.to_owned(),
        by: by.to_owned(),
        account: signer.and_then(|s| s.user.clone()),
        host: signer.and_then(|s| s.host.clone()),
        time: signer.map_or(journaled, |s| s.at.as_str()).to_owned(),
        at,
        detail,
        signature: String::new(),
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
