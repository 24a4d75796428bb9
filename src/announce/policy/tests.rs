//! The announcement policy, event by event, on a three-service plan.

use super::*;

const PLAN: &str = r#"
[plan]
name = "policy"
[announce]
batch_window = "15m"
[[phase]]
id = "core"
[[phase]]
id = "front"
[[service]]
id = "db"
phase = "core"
customer_facing = false
[[service]]
id = "mail"
name = "e-mail"
phase = "front"
rto = "1h"
[[service]]
id = "web"
name = "web shop"
phase = "front"
"#;

fn policy(memory: Memory) -> (Policy, std::sync::Arc<Plan>) {
    policy_of(PLAN, memory)
}

fn policy_of(plan: &str, memory: Memory) -> (Policy, std::sync::Arc<Plan>) {
    let loaded = crate::loaded::check(std::path::Path::new("p.toml"), plan.as_bytes().to_vec())
        .unwrap_or_else(|r| panic!("{:?}", r.diagnostics));
    (Policy::new(&loaded.plan, memory, Duration::from_secs(15 * 60)), loaded.plan)
}

fn at(minutes: f64) -> Secs {
    Secs(minutes * 60.0)
}

/// The test plan's services, by id.
fn svc(id: &str) -> crate::event::Svc {
    let index = ["db", "mail", "web"].iter().position(|s| *s == id).expect("a service of the plan");
    crate::event::Svc::new(index, id)
}

fn started(service: &str, m: f64) -> Event {
    Event::ActionStarted { service: svc(service), attempt: 1, at: at(m) }
}

fn online(service: &str, m: f64) -> Event {
    Event::Online { service: svc(service), at: at(m), attempts: 1 }
}

/// Feeds events (with their service's index) and collects every update.
fn run(p: &mut Policy, events: &[Event]) -> Vec<(Kind, Vec<usize>, f64)> {
    events.iter().flat_map(|e| p.event(e).0).map(|u| (u.kind, u.services, u.at.0 / 60.0)).collect()
}

#[test]
fn one_outage_notice_then_what_comes_back_together_is_one_update_at_the_window_close() {
    let (mut p, _) = policy(Memory::default());
    let updates = run(
        &mut p,
        &[
            started("db", 0.0),
            online("db", 10.0),
            started("mail", 10.0),
            started("web", 10.0),
            online("mail", 20.0),
            online("web", 30.0),
            Event::PhaseComplete { phase: "front".into(), at: at(30.0) },
            Event::RunFinished { at: at(60.0), outcome: Outcome::Success },
        ],
    );
    // What is back and the stage it completes are one update, when the window closes; being the
    // last ones back, it is the closing update (not a second one at the run's end).
    assert_eq!(updates, [(Kind::Start, vec![], 0.0), (Kind::Restored, vec![1, 2], 35.0)]);
}

#[test]
fn what_comes_back_and_the_stage_it_completes_are_one_update() {
    let (mut p, _) = policy(Memory::default());
    let mut updates = Vec::new();
    for e in [
        started("mail", 0.0),
        online("mail", 20.0),
        online("web", 30.0),
        Event::PhaseComplete { phase: "front".into(), at: at(30.0) },
        Event::RunFinished { at: at(30.0), outcome: Outcome::Success },
    ] {
        updates.extend(p.event(&e).0);
    }
    let got: Vec<(Kind, Vec<usize>, Vec<usize>)> =
        updates.into_iter().map(|u| (u.kind, u.services, u.phases)).collect();
    assert_eq!(got, [(Kind::Start, vec![], vec![]), (Kind::Restored, vec![1, 2], vec![1])]);
}

#[test]
fn the_window_closing_before_the_next_event_dates_the_update_at_its_close() {
    let (mut p, _) = policy(Memory::default());
    let updates = run(&mut p, &[started("mail", 0.0), online("mail", 5.0), started("web", 300.0)]);
    assert_eq!(updates, [(Kind::Start, vec![], 0.0), (Kind::Online, vec![1], 20.0)]);
}

