//! When each service is expected back (`[announce] publish_eta`): the schedule of what remains,
//! from the plan's durations and what the run has seen so far. A service restored already counts
//! from now; one being restored, from when its attempt began; one waiting, from when the last of
//! its dependencies (phase gates included) is expected back. No date is given for a service whose
//! restore runs past its expected duration, that failed, or that waits for one of those: the
//! schedule cannot tell, and customers are not promised a guess.

use std::sync::Arc;

use crate::event::Secs;
use crate::graph::{Graph, Node};
use crate::plan::Plan;

use super::board::Board;

pub struct Eta {
    graph: Arc<Graph>,
    /// Each service's expected restore time, in seconds.
    durations: Vec<f64>,
}

impl Eta {
    pub fn new(plan: &Plan, graph: Arc<Graph>) -> Self {
        Self { graph, durations: plan.services.iter().map(|s| s.duration.as_secs_f64()).collect() }
    }

    /// When each service is expected back, as of `now`; `None` where the schedule cannot tell.
    /// Linear in the plan's size.
    pub fn expected(&self, board: &Board, now: Secs) -> Vec<Option<Secs>> {
        let g = &self.graph;
        let mut finish: Vec<Option<f64>> = vec![None; g.dag.node_count()];
        for &n in &g.topo {
            // The dependencies' latest expected time; `None` if one of them cannot be told.
            let ready = g.dependencies(n).try_fold(now.0, |t, d| finish[d.index()].map(|f| t.max(f)));
            finish[n.index()] = match g.node(n) {
                Node::Gate(_) => ready,
                Node::Service(i) => {
                    let seen = &board.seen[i];
                    if board.is_online(i) {
                        Some(now.0)
                    } else if seen.failed {
                        None
                    } else if let Some(started) = seen.started {
                        let end = started.0 + self.durations[i];
                        (end > now.0).then_some(end)
                    } else {
                        ready.map(|r| r + self.durations[i])
                    }
                }
            };
        }
        g.services.iter().map(|n| finish[n.index()].map(Secs)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Event, Svc};

    /// db (2h) → mail (1h) and web (3h), web in a later phase behind a gate.
    const PLAN: &str = r#"
[plan]
name = "eta"
[[phase]]
id = "core"
[[phase]]
id = "front"
[[service]]
id = "db"
phase = "core"
duration = "2h"
[[service]]
id = "mail"
phase = "core"
duration = "1h"
depends_on = ["db"]
[[service]]
id = "web"
phase = "front"
duration = "3h"
"#;

    const H: f64 = 3600.0;

    fn setup() -> (Eta, Board) {
        let loaded = crate::loaded::check(std::path::Path::new("p.toml"), PLAN.as_bytes().to_vec())
            .unwrap_or_else(|r| panic!("{:?}", r.diagnostics));
        let graph = Arc::new(loaded.graph.clone());
        (Eta::new(&loaded.plan, graph), Board::new(&loaded.plan))
    }

    fn hours(v: Vec<Option<Secs>>) -> Vec<Option<f64>> {
        v.into_iter().map(|t| t.map(|t| t.0 / H)).collect()
    }

    #[test]
    fn what_remains_follows_dependencies_and_phase_gates() {
        let (eta, mut board) = setup();
        // Nothing started: db 2h, mail after it 3h, web after the core phase 6h.
        assert_eq!(hours(eta.expected(&board, Secs(0.0))), [Some(2.0), Some(3.0), Some(6.0)]);
        // db began half an hour ago: it counts from then.
        board.observe(&Event::ActionStarted { service: Svc::new(0, "db"), attempt: 1, at: Secs(0.5 * H) }, 0);
        assert_eq!(hours(eta.expected(&board, Secs(H))), [Some(2.5), Some(3.5), Some(6.5)]);
    }

    #[test]
    fn no_date_for_an_overrun_or_a_failure_nor_for_what_waits_on_them() {
        let (eta, mut board) = setup();
        board.observe(&Event::ActionStarted { service: Svc::new(0, "db"), attempt: 1, at: Secs(0.0) }, 0);
        // Three hours into a two-hour restore: nobody can tell when db, mail or web are back.
        assert_eq!(hours(eta.expected(&board, Secs(3.0 * H))), [None, None, None]);
        board.observe(&Event::Online { service: Svc::new(0, "db"), at: Secs(4.0 * H), attempts: 1 }, 0);
        let failed = Event::Failed {
            service: Svc::new(1, "mail"),
            at: Secs(5.0 * H),
            attempts: 1,
            of: 1,
            reason: String::new(),
            log: None,
            kind: None,
        };
        board.observe(&failed, 1);
        assert_eq!(hours(eta.expected(&board, Secs(5.0 * H))), [Some(5.0), None, None]);
    }
}
