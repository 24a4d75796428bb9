//! The scheduler when services fall back (`reopen`): what they hold and let go, on small plans.

use super::*;

/// Phases `p1` (db, app: non-critical and needing db, slow) and `p2` (web), gated.
const PLAN: &str = r#"
[plan]
name = "reopen"
[[phase]]
id = "p1"
[[phase]]
id = "p2"
[[service]]
id = "db"
phase = "p1"
[[service]]
id = "app"
phase = "p1"
critical = false
depends_on = ["db"]
[[service]]
id = "slow"
phase = "p1"
[[service]]
id = "web"
phase = "p2"
"#;

const DB: usize = 0;
const APP: usize = 1;
const SLOW: usize = 2;
const WEB: usize = 3;

fn with_scheduler(test: impl FnOnce(&mut Scheduler<'_>)) {
    let loaded = crate::loaded::check(std::path::Path::new("p.toml"), PLAN.as_bytes().to_vec())
        .unwrap_or_else(|r| panic!("{:?}", r.diagnostics));
    let plan = &loaded.plan;
    let durations: Vec<Duration> = plan.services.iter().map(|s| s.duration).collect();
    let phases: Vec<Option<usize>> = plan.services.iter().map(|s| s.phase).collect();
    let critical: Vec<bool> = plan.services.iter().map(|s| s.critical).collect();
    let mut s = Scheduler::new(&loaded.graph, &durations, &phases, &critical, plan.phases.len(), 8);
    test(&mut s);
}

fn started(s: &mut Scheduler<'_>) -> Vec<usize> {
    let mut out: Vec<usize> = std::iter::from_fn(|| s.start_next()).collect();
    out.sort_unstable();
    out
}

#[test]
fn a_phase_not_yet_complete_waits_for_a_service_that_fell_back() {
    with_scheduler(|s| {
        assert_eq!(started(s), [DB, SLOW]);
        assert!(s.complete(DB, true).is_empty());
        assert_eq!(started(s), [APP]);
        assert!(s.complete(APP, true).is_empty());
        // db falls back while slow still runs: restored again, app (online) is left alone.
        assert!(s.reopen(DB).is_empty());
        assert_eq!(started(s), [DB]);
        // slow is back: the phase is not complete, db is not.
        assert!(s.complete(SLOW, true).is_empty());
        assert_eq!(started(s), Vec::<usize>::new());
        assert_eq!(s.complete(DB, true), [Change::PhaseComplete { phase: 0 }]);
        assert_eq!(started(s), [WEB]);
    });
}

#[test]
fn a_critical_service_that_falls_back_for_good_blocks_what_it_held_and_the_next_phase() {
    with_scheduler(|s| {
        assert_eq!(started(s), [DB, SLOW]);
        s.complete(DB, true);
        assert_eq!(started(s), [APP]);
        s.complete(APP, true);
        // db falls back, then app (which needs it): app waits for db.
        s.reopen(DB);
        assert_eq!(started(s), [DB]);
        assert!(s.reopen(APP).is_empty());
        assert_eq!(started(s), Vec::<usize>::new());
        // db is not coming back: app is blocked, and so is the next phase; no count goes below zero.
        assert_eq!(
            s.complete(DB, false),
            [Change::Blocked { service: APP, by: DB }, Change::Blocked { service: WEB, by: DB }]
        );
        assert!(s.complete(SLOW, true).is_empty());
        assert!(s.finished());
    });
}

#[test]
fn a_non_critical_service_that_falls_back_for_good_lets_its_phase_go_on() {
    with_scheduler(|s| {
        assert_eq!(started(s), [DB, SLOW]);
        s.complete(DB, true);
        assert_eq!(started(s), [APP]);
        s.complete(APP, true);
        s.reopen(APP);
        assert_eq!(started(s), [APP]);
        assert!(s.complete(APP, false).is_empty());
        // As after a first failure of a non-critical service: the gate opens, and the phase is
        // not reported complete (a service of it is not back).
        assert!(s.complete(SLOW, true).is_empty());
        assert_eq!(started(s), [WEB]);
    });
}

/// A random plan: `n` services in up to three gated phases (in order), each needing some earlier
/// ones (hard or optional), some not critical.
fn random_plan(n: usize, edges: &[(usize, usize, bool)], phase_cut: (usize, usize), lax: &[bool]) -> String {
    let mut toml = String::from(
        "[plan]\nname = \"random\"\n[[phase]]\nid = \"a\"\n[[phase]]\nid = \"b\"\n[[phase]]\nid = \"c\"\n",
    );
    for (i, lax) in lax.iter().enumerate().take(n) {
        let phase = if i < phase_cut.0 {
            "a"
        } else if i < phase_cut.1 {
            "b"
        } else {
            "c"
        };
        let deps = |optional: bool| {
            edges
                .iter()
                .filter(|(_, b, o)| *b == i && *o == optional)
                .map(|(a, _, _)| format!("\"s{a}\""))
                .collect::<Vec<_>>()
                .join(", ")
        };
        toml += &format!(
            "[[service]]\nid = \"s{i}\"\nphase = \"{phase}\"\ncritical = {}\ndepends_on = [{}]\noptional_depends_on = [{}]\n",
            !lax,
            deps(false),
            deps(true)
        );
    }
    toml
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(1000))]

    /// Whatever services come back, fail, or fall back and are restored again (or not), in
    /// whatever order: no count goes below zero (a panic), no service starts before what it
    /// needs is online, and the run ends.
    #[test]
    fn falling_back_never_breaks_the_schedule(
        n in 2usize..9,
        raw_edges in proptest::collection::vec((0usize..9, 0usize..9, proptest::bool::weighted(0.3)), 0..14),
        cut in (0usize..9, 0usize..9),
        lax in proptest::collection::vec(proptest::bool::weighted(0.3), 9),
        moves in proptest::collection::vec((0usize..9, 0u8..10), 1..60),
    ) {
        let mut edges: Vec<(usize, usize, bool)> = raw_edges
            .into_iter()
            .filter(|(a, b, _)| a != b && *a < n && *b < n)
            .map(|(a, b, o)| (a.min(b), a.max(b), o))
            .collect();
        edges.sort();
        edges.dedup_by(|x, y| x.0 == y.0 && x.1 == y.1);
        let cut = (cut.0.min(cut.1).min(n), cut.0.max(cut.1).min(n));
        let text = random_plan(n, &edges, cut, &lax);
        let loaded = crate::loaded::check(std::path::Path::new("p.toml"), text.into_bytes())
            .unwrap_or_else(|r| panic!("{:?}", r.diagnostics));
        let plan = &loaded.plan;
        let durations: Vec<Duration> = plan.services.iter().map(|s| s.duration).collect();
        let phases: Vec<Option<usize>> = plan.services.iter().map(|s| s.phase).collect();
        let critical: Vec<bool> = plan.services.iter().map(|s| s.critical).collect();
        let mut s = Scheduler::new(&loaded.graph, &durations, &phases, &critical, plan.phases.len(), 3);
        let mut running: Vec<usize> = Vec::new();
        let mut online = vec![false; n];
        let mut moves = moves.into_iter();
        for _ in 0..500 {
            while let Some(i) = s.start_next() {
                // Everything it needs (not optionally) is online: services, and its phase's gate.
                let node = loaded.graph.services[i];
                for d in loaded.graph.dependencies(node) {
                    if !s.soft(d, node) {
                        proptest::prop_assert_eq!(s.state[d.index()], NodeState::Online, "s{} started before {:?}", i, loaded.graph.node(d));
                    }
                }
                running.push(i);
            }
            if s.finished() {
                break;
            }
            let (pick, what) = moves.next().unwrap_or((0, 0));
            // Fall back: an online service (reopened), if the move says so and one is online.
            let up: Vec<usize> = (0..n).filter(|&i| online[i]).collect();
            if what >= 7 && !up.is_empty() {
                let i = up[pick % up.len()];
                online[i] = false;
                s.reopen(i);
                continue;
            }
            // Otherwise a running service ends: online, or (now and then) failed.
            proptest::prop_assert!(!running.is_empty(), "nothing runs, nothing is ready, and the run is not finished");
            let i = running.remove(pick % running.len());
            let up = what >= 2;
            online[i] = up;
            s.complete(i, up);
        }
        proptest::prop_assert!(s.finished(), "the run never ends");
        // Nothing is left waiting for something that will never come.
        for (i, n) in loaded.graph.services.iter().enumerate() {
            let state = s.state[n.index()];
            proptest::prop_assert!(
                !matches!(state, NodeState::Waiting | NodeState::Ready | NodeState::Running),
                "s{} left {:?}",
                i,
                state
            );
        }
    }
}
