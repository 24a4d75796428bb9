//! `restorectl confirm`: a confirmation is for the run that waits for the step, named by its id;
//! with no run waiting, nothing is confirmed, and nothing is carried to a later run.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::support::*;

const SIGNOFF: &str = "[[service]]\nid = \"signoff\"\nname = \"sign-off\"\nwait_timeout = \"3s\"\n[service.restore]\nmanual = \"Get the forensic sign-off.\"\n";

fn confirm(plan: &Path, extra: &[&str]) -> assert_cmd::assert::Assert {
    restorectl().arg("confirm").arg(plan).arg("signoff").args(extra).assert()
}

/// Reads the running run's stderr until the waiting line shows; returns it and the rest's reader.
fn waiting_line(child: &mut std::process::Child) -> (String, std::io::BufReader<std::process::ChildStderr>) {
    use std::io::BufRead;
    let mut reader = std::io::BufReader::new(child.stderr.take().unwrap());
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut line = String::new();
    while Instant::now() < deadline {
        line.clear();
        if reader.read_line(&mut line).unwrap() == 0 {
            break;
        }
        if line.contains("waiting for the operator") {
            return (line, reader);
        }
    }
    panic!("the run never said it waits for the operator");
}

#[test]
fn a_stray_confirm_with_no_run_waiting_is_refused_and_never_approves_a_later_run() {
    let dir = tempfile::tempdir().unwrap();
    let plan = plan_in(dir.path(), SIGNOFF);
    let state = dir.path().join(".restorectl/plan");
    // Nothing has run yet.
    confirm(&plan, &["--by", "someone"]).code(2).stdout("").stderr(format!(
        "error: no journal in {}: nothing has been run yet (run `restorectl run {}` first)\n",
        state.display(),
        plan.display()
    ));
    // A run came and went: still nobody waits.
    restorectl().args(["run", "--dry-run"]).arg(&plan).assert().code(0);
    let (code, _) = run_json(&plan, &[]);
    assert_eq!(code, Some(1), "nobody confirmed, so the sign-off fails");
    confirm(&plan, &["--by", "someone"]).code(2).stdout("").stderr(format!(
        "error: no run is waiting for `signoff`: no restorectl run is going on in {}\n",
        state.display()
    ));
    // The next run is not approved by that stray confirmation.
    let (code, report) = run_json(&plan, &[]);
    assert_eq!(code, Some(1));
    assert_eq!(state_of(&report, "signoff"), "failed");
    assert!(
        !std::fs::read_to_string(state.join("journal.jsonl")).unwrap().contains(r#""event":"confirmed""#)
    );
}

#[test]
fn the_waiting_run_names_itself_and_only_its_own_id_confirms_it() {
    let dir = tempfile::tempdir().unwrap();
    let plan = plan_in(dir.path(), &SIGNOFF.replace("\"3s\"", "\"30s\""));
    let mut child = spawn_run(&plan, &[]);
    let (line, mut rest) = waiting_line(&mut child);
    let run = line.split("--run ").nth(1).and_then(|s| s.split(' ').next()).expect("the run's id").to_owned();
    assert!(
        line.ends_with(&format!(
            "signoff: waiting for the operator: Get the forensic sign-off. — when done: `restorectl confirm {} signoff --run {run} --by NAME`\n",
            plan.display()
        )),
        "{line}"
    );
    confirm(&plan, &["--run", "0000", "--by", "Anna Nowak"]).code(2).stderr(format!(
        "error: run 0000 is not the run going on now (that is run {run}); nothing confirmed\n"
    ));
    confirm(&plan, &["--run", &run, "--by", "Anna Nowak"])
        .code(0)
        .stdout(format!("confirmed `signoff` for run {run} as done by Anna Nowak; the run has taken it\n"));
    let mut log = String::new();
    std::io::Read::read_to_string(&mut rest, &mut log).unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(0), "{log}");
    assert!(log.contains("signoff: confirmed by Anna Nowak"), "{log}");
    let journal = std::fs::read_to_string(dir.path().join(".restorectl/plan/journal.jsonl")).unwrap();
    let confirmed: serde_json::Value = journal
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|v| v["event"] == "confirmed")
        .expect("the confirmation is journaled");
    assert_eq!(confirmed["by"], "Anna Nowak");
    assert_eq!(confirmed["run"], run.as_str());
    assert!(confirmed["time"].as_str().is_some_and(|t| t.ends_with('Z')));
}

