//! `restorectl run` with real child processes: order, parallelism, failures, retries, timeouts,
//! manual steps, crash safety, Ctrl-C and the lock.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::support::*;

/// A service whose restore records start/end in `log`, sleeps, then creates `<dir>/<id>.up`; its
/// check is that file. `extra` goes into the `[[service]]` table.
fn svc(dir: &Path, id: &str, deps: &[&str], sleep: f64, extra: &str) -> String {
    let deps: Vec<String> = deps.iter().map(|d| format!("\"{d}\"")).collect();
    let d = dir.display();
    format!(
        r#"
[[service]]
id = "{id}"
name = "{id}"
depends_on = [{deps}]
duration = "{ms}ms"
{extra}
[[service.check]]
command = ["test", "-f", "{d}/{id}.up"]
interval = "50ms"
[service.restore]
command = ["sh", "-c", "echo start {id} $(date +%s%N) >> {d}/log; echo {id} >> {d}/runs; sleep {sleep}; touch {d}/{id}.up; echo end {id} $(date +%s%N) >> {d}/log"]
timeout = "20s"
"#,
        deps = deps.join(", "),
        ms = (sleep * 1000.0) as u64,
    )
}

/// (id, start ns, end ns) per restore, from the log the actions write.
fn spans(dir: &Path) -> Vec<(String, u128, u128)> {
    let log = std::fs::read_to_string(dir.join("log")).unwrap_or_default();
    let mut starts = std::collections::HashMap::new();
    let mut out = Vec::new();
    for line in log.lines() {
        let parts: Vec<&str> = line.split(' ').collect();
        let t: u128 = parts[2].parse().unwrap();
        match parts[0] {
            "start" => {
                starts.insert(parts[1].to_owned(), t);
            }
            _ => out.push((parts[1].to_owned(), starts[parts[1]], t)),
        }
    }
    out
}

fn runs(dir: &Path, id: &str) -> usize {
    std::fs::read_to_string(dir.join("runs")).unwrap_or_default().lines().filter(|l| *l == id).count()
}

#[test]
fn dependency_order_and_jobs_are_respected() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut body = String::new();
    body += &svc(d, "net", &[], 0.2, "");
    for i in 0..6 {
        body += &svc(d, &format!("app{i}"), &["net"], 0.3, "");
    }
    body += &svc(d, "portal", &["app0", "app5"], 0.1, "");
    let plan = plan_in(d, &body);
    let (code, report) = run_json(&plan, &["--jobs", "2"]);
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(report["outcome"], "success");
    let spans = spans(d);
    assert_eq!(spans.len(), 8);
    let find = |id: &str| spans.iter().find(|s| s.0 == id).unwrap().clone();
    for i in 0..6 {
        assert!(find("net").2 <= find(&format!("app{i}")).1, "app{i} started before net was up");
    }
    assert!(find("app0").2 <= find("portal").1 && find("app5").2 <= find("portal").1);
    // Never more than 2 actions at once.
    for s in &spans {
        let overlapping = spans.iter().filter(|o| o.1 <= s.1 && s.1 < o.2).count();
        assert!(overlapping <= 2, "{overlapping} actions ran at once around {}", s.0);
    }
    // A second run changes nothing: every service is already online.
    let (code, report) = run_json(&plan, &[]);
    assert_eq!(code, Some(0));
    assert_eq!(report["counts"]["already_online"], 8);
    assert_eq!(runs(d, "net"), 1);
}

#[test]
fn a_failure_blocks_exactly_its_dependents() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let broken = r#"
[[service]]
id = "db"
name = "db"
[[service.check]]
command = ["false"]
[service.restore]
command = ["sh", "-c", "echo disk on fire >&2; exit 3"]
"#;
    let mut body = String::from(broken);
    body += &svc(d, "api", &["db"], 0.0, "");
    body += &svc(d, "portal", &["api"], 0.0, "");
    body += &svc(d, "email", &[], 0.1, "");
    body += &svc(d, "forms", &["email"], 0.0, "");
    let (code, report) = run_json(&plan_in(d, &body), &[]);
    assert_eq!(code, Some(1));
    assert_eq!(report["outcome"], "failed");
    assert_eq!(state_of(&report, "db"), "failed");
    let db = report["services"].as_array().unwrap().iter().find(|s| s["id"] == "db").unwrap();
    assert_eq!(db["reason"], "exit 3: disk on fire");
    assert_eq!(state_of(&report, "api"), "blocked");
    assert_eq!(state_of(&report, "portal"), "blocked");
    assert_eq!(state_of(&report, "email"), "online");
    assert_eq!(state_of(&report, "forms"), "online");
    assert_eq!((runs(d, "api"), runs(d, "portal")), (0, 0));
}

