//! Many dry runs with jittered durations: percentiles of the makespan and of each customer-facing
//! service's online time, and how likely each RTO is to be met. Every trial is a full run of the
//! same scheduler on the virtual clock.

use std::sync::Arc;

use super::{Scenario, SimExecutor};
use crate::event::Outcome;
use crate::event::RunMode;
use crate::graph::Graph;
use crate::plan::Plan;
use crate::runner;
use crate::tally::{Rto, Tally};

#[derive(Debug, Clone, PartialEq)]
pub struct Percentiles {
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ServiceStats {
    pub service: usize,
    /// Online times of the trials where it came online.
    pub online: Option<Percentiles>,
    /// Share of trials in which its RTO was met (`None` without an RTO).
    pub rto_met: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Stats {
    pub trials: u32,
    pub successes: u32,
    pub makespan: Percentiles,
    pub services: Vec<ServiceStats>,
}

pub fn percentiles(mut v: Vec<f64>) -> Option<Percentiles> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    // Nearest rank: the smallest value with at least p% of the samples at or below it.
    let at = |p: f64| v[((p * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1];
    Some(Percentiles { p50: at(0.50), p90: at(0.90), p99: at(0.99) })
}

/// Runs `n` trials on the current (paused-clock) runtime.
pub async fn run(plan: Arc<Plan>, graph: &Graph, scenario: &Scenario, jobs: usize, n: u32) -> Stats {
    let count = plan.services.len();
    let mut makespans = Vec::with_capacity(n as usize);
    let mut online: Vec<Vec<f64>> = vec![Vec::new(); count];
    let mut met = vec![0u32; count];
    let mut successes = 0;
    let config = runner::RunConfig {
        incident: Default::default(),
        operator: None,
        id: String::new(),
        jobs,
        mode: RunMode::Dry,
        selection: Default::default(),
        watch: None,
    };
    for trial in 0..n {
        let exec = Arc::new(SimExecutor::new(&plan, scenario, u64::from(trial)));
        let mut tally = Tally::new(&plan);
        let outcome = runner::run(plan.clone(), graph, exec, &config, None, &mut |e, ack| {
            ack.recorded();
            tally.event(e)
        })
        .await;
        successes += u32::from(outcome == Outcome::Success);
        makespans.push(tally.makespan().0);
        for (i, r) in tally.records.iter().enumerate() {
            if let Some(at) = r.online_at {
                online[i].push(at.0);
            }
            if tally.rto(i, plan.services[i].rto) == Some(Rto::Met) {
                met[i] += 1;
            }
        }
    }
    let services = plan
        .services
        .iter()
        .enumerate()
        .filter(|(_, s)| s.customer_facing || s.rto.is_some())
        .map(|(i, s)| ServiceStats {
            service: i,
            online: percentiles(std::mem::take(&mut online[i])),
            rto_met: s.rto.map(|_| f64::from(met[i]) / f64::from(n.max(1))),
        })
        .collect();
    Stats {
        trials: n,
        successes,
        makespan: percentiles(makespans).unwrap_or(Percentiles { p50: 0.0, p90: 0.0, p99: 0.0 }),
        services,
    }
}

#[cfg(test)]
mod tests {
    use super::percentiles;

    #[test]
    fn nearest_rank_percentiles() {
        let p = percentiles((1..=100).map(f64::from).collect()).unwrap();
        assert_eq!((p.p50, p.p90, p.p99), (50.0, 90.0, 99.0));
        let one = percentiles(vec![7.0]).unwrap();
        assert_eq!((one.p50, one.p99), (7.0, 7.0));
        assert!(percentiles(Vec::new()).is_none());
    }
}
