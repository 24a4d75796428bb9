//! `restorectl run --dry-run`: the simulation through the same scheduler as a live run.

use std::path::Path;
use std::sync::Arc;

use proptest::prelude::*;

use crate::support::*;

const DAY: f64 = 86_400.0;

fn dry(plan: &Path, state: &Path, extra: &[&str]) -> (Option<i32>, serde_json::Value) {
    let out = restorectl()
        .args(["run", "--dry-run", "--format", "json", "--start", "2022-07-25T08:00", "--state"])
        .arg(state)
        .args(extra)
        .arg(plan)
        .output()
        .unwrap();
    assert!(!out.stdout.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
    (out.status.code(), json(&out.stdout))
}

fn by_id<'a>(report: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    report["services"].as_array().unwrap().iter().find(|s| s["id"] == id).unwrap()
}

#[test]
fn the_ista_plan_takes_exactly_its_critical_path_with_enough_slots() {
    let state = tempfile::tempdir().unwrap();
    let (code, report) = dry(&repo("plans/ista.toml"), state.path(), &["--jobs", "100"]);
    assert_eq!(code, Some(0));
    assert_eq!(report["dry_run"], true);
    assert_eq!(report["outcome"], "success");
    assert_eq!(report["makespan_seconds"], 32.5 * DAY);
    assert_eq!(report["critical_path_seconds"], (32.5 * DAY) as u64);
    assert_eq!(by_id(&report, "email")["online_at_seconds"], 9.5 * DAY);
    assert_eq!(by_id(&report, "email")["started_at_seconds"], 8.5 * DAY);
    assert_eq!(by_id(&report, "ista-connect")["state"], "online");
}

#[test]
fn an_injected_failure_blocks_exactly_the_transitive_dependents() {
    let state = tempfile::tempdir().unwrap();
    let (code, report) = dry(&repo("plans/webshop.toml"), state.path(), &["--fail", "database"]);
    assert_eq!(code, Some(1));
    assert_eq!(report["outcome"], "failed");
    assert_eq!(by_id(&report, "database")["state"], "failed");
    // retries = 2 in the plan's defaults: three attempts.
    assert_eq!(by_id(&report, "database")["attempts"], 3);
    for id in ["catalogue", "checkout", "order-tracking"] {
        assert_eq!(by_id(&report, id)["state"], "blocked", "{id}");
    }
    assert_eq!(by_id(&report, "checkout")["blocked_by"], "database");
    for id in ["cache", "payments-gateway"] {
        assert_eq!(by_id(&report, id)["state"], "online", "{id}");
    }
}

#[test]
fn a_service_that_fails_fewer_times_than_its_retries_ends_online() {
    let state = tempfile::tempdir().unwrap();
    let (code, report) =
        dry(&repo("plans/webshop.toml"), state.path(), &["--fail", "database:2", "--jobs", "10"]);
    assert_eq!(code, Some(0));
    let db = by_id(&report, "database");
    assert_eq!(db["state"], "online");
    assert_eq!(db["attempts"], 3);
    // Two failed 2h attempts, backoff 1m then 2m, then the third 2h attempt.
    assert_eq!(db["online_at_seconds"], 3.0 * 7200.0 + 60.0 + 120.0);
}

#[test]
fn slow_scales_a_duration() {
    let state = tempfile::tempdir().unwrap();
    let (_, report) = dry(&repo("plans/webshop.toml"), state.path(), &["--slow", "cache:3"]);
    assert_eq!(by_id(&report, "cache")["online_at_seconds"], 1800.0);
}