#[test]
fn a_phase_of_internal_services_only_is_not_announced_and_a_delay_is_told_once() {
    let (mut p, _) = policy(Memory::default());
    let late = Event::RtoMissed { service: svc("mail"), at: at(60.0), rto: at(60.0) };
    let updates = run(
        &mut p,
        &[
            started("db", 0.0),
            online("db", 10.0),
            Event::PhaseComplete { phase: "core".into(), at: at(10.0) },
            started("mail", 10.0),
            late.clone(),
            late,
            started("web", 90.0),
        ],
    );
    // Bad news is told at the instant it happens, not when the batch window closes.
    assert_eq!(updates, [(Kind::Start, vec![], 0.0), (Kind::Late, vec![1], 60.0)]);
}

#[test]
fn a_later_run_tells_what_an_earlier_one_restored_but_never_announced_and_nothing_twice() {
    let memory = Memory {
        number: 4,
        started: true,
        restoring: [1, 2].into(),
        online: [2].into(),
        ..Memory::default()
    };
    let (mut p, _) = policy(memory);
    let mut updates = Vec::new();
    for e in [
        Event::AlreadyOnline { service: svc("mail"), at: at(0.0) },
        Event::AlreadyOnline { service: svc("web"), at: at(0.0) },
        Event::RunFinished { at: at(1.0), outcome: Outcome::Success },
    ] {
        updates.extend(p.event(&e).0);
    }
    let got: Vec<(u32, Kind, Vec<usize>)> =
        updates.into_iter().map(|u| (u.number, u.kind, u.services)).collect();
    assert_eq!(got, [(5, Kind::Restored, vec![1])]);
}

#[test]
fn a_failure_and_what_it_blocks_are_told_once_and_no_delay_notice_follows() {
    let (mut p, _) = policy(Memory::default());
    let failed = Event::Failed {
        service: svc("mail"),
        at: at(5.0),
        attempts: 2,
        of: 2,
        reason: "exit 1".into(),
        log: None,
        kind: None,
    };
    let blocked = Event::Blocked { service: svc("web"), at: at(5.0), by: "mail".into() };
    let late = Event::RtoMissed { service: svc("mail"), at: at(61.0), rto: at(60.0) };
    let updates = run(
        &mut p,
        &[
            started("mail", 0.0),
            failed.clone(),
            blocked,
            late,
            Event::RunFinished { at: at(70.0), outcome: Outcome::Failed },
        ],
    );
    assert_eq!(updates, [(Kind::Start, vec![], 0.0), (Kind::Failed, vec![1, 2], 5.0)]);
    // A later run in which it fails again says nothing new.
    let (mut p, _) = policy(Memory { number: 2, started: true, failed: [1, 2].into(), ..Memory::default() });
    assert_eq!(run(&mut p, &[started("mail", 0.0), failed]), []);
}

#[test]
fn an_internal_failure_is_not_told_and_nothing_is_told_before_the_outage_notice() {
    let (mut p, _) = policy(Memory::default());
    let failed = |id: &str| Event::Failed {
        service: svc(id),
        at: at(1.0),
        attempts: 1,
        of: 1,
        reason: "exit 1".into(),
        log: None,
        kind: None,
    };
    assert_eq!(run(&mut p, &[failed("db"), failed("mail")]), []);
}

#[test]
fn with_a_cadence_a_silence_gets_a_progress_update_per_cadence_and_none_after_the_end() {
    let plan = PLAN.replace("batch_window = \"15m\"", "batch_window = \"15m\"\ncadence = \"1h\"");
    let (mut p, _) = policy_of(&plan, Memory::default());
    let updates = run(
        &mut p,
        &[
            started("db", 0.0),
            // Nothing to tell for two and a half hours: two progress updates, an hour apart.
            online("mail", 150.0),
            online("web", 160.0),
            Event::RunFinished { at: at(400.0), outcome: Outcome::Success },
        ],
    );
    assert_eq!(
        updates,
        [
            (Kind::Start, vec![], 0.0),
            (Kind::Progress, vec![], 60.0),
            (Kind::Progress, vec![], 120.0),
            // Everything customers use is back: the closing update, and no progress update
            // though hours pass before the run ends.
            (Kind::Restored, vec![1, 2], 165.0),
        ]
    );
    assert_eq!(p.next_due(), None);
    // Without a cadence, silence stays silence.
    let (mut p, _) = policy(Memory::default());
    let kinds: Vec<Kind> =
        run(&mut p, &[started("db", 0.0), online("mail", 600.0)]).into_iter().map(|u| u.0).collect();
    assert_eq!(kinds, [Kind::Start]);
}

