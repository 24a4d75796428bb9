//! `run --dry-run --trials N`: many drills of the plan on the simulated clock, told as
//! percentiles and the chance of each RTO being met; stamped like a single drill.

use std::sync::Arc;

use jiff::ZonedDateTime;

use super::{inputs, stamp};
use crate::cli::{ReportFormat, RunArgs};
use crate::error::Error;
use crate::exit::Exit;
use crate::loaded::Loaded;
use crate::report;
use crate::sim::Scenario;
use crate::state::StateDir;

pub(super) fn run(
    loaded: &Loaded,
    args: &RunArgs,
    state: &StateDir,
    scenario: Scenario,
    start: &ZonedDateTime,
    n: u32,
) -> Result<Exit, Error> {
    let runtime = crate::runtime::simulated().map_err(Error::Runtime)?;
    let (draws, drawn, said) = inputs::trial_draws(loaded, state)?;
    let scenario = Scenario { draws: draws.map(Arc::new), ..scenario };
    let plan = loaded.plan.clone();
    let stats =
        runtime.block_on(crate::sim::trials::run(plan, &loaded.graph, &scenario, args.jobs as usize, n));
    let late = report::trials::p90_past_rto(&loaded.plan, &stats);
    let text = match args.format {
        ReportFormat::Json => {
            let mut report = report::trials::json(&loaded.plan, &stats, &late);
            report["durations"] = drawn;
            format!("{report:#}\n")
        }
        ReportFormat::Human => report::trials::human(&loaded.plan, &stats, &late) + &said,
    };
    crate::term::print_report(&text).map_err(Error::Report)?;
    let lost = stats.trials - stats.successes;
    let not_restored =
        if lost == 0 { Vec::new() } else { vec![format!("everything, in {lost} of {n} trials")] };
    let missed = late.iter().map(|&i| loaded.plan.services[i].id.clone()).collect();
    let restored = if lost == 0 { loaded.plan.services.len() } else { 0 };
    stamp::drill(loaded, args, start, (restored, not_restored, missed))?;
    // With --strict, a p90 past an RTO fails like a failed trial.
    let failed = stats.successes < stats.trials || (args.strict && !late.is_empty());
    Ok(if failed { Exit::Failures } else { Exit::Ok })
}
