//! The scheduler: which service may start now. A service is ready when everything it waits for
//! (dependencies and phase gates) is online; ready services take free slots (`--jobs`) longest
//! remaining path first, so the run ends as early as it can. A failure blocks exactly what waits
//! for it, transitively. Pure and synchronous: the live run and the dry run drive the same one.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::Duration;

use petgraph::graph::NodeIndex;

use crate::graph::{Graph, Node};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NodeState {
    Waiting,
    Ready,
    Running,
    Online,
    Failed,
    Blocked,
    /// Left out of the run (never started).
    Skipped,
}

/// Something the caller should report after a completion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Service `service` can never start because `by` failed.
    Blocked { service: usize, by: usize },
    /// Every service of phase `phase` is online.
    PhaseComplete { phase: usize },
}

/// What a service that fell back holds until it is back (`reopen`): the gates of its phase
/// that were not yet open, and whether its phase's count waits for it again.
#[derive(Debug, Clone, Default)]
struct Hold {
    gates: Vec<NodeIndex>,
    phase: bool,
}

pub struct Scheduler<'g> {
    graph: &'g Graph,
    jobs: usize,
    state: Vec<NodeState>,
    /// Unfinished predecessors per node.
    waiting_on: Vec<usize>,
    /// Ready services by priority (longest remaining path), ties by plan order.
    ready: BinaryHeap<(Duration, Reverse<usize>)>,
    /// Entries of `ready` still in state `Ready` (blocked ones stay in the heap until popped).
    ready_count: usize,
    running: usize,
    /// Services of each phase not yet online.
    phase_left: Vec<usize>,
    phase_of: Vec<Option<usize>>,
    priority: Vec<Duration>,
    /// Per service: its failure holds what waits for it (a non-critical one's does not hold its
    /// phase's gate).
    critical: Vec<bool>,
    stopped: bool,
    /// Services restored again after they fell back (`reopen`), with what they hold meanwhile.
    holds: Vec<Option<Hold>>,
}

impl<'g> Scheduler<'g> {
    /// `durations[i]` is service `i`'s expected time (for priorities); `phases[i]` its phase;
    /// `critical[i]` whether its failure holds its phase's gate.
    pub fn new(
        graph: &'g Graph,
        durations: &[Duration],
        phases: &[Option<usize>],
        critical: &[bool],
        phase_count: usize,
        jobs: usize,
    ) -> Self {
        let priority = graph.remaining(|i| durations[i]);
        let n = graph.dag.node_count();
        let mut phase_left = vec![0; phase_count];
        for p in phases.iter().flatten() {
            phase_left[*p] += 1;
        }
        let mut s = Scheduler {
            graph,
            jobs: jobs.max(1),
            state: vec![NodeState::Waiting; n],
            waiting_on: (0..n).map(|i| graph.dependencies(NodeIndex::new(i)).count()).collect(),
            ready: BinaryHeap::new(),
            ready_count: 0,
            running: 0,
            phase_left,
            phase_of: phases.to_vec(),
            priority,
            critical: critical.to_vec(),
            stopped: false,
            holds: vec![None; durations.len()],
        };
        let roots: Vec<NodeIndex> =
            graph.topo.iter().copied().filter(|n| s.waiting_on[n.index()] == 0).collect();
        let mut changes = Vec::new();
        for n in roots {
            s.make_ready(n, &mut changes);
        }
        s
    }

    fn make_ready(&mut self, n: NodeIndex, changes: &mut Vec<Change>) {
        match self.graph.node(n) {
            Node::Service(i) => {
                self.state[n.index()] = NodeState::Ready;
                self.ready.push((self.priority[n.index()], Reverse(i)));
                self.ready_count += 1;
            }
            // A gate opens as soon as everything before it is online.
            Node::Gate(_) => {
                self.state[n.index()] = NodeState::Online;
                self.release(n, changes);
            }
        }
    }

    fn release(&mut self, n: NodeIndex, changes: &mut Vec<Change>) {
        let next: Vec<NodeIndex> = self.graph.dependents(n).collect();
        for m in next {
            let w = &mut self.waiting_on[m.index()];
            *w -= 1;
            if *w == 0 && self.state[m.index()] == NodeState::Waiting {
                self.make_ready(m, changes);
            }
        }
    }

    /// The next service to start, if one is ready and a slot is free.
    pub fn start_next(&mut self) -> Option<usize> {
        if self.stopped || self.running >= self.jobs {
            return None;
        }
        // Entries of services blocked since they became ready are skipped here, not searched for.
        while let Some((_, Reverse(i))) = self.ready.pop() {
            let n = self.graph.services[i].index();
            if self.state[n] == NodeState::Ready {
                self.state[n] = NodeState::Running;
                self.ready_count -= 1;
                self.running += 1;
                return Some(i);
            }
        }
        None
    }

