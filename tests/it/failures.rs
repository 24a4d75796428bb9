//! How a live run tells failures and waits: one line per failure naming its log, logs kept per
//! run, RTOs missed only when the clock passes them, waits that are limited and never silent.

use std::path::Path;
use std::time::Duration;

use crate::support::*;

fn reports_service(d: &Path) -> String {
    format!(
        r#"
[[service]]
id = "db"
name = "db"
[[service.check]]
command = ["true"]

[[service]]
id = "archive"
name = "archive"
duration = "3h"

[[service]]
id = "reports"
name = "reports"
depends_on = ["db"]
rto = "2h"
[[service.check]]
command = ["test", "-f", "{d}/reports.up"]
[service.restore]
command = ["sh", "-c", "echo reading the backup; echo backup archive is corrupt >&2; exit 3"]
retries = 2
backoff = "10ms"
"#,
        d = d.display()
    )
}

fn plain_run(plan: &Path) -> (Option<i32>, String, String) {
    let out = restorectl().args(["run", "--progress", "plain"]).arg(plan).output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn run_id(log: &str) -> String {
    log.split("(run ").nth(1).and_then(|s| s.split([' ', ')']).next()).expect("the run's id").to_owned()
}

#[test]
fn each_failure_is_one_line_naming_its_log_and_each_run_keeps_its_own_logs() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let plan = plan_in(d, &reports_service(d));
    let (code, _, log) = plain_run(&plan);
    assert_eq!(code, Some(1), "{log}");
    let first = run_id(&log);
    let logs = d.join(".restorectl/plan/logs").join(&first);
    let lines: Vec<&str> = log.lines().filter(|l| l.contains("reports: ") && l.contains("attempt")).collect();
    let failures: Vec<&str> = lines.iter().copied().filter(|l| l.contains("of 3)")).collect();
    assert_eq!(failures.len(), 3, "one line per failed attempt:\n{log}");
    for (n, line) in failures.iter().enumerate() {
        let n = n + 1;
        let see = format!(" — see {}", logs.join(format!("reports.{n}.log")).display());
        if n < 3 {
            assert!(
                line.contains(&format!(
                    "reports: failed (attempt {n} of 3): exit 3: backup archive is corrupt{see}; retrying in "
                )),
                "{line}"
            );
        } else {
            assert!(
                line.ends_with(&format!(
                    "reports: FAILED (attempt 3 of 3): exit 3: backup archive is corrupt{see}"
                )),
                "{line}"
            );
        }
    }
    assert!(!log.contains("restore action failed"), "{log}");
    for n in 1..=3 {
        let text = std::fs::read_to_string(logs.join(format!("reports.{n}.log"))).unwrap();
        assert_eq!(text, "reading the backup\nbackup archive is corrupt\n");
    }
    // The next run writes its own logs; the first run's stay as they were.
    let (_, _, log) = plain_run(&plan);
    let second = run_id(&log);
    assert_ne!(first, second);
    assert!(d.join(".restorectl/plan/logs").join(&second).join("reports.3.log").exists());
    assert!(logs.join("reports.3.log").exists());
    // --fresh puts them away with the journal.
    restorectl().args(["run", "--fresh", "--progress", "none"]).arg(&plan).assert().code(1);
    let kept: Vec<String> = std::fs::read_dir(d.join(".restorectl/plan"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("logs."))
        .collect();
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert!(d.join(".restorectl/plan").join(&kept[0]).join(&first).join("reports.1.log").exists());
}

#[test]
fn a_failure_before_its_rto_is_not_an_rto_miss_and_names_its_real_cause() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let plan = plan_in(d, &reports_service(d));
    let (code, report, log) = plain_run(&plan);
    assert_eq!(code, Some(1), "{log}");
    assert!(!report.contains("RTO missed"), "{report}");
    assert!(!report.contains("held back by"), "{report}");
    let failed = report.lines().find(|l| l.starts_with("  failed   reports: ")).expect("the failure");
    assert!(
        failed.starts_with("  failed   reports: exit 3: backup archive is corrupt (RTO in 1h 59m"),
        "{failed}"
    );
    let (_, json) = run_json(&plan, &[]);
    assert_eq!(json["rto_misses"], serde_json::json!([]));
    // When the clock does pass the RTO (the rehearsal runs on until `archive` is back after 3h),
    // the miss names the failure, not the dependencies.
    let out = restorectl()
        .args(["run", "--dry-run", "--fail", "reports", "--start", "2022-07-25T08:00"])
        .args(["--state", d.join("rehearsal").to_str().unwrap()])
        .arg(&plan)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        report.contains("  RTO missed: reports never came online (RTO 2h); held back by reports (failed)\n"),
        "{report}"
    );
}

