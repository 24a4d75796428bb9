//! What dry-run trials draw each service's restore time from: the restore times real runs took,
//! where there are any; else a log-normal through the plan's `duration` and `duration_p90`; else
//! the planned `duration` (with `--jitter`).

use crate::plan::Plan;
use crate::sim::Draw;
use crate::state::durations::Observed;

/// The z-score of the 90th percentile of a standard normal.
const Z90: f64 = 1.281_551_565_544_600_4;

/// Each service's draw, in the plan's order.
pub fn draws(plan: &Plan, observed: &Observed) -> Vec<Draw> {
    plan.services
        .iter()
        .map(|s| match observed.services.get(&s.id) {
            Some(seen) if !seen.restore.is_empty() => Draw::Seen(seen.restore.clone()),
            _ => match s.duration_p90 {
                Some(p90) if !s.duration.is_zero() => lognormal(s.duration.as_secs_f64(), p90.as_secs_f64()),
                _ => Draw::Planned,
            },
        })
        .collect()
}

/// The log-normal whose median is `p50` and whose 90th percentile is `p90`.
pub fn lognormal(p50: f64, p90: f64) -> Draw {
    Draw::LogNormal { mu: p50.ln(), sigma: (p90 / p50).ln().max(0.0) / Z90 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lognormal_goes_through_both_percentiles() {
        let Draw::LogNormal { mu, sigma } = lognormal(600.0, 1800.0) else { panic!("a log-normal") };
        assert!((mu.exp() - 600.0).abs() < 1e-9);
        assert!(((mu + Z90 * sigma).exp() - 1800.0).abs() < 1e-6);
    }
}
