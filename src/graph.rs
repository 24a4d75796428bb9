//! The dependency graph of a plan, phase gates included: dependencies resolved to edges, every
//! cycle found and reported as its path, a topological order, and the critical path.
//!
//! Phase gates are explicit nodes: `Gate(p)` waits for every service of phase `p` (and for the
//! previous gate), and every service of phase `p + 1` waits for it. So the scheduler, the dry run
//! and the critical path need no special case for phases, and a gate that can never open is just
//! another cycle.

use std::collections::{HashMap, HashSet, VecDeque};
use std::time::Duration;

use petgraph::Direction::{Incoming, Outgoing};
use petgraph::graph::{DiGraph, NodeIndex};

use crate::plan::{Diagnostic, Plan};
use crate::suggest::did_you_mean;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Node {
    /// Index into `Plan::services`.
    Service(usize),
    /// "Phase `p` is complete": index into `Plan::phases`.
    Gate(usize),
}

/// The plan as a DAG. An edge `a → b` means `b` waits for `a`.
#[derive(Debug, Clone)]
pub struct Graph {
    pub dag: DiGraph<Node, ()>,
    /// Node of each service, by service index.
    pub services: Vec<NodeIndex>,
    /// Every node, dependencies before dependents.
    pub topo: Vec<NodeIndex>,
    /// (dependency, service) pairs from `optional_depends_on`: waited for, never blocking.
    pub optional: HashSet<(usize, usize)>,
}

/// The longest duration-weighted chain of the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CriticalPath {
    pub length: Duration,
    /// Service indices along the chain, first to last (phase gates left out).
    pub services: Vec<usize>,
}

impl Graph {
    /// Resolves dependencies and phase gates; `None` when the graph is unusable (a cycle).
    pub fn build(plan: &Plan) -> (Option<Graph>, Vec<Diagnostic>) {
        let mut diags = Vec::new();
        let mut dag =
            DiGraph::with_capacity(plan.services.len() + plan.phases.len(), plan.services.len() * 2);
        let services: Vec<NodeIndex> =
            (0..plan.services.len()).map(|i| dag.add_node(Node::Service(i))).collect();
        let mut index: HashMap<&str, usize> = HashMap::with_capacity(plan.services.len());
        for (i, s) in plan.services.iter().enumerate() {
            index.entry(s.id.as_str()).or_insert(i);
        }
        let gates_on = plan.phase_gates && !plan.phases.is_empty();
        let mut optional = HashSet::new();
        for (i, s) in plan.services.iter().enumerate() {
            let mut seen: Vec<usize> = Vec::with_capacity(s.depends_on.len());
            let deps = s.depends_on.iter().map(|d| (d, false));
            for (dep, soft) in deps.chain(s.optional_depends_on.iter().map(|d| (d, true))) {
                let Some(&d) = index.get(dep.get_ref().as_str()) else {
                    let ids = plan.services.iter().map(|s| s.id.as_str());
                    diags.push(
                        Diagnostic::error(
                            "unknown-dependency",
                            dep.span(),
                            format!("service `{}` depends on unknown service `{}`", s.id, dep.get_ref()),
                        )
                        .label("no service has this id")
                        .help_opt(did_you_mean(dep.get_ref(), ids).map(|m| format!("did you mean `{m}`?"))),
                    );
                    continue;
                };
                if d == i {
                    diags.push(
                        Diagnostic::error(
                            "self-dependency",
                            dep.span(),
                            format!("service `{}` depends on itself", s.id),
                        )
                        .label("remove this")
                        .help("a service cannot wait for itself; remove it from `depends_on`"),
                    );
                    continue;
                }
                if seen.contains(&d) {
                    diags.push(Diagnostic::warning(
                        "duplicate-dependency",
                        dep.span(),
                        format!("`{}` is listed twice in `depends_on` of `{}`", dep.get_ref(), s.id),
                    ));
                    continue;
                }
                seen.push(d);
                if soft {
                    optional.insert((d, i));
                }
                let other = &plan.services[d];
                if let (true, Some(mine), Some(theirs)) = (gates_on, s.phase, other.phase)
                    && theirs > mine
                {
                    diags.push(
                            Diagnostic::error("later-phase-dependency", dep.span(), format!(
                                "service `{}` (phase `{}`) depends on `{}` of the later phase `{}`, so it could never start",
                                s.id, plan.phases[mine].id, other.id, plan.phases[theirs].id
                            ))
                            .label("in a later phase")
                            .help(format!("move `{}` to phase `{}` or earlier, move `{}` later, or set `phase_gates = false`", other.id, plan.phases[mine].id, s.id)),
                        );
                    continue;
                }
                dag.add_edge(services[d], services[i], ());
            }
        }
        if gates_on {
            let gates: Vec<NodeIndex> = (0..plan.phases.len()).map(|p| dag.add_node(Node::Gate(p))).collect();
            for (p, pair) in gates.windows(2).enumerate() {
                dag.add_edge(pair[0], pair[1], ());
                debug_assert!(p + 1 < gates.len());
            }
            for (i, s) in plan.services.iter().enumerate() {
                if let Some(p) = s.phase {
                    dag.add_edge(services[i], gates[p], ());
                    if p > 0 {
                        dag.add_edge(gates[p - 1], services[i], ());
                    }
                }
            }
        }
        diags.extend(cycles(&dag, plan));
        if diags.iter().any(Diagnostic::is_error) {
            return (None, diags);
        }
        unobserved(plan, &dag, &services, &mut diags);
        let topo = petgraph::algo::toposort(&dag, None).unwrap_or_default();
        let graph = Graph { dag, services, topo, optional };
        diags.extend(graph.unreachable_rtos(plan));
        (Some(graph), diags)
    }

