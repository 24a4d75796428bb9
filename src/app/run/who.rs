//! Who runs a live run and who skips what in it: the operator (`--by`, or the account's name)
//! and each `--skip`, signed with their SSH key once the run's id is known, and judged as every
//! decision is. A decision that does not verify, or an unsigned operator where the plan separates
//! duties, is refused: journaled, and the run stops with exit 2 before it does anything.

use std::sync::Arc;

use crate::bus::Reporter;
use crate::cli::RunArgs;
use crate::error::Error;
use crate::event::{Act, Event, Signer};
use crate::loaded::Loaded;
use crate::people::{Judge, Refusal, Verdict};
use crate::runner::Selection;
use crate::state::{Confirmation, Journal};

/// The run's judge of people's decisions, and who started the run.
pub(super) fn operator(
    loaded: &Loaded,
    args: &RunArgs,
    journal: &mut Journal,
    selection: &mut Selection,
) -> Result<(Arc<Judge>, Signer), Error> {
    let plan = &loaded.plan;
    let judge =
        Judge::new(loaded.signers.clone(), &plan.sha256, &journal.incident.id).in_run(&journal.id).live();
    let by = args.by.clone().or_else(|| std::env::var("USER").ok()).unwrap_or_else(|| "an operator".into());
    let mut operator: Signer = Confirmation::new(by).into();
    // Where the plan separates duties, the run's operator is who signed its start: nobody can
    // start a run as someone else and then sign it off as themselves.
    let must_sign = plan.separate_duties && judge.allowed.is_some();
    let signed = decide(&judge, args, journal, (Act::Start, "run"), &mut operator, must_sign)?;
    for (n, &(i, _)) in selection.skipped.iter().enumerate() {
        let Some(signer) = selection.signers.get_mut(n) else { continue };
        let subject = plan.services[i].id.clone();
        decide(&judge, args, journal, (Act::Skip, &subject), signer, signed)?;
    }
    let judge = judge.separating(plan, Some(operator.clone()));
    Ok((Arc::new(judge), operator))
}

/// Signs `who`'s decision when they have a key (`must`: they have to), judges it, and journals a
/// refusal. Returns whether it was signed.
fn decide(
    judge: &Judge,
    args: &RunArgs,
    journal: &mut Journal,
    (act, subject): (Act, &str),
    who: &mut Signer,
    must: bool,
) -> Result<bool, Error> {
    if let Err(e) = judge.sign_if_able((act, subject), who, args.key.as_deref(), must) {
        let reason = format!("cannot sign as {}: {e}", who.by);
        return Err(refuse(journal, act, subject, who, reason));
    }
    match judge.judge(act, subject, who, None) {
        Verdict::Refused(r) => Err(refuse(journal, act, subject, who, r.to_string())),
        Verdict::Unsigned if must => {
            let r = Refusal::Unsigned { role: "operator".into(), by: who.by.clone() };
            Err(refuse(journal, act, subject, who, r.to_string()))
        }
        Verdict::Unsigned => Ok(false),
        Verdict::Verified { .. } => Ok(true),
    }
}

/// Journals the refusal; the error the run ends with.
fn refuse(journal: &mut Journal, act: Act, subject: &str, who: &Signer, reason: String) -> Error {
    let refused = Event::Refused {
        at: Default::default(),
        act,
        subject: subject.to_owned(),
        by: who.by.clone(),
        reason: reason.clone(),
        signer: Some(Box::new(who.clone())),
    };
    journal.event(&refused);
    journal.sync(true);
    Error::Refused { act: act.as_str(), subject: subject.to_owned(), by: who.by.clone(), reason }
}