#[test]
fn retries_back_off_exponentially_then_succeed() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display();
    let body = format!(
        r#"
[[service]]
id = "flaky"
name = "flaky"
[[service.check]]
command = ["test", "-f", "{d}/flaky.up"]
interval = "50ms"
[service.restore]
command = ["sh", "-c", "date +%s%N >> {d}/attempts; [ $(wc -l < {d}/attempts) -ge 3 ] && touch {d}/flaky.up"]
retries = 2
backoff = "200ms"
"#
    );
    let (code, report) = run_json(&plan_in(dir.path(), &body), &[]);
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(report["services"][0]["attempts"], 3);
    let times: Vec<u128> = std::fs::read_to_string(dir.path().join("attempts"))
        .unwrap()
        .lines()
        .map(|l| l.parse().unwrap())
        .collect();
    let gaps: Vec<u128> = times.windows(2).map(|w| (w[1] - w[0]) / 1_000_000).collect();
    assert!(gaps[0] >= 200 && gaps[1] >= 400, "backoff gaps {gaps:?} ms, expected ≥200 then ≥400");
}

#[test]
fn an_action_past_its_timeout_is_killed_with_its_process_group() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display();
    let body = format!(
        r#"
[[service]]
id = "stuck"
name = "stuck"
[[service.check]]
command = ["false"]
[service.restore]
command = ["sh", "-c", "sleep 300 & echo $! > {d}/child; wait"]
timeout = "1s"
"#
    );
    let (code, report) = run_json(&plan_in(dir.path(), &body), &[]);
    assert_eq!(code, Some(1));
    assert_eq!(report["services"][0]["reason"], "timed out after 1s (process group killed)");
    let pid: u32 = read_pid(&dir.path().join("child"));
    let deadline = Instant::now() + Duration::from_secs(5);
    while restorectl::process::alive(pid, None) {
        assert!(Instant::now() < deadline, "the action's child {pid} survived");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_manual_step_waits_for_its_checks() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display();
    let body = format!(
        r#"
[[service]]
id = "firewall"
name = "firewall"
[[service.check]]
command = ["test", "-f", "{d}/swapped"]
interval = "100ms"
[service.restore]
manual = "Swap the firewall appliance."
timeout = "20s"
"#
    );
    let plan = plan_in(dir.path(), &body);
    let marker = dir.path().join("swapped");
    let operator = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(800));
        std::fs::write(marker, "").unwrap();
    });
    let out = restorectl().args(["run", "--progress", "plain"]).arg(&plan).output().unwrap();
    operator.join().unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{log}");
    assert!(log.contains("firewall: waiting for the operator: Swap the firewall appliance."), "{log}");
    assert!(log.contains("firewall: online"), "{log}");
}

