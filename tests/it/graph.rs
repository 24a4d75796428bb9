//! `restorectl graph`: every format of the bundled plan, and random DAGs (validation, cycles).

use std::fmt::Write;
use std::path::Path;

use proptest::prelude::*;

use crate::support::*;

#[test]
fn text_output_groups_by_phase_and_names_the_critical_path() {
    let out = restorectl().args(["graph"]).arg(repo("plans/ista.toml")).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    insta::assert_snapshot!(String::from_utf8_lossy(&out.stdout));
}

#[test]
fn json_output_has_services_phases_and_critical_path() {
    let out = restorectl().args(["graph", "--format", "json"]).arg(repo("plans/ista.toml")).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let g = json(&out.stdout);
    assert_eq!(g["services"].as_array().unwrap().len(), 15);
    assert_eq!(g["phases"].as_array().unwrap().len(), 4);
    // 2d + 5d + 1d + 12h | 2d | 4d + 2d + 1d | 5d + 10d
    assert_eq!(g["critical_path"]["seconds"], (32 * 86_400 + 12 * 3600) as u64);
    assert_eq!(g["critical_path"]["services"][0], "network-core");
    assert_eq!(g["critical_path"]["services"].as_array().unwrap().last().unwrap(), "ista-connect");
    let complaints = g["services"].as_array().unwrap().iter().find(|s| s["id"] == "complaints").unwrap();
    assert_eq!(complaints["depends_on"], serde_json::json!(["erp", "billing"]));
}

#[test]
fn dot_and_mermaid_outputs_are_well_formed() {
    let dot = restorectl().args(["graph", "--format", "dot"]).arg(repo("plans/ista.toml")).output().unwrap();
    let dot = String::from_utf8(dot.stdout).unwrap();
    assert!(dot.starts_with("digraph restore_plan {"));
    assert!(dot.trim_end().ends_with('}'));
    assert_eq!(dot.matches("subgraph cluster_").count(), 4);
    assert!(dot.contains("\"ista24\" -> \"ista-connect\" [color=\"#c62828\", penwidth=2];"));
    assert_eq!(dot.matches('{').count(), dot.matches('}').count());

    let mmd =
        restorectl().args(["graph", "--format", "mermaid"]).arg(repo("plans/ista.toml")).output().unwrap();
    let mmd = String::from_utf8(mmd.stdout).unwrap();
    assert!(mmd.starts_with("flowchart LR\n"));
    assert_eq!(mmd.matches("subgraph ").count(), mmd.matches("\n  end\n").count());
    assert!(mmd.contains("class "));
}

#[test]
fn dot_output_renders_with_graphviz() {
    let out = restorectl().args(["graph", "--format", "dot"]).arg(repo("plans/ista.toml")).output().unwrap();
    let mut dot = std::process::Command::new("dot")
        .arg("-Tsvg")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("Graphviz `dot` (Debian's graphviz; .ci/run installs it)");
    std::io::Write::write_all(dot.stdin.as_mut().unwrap(), &out.stdout).unwrap();
    let svg = dot.wait_with_output().unwrap();
    assert!(svg.status.success(), "{}", String::from_utf8_lossy(&svg.stderr));
    let svg = String::from_utf8(svg.stdout).unwrap();
    assert!(svg.contains("<svg") && svg.contains(">ista&#45;connect</text>"), "{svg}");
}

/// A plan over `n` services with the given edges (`(a, b)`: `b` depends on `a`, `a < b`).
fn dag_plan(n: usize, edges: &[(usize, usize)], durations: &[u64]) -> String {
    let mut s = String::from("[plan]\nname = \"random\"\n");
    for i in 0..n {
        let deps: Vec<String> = edges.iter().filter(|e| e.1 == i).map(|e| format!("\"s{}\"", e.0)).collect();
        let _ = write!(
            s,
            "[[service]]\nid = \"s{i}\"\nname = \"S{i}\"\nduration = \"{}m\"\ndepends_on = [{}]\n[[service.check]]\ntcp = \"127.0.0.1:9\"\n",
            durations[i % durations.len()],
            deps.join(", ")
        );
    }
    s
}

