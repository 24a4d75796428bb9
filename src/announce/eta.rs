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