    pub fn node(&self, n: NodeIndex) -> Node {
        self.dag[n]
    }

    /// Direct dependencies of a node (phase gates included).
    pub fn dependencies(&self, n: NodeIndex) -> impl Iterator<Item = NodeIndex> + '_ {
        self.dag.neighbors_directed(n, Incoming)
    }

    /// Nodes that wait directly for `n`.
    pub fn dependents(&self, n: NodeIndex) -> impl Iterator<Item = NodeIndex> + '_ {
        self.dag.neighbors_directed(n, Outgoing)
    }

    /// Direct service dependencies of service `i`, as written in the plan (no gates).
    pub fn service_dependencies(&self, i: usize) -> Vec<usize> {
        let mut deps: Vec<usize> = self
            .dependencies(self.services[i])
            .filter_map(|n| match self.node(n) {
                Node::Service(d) => Some(d),
                Node::Gate(_) => None,
            })
            .collect();
        deps.sort_unstable();
        deps
    }

    /// For every node, the longest duration-weighted chain from it to the end of the plan,
    /// its own duration included: the scheduler's priority.
    pub fn remaining(&self, duration: impl Fn(usize) -> Duration) -> Vec<Duration> {
        let mut rest = vec![Duration::ZERO; self.dag.node_count()];
        for &n in self.topo.iter().rev() {
            let own = match self.node(n) {
                Node::Service(i) => duration(i),
                Node::Gate(_) => Duration::ZERO,
            };
            let tail = self.dependents(n).map(|m| rest[m.index()]).max().unwrap_or_default();
            rest[n.index()] = own + tail;
        }
        rest
    }

    /// For every node, when it is done at the earliest (every service taking its `duration`,
    /// unlimited jobs), and the dependency that decides it.
    fn earliest(&self, plan: &Plan) -> (Vec<Duration>, Vec<Option<NodeIndex>>) {
        let mut finish = vec![Duration::ZERO; self.dag.node_count()];
        let mut via: Vec<Option<NodeIndex>> = vec![None; self.dag.node_count()];
        for &n in &self.topo {
            let best = self.dependencies(n).max_by_key(|m| (finish[m.index()], std::cmp::Reverse(m.index())));
            let start = best.map(|m| finish[m.index()]).unwrap_or_default();
            let own = match self.node(n) {
                Node::Service(i) => plan.services[i].duration,
                Node::Gate(_) => Duration::ZERO,
            };
            finish[n.index()] = start + own;
            via[n.index()] = best;
        }
        (finish, via)
    }

    /// Services whose RTO is shorter than the longest chain of durations to them: no run can
    /// meet it, however many jobs.
    pub fn unreachable_rtos(&self, plan: &Plan) -> Vec<Diagnostic> {
        let (finish, via) = self.earliest(plan);
        let mut out = Vec::new();
        for (i, s) in plan.services.iter().enumerate() {
            let (Some(rto), at) = (s.rto, finish[self.services[i].index()]) else { continue };
            if at <= rto {
                continue;
            }
            let mut chain = Vec::new();
            let mut node = Some(self.services[i]);
            while let Some(n) = node {
                if let Node::Service(j) = self.node(n) {
                    chain.push(plan.services[j].id.as_str());
                }
                node = via[n.index()];
            }
            chain.reverse();
            let shown = if chain.len() > 6 {
                format!("{} → … → {}", chain[..3].join(" → "), chain[chain.len() - 2..].join(" → "))
            } else {
                chain.join(" → ")
            };
            let human = crate::human::human_duration;
            out.push(
                Diagnostic::warning(
                    "rto-unreachable",
                    s.span.clone(),
                    format!(
                        "service `{}` cannot be back within its RTO of {}: the longest chain of durations to it takes {} ({shown})",
                        s.id,
                        human(rto),
                        human(at)
                    ),
                )
                .help("shorten the chain, or raise the RTO to what the plan can meet"),
            );
        }
        out
    }

    /// The longest chain by `duration`, phase gates included.
    pub fn critical_path(&self, plan: &Plan) -> CriticalPath {
        let (finish, via) = self.earliest(plan);
        let Some(end) =
            self.topo.iter().copied().max_by_key(|n| (finish[n.index()], std::cmp::Reverse(n.index())))
        else {
            return CriticalPath { length: Duration::ZERO, services: Vec::new() };
        };
        let mut chain = Vec::new();
        let mut at = Some(end);
        while let Some(n) = at {
            if let Node::Service(i) = self.node(n) {
                chain.push(i);
            }
            at = via[n.index()];
        }
        chain.reverse();
        CriticalPath { length: finish[end.index()], services: chain }
    }
}