#[test]
fn a_manual_step_without_checks_waits_for_confirm_and_journals_who() {
    let dir = tempfile::tempdir().unwrap();
    let body = "[[service]]\nid = \"signoff\"\nname = \"sign-off\"\n[service.restore]\nmanual = \"Get the forensic sign-off.\"\ntimeout = \"20s\"\n";
    let plan = plan_in(dir.path(), body);
    let child = spawn_run(&plan, &[]);
    std::thread::sleep(Duration::from_millis(700));
    restorectl().args(["confirm"]).arg(&plan).args(["signoff", "--by", "Anna Nowak"]).assert().code(0);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let journal = std::fs::read_to_string(dir.path().join(".restorectl/plan/journal.jsonl")).unwrap();
    assert!(
        journal.contains(r#""event":"confirmed","service":"signoff""#)
            && journal.contains(r#""by":"Anna Nowak""#)
    );
    // The next run trusts the journal: nothing to probe, nothing to ask again.
    let (code, report) = run_json(&plan, &[]);
    assert_eq!(code, Some(0));
    assert_eq!(state_of(&report, "signoff"), "already_online");
}

#[test]
fn after_sigkill_the_next_run_finishes_and_no_action_runs_twice() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut body = String::new();
    body += &svc(d, "a", &[], 0.2, "");
    body += &svc(d, "b", &["a"], 1.5, "");
    body += &svc(d, "c", &["b"], 0.2, "");
    body += &svc(d, "d", &[], 0.2, "");
    let plan = plan_in(d, &body);
    let mut child = spawn_run(&plan, &[]);
    // Kill restorectl while `b`'s restore is in flight.
    let deadline = Instant::now() + Duration::from_secs(10);
    while runs(d, "b") == 0 {
        assert!(Instant::now() < deadline, "b never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    signal(&child, libc::SIGKILL);
    child.wait().unwrap();
    assert!(!d.join("b.up").exists(), "killed too late to test anything");
    let (code, report) = run_json(&plan, &[]);
    assert_eq!(code, Some(0), "{report:#}");
    for id in ["a", "b", "c", "d"] {
        assert!(
            matches!(state_of(&report, id).as_str(), Some("online" | "already_online")),
            "{id}: {report:#}"
        );
        assert_eq!(runs(d, id), 1, "the restore of {id} ran {} times", runs(d, id));
    }
    // `b` was left running by the dead run; the new run waited for it and verified it.
    assert_eq!(state_of(&report, "b"), "online");
}

#[test]
fn ctrl_c_waits_for_running_actions_exits_130_and_the_next_run_completes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut body = String::new();
    body += &svc(d, "slow", &[], 1.0, "");
    body += &svc(d, "after", &["slow"], 0.1, "");
    let plan = plan_in(d, &body);
    let child = spawn_run(&plan, &[]);
    wait_for(&d.join("runs"), "the first restore");
    signal(&child, libc::SIGINT);
    let out = child.wait_with_output().unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{log}");
    assert!(log.contains("interrupted: starting nothing new; waiting for slow"), "{log}");
    let report = json(&out.stdout);
    assert_eq!(report["outcome"], "interrupted");
    assert_eq!(state_of(&report, "slow"), "online", "the running restore was allowed to finish");
    assert_eq!(state_of(&report, "after"), "pending");
    for line in std::fs::read_to_string(d.join(".restorectl/plan/journal.jsonl")).unwrap().lines() {
        serde_json::from_str::<serde_json::Value>(line).expect("every journal line is JSON");
    }
    let (code, report) = run_json(&plan, &[]);
    assert_eq!(code, Some(0));
    assert_eq!(state_of(&report, "after"), "online");
    assert_eq!(runs(d, "slow"), 1);
}

#[test]
fn a_second_concurrent_run_fails_fast_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let plan = plan_in(d, &svc(d, "slow", &[], 1.5, ""));
    let child = spawn_run(&plan, &[]);
    wait_for(&d.join("runs"), "the first run");
    let journal = d.join(".restorectl/plan/journal.jsonl");
    let before = std::fs::read_to_string(&journal).unwrap();
    let out = restorectl().args(["run"]).arg(&plan).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    let expected = format!(
        "error: another restorectl run (pid {}) is using {}; wait for it to finish, or stop it first\n",
        child.id(),
        d.join(".restorectl/plan").display()
    );
    assert_eq!(err, expected);
    assert!(std::fs::read_to_string(&journal).unwrap().starts_with(&before));
    assert_eq!(runs(d, "slow"), 1);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn a_changed_plan_is_reported_and_used() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let plan = plan_in(d, &svc(d, "a", &[], 0.0, ""));
    assert_eq!(run_json(&plan, &[]).0, Some(0));
    plan_in(d, &(svc(d, "a", &[], 0.0, "") + &svc(d, "b", &["a"], 0.0, "")));
    let out = restorectl().args(["run", "--format", "json"]).arg(&plan).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("note: the plan changed since the journal was written: b (added)\n"), "{err}");
    assert_eq!(state_of(&json(&out.stdout), "b"), "online");
    // `a` loses a dependency-free restore script line, `b` goes, `c` comes.
    plan_in(d, &(svc(d, "a", &[], 0.1, "") + &svc(d, "c", &[], 0.0, "")));
    let out = restorectl().args(["run", "--format", "json"]).arg(&plan).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "note: the plan changed since the journal was written: a (changed), c (added), b (removed)\n"
        ),
        "{err}"
    );
}