#[test]
fn a_cadence_shorter_than_the_batch_window_waits_for_the_window() {
    let plan = PLAN.replace("batch_window = \"15m\"", "batch_window = \"15m\"\ncadence = \"1h\"");
    let loaded = crate::loaded::check(std::path::Path::new("p.toml"), plan.into_bytes())
        .unwrap_or_else(|r| panic!("{:?}", r.diagnostics));
    let mut p = Policy::new(&loaded.plan, Memory::default(), Duration::from_secs(3 * 3600));
    let updates = run(&mut p, &[started("db", 0.0), online("mail", 400.0)]);
    assert_eq!(
        updates[..3],
        [(Kind::Start, vec![], 0.0), (Kind::Progress, vec![], 180.0), (Kind::Progress, vec![], 360.0)]
    );
}

#[test]
fn a_service_told_back_that_goes_down_again_is_told_unavailable_then_back() {
    // Watched in this run: it fell back.
    let (mut p, _) = policy(Memory::default());
    let fell = Event::FellBack { service: svc("web"), at: at(30.0), detail: String::new(), kind: None };
    let got = run(
        &mut p,
        &[
            started("web", 0.0),
            online("web", 10.0),
            started("mail", 20.0),
            fell,
            started("web", 50.0),
            online("web", 70.0),
        ],
    );
    let kinds: Vec<(Kind, Vec<usize>)> = got.into_iter().map(|(k, s, _)| (k, s)).collect();
    assert_eq!(kinds, [(Kind::Start, vec![]), (Kind::Online, vec![2]), (Kind::Unavailable, vec![2])]);
    // Told back by an earlier run, found down and restored again by this one.
    let (mut p, _) = policy(Memory {
        number: 3,
        started: true,
        online: [2].into(),
        restoring: [2].into(),
        ..Memory::default()
    });
    let got = run(
        &mut p,
        &[
            started("web", 0.0),
            online("web", 30.0),
            Event::RunFinished { at: at(31.0), outcome: Outcome::Success },
        ],
    );
    let kinds: Vec<Kind> = got.into_iter().map(|(k, _, _)| k).collect();
    assert_eq!(kinds, [Kind::Unavailable, Kind::Online]);
}

#[test]
fn a_stage_completed_after_the_closing_update_is_not_told() {
    let (mut p, _) = policy(Memory::default());
    let got = run(
        &mut p,
        &[
            started("mail", 0.0),
            online("mail", 1.0),
            started("web", 1.0),
            online("web", 2.0),
            Event::RunFinished { at: at(2.0), outcome: Outcome::Success },
            Event::PhaseComplete { phase: "front".into(), at: at(3.0) },
            online("db", 30.0),
        ],
    );
    let kinds: Vec<Kind> = got.into_iter().map(|(k, _, _)| k).collect();
    assert_eq!(kinds.last(), Some(&Kind::Restored), "{kinds:?}");
}

/// With `publish_hours`, good news waits for the morning, also when bad news goes out at night;
/// the bad news goes out at once.
#[test]
fn good_news_waits_for_the_publishing_hours_and_bad_news_does_not() {
    let (p, _) = policy(Memory::default());
    let start: jiff::ZonedDateTime = "2022-07-25T08:00[UTC]".parse().unwrap();
    let stamp = crate::stamp::Stamp { start, with_date: true };
    let hours = (jiff::civil::Time::constant(8, 0, 0, 0), jiff::civil::Time::constant(20, 0, 0, 0));
    let mut p = p.with_hours(Some(Hours::new(stamp, hours)));
    let failed = Event::Failed {
        service: svc("mail"),
        at: at(780.0),
        attempts: 1,
        of: 1,
        reason: "exit 1".into(),
        log: None,
        kind: None,
    };
    let mut updates = run(&mut p, &[started("mail", 0.0), started("web", 0.0), online("web", 720.0), failed]);
    updates.extend(p.tick(at(2000.0)).into_iter().map(|u| (u.kind, u.services, u.at.0 / 60.0)));
    // The web shop back at 20:00 is told at 08:00 the next morning; the e-mail's failure at 21:00.
    assert_eq!(
        updates,
        [(Kind::Start, vec![], 0.0), (Kind::Failed, vec![1], 780.0), (Kind::Online, vec![2], 1440.0)]
    );
}