/// Every strongly connected component with more than one node, reported as one shortest cycle
/// through its first service, in `depends on` order: `a → b → c → a`.
fn cycles(dag: &DiGraph<Node, ()>, plan: &Plan) -> Vec<Diagnostic> {
    // Most plans have no cycle, and a topological sort says so without recursion. Otherwise
    // Kosaraju's algorithm, whose depth-first walks are iterative: a chain of 150,000 services
    // must not overflow the stack (Tarjan's, in petgraph, recurses once per node).
    if petgraph::algo::toposort(dag, None).is_ok() {
        return Vec::new();
    }
    let mut sccs: Vec<Vec<NodeIndex>> =
        petgraph::algo::kosaraju_scc(dag).into_iter().filter(|c| c.len() > 1).collect();
    for c in &mut sccs {
        c.sort_by_key(|n| sort_key(dag[*n]));
    }
    sccs.sort_by_key(|c| sort_key(dag[c[0]]));
    sccs.iter()
        .map(|scc| {
            let start = scc[0];
            let path = shortest_cycle(dag, scc, start);
            let names: Vec<String> = path.iter().map(|n| node_name(dag[*n], plan)).collect();
            let span = match dag[start] {
                Node::Service(i) => {
                    let next = path.get(1).map(|n| dag[*n]);
                    let closing = plan.services[i].depends_on.iter().find(|d| match next {
                        Some(Node::Service(j)) => d.get_ref() == &plan.services[j].id,
                        _ => false,
                    });
                    closing.map(|d| d.span()).unwrap_or(plan.services[i].span.clone())
                }
                Node::Gate(p) => plan.phases[p].span.clone(),
            };
            let members = scc.iter().filter(|n| matches!(dag[**n], Node::Service(_))).count();
            Diagnostic::error("dependency-cycle", span, format!("dependency cycle: {}", names.join(" → ")))
                .label("this dependency closes the cycle")
                .help(if members > path.len() - 1 {
                    format!("{members} services are tangled here; remove one dependency of this cycle and check again")
                } else {
                    "remove one dependency of this cycle".to_owned()
                })
        })
        .collect()
}