fn random_dag() -> impl Strategy<Value = (usize, Vec<(usize, usize)>, Vec<u64>)> {
    (2usize..40).prop_flat_map(|n| {
        let edges = proptest::collection::vec((0..n, 0..n), 0..n * 2)
            .prop_map(|v| {
                v.into_iter().filter(|(a, b)| a != b).map(|(a, b)| (a.min(b), a.max(b))).collect::<Vec<_>>()
            })
            .prop_map(|mut v| {
                v.sort();
                v.dedup();
                v
            });
        (Just(n), edges, proptest::collection::vec(0u64..600, 1..8))
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn random_dags_validate((n, edges, durations) in random_dag()) {
        let text = dag_plan(n, &edges, &durations);
        let loaded = restorectl::loaded::check(Path::new("dag.toml"), text.into_bytes());
        let loaded = loaded.unwrap_or_else(|r| panic!("{:?}", r.diagnostics));
        // The critical path is a real chain and no chain is longer.
        let cp = loaded.graph.critical_path(&loaded.plan);
        for w in cp.services.windows(2) {
            prop_assert!(edges.contains(&(w[0], w[1])));
        }
        let sum: u64 = cp.services.iter().map(|&i| durations[i % durations.len()] * 60).sum();
        prop_assert_eq!(cp.length.as_secs(), sum);
        let mut longest = vec![0u64; n];
        for i in 0..n {
            let before = edges.iter().filter(|e| e.1 == i).map(|e| longest[e.0]).max().unwrap_or(0);
            longest[i] = before + durations[i % durations.len()] * 60;
        }
        prop_assert_eq!(cp.length.as_secs(), longest.into_iter().max().unwrap_or(0));
    }

    #[test]
    fn an_injected_cycle_is_reported_as_that_cycle(
        (n, edges, durations) in random_dag(),
        len in 2usize..6,
        start in 0usize..1000,
    ) {
        // Keep only forward edges that cannot close another cycle, then add a back edge over a chain.
        let len = len.min(n);
        let first = start % (n - len + 1);
        let chain: Vec<usize> = (first..first + len).collect();
        let mut edges = edges;
        for w in chain.windows(2) {
            edges.push((w[0], w[1]));
        }
        edges.sort();
        edges.dedup();
        let mut text = dag_plan(n, &edges, &durations);
        let last = *chain.last().unwrap();
        // s{first} depends on s{last}: the chain closes into a cycle.
        text = text.replacen(
            &format!("id = \"s{first}\"\nname = \"S{first}\"\nduration = \"{}m\"\ndepends_on = [", durations[first % durations.len()]),
            &format!("id = \"s{first}\"\nname = \"S{first}\"\nduration = \"{}m\"\ndepends_on = [\"s{last}\", ", durations[first % durations.len()]),
            1,
        );
        let rejected = match restorectl::loaded::check(Path::new("cycle.toml"), text.into_bytes()) {
            Ok(_) => panic!("a cycle was accepted"),
            Err(r) => r,
        };
        let cycles: Vec<&str> = rejected.diagnostics.iter().filter(|d| d.code == "dependency-cycle").map(|d| d.message.as_str()).collect();
        prop_assert_eq!(cycles.len(), 1, "{:?}", cycles);
        let path: Vec<&str> = cycles[0].trim_start_matches("dependency cycle: ").split(" → ").collect();
        prop_assert_eq!(path.first(), path.last());
        // Every step of the reported cycle is a real "depends on" edge.
        for w in path.windows(2) {
            let a: usize = w[0][1..].parse().unwrap();
            let b: usize = w[1][1..].parse().unwrap();
            prop_assert!(edges.contains(&(b, a)) || (a == first && b == last), "{} → {} is not an edge", w[0], w[1]);
        }
        let first_id = format!("s{first}");
        prop_assert!(path.contains(&first_id.as_str()));
    }
}

/// A service whose RTO is shorter than the longest chain of durations to it: `validate` (and
/// every command that loads the plan) warns, naming the chain; `graph` marks manual steps.
#[test]
fn an_rto_no_run_can_meet_is_warned_of_and_manual_steps_are_marked() {
    let dir = tempfile::tempdir().unwrap();
    let plan = plan_in(
        dir.path(),
        "[[service]]\nid = \"network\"\nname = \"network\"\nduration = \"2d\"\n[service.restore]\nmanual = \"Re-cable the core.\"\n\
         [[service]]\nid = \"mail\"\nname = \"e-mail\"\ndepends_on = [\"network\"]\nduration = \"1d\"\nrto = \"2d\"\n\
         [[service.check]]\ntcp = \"mail.example.com:25\"\n",
    );
    let out = restorectl().args(["validate", "--format", "json"]).arg(&plan).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        diagnostic_lines(&json(&out.stdout)),
        [
            "warning 10:6 rto-unreachable: service `mail` cannot be back within its RTO of 2d: the longest chain of durations to it takes 3d (network → mail)"
        ]
    );
    let out = restorectl().arg("graph").arg(&plan).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("  network       2d  customer  manual step\n"), "{text}");
    let out = restorectl().args(["graph", "--format", "json"]).arg(&plan).output().unwrap();
    assert_eq!(json(&out.stdout)["services"][0]["manual"], true);
}