#[test]
fn bad_injection_flags_are_input_errors() {
    let state = tempfile::tempdir().unwrap();
    for (flag, message) in [
        (
            "--fail=databse",
            "error: `--fail databse`: the plan has no service `databse`; did you mean `database`?\n",
        ),
        ("--fail=database:x", "error: `--fail database:x`: `x` is not a number of attempts\n"),
        ("--slow=cache", "error: `--slow cache`: write it as ID:FACTOR, e.g. email:2\n"),
        ("--slow=cache:-1", "error: `--slow cache:-1`: `-1` is not a factor between 0 and 1000\n"),
        ("--fall-back=cache", "error: `--fall-back cache`: write it as ID:AFTER, e.g. email:2h\n"),
        (
            "--fall-back=cache:soon",
            "error: `--fall-back cache:soon`: `soon` is not a duration: expected numbers with units: s, m, h, d, w (or ms, minutes, hours, days, weeks)\n",
        ),
    ] {
        restorectl()
            .args(["run", "--dry-run", flag, "--state"])
            .arg(state.path())
            .arg(repo("plans/webshop.toml"))
            .assert()
            .code(2)
            .stderr(message.to_owned());
    }
    restorectl().args(["run", "--fail", "x"]).arg(repo("plans/webshop.toml")).assert().code(2);
    let out = restorectl()
        .args(["run", "--dry-run", "--watch", "400d"])
        .arg(repo("plans/webshop.toml"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .starts_with("error: invalid value '400d' for '--watch <DURATION>': must be at most 366 days\n"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn trials_are_deterministic_for_a_seed() {
    let state = tempfile::tempdir().unwrap();
    let args = ["--trials", "200", "--jitter", "0.3", "--seed", "7"];
    let (code, a) = dry(&repo("plans/ista.toml"), state.path(), &args);
    assert_eq!(code, Some(0));
    let (_, b) = dry(&repo("plans/ista.toml"), state.path(), &args);
    assert_eq!(a, b);
    let (_, c) =
        dry(&repo("plans/ista.toml"), state.path(), &["--trials", "200", "--jitter", "0.3", "--seed", "8"]);
    assert_ne!(a["makespan_seconds"], c["makespan_seconds"]);
    let m = &a["makespan_seconds"];
    assert!(m["p50"].as_f64() <= m["p90"].as_f64() && m["p90"].as_f64() <= m["p99"].as_f64());
    let email = a["services"].as_array().unwrap().iter().find(|s| s["id"] == "email").unwrap();
    assert_eq!(email["rto_probability"], 1.0);
}

#[test]
fn strict_turns_a_missed_rto_into_exit_1_and_names_the_chain() {
    let p = plan_file(
        r#"
[plan]
name = "RTO"
[[service]]
id = "db"
name = "db"
duration = "3h"
[[service.check]]
tcp = "127.0.0.1:9"
[[service]]
id = "shop"
name = "shop"
depends_on = ["db"]
duration = "2h"
rto = "4h"
[[service.check]]
tcp = "127.0.0.1:9"
"#,
    );
    let state = tempfile::tempdir().unwrap();
    let (code, report) = dry(&p.plan, state.path(), &[]);
    assert_eq!(code, Some(0), "an RTO miss alone does not fail without --strict");
    assert_eq!(report["rto_misses"][0]["id"], "shop");
    assert_eq!(report["rto_misses"][0]["late_by_seconds"], 3600.0);
    assert_eq!(report["rto_misses"][0]["chain"], serde_json::json!(["shop", "db"]));
    let (code, _) = dry(&p.plan, state.path(), &["--strict"]);
    assert_eq!(code, Some(1));
    let out =
        restorectl().args(["run", "--dry-run", "--state"]).arg(state.path()).arg(&p.plan).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("RTO missed: shop late by 1h (RTO 4h); held back by shop ← db"), "{text}");
}

#[test]
fn junit_and_timeline_are_written() {
    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("report.xml");
    let svg = dir.path().join("timeline.svg");
    let html = dir.path().join("timeline.html");
    let (code, _) = dry(
        &repo("plans/webshop.toml"),
        dir.path(),
        &["--fail", "cache", "--junit", junit.to_str().unwrap(), "--timeline", svg.to_str().unwrap()],
    );
    assert_eq!(code, Some(1));
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains(r#"<testsuite name="Web shop restore (dry run)" tests="6""#), "{xml}");
    assert!(xml.contains(r#"<testcase name="cache""#) && xml.contains("injected failure (--fail)"), "{xml}");
    assert!(xml.contains("blocked: dependency cache failed"), "{xml}");
    let svg_text = std::fs::read_to_string(&svg).unwrap();
    assert!(svg_text.starts_with("<svg") && svg_text.ends_with("</svg>"));
    for id in ["database", "cache", "catalogue", "checkout", "payments-gateway", "order-tracking"] {
        assert!(svg_text.contains(&format!(">{id}</text>")), "{id} missing from the timeline");
    }
    dry(&repo("plans/webshop.toml"), dir.path(), &["--timeline", html.to_str().unwrap()]);
    assert!(std::fs::read_to_string(&html).unwrap().starts_with("<!doctype html>"));
    restorectl()
        .args(["run", "--dry-run", "--timeline", "chart.png", "--state"])
        .arg(dir.path())
        .arg(repo("plans/webshop.toml"))
        .assert()
        .code(2)
        .stderr("error: `--timeline chart.png`: the file must end in .svg or .html\n");
}

#[test]
fn a_dry_run_never_touches_the_live_journal_or_lock() {
    let state = tempfile::tempdir().unwrap();
    std::fs::write(state.path().join("lock"), "4242").unwrap();
    let live_lock = std::fs::File::options().write(true).open(state.path().join("lock")).unwrap();
    live_lock.try_lock().unwrap(); // a live run holds its lock
    let (code, _) = dry(&repo("plans/webshop.toml"), state.path(), &[]);
    assert_eq!(code, Some(0));
    assert!(!state.path().join("journal.jsonl").exists());
    let journal = std::fs::read_to_string(state.path().join("dry-run/journal.jsonl")).unwrap();
    assert!(journal.lines().count() > 10);
    assert!(journal.contains(r#""dry_run":true"#));
}

#[test]
fn human_output_ends_with_a_gantt_chart() {
    let state = tempfile::tempdir().unwrap();
    let out = restorectl()
        .args(["run", "--dry-run", "--jobs", "2", "--start", "2022-07-25T08:00", "--state"])
        .arg(state.path())
        .arg(repo("plans/webshop.toml"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    insta::assert_snapshot!("webshop_dry_run_stdout", String::from_utf8_lossy(&out.stdout));
    insta::assert_snapshot!("webshop_dry_run_log", String::from_utf8_lossy(&out.stderr));
}

/// The same small plan live (real processes, tiny durations) and dry: the same order of events.
#[test]
fn live_and_dry_runs_produce_the_same_order_of_events() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display();
    let services = [
        ("net", "", 300),
        ("db", "\"net\"", 900),
        ("cache", "\"net\"", 300),
        ("api", "\"db\", \"cache\"", 300),
        ("mail", "", 2500),
    ];
    let mut plan = String::from("[plan]\nname = \"Same\"\n");
    for (id, deps, ms) in services {
        plan += &format!(
            "[[service]]\nid = \"{id}\"\nname = \"{id}\"\ndepends_on = [{deps}]\nduration = \"{ms}ms\"\n[[service.check]]\ncommand = [\"test\", \"-f\", \"{d}/{id}.up\"]\ninterval = \"20ms\"\n[service.restore]\ncommand = [\"sh\", \"-c\", \"sleep {}; touch {d}/{id}.up\"]\n",
            f64::from(ms) / 1000.0
        );
    }
    let path = dir.path().join("plan.toml");
    std::fs::write(&path, plan).unwrap();
    let order = |journal: &Path| -> Vec<String> {
        std::fs::read_to_string(journal)
            .unwrap()
            .lines()
            .filter_map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                let kind = v["event"].as_str()?.to_owned();
                matches!(kind.as_str(), "action_started" | "online" | "run_finished")
                    .then(|| format!("{kind} {}", v["service"].as_str().unwrap_or_default()))
            })
            .collect()
    };
    restorectl().args(["run", "--format", "json"]).arg(&path).assert().code(0);
    restorectl().args(["run", "--dry-run", "--format", "json"]).arg(&path).assert().code(0);
    // Services started at the same moment have no order among themselves: compare them as a set.
    let normalise = |mut events: Vec<String>| {
        let mut i = 0;
        while i < events.len() {
            let run = events[i..].iter().take_while(|e| e.starts_with("action_started")).count().max(1);
            events[i..i + run].sort();
            i += run;
        }
        events
    };
    let live = normalise(order(&dir.path().join(".restorectl/plan/journal.jsonl")));
    let dry = normalise(order(&dir.path().join(".restorectl/plan/dry-run/journal.jsonl")));
    assert_eq!(live, dry);
    assert_eq!(live.len(), 11);
}

/// A simulation in-process: (makespan, critical path, total work) in seconds.
fn simulate(text: &str, jobs: usize) -> (f64, f64, f64) {
    let loaded = restorectl::loaded::check(Path::new("p.toml"), text.as_bytes().to_vec())
        .unwrap_or_else(|r| panic!("{:?}", r.diagnostics));
    let plan = loaded.plan.clone();
    let rt = restorectl::runtime::simulated().unwrap();
    let exec = Arc::new(restorectl::sim::SimExecutor::new(&plan, &Default::default(), 0));
    let mut tally = restorectl::tally::Tally::new(&plan);
    let config = restorectl::runner::RunConfig {
        id: String::new(),
        jobs,
        mode: restorectl::event::RunMode::Dry,
        selection: Default::default(),
        watch: None,
        incident: Default::default(),
        operator: None,
    };
    rt.block_on(restorectl::runner::run(plan.clone(), &loaded.graph, exec, &config, None, &mut |e, ack| {
        ack.recorded();
        tally.event(e)
    }));
    let cp = loaded.graph.critical_path(&plan).length.as_secs_f64();
    let work: f64 = plan.services.iter().map(|s| s.duration.as_secs_f64()).sum();
    (tally.makespan().0, cp, work)
}

fn dag_plan(n: usize, edges: &[(usize, usize)], minutes: &[u64]) -> String {
    let mut s = String::from("[plan]\nname = \"random\"\n");
    for i in 0..n {
        let deps: Vec<String> = edges.iter().filter(|e| e.1 == i).map(|e| format!("\"s{}\"", e.0)).collect();
        s += &format!(
            "[[service]]\nid = \"s{i}\"\nname = \"s{i}\"\nduration = \"{}m\"\ndepends_on = [{}]\n[[service.check]]\ntcp = \"127.0.0.1:9\"\n",
            minutes[i % minutes.len()],
            deps.join(", ")
        );
    }
    s
}

fn random_dag() -> impl Strategy<Value = (usize, Vec<(usize, usize)>, Vec<u64>)> {
    (1usize..30).prop_flat_map(|n| {
        let edges = proptest::collection::vec((0..n, 0..n), 0..n * 2).prop_map(|v| {
            let mut e: Vec<(usize, usize)> =
                v.into_iter().filter(|(a, b)| a != b).map(|(a, b)| (a.min(b), a.max(b))).collect();
            e.sort();
            e.dedup();
            e
        });
        (Just(n), edges, proptest::collection::vec(1u64..300, 1..10))
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn makespan_matches_the_scheduling_bounds((n, edges, minutes) in random_dag(), k in 2usize..6) {
        let text = dag_plan(n, &edges, &minutes);
        let (unlimited, cp, work) = simulate(&text, n);
        prop_assert_eq!(unlimited, cp, "unlimited jobs: the makespan is the critical path");
        let (serial, _, _) = simulate(&text, 1);
        prop_assert_eq!(serial, work, "one job: the makespan is the sum of durations");
        let (makespan, _, _) = simulate(&text, k);
        prop_assert!(makespan <= cp + (work - cp) / k as f64 + 1e-6, "list-scheduling bound broken: {} > {}", makespan, cp + (work - cp) / k as f64);
        prop_assert!(makespan >= cp.max(work / k as f64) - 1e-6);
    }
}

/// On the benchmark's generated plans, each phase ends within 1% of max(critical path, work/K).
#[test]
fn benchmark_dags_are_scheduled_within_one_percent_of_the_lower_bound_per_phase() {
    let generator =
        std::env::current_exe().unwrap().parent().unwrap().parent().unwrap().join("examples/gen_plan");
    assert!(generator.exists(), "cargo test builds the examples; {} is missing", generator.display());
    for (n, k) in [(400usize, 8usize), (1000, 16)] {
        let out = std::process::Command::new(&generator).arg(n.to_string()).output().unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        let loaded =
            restorectl::loaded::check(Path::new("generator.toml"), text.clone().into_bytes()).ok().unwrap();
        let plan = loaded.plan.clone();
        let rt = restorectl::runtime::simulated().unwrap();
        let exec = Arc::new(restorectl::sim::SimExecutor::new(&plan, &Default::default(), 0));
        let mut tally = restorectl::tally::Tally::new(&plan);
        let mut phase_done = vec![0.0; plan.phases.len()];
        rt.block_on(restorectl::runner::run(
            plan.clone(),
            &loaded.graph,
            exec,
            &restorectl::runner::RunConfig {
                id: String::new(),
                jobs: k,
                mode: restorectl::event::RunMode::Dry,
                selection: Default::default(),
                watch: None,
                incident: Default::default(),
                operator: None,
            },
            None,
            &mut |e, ack| {
                ack.recorded();
                tally.event(e);
                if let restorectl::event::Event::PhaseComplete { phase, at } = e {
                    let p = plan.phases.iter().position(|x| &x.id == phase).unwrap();
                    phase_done[p] = at.0;
                }
            },
        ));
        for p in 0..plan.phases.len() {
            let members: Vec<usize> =
                (0..plan.services.len()).filter(|&i| plan.services[i].phase == Some(p)).collect();
            let work: f64 = members.iter().map(|&i| plan.services[i].duration.as_secs_f64()).sum();
            // Longest chain inside the phase (earlier phases are done when it opens).
            let mut longest = vec![0.0f64; plan.services.len()];
            for &i in &members {
                let before = loaded
                    .graph
                    .service_dependencies(i)
                    .into_iter()
                    .filter(|d| plan.services[*d].phase == Some(p))
                    .map(|d| longest[d])
                    .fold(0.0, f64::max);
                longest[i] = before + plan.services[i].duration.as_secs_f64();
            }
            let cp = members.iter().map(|&i| longest[i]).fold(0.0, f64::max);
            let span = phase_done[p] - if p == 0 { 0.0 } else { phase_done[p - 1] };
            let bound = cp.max(work / k as f64);
            assert!(span <= bound * 1.01, "{n} services, K={k}, phase {p}: {span}s vs bound {bound}s");
        }
    }
}
