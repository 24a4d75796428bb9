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
