//! Partial runs: `--only` (those services and what they need that is down), `--skip` with and
//! without `--assume-online` (journaled with who and why), `--retry-failed` (what failed or was
//! blocked last time); unknown ids refused with a suggestion. Real processes, real files.

use std::path::Path;

use crate::support::*;

/// network ← db ← web, network ← mail; every restore appends its id to `runs`; db's restore
/// fails until `db.fixed` exists.
fn estate(dir: &Path) -> std::path::PathBuf {
    let d = dir.display();
    let service = |id: &str, deps: &str, restore: &str| {
        format!(
            "[[service]]\nid = \"{id}\"\ndepends_on = [{deps}]\n[[service.check]]\ncommand = [\"test\", \"-f\", \"{d}/{id}.up\"]\n\
             interval = \"50ms\"\n[service.restore]\ncommand = [\"sh\", \"-c\", \"echo {id} >> {d}/runs; {restore}\"]\n"
        )
    };
    let touch = |id: &str| format!("touch {d}/{id}.up");
    let body = [
        service("network", "", &touch("network")),
        service("db", r#""network""#, &format!("test -f {d}/db.fixed && touch {d}/db.up")),
        service("web", r#""db""#, &touch("web")),
        service("mail", r#""network""#, &touch("mail")),
    ]
    .concat();
    plan_in(dir, &body)
}

fn runs(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("runs")).unwrap_or_default().lines().map(str::to_owned).collect()
}

#[test]
fn only_restores_the_services_named_and_what_they_need_that_is_down() {
    let dir = tempfile::tempdir().unwrap();
    let plan = estate(dir.path());
    std::fs::write(dir.path().join("db.fixed"), "").unwrap();
    let (code, report) = run_json(&plan, &["--only", "db"]);
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(runs(dir.path()), ["network", "db"]);
    assert_eq!(state_of(&report, "web"), "skipped");
    assert_eq!(state_of(&report, "mail"), "skipped");
    // Now network is up: --only web restores web alone (db is healthy, left alone).
    let (code, report) = run_json(&plan, &["--only", "web"]);
    assert_eq!(code, Some(0));
    assert_eq!(runs(dir.path()), ["network", "db", "web"]);
    assert_eq!(state_of(&report, "db"), "already_online");
}

#[test]
fn skip_blocks_what_needs_it_unless_it_is_assumed_online_and_is_journaled() {
    let dir = tempfile::tempdir().unwrap();
    let plan = estate(dir.path());
    std::fs::write(dir.path().join("db.fixed"), "").unwrap();
    let (code, report) = run_json(&plan, &["--skip", "network", "--reason", "the carrier is on site"]);
    assert_eq!(code, Some(1));
    assert!(runs(dir.path()).is_empty(), "nothing that needs network ran: {:?}", runs(dir.path()));
    assert_eq!(state_of(&report, "network"), "skipped");
    for id in ["db", "web", "mail"] {
        assert_eq!(state_of(&report, id), "blocked", "{id}");
    }
    let journal = std::fs::read_to_string(dir.path().join(".restorectl/plan/journal.jsonl")).unwrap();
    let skipped: serde_json::Value = journal
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|e| e["event"] == "skipped")
        .unwrap();
    assert_eq!(skipped["reason"], "the carrier is on site");
    assert!(skipped["by"].is_string());
    // Assumed online, the rest goes on (and network itself is not restored).
    let (code, _) =
        run_json(&plan, &["--skip", "network", "--reason", "restored by hand", "--assume-online", "network"]);
    assert_eq!(code, Some(0));
    let mut ran = runs(dir.path());
    ran.sort();
    assert_eq!(ran, ["db", "mail", "web"]);
    assert!(!dir.path().join("network.up").exists());
}

#[test]
fn retry_failed_runs_what_failed_and_what_it_blocked() {
    let dir = tempfile::tempdir().unwrap();
    let plan = estate(dir.path());
    let (code, report) = run_json(&plan, &[]);
    assert_eq!(code, Some(1));
    assert_eq!(state_of(&report, "db"), "failed");
    assert_eq!(state_of(&report, "web"), "blocked");
    std::fs::write(dir.path().join("db.fixed"), "").unwrap();
    std::fs::remove_file(dir.path().join("runs")).unwrap();
    let (code, report) = run_json(&plan, &["--retry-failed"]);
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(runs(dir.path()), ["db", "web"]);
    assert_eq!(state_of(&report, "network"), "already_online");
    assert_eq!(state_of(&report, "mail"), "skipped");
    // Nothing failed in that run: nothing to retry.
    let out = restorectl().args(["run", "--retry-failed"]).arg(&plan).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("error: `--retry-failed`: the last run ("));
}

#[test]
fn unknown_ids_in_partial_runs_are_refused_with_a_suggestion() {
    let dir = tempfile::tempdir().unwrap();
    let plan = estate(dir.path());
    for (args, message) in [
        (
            &["--only", "netwrk"][..],
            "`--only netwrk`: the plan has no service `netwrk`; did you mean `network`?",
        ),
        (
            &["--dry-run", "--skip", "dbb", "--reason", "x"],
            "`--skip dbb`: the plan has no service `dbb`; did you mean `db`?",
        ),
        (
            &["--skip", "db", "--reason", "x", "--assume-online", "web"],
            "`--assume-online web`: only a service given to --skip can be assumed online",
        ),
    ] {
        let out = restorectl().arg("run").args(args).arg(&plan).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
    assert!(runs(dir.path()).is_empty());
}

/// A run halted after a critical failure leaves services pending: `--retry-failed` takes them too,
/// and says no success while they are down.
#[test]
fn retry_failed_also_takes_what_a_halted_run_left_pending() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display();
    let bad = file_service(dir.path(), "bad", Some(&format!("test -f {d}/bad.ok && touch {d}/bad.up")));
    let slow = file_service(dir.path(), "slow", Some(&format!("sleep 0.5; touch {d}/slow.up")));
    let later = file_service(dir.path(), "later", None).replacen(
        "\n[[service.check]]",
        "\ndepends_on = [\"slow\"]\n[[service.check]]",
        1,
    );
    let plan = plan_in(dir.path(), &format!("on_failure = \"halt\"\n{bad}{slow}{later}"));
    let (code, report) = run_json(&plan, &[]);
    assert_eq!(code, Some(1));
    assert_eq!(state_of(&report, "later"), "pending", "{report:#}");
    std::fs::write(dir.path().join("bad.ok"), "").unwrap();
    let (code, report) = run_json(&plan, &["--retry-failed"]);
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(state_of(&report, "bad"), "online");
    assert_eq!(state_of(&report, "later"), "online");
    assert_eq!(state_of(&report, "slow"), "already_online");
}
