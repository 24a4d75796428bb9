//! Durations learned from what really happened: per service, the restores, verify gates and
//! sign-off waits of real runs (`state::durations`) as counts and percentiles (`restorectl
//! estimate`), written back into the plan (`estimate --write`), and drawn from by dry-run trials.

pub mod draw;
pub mod write;

use crate::plan::Plan;
use crate::sim::trials::{Percentiles, percentiles};
use crate::state::durations::Observed;

/// What real runs say of one service.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    pub service: usize,
    /// Restorations seen (each ended online).
    pub count: usize,
    pub restore: Percentiles,
    pub gates: Option<Percentiles>,
    pub sign_off: Option<Percentiles>,
}

/// Every service's estimate, in the plan's order, and those with no history.
#[derive(Debug)]
pub struct Estimates {
    pub runs: usize,
    pub journals: Vec<std::path::PathBuf>,
    pub services: Vec<Estimate>,
    pub no_history: Vec<usize>,
}

pub fn estimate(plan: &Plan, observed: &Observed) -> Estimates {
    let mut services = Vec::new();
    let mut no_history = Vec::new();
    for (i, s) in plan.services.iter().enumerate() {
        let seen = observed.services.get(&s.id);
        match seen.and_then(|seen| percentiles(seen.restore.clone()).map(|p| (seen, p))) {
            Some((seen, restore)) => services.push(Estimate {
                service: i,
                count: seen.restore.len(),
                restore,
                gates: percentiles(seen.gates.clone()),
                sign_off: percentiles(seen.sign_off.clone()),
            }),
            None => no_history.push(i),
        }
    }
    Estimates { runs: observed.runs, journals: observed.journals.clone(), services, no_history }
}

/// Ids, at most `shown` of them, then how many more: `a, b, c and 12 more`.
pub fn listed(plan: &Plan, services: &[usize], shown: usize) -> String {
    let mut text =
        services.iter().take(shown).map(|&i| plan.services[i].id.as_str()).collect::<Vec<_>>().join(", ");
    if services.len() > shown {
        text += &format!(" and {} more", crate::human::thousands(services.len() - shown));
    }
    text
}