/// The lock is held by a new run a moment before it writes its header: the journal's last run
/// is then a dead one, and must not be confirmed.
#[test]
fn a_dead_run_is_never_confirmed_even_while_the_lock_is_held() {
    let dir = tempfile::tempdir().unwrap();
    let plan = plan_in(dir.path(), SIGNOFF);
    let state = dir.path().join(".restorectl/plan");
    std::fs::create_dir_all(&state).unwrap();
    let dead = 4_000_000; // above pid_max: no process has it
    std::fs::write(
        state.join("journal.jsonl"),
        chained(&[
            &format!(
                "{{\"v\":1,\"time\":\"2026-01-01T00:00:00Z\",\"run\":{{\"id\":\"a3a8\",\"plan\":\"Run test\",\"pid\":{dead},\"dry_run\":false,\"fingerprints\":{{}}}}}}"
            ),
            "{\"v\":1,\"time\":\"2026-01-01T00:00:01Z\",\"event\":\"waiting_for_operator\",\"service\":\"signoff\",\"at\":0.0,\"instruction\":\"Sign.\",\"needs_confirmation\":true}",
        ]),
    )
    .unwrap();
    std::fs::write(state.join("lock"), dead.to_string()).unwrap();
    let lock = std::fs::OpenOptions::new().read(true).write(true).open(state.join("lock")).unwrap();
    lock.lock().unwrap();
    confirm(&plan, &["--run", "a3a8", "--by", "someone"]).code(2).stderr(format!(
        "error: no run is waiting for `signoff`: no restorectl run is going on in {}\n",
        state.display()
    ));
    assert!(!state.join("confirm/a3a8/signoff.json").exists());
}

#[test]
fn announce_and_confirm_refuse_a_journal_without_a_run_or_of_another_plan() {
    let dir = tempfile::tempdir().unwrap();
    let plan = plan_in(dir.path(), SIGNOFF);
    let state = dir.path().join(".restorectl/plan");
    std::fs::create_dir_all(&state).unwrap();
    std::fs::write(state.join("journal.jsonl"), "").unwrap();
    let none =
        format!("error: the journal in {} holds no run: it is empty or not a journal\n", state.display());
    restorectl().arg("announce").arg(&plan).assert().code(2).stdout("").stderr(none.clone());
    confirm(&plan, &[]).code(2).stderr(none);
    std::fs::write(
        state.join("journal.jsonl"),
        chained(&[
            "{\"v\":1,\"time\":\"2026-01-01T00:00:00Z\",\"run\":{\"id\":\"0001\",\"plan\":\"Someone else's plan\",\"pid\":1,\"dry_run\":false,\"fingerprints\":{}}}",
        ]),
    )
    .unwrap();
    restorectl().arg("announce").arg(&plan).assert().code(2).stdout("").stderr(format!(
        "error: the journal in {} is of the plan `Someone else's plan`, not `Run test`; give its own state directory with --state (or, for a renamed plan, start afresh with --fresh)\n",
        state.display()
    ));
}

/// A manual step without checks, confirmed in one run, is asked again by a later run that had to
/// restore what it depends on: the person vouched for a stack that has since gone down.
#[test]
fn a_confirmed_step_is_asked_again_once_what_it_needs_was_restored_again() {
    let dir = tempfile::tempdir().unwrap();
    let db = file_service(dir.path(), "db", None);
    let signoff = "[[service]]\nid = \"signoff\"\nname = \"sign-off\"\ndepends_on = [\"db\"]\nwait_timeout = \"2s\"\n\
                   [service.restore]\nmanual = \"Get the forensic sign-off.\"\n";
    let plan = plan_in(dir.path(), &format!("{db}{signoff}"));
    let mut child = spawn_run(&plan, &[]);
    let (line, _rest) = waiting_line(&mut child);
    let run = line.split("--run ").nth(1).unwrap().split_whitespace().next().unwrap().to_owned();
    confirm(&plan, &["--run", &run, "--by", "anna"]).code(0);
    assert_eq!(child.wait().unwrap().code(), Some(0));
    // Nothing went down: the confirmation still holds.
    let (code, report) = run_json(&plan, &[]);
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(state_of(&report, "signoff"), "already_online");
    // The database went down and was restored: the step is asked again (and, unconfirmed, fails).
    std::fs::remove_file(dir.path().join("db.up")).unwrap();
    let (code, report) = run_json(&plan, &[]);
    assert_eq!(code, Some(1), "{report:#}");
    assert_eq!(state_of(&report, "db"), "online");
    assert_eq!(state_of(&report, "signoff"), "failed");
}
