//! The decisions a journal holds, judged again (the report, `journal verify`): each with the run,
//! incident and plan it was given for, so that a signature is checked against exactly what the
//! person signed, and against the keys `allowed_signers` gives them today.

use crate::event::{Act, Event, Signer};
use crate::plan::Plan;

use super::allowed::AllowedSigners;
use super::verdict::{Judge, Verdict};

/// A person's decision as a journal holds it.
#[derive(Debug, Clone)]
pub struct Decided {
    pub run: String,
    pub incident: String,
    /// The SHA-256 of the plan the run followed (absent in journals of older versions).
    pub plan_sha256: Option<String>,
    pub act: Act,
    /// The service's id, or `run`.
    pub subject: String,
    pub signer: Signer,
    /// Who started the run.
    pub starter: Option<Signer>,
}

/// The decisions in one run's events (`run`, `incident`, `plan_sha256` from its header).
pub fn decisions_in<'a>(
    (run, incident, plan_sha256): (&str, &str, Option<&str>),
    events: impl IntoIterator<Item = &'a Event>,
) -> Vec<Decided> {
    let mut out = Vec::new();
    let mut starter = None;
    let mut push = |act: Act, subject: &str, signer: &Signer, starter: &Option<Signer>| {
        out.push(Decided {
            run: run.to_owned(),
            incident: incident.to_owned(),
            plan_sha256: plan_sha256.map(str::to_owned),
            act,
            subject: subject.to_owned(),
            signer: signer.clone(),
            starter: starter.clone(),
        })
    };
    for e in events {
        match e {
            Event::RunStarted { by: Some(by), .. } => {
                starter = Some((**by).clone());
                push(Act::Start, "run", by, &starter);
            }
            Event::Confirmed { service, signer: Some(s), .. } => push(Act::Confirm, service, s, &starter),
            Event::Approved { service, signers, .. } => {
                for s in signers {
                    push(Act::SignOff, service, s, &starter);
                }
            }
            Event::Skipped { service, signer: Some(s), .. } => push(Act::Skip, service, s, &starter),
            _ => {}
        }
    }
    out
}

/// Judges a journaled decision again, as the run did: against the plan the run followed (its
/// SHA-256 as journaled), the roles of `plan`, and the keys of `allowed`.
pub fn reverify(d: &Decided, plan: &Plan, allowed: Option<&std::sync::Arc<AllowedSigners>>) -> Verdict {
    let sha = d.plan_sha256.as_deref().unwrap_or(&plan.sha256);
    let judge =
        Judge::new(allowed.cloned(), sha, &d.incident).in_run(&d.run).separating(plan, d.starter.clone());
    let role = match d.act {
        Act::SignOff => plan
            .services
            .iter()
            .find(|s| s.id == d.subject)
            .and_then(|s| s.approval.as_ref())
            .and_then(|a| plan.role(a.role.get_ref()))
            .filter(|r| r.require_signature)
            .map(|r| r.name.as_str()),
        _ => None,
    };
    judge.judge(d.act, &d.subject, &d.signer, role)
}
