//! `restorectl preview`: what a run would do now. Every service is probed (as `status`), then the
//! restoration of what is down is simulated on the shared scheduler and virtual clock (as a dry
//! run, but seeded with the live state): which services are left alone, which would be restored
//! and in what order, which wait for a person, when it would all be done, and which RTOs (counted
//! from now) it would miss.

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;

use serde_json::json;

use crate::cli::ReportFormat;
use crate::error::Error;
use crate::event::{Event, RunMode};
use crate::exit::Exit;
use crate::human::human_duration;
use crate::plan::{Action, Plan};
use crate::runner::{self, RunConfig};
use crate::sim::{Scenario, SimExecutor};
use crate::tally::Tally;

/// How many services are probed at once at least.
const PROBES: usize = 256;

pub fn run(path: &Path, jobs: usize, format: ReportFormat, state: Option<&Path>) -> Result<Exit, Error> {
    let loaded = super::open(path)?;
    let prober = super::prober(&loaded, crate::secrets::Scope::Probes)?;
    let plan = &loaded.plan;
    // What the journal quarantines is restored (its gates passed again), whatever its checks say.
    let (dir, _snapshot) = super::reader_state(plan, path, state)?;
    let held = crate::state::quarantined(&dir, plan)?;
    // Probing is waiting on the network: more at once than the run's jobs.
    let up = crate::status::healthy(plan, &prober, jobs.max(PROBES))?;
    let healthy: HashSet<usize> = up.into_iter().filter(|i| !held.contains_key(i)).collect();
    // The restoration of the rest, simulated from the live state.
    let scenario = Scenario { healthy, ..Scenario::default() };
    let exec = Arc::new(SimExecutor::new(plan, &scenario, 0));
    let config = RunConfig {
        incident: Default::default(),
        operator: None,
        id: "preview".into(),
        jobs,
        mode: RunMode::Dry,
        selection: Default::default(),
        watch: None,
    };
    let runtime = crate::runtime::simulated().map_err(Error::Runtime)?;
    let mut tally = Tally::new(plan);
    let mut order: Vec<usize> = Vec::new();
    let mut started: HashSet<usize> = HashSet::new();
    runtime.block_on(runner::run(plan.clone(), &loaded.graph, exec, &config, None, &mut |e, ack| {
        ack.recorded();
        tally.event(e);
        if let Event::ActionStarted { service, .. } | Event::Verifying { service, .. } = e
            && let Some(i) = service.index()
            && started.insert(i)
        {
            order.push(i);
        }
    }));
    let preview = Preview { plan, tally: &tally, order: &order, healthy: &scenario.healthy, jobs };
    let text = match format {
        ReportFormat::Json => format!("{:#}\n", preview.json()),
        ReportFormat::Human => preview.human(path),
    };
    print!("{}", prober.secrets().redact(&text));
    Ok(if order.is_empty() { Exit::Ok } else { Exit::Failures })
}

struct Preview<'a> {
    plan: &'a Plan,
    tally: &'a Tally,
    /// Services to restore, in the order the run would start them.
    order: &'a [usize],
    healthy: &'a HashSet<usize>,
    jobs: usize,
}

impl Preview<'_> {
    fn manual(&self, i: usize) -> bool {
        matches!(self.plan.services[i].restore.as_ref().map(|r| &r.action), Some(Action::Manual(_)))
    }

    /// Services whose RTO (counted from now) the simulated run misses, and when each would be back.
    fn at_risk(&self) -> Vec<(usize, f64)> {
        self.tally.rto_misses(self.plan)
    }

    fn human(&self, path: &Path) -> String {
        let plan = self.plan;
        let mut out = format!("preview of {}: {} services probed now\n", path.display(), plan.services.len());
        let mut alone: Vec<&str> = (0..plan.services.len())
            .filter(|i| self.healthy.contains(i))
            .map(|i| plan.services[i].id.as_str())
            .collect();
        alone.truncate(20);
        out += &format!("\nhealthy, left alone: {}", self.healthy.len());
        if !alone.is_empty() {
            let more = self.healthy.len() - alone.len();
            let more = if more > 0 { format!(" and {more} more") } else { String::new() };
            out += &format!(" ({}{more})", alone.join(", "));
        }
        out += "\n";
        if self.order.is_empty() {
            out += "\nnothing to restore\n";
            return out;
        }
        out += &format!("\nwould restore {}, in this order (--jobs {}):\n", self.order.len(), self.jobs);
        let width = self.order.iter().map(|&i| plan.services[i].id.chars().count()).max().unwrap_or(0);
        for (n, &i) in self.order.iter().enumerate() {
            let s = &plan.services[i];
            let done = self.tally.records[i]
                .online_at
                .map_or("—".to_owned(), |t| format!("back after {}", human_duration(t.duration())));
            let manual =
                crate::report::graph::people_wait(s).map(|w| format!("  waits for {w}")).unwrap_or_default();
            out += &format!(
                "  {:>3}. {:<width$}  {:>7}  {done}{manual}\n",
                n + 1,
                s.id,
                human_duration(s.duration)
            );
        }
        out += &format!(
            "\nexpected to be done in {} (the plan's durations, from now)\n",
            human_duration(self.tally.makespan().duration())
        );
        let risk = self.at_risk();
        if risk.is_empty() {
            out += "every RTO would be met\n";
        } else {
            out += "RTOs at risk (counted from now):\n";
            for (i, late) in risk {
                let s = &plan.services[i];
                out += &format!(
                    "  {}: RTO {}, late by {}\n",
                    s.id,
                    human_duration(s.rto.unwrap_or_default()),
                    human_duration(std::time::Duration::from_secs_f64(late.min(1e12)))
                );
            }
        }
        out
    }

    fn json(&self) -> serde_json::Value {
        let plan = self.plan;
        let mut healthy: Vec<&str> = self.healthy.iter().map(|&i| plan.services[i].id.as_str()).collect();
        healthy.sort_unstable();
        json!({
            "plan": plan.name,
            "healthy": healthy,
            "restore": self.order.iter().enumerate().map(|(n, &i)| json!({
                "order": n + 1,
                "id": plan.services[i].id,
                "manual": self.manual(i),
                "duration_seconds": plan.services[i].duration.as_secs(),
                "back_after_seconds": self.tally.records[i].online_at.map(|t| t.0),
            })).collect::<Vec<_>>(),
            "expected_seconds": self.tally.makespan().0,
            "rto_at_risk": self.at_risk().into_iter().map(|(i, late)| json!({
                "id": plan.services[i].id,
                "rto_seconds": plan.services[i].rto.map(|r| r.as_secs()),
                "late_by_seconds": late.is_finite().then_some(late),
            })).collect::<Vec<_>>(),
        })
    }
}