#[test]
fn a_service_without_a_restore_waits_for_its_checks_within_its_limit_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let body = format!(
        r#"
[defaults]
wait_timeout = "1h"

[[service]]
id = "queue"
name = "queue"
wait_timeout = "2s"
[[service.check]]
command = ["test", "-f", "{d}/queue.up"]
interval = "200ms"
"#,
        d = d.display()
    );
    let plan = plan_in(d, &body);
    let out = restorectl()
        .args(["run", "--progress", "plain", "--remind-every", "500ms"])
        .arg(&plan)
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{log}");
    let check = format!("test -f {}/queue.up: exit 1 (expected 0)", d.display());
    assert!(log.contains(&format!("queue: waiting for its checks to pass (up to 2s): {check}")), "{log}");
    assert!(log.contains("queue: still waiting for its checks ("), "{log}");
    assert!(
        log.contains(&format!("queue: FAILED (attempt 1 of 1): checks still failing after 2s: {check}")),
        "{log}"
    );
}

#[test]
fn the_first_ctrl_c_while_only_a_person_is_awaited_ends_the_run_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let body = "[[service]]\nid = \"signoff\"\nname = \"sign-off\"\n[service.restore]\nmanual = \"Get the sign-off.\"\ntimeout = \"1h\"\n";
    let plan = plan_in(dir.path(), body);
    let child = spawn_run(&plan, &["--remind-every", "200ms"]);
    let journal = dir.path().join(".restorectl/plan/journal.jsonl");
    wait_until("a reminder while waiting for the operator", || {
        std::fs::read_to_string(&journal).unwrap_or_default().contains(r#""kind":"operator""#)
    });
    signal(&child, libc::SIGINT);
    let out = child.wait_with_output().unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{log}");
    assert!(log.contains("signoff: still waiting for the operator ("), "{log}");
    assert!(log.contains("interrupted: stopping now; signoff waited for people only"), "{log}");
    assert!(std::fs::read_to_string(&journal).unwrap().contains(r#""event":"run_finished""#));
}

/// A limit shorter than the check interval still gets its looks, the last one at the limit.
#[test]
fn a_wait_shorter_than_the_check_interval_is_waited_in_full() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let body = format!(
        "[[service]]\nid = \"queue\"\nname = \"queue\"\nwait_timeout = \"3s\"\n[[service.check]]\ncommand = [\"test\", \"-f\", \"{d}/queue.up\"]\ninterval = \"10s\"\n",
        d = d.display()
    );
    let plan = plan_in(d, &body);
    let up = d.join("queue.up");
    let toucher = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(1000));
        std::fs::write(up, "").unwrap();
    });
    let (code, report) = run_json(&plan, &[]);
    toucher.join().unwrap();
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(state_of(&report, "queue"), "online");
}

/// Ctrl-C while a restore still runs: once only a person is left to wait for, the run ends.
#[test]
fn after_a_ctrl_c_the_run_ends_once_only_people_are_left() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let body = format!(
        "[[service]]\nid = \"signoff\"\nname = \"sign-off\"\n[service.restore]\nmanual = \"Sign it off.\"\ntimeout = \"1h\"\n\n[[service]]\nid = \"job\"\nname = \"job\"\n[[service.check]]\ncommand = [\"test\", \"-f\", \"{d}/job.up\"]\ninterval = \"50ms\"\n[service.restore]\ncommand = [\"sh\", \"-c\", \"echo job >> {d}/runs; sleep 1.5; touch {d}/job.up\"]\n",
        d = d.display()
    );
    let plan = plan_in(d, &body);
    let child = spawn_run(&plan, &[]);
    wait_for(&d.join("runs"), "the restore to start");
    signal(&child, libc::SIGINT);
    let out = child.wait_with_output().unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{log}");
    assert!(log.contains("interrupted: starting nothing new; waiting for"), "{log}");
    assert!(log.contains("job: online"), "the running restore was allowed to finish: {log}");
    assert!(log.contains("interrupted: stopping now; signoff waited for people only"), "{log}");
}

