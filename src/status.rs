//! What is up right now: every selected service probed concurrently (bounded by `--jobs`), and
//! the down services traced back to their root causes through the dependency graph.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use futures::StreamExt;

use crate::check::{Health, Prober};
use crate::graph::Graph;
use crate::plan::Plan;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
/// What the probes tell of a service right now (`status`), unlike `tally::State`, how it ended
/// in a run, and `announce::board::ServiceState`, what customers are shown.
pub enum Condition {
    Healthy,
    Down,
    /// No checks: nobody can tell.
    Unknown,
    /// A verify gate or sign-off did not pass (the journal says): not online, whatever its checks.
    Quarantined,
}

impl Condition {
    pub fn as_str(self) -> &'static str {
        match self {
            Condition::Healthy => "healthy",
            Condition::Down => "down",
            Condition::Unknown => "unknown",
            Condition::Quarantined => "quarantined",
        }
    }
}

/// One service's health and, when it is down because a dependency is, which one.
#[derive(Debug, Clone)]
pub struct ServiceStatus {
    pub index: usize,
    pub state: Condition,
    pub health: Health,
    /// A down direct dependency (the nearest one on the way to a root cause).
    pub down_dependency: Option<usize>,
    /// Why it is quarantined.
    pub quarantined: Option<String>,
    /// The down dependency is quarantined (not down by its checks).
    pub dependency_quarantined: bool,
}

#[derive(Debug, Clone)]
pub struct Snapshot {
    pub services: Vec<ServiceStatus>,
    /// Down services none of whose dependencies is down: fix these first.
    pub root_causes: Vec<usize>,
    pub elapsed: Duration,
}

impl Snapshot {
    pub fn count(&self, state: Condition) -> usize {
        self.services.iter().filter(|s| s.state == state).count()
    }

    /// Down or quarantined: not to be counted on.
    pub fn unhealthy(&self) -> usize {
        self.count(Condition::Down) + self.count(Condition::Quarantined)
    }
}

/// Which services are healthy now (`preview`): every service probed, `jobs` at a time, keeping
/// only the verdict, not the details. The services are shared out between one single-threaded
/// runtime per core: a probe is mostly system calls, which then run side by side, and no wakeup
/// crosses threads.
pub fn healthy(plan: &Plan, prober: &Prober, jobs: usize) -> Result<Vec<usize>, reqwest::Error> {
    let n = plan.services.len();
    let threads =
        std::thread::available_parallelism().map_or(1, |t| t.get()).clamp(1, n.div_ceil(1024).max(1));
    let probers: Vec<Prober> = std::iter::once(Ok(prober.clone()))
        .chain((1..threads).map(|_| prober.fresh()))
        .collect::<Result<_, _>>()?;
    let per_thread = jobs.div_ceil(threads).max(1);
    let mut up: Vec<usize> = std::thread::scope(|scope| {
        let handles: Vec<_> = probers
            .iter()
            .enumerate()
            .map(|(t, prober)| {
                scope.spawn(move || {
                    let runtime = crate::runtime::local().expect("a runtime starts");
                    runtime.block_on(
                        futures::stream::iter((t..n).step_by(threads))
                            .map(|i| async move {
                                (i, prober.probe_all(&plan.services[i].checks).await.healthy == Some(true))
                            })
                            .buffer_unordered(per_thread)
                            .filter_map(|(i, up)| async move { up.then_some(i) })
                            .collect::<Vec<usize>>(),
                    )
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().expect("a probing thread ends")).collect()
    });
    up.sort_unstable();
    Ok(up)
}

/// Probes `selected` services (all when empty), at most `jobs` at a time.
/// `held`: the services the journal quarantines, with why.
pub async fn probe(
    plan: &Plan,
    graph: &Graph,
    prober: &Prober,
    (selected, held): (&[usize], &HashMap<usize, String>),
    jobs: usize,
) -> Snapshot {
    let start = Instant::now();
    let indices: Vec<usize> =
        if selected.is_empty() { (0..plan.services.len()).collect() } else { selected.to_vec() };
    let mut healths: Vec<(usize, Health)> = futures::stream::iter(indices.iter().copied())
        .map(|i| async move { (i, prober.probe_all(&plan.services[i].checks).await) })
        .buffer_unordered(jobs.max(1))
        .collect()
        .await;
    healths.sort_by_key(|(i, _)| *i);
    let state_of = |i: usize, h: &Health| match h.healthy {
        _ if held.contains_key(&i) => Condition::Quarantined,
        Some(true) => Condition::Healthy,
        Some(false) => Condition::Down,
        None => Condition::Unknown,
    };
    let not_up = |c: Option<Condition>| matches!(c, Some(Condition::Down | Condition::Quarantined));
    let mut by_index = vec![None; plan.services.len()];
    for (i, h) in &healths {
        by_index[*i] = Some(state_of(*i, h));
    }
    let services: Vec<ServiceStatus> = healths
        .into_iter()
        .map(|(index, health)| {
            let state = state_of(index, &health);
            let down_dependency = (state == Condition::Down)
                .then(|| graph.service_dependencies(index).into_iter().find(|&d| not_up(by_index[d])))
                .flatten();
            let dependency_quarantined = down_dependency.is_some_and(|d| held.contains_key(&d));
            let quarantined = held.get(&index).cloned();
            ServiceStatus { index, state, health, down_dependency, quarantined, dependency_quarantined }
        })
        .collect();
    let root_causes = services
        .iter()
        .filter(|s| not_up(Some(s.state)) && s.down_dependency.is_none())
        .map(|s| s.index)
        .collect();
    Snapshot { services, root_causes, elapsed: start.elapsed() }
}