    /// Records how a started service ended; returns what that unblocked or blocked.
    pub fn complete(&mut self, service: usize, online: bool) -> Vec<Change> {
        let n = self.graph.services[service];
        debug_assert_eq!(self.state[n.index()], NodeState::Running);
        self.running -= 1;
        let mut changes = Vec::new();
        if let Some(hold) = self.holds[service].take() {
            // Back after a fall-back: what it held waits for it no more. Or not coming back.
            if online {
                self.state[n.index()] = NodeState::Online;
                for m in self.held_by(n) {
                    self.release_one(m, &mut changes);
                }
                for g in hold.gates {
                    self.release_one(g, &mut changes);
                }
                if let Some(p) = self.phase_of[service].filter(|_| hold.phase) {
                    self.phase_left[p] -= 1;
                    if self.phase_left[p] == 0 {
                        changes.push(Change::PhaseComplete { phase: p });
                    }
                }
            } else {
                self.state[n.index()] = NodeState::Failed;
                self.give_up(n, service, hold, &mut changes);
            }
            return changes;
        }
        if online {
            self.state[n.index()] = NodeState::Online;
            if let Some(p) = self.phase_of[service] {
                self.phase_left[p] -= 1;
                if self.phase_left[p] == 0 {
                    changes.push(Change::PhaseComplete { phase: p });
                }
            }
            self.release(n, &mut changes);
        } else {
            self.state[n.index()] = NodeState::Failed;
            self.block_dependents(n, service, &mut changes);
        }
        changes
    }

    /// Marks everything downstream of `n` blocked by `by`, transitively, except what waits for
    /// it without needing it (an `optional_depends_on`, or the gate of a non-critical service's
    /// phase): that goes on as if it had ended.
    fn block_dependents(&mut self, n: NodeIndex, by: usize, changes: &mut Vec<Change>) {
        let mut stack: Vec<NodeIndex> = vec![n];
        let mut found = Vec::new();
        while let Some(x) = stack.pop() {
            let next: Vec<NodeIndex> = self.graph.dependents(x).collect();
            for m in next {
                if self.soft(x, m) {
                    // Only what still waits counts it (a gate passed, a service back and
                    // running, had it released already).
                    if self.state[m.index()] == NodeState::Waiting {
                        self.release_one(m, changes);
                    }
                    continue;
                }
                let was = self.state[m.index()];
                if matches!(was, NodeState::Waiting | NodeState::Ready) {
                    if was == NodeState::Ready {
                        self.ready_count -= 1;
                    }
                    self.state[m.index()] = NodeState::Blocked;
                    if let Node::Service(i) = self.graph.node(m) {
                        found.push(i);
                    }
                    stack.push(m);
                }
            }
        }
        found.sort_unstable();
        changes.extend(found.into_iter().map(|service| Change::Blocked { service, by }));
    }

    /// `to` waits for `from` to end, not to succeed.
    fn soft(&self, from: NodeIndex, to: NodeIndex) -> bool {
        match (self.graph.node(from), self.graph.node(to)) {
            (Node::Service(a), Node::Service(b)) => self.graph.optional.contains(&(a, b)),
            (Node::Service(a), Node::Gate(_)) => !self.critical[a],
            _ => false,
        }
    }

    /// Leaves `service` out of the run before it starts: never started; what waits for it goes on
    /// if `as_online`, and is blocked otherwise. Its phase is never reported complete.
    pub fn skip(&mut self, service: usize, as_online: bool) -> Vec<Change> {
        let n = self.graph.services[service];
        let mut changes = Vec::new();
        if self.state[n.index()] == NodeState::Ready {
            self.ready_count -= 1;
        }
        if !matches!(self.state[n.index()], NodeState::Waiting | NodeState::Ready) {
            return changes;
        }
        self.state[n.index()] = NodeState::Skipped;
        if as_online {
            self.release(n, &mut changes);
        } else {
            self.block_dependents(n, service, &mut changes);
        }
        changes
    }