/// Ctrl-C while a service waits out its retry backoff: no further attempt starts, the run ends
/// without waiting the backoff, the service and its dependents are left (not failed, not blocked)
/// for the next run, which restores them.
#[test]
fn a_ctrl_c_during_a_retry_backoff_starts_no_further_attempt() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let body = format!(
        "[[service]]\nid = \"billing\"\nname = \"billing\"\n[[service.check]]\ncommand = [\"test\", \"-f\", \"{d}/billing.up\"]\ninterval = \"50ms\"\n[service.restore]\ncommand = [\"sh\", \"-c\", \"echo billing >> {d}/runs; test -f {d}/fixed && touch {d}/billing.up\"]\nretries = 3\nbackoff = \"1h\"\n\n[[service]]\nid = \"portal\"\nname = \"portal\"\ndepends_on = [\"billing\"]\n",
        d = d.display()
    );
    let plan = plan_in(d, &body);
    let child = spawn_run(&plan, &[]);
    let journal = d.join(".restorectl/plan/journal.jsonl");
    wait_until("the first attempt to fail", || {
        std::fs::read_to_string(&journal).unwrap_or_default().contains(r#""event":"retrying""#)
    });
    signal(&child, libc::SIGINT);
    // The backoff is an hour: a run that waits it out is stopped here, not waited for.
    let mut child = child;
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("the interrupted run waited out the retry backoff");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{log}");
    assert!(log.contains("billing: failed (attempt 1 of 4): "), "{log}");
    assert!(log.contains("billing: attempt 2 not started (interrupted); the next run restores it"), "{log}");
    let runs = || std::fs::read_to_string(d.join("runs")).unwrap().lines().count();
    assert_eq!(runs(), 1, "no attempt may start after the Ctrl-C");
    let report = json(&out.stdout);
    assert_eq!(report["outcome"], "interrupted");
    assert_eq!(state_of(&report, "billing"), "pending");
    assert_eq!(state_of(&report, "portal"), "pending", "not blocked: billing did not fail");

    std::fs::write(d.join("fixed"), "").unwrap();
    let (code, report) = run_json(&plan, &[]);
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(state_of(&report, "billing"), "online");
    assert_eq!(state_of(&report, "portal"), "online");
    assert_eq!(runs(), 2);
}

/// Online exactly at the RTO is in time: no delay notice, no miss.
#[test]
fn online_exactly_at_the_rto_meets_it() {
    let dir = tempfile::tempdir().unwrap();
    let body = "[[service]]\nid = \"db\"\nname = \"database\"\nduration = \"1h\"\nrto = \"1h\"\n\n[[service]]\nid = \"app\"\nname = \"app\"\ndepends_on = [\"db\"]\nduration = \"30m\"\nrto = \"90m\"\n";
    let plan = plan_in(dir.path(), body);
    let out = restorectl()
        .args(["run", "--dry-run", "--strict", "--progress", "plain"])
        .arg(&plan)
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{log}");
    // (At risk at 80 % of its RTO, as the log says, but not missed.)
    assert!(!log.contains("not online within its RTO"), "{log}");
    let announcements = std::fs::read_dir(dir.path().join(".restorectl/plan/dry-run/announcements")).unwrap();
    assert!(
        !announcements
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .any(|n| n.contains("-late-"))
    );
}

/// Two fresh starts within one second keep both earlier journals, each under a name of its own.
#[test]
fn fresh_starts_in_the_same_second_never_overwrite_what_they_keep() {
    let dir = tempfile::tempdir().unwrap();
    let plan = plan_in(
        dir.path(),
        "[[service]]\nid = \"db\"\nname = \"db\"\n[[service.check]]\ncommand = [\"true\"]\n",
    );
    for _ in 0..3 {
        restorectl().args(["run", "--fresh", "--progress", "none"]).arg(&plan).assert().code(0);
    }
    let state = dir.path().join(".restorectl/plan");
    let mut kept: Vec<String> = std::fs::read_dir(&state)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("journal.2") || n.starts_with("announcements."))
        .collect();
    kept.sort();
    assert_eq!(kept.iter().filter(|n| n.starts_with("journal.")).count(), 2, "{kept:?}");
    assert_eq!(kept.iter().filter(|n| n.starts_with("announcements.")).count(), 2, "{kept:?}");
    for name in kept.iter().filter(|n| n.starts_with("journal.")) {
        let text = std::fs::read_to_string(state.join(name)).unwrap();
        assert!(text.contains(r#""event":"run_finished""#), "{name} lost its run");
    }
}

#[test]
fn a_run_refuses_to_carry_on_another_plans_journal() {
    let dir = tempfile::tempdir().unwrap();
    let plan = plan_in(
        dir.path(),
        "[[service]]\nid = \"db\"\nname = \"db\"\n[[service.check]]\ncommand = [\"true\"]\n",
    );
    let state = dir.path().join(".restorectl/plan");
    std::fs::create_dir_all(&state).unwrap();
    let journal = chained(&[
        "{\"v\":1,\"time\":\"2026-01-01T00:00:00Z\",\"run\":{\"id\":\"0001\",\"plan\":\"Another plan\",\"pid\":1,\"dry_run\":false,\"fingerprints\":{}}}",
    ]);
    std::fs::write(state.join("journal.jsonl"), &journal).unwrap();
    restorectl().arg("run").arg(&plan).assert().code(2).stderr(format!(
        "error: the journal in {} is of the plan `Another plan`, not `Run test`; give its own state directory with --state (or, for a renamed plan, start afresh with --fresh)\n",
        state.display()
    ));
    assert_eq!(
        std::fs::read_to_string(state.join("journal.jsonl")).unwrap(),
        journal,
        "the journal was touched"
    );
    restorectl().args(["run", "--fresh", "--progress", "none"]).arg(&plan).assert().code(0);
}