fn sort_key(n: Node) -> (usize, usize) {
    match n {
        Node::Service(i) => (0, i),
        Node::Gate(p) => (1, p),
    }
}

/// Breadth-first search from `start` along "depends on" (incoming) edges back to `start`.
fn shortest_cycle(dag: &DiGraph<Node, ()>, scc: &[NodeIndex], start: NodeIndex) -> Vec<NodeIndex> {
    let mut prev: HashMap<NodeIndex, NodeIndex> = HashMap::new();
    let mut queue = VecDeque::from([start]);
    while let Some(n) = queue.pop_front() {
        let mut deps: Vec<NodeIndex> =
            dag.neighbors_directed(n, Incoming).filter(|m| scc.contains(m)).collect();
        deps.sort_by_key(|m| sort_key(dag[*m]));
        for m in deps {
            if m == start {
                let mut path = vec![start];
                let mut at = n;
                while at != start {
                    path.push(at);
                    at = prev[&at];
                }
                path.push(start);
                let last = path.len() - 1;
                path[1..last].reverse();
                return path;
            }
            if let std::collections::hash_map::Entry::Vacant(e) = prev.entry(m) {
                e.insert(n);
                queue.push_back(m);
            }
        }
    }
    vec![start, start]
}

fn node_name(n: Node, plan: &Plan) -> String {
    match n {
        Node::Service(i) => plan.services[i].id.clone(),
        Node::Gate(p) => format!("(all of phase `{}`)", plan.phases[p].id),
    }
}

/// Warns about services that nothing can observe: no checks, no operator, nothing depends on them.
fn unobserved(plan: &Plan, dag: &DiGraph<Node, ()>, services: &[NodeIndex], diags: &mut Vec<Diagnostic>) {
    for (i, s) in plan.services.iter().enumerate() {
        let has_dependents =
            dag.neighbors_directed(services[i], Outgoing).any(|n| matches!(dag[n], Node::Service(_)));
        // A manual step is observed by the operator who confirms it.
        let manual = matches!(s.restore.as_ref().map(|r| &r.action), Some(crate::plan::Action::Manual(_)));
        if s.checks.is_empty() && !has_dependents && !manual {
            diags.push(
                Diagnostic::warning(
                    "unobserved-service",
                    s.span.clone(),
                    format!("service `{}` has no checks and nothing depends on it", s.id),
                )
                .help("add a `[[service.check]]` so restorectl can tell when it is back"),
            );
        }
    }
}

#[cfg(test)]
mod deep {
    /// A chain of 60,000 services (each on the one before), checked on a test thread's small
    /// stack: finding cycles must not recurse once per service.
    #[test]
    fn a_deep_chain_is_checked_without_recursion() {
        let mut toml = String::from("[plan]\nname = \"chain\"\n");
        for i in 0..60_000 {
            let dep = if i > 0 { format!("depends_on = [\"s{}\"]\n", i - 1) } else { String::new() };
            toml += &format!("[[service]]\nid = \"s{i}\"\nname = \"s\"\n{dep}");
        }
        let loaded = crate::loaded::check(std::path::Path::new("p.toml"), toml.into_bytes())
            .unwrap_or_else(|r| panic!("{:?}", &r.diagnostics[..r.diagnostics.len().min(3)]));
        assert_eq!(loaded.graph.topo.len(), 60_000);
    }
}
