//! Critical and optional services, and `on_failure`: a non-critical service's failure is reported
//! and the run still succeeds; what declares it `optional_depends_on` goes on; with
//! `on_failure = "halt"` a critical failure starts nothing new, lets what runs finish, exits 1.
//! Dry runs: the same scheduler as live runs, on a clock that makes the order exact.

use crate::support::*;

const PLAN: &str = r#"
[[phase]]
id = "core"
[[phase]]
id = "front"
[[service]]
id = "db"
phase = "core"
duration = "1h"
[[service]]
id = "reports"
phase = "core"
duration = "30m"
critical = false
[[service]]
id = "web"
phase = "front"
duration = "1h"
depends_on = ["db"]
optional_depends_on = ["reports"]
[[service]]
id = "exports"
phase = "front"
duration = "1h"
depends_on = ["reports"]
"#;

#[test]
fn an_optional_service_failing_is_reported_and_the_run_succeeds() {
    let dir = tempfile::tempdir().unwrap();
    // `exports` needs `reports` outright: blocked, and as it is critical the run fails...
    let plan = plan_in(dir.path(), PLAN);
    let (code, report) = run_json(&plan, &["--dry-run", "--fail", "reports"]);
    assert_eq!(code, Some(1));
    assert_eq!(state_of(&report, "web"), "online", "an optional dependency's failure does not block");
    assert_eq!(state_of(&report, "exports"), "blocked");
    // ...made non-critical too, the run succeeds, and says without what.
    let plan = plan_in(
        dir.path(),
        &PLAN.replace("depends_on = [\"reports\"]\n", "depends_on = [\"reports\"]\ncritical = false\n"),
    );
    let out = restorectl().args(["run", "--dry-run", "--fail", "reports"]).arg(&plan).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("  failed   reports (not critical): "), "{text}");
    assert!(
        text.contains("warning: the run succeeded without 2 services (critical = false): reports, exports\n"),
        "{text}"
    );
    // The gate of the core phase opened without `reports`: `web` (front) ran.
    let (_, report) = run_json(&plan, &["--dry-run", "--fail", "reports"]);
    assert_eq!(state_of(&report, "web"), "online");
}

#[test]
fn halt_starts_nothing_new_after_a_critical_failure() {
    let dir = tempfile::tempdir().unwrap();
    let services = "[[service]]\nid = \"db\"\nduration = \"1h\"\n[[service]]\nid = \"mail\"\nduration = \"2h\"\n\
                    [[service]]\nid = \"web\"\nduration = \"1h\"\n";
    let plan = plan_in(dir.path(), &format!("on_failure = \"halt\"\n{services}"));
    // Two at a time: db and mail start; db fails at 1h; web would start then, but does not;
    // mail, already running, finishes.
    let out = restorectl()
        .args(["run", "--dry-run", "--jobs", "2", "--progress", "plain", "--format", "json", "--fail", "db"])
        .arg(&plan)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let report = json(&out.stdout);
    assert_eq!(state_of(&report, "db"), "failed");
    assert_eq!(state_of(&report, "mail"), "online");
    assert_eq!(state_of(&report, "web"), "pending");
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(
        log.contains("halting: db failed and the plan says on_failure = \"halt\": starting nothing new; waiting for mail"),
        "{log}"
    );
    // The same plan continuing: web runs.
    let plan = plan_in(dir.path(), services);
    let (code, report) = run_json(&plan, &["--dry-run", "--jobs", "2", "--fail", "db"]);
    assert_eq!(code, Some(1));
    assert_eq!(state_of(&report, "web"), "online");
}

/// Halted while a manual step waits for a person: the run does not wait for them (a person may
/// take hours); it stops, exit 1, and the step is left for the next run.
#[test]
fn halt_does_not_wait_for_people() {
    let dir = tempfile::tempdir().unwrap();
    let db = file_service(dir.path(), "db", Some("sleep 0.3; false"));
    let switch = "[[service]]\nid = \"switch\"\n[service.restore]\nmanual = \"Power-cycle the switch.\"\n";
    let plan = plan_in(dir.path(), &format!("on_failure = \"halt\"\n{db}{switch}"));
    let (code, report) = run_json(&plan, &[]);
    assert_eq!(code, Some(1), "{report:#}");
    assert_eq!(state_of(&report, "db"), "failed");
    assert_ne!(state_of(&report, "switch"), "online");
}
