//! How long a run still needs: the remaining critical path of the plan's `duration`s (what is
//! done counts nothing, what is running counts what is left of it), scaled by how long the
//! services restored so far really took against their plan. Unknown while a person is awaited.

use std::collections::BTreeSet;
use std::time::Duration;

use crate::event::{Event, Secs};
use crate::graph::Graph;
use crate::plan::Plan;

/// What the progress display says about the time left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Estimate {
    Left(Duration),
    /// A manual step is pending: nobody can say when a person is done.
    Unknown {
        waiting_for: Vec<String>,
    },
}

pub struct Eta {
    graph: Graph,
    ids: Vec<String>,
    planned: Vec<Duration>,
    /// When each running service's restore began, on the run's clock.
    started: Vec<Option<Secs>>,
    /// Online, failed or blocked: nothing more to wait for.
    settled: Vec<bool>,
    /// Services waiting for a person now.
    people: BTreeSet<usize>,
    /// Real and planned seconds of the services restored so far.
    real: f64,
    plan: f64,
}

impl Eta {
    pub fn new(plan: &Plan, graph: &Graph) -> Self {
        let n = plan.services.len();
        Self {
            graph: graph.clone(),
            ids: plan.services.iter().map(|s| s.id.clone()).collect(),
            planned: plan.services.iter().map(|s| s.duration).collect(),
            started: vec![None; n],
            settled: vec![false; n],
            people: BTreeSet::new(),
            real: 0.0,
            plan: 0.0,
        }
    }

    pub fn event(&mut self, e: &Event) {
        let Some(i) = e.service().and_then(|s| s.index()) else { return };
        match e {
            Event::ActionStarted { at, .. } if self.started[i].is_none() => self.started[i] = Some(*at),
            Event::WaitingForOperator { .. } => {
                self.people.insert(i);
            }
            Event::Confirmed { .. } => {
                self.people.remove(&i);
            }
            Event::Online { at, .. } => {
                if let Some(start) = self.started[i] {
                    self.real += at.0 - start.0;
                    self.plan += self.planned[i].as_secs_f64();
                }
                self.settle(i);
            }
            Event::AlreadyOnline { .. } | Event::Failed { .. } | Event::Blocked { .. } => self.settle(i),
            _ => {}
        }
    }

    fn settle(&mut self, i: usize) {
        self.settled[i] = true;
        self.started[i] = None;
        self.people.remove(&i);
    }

    /// The time left at `now` on the run's clock.
    pub fn estimate(&self, now: Secs) -> Estimate {
        if !self.people.is_empty() {
            return Estimate::Unknown {
                waiting_for: self.people.iter().map(|&i| self.ids[i].clone()).collect(),
            };
        }
        let left = |i: usize| {
            if self.settled[i] {
                return Duration::ZERO;
            }
            let elapsed = self.started[i].map_or(0.0, |s| (now.0 - s.0).max(0.0));
            self.planned[i].saturating_sub(Duration::from_secs_f64(elapsed))
        };
        let path = self.graph.remaining(left).into_iter().max().unwrap_or_default();
        // Faster or slower than planned so far: expect the rest to be too.
        let pace = if self.plan > 0.0 { self.real / self.plan } else { 1.0 };
        Estimate::Left(Duration::from_secs_f64(path.as_secs_f64() * pace))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eta(toml: &str) -> Eta {
        let loaded = crate::loaded::check(std::path::Path::new("p.toml"), toml.as_bytes().to_vec())
            .unwrap_or_else(|r| panic!("{:?}", r.diagnostics));
        Eta::new(&loaded.plan, &loaded.graph)
    }

    const PLAN: &str = r#"
[plan]
name = "eta"
[[service]]
id = "db"
name = "db"
duration = "1h"
[[service]]
id = "app"
name = "app"
duration = "1h"
depends_on = ["db"]
[[service]]
id = "signoff"
name = "sign-off"
duration = "10m"
[service.restore]
manual = "Sign it off."
"#;

    fn at(secs: f64) -> Secs {
        Secs(secs)
    }

    /// The test plan's services, by id.
    fn svc(id: &str) -> crate::event::Svc {
        let index = ["db", "app", "signoff"].iter().position(|s| *s == id).expect("a service of the plan");
        crate::event::Svc::new(index, id)
    }

    #[test]
    fn the_remaining_critical_path_scaled_by_the_pace_so_far() {
        let mut e = eta(PLAN);
        assert_eq!(e.estimate(at(0.0)), Estimate::Left(Duration::from_secs(7200)));
        e.event(&Event::ActionStarted { service: svc("db"), attempt: 1, at: at(0.0) });
        // Half of db's hour is gone: 30m of it and app's hour are left.
        assert_eq!(e.estimate(at(1800.0)), Estimate::Left(Duration::from_secs(5400)));
        // db took 30m instead of 1h: app's hour is expected to take 30m too.
        e.event(&Event::Online { service: svc("db"), at: at(1800.0), attempts: 1 });
        assert_eq!(e.estimate(at(1800.0)), Estimate::Left(Duration::from_secs(1800)));
    }

    #[test]
    fn unknown_while_a_person_is_awaited() {
        let mut e = eta(PLAN);
        e.event(&Event::WaitingForOperator {
            service: svc("signoff"),
            at: at(0.0),
            instruction: "Sign it off.".into(),
            needs_confirmation: true,
            confirm: None,
        });
        assert_eq!(e.estimate(at(5.0)), Estimate::Unknown { waiting_for: vec!["signoff".into()] });
        e.event(&Event::Confirmed {
            service: svc("signoff"),
            at: at(9.0),
            by: "Anna".into(),
            run: "7f3a".into(),
            signer: None,
        });
        assert!(matches!(e.estimate(at(9.0)), Estimate::Left(_)));
    }
}