    /// An online service fell back (`watch`): it is to be restored again, in its turn, and the
    /// services that depend on it directly and have not started wait for it again. Phase gates
    /// it passed stay passed.
    pub fn reopen(&mut self, service: usize) -> Vec<Change> {
        let n = self.graph.services[service];
        let mut changes = Vec::new();
        if self.state[n.index()] != NodeState::Online {
            return changes;
        }
        let mut hold = Hold::default();
        let dependents: Vec<NodeIndex> = self.graph.dependents(n).collect();
        for m in dependents {
            match self.graph.node(m) {
                Node::Service(_) => {
                    self.waiting_on[m.index()] += 1;
                    if self.state[m.index()] == NodeState::Ready {
                        self.state[m.index()] = NodeState::Waiting;
                        self.ready_count -= 1;
                    }
                }
                // Its phase's gate, if not yet open, waits for it again; an open one stays open.
                Node::Gate(_) if self.state[m.index()] == NodeState::Waiting => {
                    self.waiting_on[m.index()] += 1;
                    hold.gates.push(m);
                }
                Node::Gate(_) => {}
            }
        }
        // Its phase, if not yet complete, is complete only once it is back.
        if let Some(p) = self.phase_of[service].filter(|&p| self.phase_left[p] > 0) {
            self.phase_left[p] += 1;
            hold.phase = true;
        }
        // What it needs may be down again too (it waits), or gone for good (it is blocked).
        let gone = self.graph.dependencies(n).find(|&d| {
            matches!(self.state[d.index()], NodeState::Failed | NodeState::Blocked) && !self.soft(d, n)
        });
        if let Some(d) = gone {
            self.state[n.index()] = NodeState::Blocked;
            let by = match self.graph.node(d) {
                Node::Service(b) => b,
                Node::Gate(_) => service,
            };
            changes.push(Change::Blocked { service, by });
            self.give_up(n, by, hold, &mut changes);
            return changes;
        }
        self.holds[service] = Some(hold);
        if self.waiting_on[n.index()] > 0 {
            self.state[n.index()] = NodeState::Waiting;
        } else {
            self.state[n.index()] = NodeState::Ready;
            self.ready.push((self.priority[n.index()], Reverse(service)));
            self.ready_count += 1;
        }
        changes
    }

    /// The services that depend on `n` directly (what `reopen` holds; gates it passed stay passed).
    fn held_by(&self, n: NodeIndex) -> Vec<NodeIndex> {
        self.graph.dependents(n).filter(|m| matches!(self.graph.node(*m), Node::Service(_))).collect()
    }

    /// One thing `m` waited for is done: ready once it waits for nothing.
    fn release_one(&mut self, m: NodeIndex, changes: &mut Vec<Change>) {
        let w = &mut self.waiting_on[m.index()];
        *w -= 1;
        if *w == 0 && self.state[m.index()] == NodeState::Waiting {
            self.make_ready(m, changes);
        }
    }

    /// A service that fell back is not coming back: what it held is let go — a service that
    /// needs it is blocked (and what follows it), one that waits for it optionally goes on; a
    /// gate it held opens for a non-critical service and stays shut for a critical one.
    fn give_up(&mut self, n: NodeIndex, by: usize, hold: Hold, changes: &mut Vec<Change>) {
        for m in self.held_by(n) {
            self.waiting_on[m.index()] -= 1;
            if self.soft(n, m) {
                if self.waiting_on[m.index()] == 0 && self.state[m.index()] == NodeState::Waiting {
                    self.make_ready(m, changes);
                }
            } else if matches!(self.state[m.index()], NodeState::Waiting | NodeState::Ready) {
                if self.state[m.index()] == NodeState::Ready {
                    self.ready_count -= 1;
                }
                self.state[m.index()] = NodeState::Blocked;
                if let Node::Service(i) = self.graph.node(m) {
                    changes.push(Change::Blocked { service: i, by });
                    // One that fell back itself and waited lets go of what it holds in turn.
                    match self.holds[i].take() {
                        Some(its) => self.give_up(m, by, its, changes),
                        None => self.block_dependents(m, by, changes),
                    }
                }
            }
        }
        for g in hold.gates {
            if self.soft(n, g) {
                self.release_one(g, changes);
            } else if self.state[g.index()] == NodeState::Waiting {
                self.state[g.index()] = NodeState::Blocked;
                self.block_dependents(g, by, changes);
            }
        }
    }

    /// Start nothing new (first Ctrl-C); running services may still complete.
    pub fn stop(&mut self) {
        self.stopped = true;
    }

    /// A running service ends neither online nor failed (the run was stopped before its next
    /// attempt): its dependents are left waiting, not blocked.
    pub fn abandon(&mut self, service: usize) {
        let n = self.graph.services[service];
        debug_assert!(self.stopped && self.state[n.index()] == NodeState::Running);
        self.running -= 1;
    }

    /// Nothing is running and nothing more will start.
    pub fn finished(&self) -> bool {
        self.running == 0 && (self.stopped || self.ready_count == 0)
    }
}

#[cfg(test)]
mod tests;
