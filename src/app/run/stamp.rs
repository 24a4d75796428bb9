//! A drill with `--sign-key` stamps the plan's readiness: what it proved, signed, beside the plan
//! (`PLAN.readiness.json`). A drill of a scenario (`--fail`, `--only`, …) proves nothing of the
//! plan as a whole and stamps nothing.

use crate::cli::RunArgs;
use crate::error::Error;
use crate::loaded::Loaded;
use crate::readiness::shape::Shape;
use crate::readiness::stamp::{Drill, Stamp, VERSION};

/// What the drill found: restored, not restored, past their RTO.
pub(super) type Findings = (usize, Vec<String>, Vec<String>);

pub(super) fn drill(
    loaded: &Loaded,
    args: &RunArgs,
    start: &jiff::ZonedDateTime,
    (restored, not_restored, rto_missed): Findings,
) -> Result<(), Error> {
    let Some(key) = &args.sign_key else { return Ok(()) };
    let scenario = [
        (!args.fail.is_empty(), "--fail"),
        (!args.slow.is_empty(), "--slow"),
        (!args.fall_back.is_empty(), "--fall-back"),
        (!args.only.is_empty(), "--only"),
        (!args.skip.is_empty(), "--skip"),
        (args.retry_failed, "--retry-failed"),
    ];
    if let Some((_, flag)) = scenario.iter().find(|(given, _)| *given) {
        eprintln!(
            "note: no readiness stamp written: a drill with {flag} rehearses a scenario, not the whole plan"
        );
        return Ok(());
    }
    let key = super::inputs::signing_key(key)?;
    let plan = &loaded.plan;
    let mut stamp = Stamp {
        version: VERSION,
        plan: plan.name.clone(),
        plan_file: args.plan.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
        plan_sha256: plan.sha256.clone(),
        shape: Shape::of(plan, &args.plan, &loaded.source.text),
        drill: Drill {
            ran: jiff::Timestamp::now().to_string(),
            start: start.timestamp().to_string(),
            trials: args.trials,
            services: plan.services.len(),
            restored,
            not_restored,
            rto_missed,
            restorectl: env!("CARGO_PKG_VERSION").to_owned(),
        },
        signature: None,
    };
    stamp.sign(&key);
    let path = stamp.write(&args.plan).map_err(|e| Error::NotWritten(format!("the readiness stamp: {e}")))?;
    let verdict = if stamp.drill.passed() { "ready" } else { "failed" };
    eprintln!("readiness stamp written: {} ({verdict}, signed)", path.display());
    Ok(())
}
