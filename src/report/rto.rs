//! Recovery-time objectives that were missed: how late, and the chain of dependencies (and phase
//! gates) that held each late service back.

use std::fmt::Write;

use crate::graph::{Graph, Node};
use crate::human::human_duration;
use crate::plan::Plan;
use crate::tally::{State, Tally};

/// The chain that decided when service `i` could start: from it, repeatedly the predecessor that
/// finished last. Phase gates are shown as `(phase X)`.
pub fn binding_chain(plan: &Plan, graph: &Graph, tally: &Tally, i: usize) -> Vec<String> {
    let r = &tally.records[i];
    // Not online because of a failure: the failure is the cause, not the timing of the others.
    match (r.state, r.blocked_by.as_deref()) {
        (State::Failed, _) => return vec![format!("{} (failed)", plan.services[i].id)],
        (State::Blocked, Some(by)) => return vec![plan.services[i].id.clone(), format!("{by} (failed)")],
        _ => {}
    }
    let mut done = vec![0.0f64; graph.dag.node_count()];
    for &n in &graph.topo {
        done[n.index()] = match graph.node(n) {
            Node::Service(s) => tally.records[s].online_at.map_or(f64::INFINITY, |t| t.0),
            Node::Gate(_) => graph.dependencies(n).map(|m| done[m.index()]).fold(0.0, f64::max),
        };
    }
    let mut chain = vec![plan.services[i].id.clone()];
    let mut at = graph.services[i];
    while let Some(prev) = graph.dependencies(at).max_by(|a, b| done[a.index()].total_cmp(&done[b.index()])) {
        chain.push(match graph.node(prev) {
            Node::Service(s) => plan.services[s].id.clone(),
            Node::Gate(p) => format!("(phase {})", plan.phases[p].id),
        });
        at = prev;
    }
    chain
}

pub fn human(plan: &Plan, graph: &Graph, tally: &Tally, misses: &[(usize, f64)]) -> String {
    let mut out = String::new();
    for &(i, late) in misses {
        let s = &plan.services[i];
        let rto = s.rto.map(human_duration).unwrap_or_default();
        let how = if late.is_finite() {
            format!("late by {}", human_duration(std::time::Duration::from_secs_f64(late)))
        } else {
            "never came online".into()
        };
        let chain = binding_chain(plan, graph, tally, i).join(" ← ");
        let _ = writeln!(out, "  RTO missed: {} {how} (RTO {rto}); held back by {chain}", s.id);
    }
    out
}

pub fn json(plan: &Plan, graph: &Graph, tally: &Tally, misses: &[(usize, f64)]) -> serde_json::Value {
    misses
        .iter()
        .map(|&(i, late)| {
            serde_json::json!({
                "id": plan.services[i].id,
                "rto_seconds": plan.services[i].rto.map(|r| r.as_secs()),
                "late_by_seconds": late.is_finite().then_some(late),
                "chain": binding_chain(plan, graph, tally, i),
            })
        })
        .collect()
}