#[test]
fn a_manual_step_can_be_confirmed_by_typing_its_id_on_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let body = "[[service]]\nid = \"signoff\"\nname = \"sign-off\"\n[service.restore]\nmanual = \"Get the sign-off.\"\ntimeout = \"20s\"\n";
    let plan = plan_in(dir.path(), body);
    // `script` gives restorectl a real terminal; what we write to it is what the operator types.
    let command = format!(
        "{} run --progress plain {}",
        assert_cmd::cargo::cargo_bin("restorectl").display(),
        plan.display()
    );
    let mut child = std::process::Command::new("script")
        .args(["-qfec", &command, "/dev/null"])
        .env("USER", "operator-on-call")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("`script` from util-linux");
    std::thread::sleep(Duration::from_millis(1000));
    use std::io::Write;
    child.stdin.as_mut().unwrap().write_all(b"signoff\n").unwrap();
    let out = child.wait_with_output().unwrap();
    let screen = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{screen}");
    assert!(screen.contains("signoff: when done, type `signoff` and press Enter"), "{screen}");
    assert!(screen.contains("signoff: confirmed by operator-on-call"), "{screen}");
}

#[test]
fn a_missing_secret_stops_the_run_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let body = "[[service]]\nid = \"api\"\nname = \"api\"\n[[service.check]]\nhttp = \"http://127.0.0.1:9/\"\nheaders = { X = \"${env:RESTORECTL_TEST_UNSET}\" }\n";
    let plan = plan_in(dir.path(), body);
    restorectl().env_remove("RESTORECTL_TEST_UNSET").arg("run").arg(&plan).assert().code(2).stderr(
        "error: environment variable `RESTORECTL_TEST_UNSET` is not set (used by check 1 of service `api`)\n",
    );
    assert!(!dir.path().join(".restorectl").exists());
}

#[test]
fn a_second_ctrl_c_kills_the_running_actions() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display();
    let body = format!(
        "[[service]]\nid = \"long\"\nname = \"long\"\n[[service.check]]\ncommand = [\"false\"]\n[service.restore]\ncommand = [\"sh\", \"-c\", \"sleep 60 & echo $! > {d}/child; wait\"]\ntimeout = \"5m\"\n"
    );
    let plan = plan_in(dir.path(), &body);
    let child = spawn_run(&plan, &[]);
    wait_for(&dir.path().join("child"), "the restore to start");
    let sleeper: u32 = read_pid(&dir.path().join("child"));
    signal(&child, libc::SIGINT);
    std::thread::sleep(Duration::from_millis(300));
    assert!(restorectl::process::alive(sleeper, None), "the first Ctrl-C must let the restore run");
    signal(&child, libc::SIGINT);
    let out = child.wait_with_output().unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{log}");
    assert!(log.contains("killing long"), "{log}");
    wait_until("the restore killed", || !restorectl::process::alive(sleeper, None));
    let deadline = Instant::now() + Duration::from_secs(5);
    while restorectl::process::alive(sleeper, None) {
        assert!(Instant::now() < deadline, "the action's process group survived the second Ctrl-C");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(json(&out.stdout)["outcome"], "interrupted");
}

/// An action that echoes the secret it was given (`${env:…}` in its argv) keeps it in its log
/// file, which only the action writes; `restorectl logs` shows that log redacted.
#[test]
fn logs_show_an_action_s_output_with_its_secrets_redacted() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let body = format!(
        "[[service]]\nid = \"portal\"\n[[service.check]]\ncommand = [\"test\", \"-f\", \"{d}/portal.up\"]\ninterval = \"50ms\"\n\
         [service.restore]\ncommand = [\"sh\", \"-c\", \"echo token ${{env:PORTAL_TOKEN}}; touch {d}/portal.up\"]\n",
        d = d.display()
    );
    let plan = plan_in(d, &body);
    let out = restorectl()
        .args(["run", "--format", "json"])
        .arg(&plan)
        .env("PORTAL_TOKEN", "s3cr3t-value")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let logs = restorectl()
        .args(["logs"])
        .arg(&plan)
        .arg("portal")
        .env("PORTAL_TOKEN", "s3cr3t-value")
        .output()
        .unwrap();
    assert_eq!(logs.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&logs.stdout), "token ***\n");
}
