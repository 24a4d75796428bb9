//! Quarantine: a service whose verify gate failed, or whose sign-off was never given, stays out
//! across runs. No later `run`, `status` or `preview` calls it online because its checks pass; the
//! next run gates it again (without restoring it again while it is up), and only gates that pass
//! bring it back. The failure quotes what the gate printed.

use crate::support::*;

/// A service `db` in `dir` whose malware scan fails while `dir/infected` exists, printing what it found.
fn scanned_db(dir: &std::path::Path) -> std::path::PathBuf {
    let d = dir.display();
    let db = file_service(dir, "db", None).replacen(
        "\n[service.restore]",
        &format!(
            "\n[[service.verify]]\nname = \"malware scan\"\ncommand = [\"sh\", \"-c\", \
             \"if [ -e {d}/infected ]; then echo 'base/16384: Win.Ransomware.LockBit FOUND'; echo '1 infected file'; exit 1; fi; echo clean\"]\n\
             [service.restore]"
        ),
        1,
    );
    let app = file_service(dir, "app", None).replacen(
        "\n[[service.check]]",
        "\ndepends_on = [\"db\"]\n[[service.check]]",
        1,
    );
    plan_in(dir, &format!("{db}{app}"))
}

fn events(dir: &std::path::Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(dir.join(".restorectl/plan/journal.jsonl"))
        .unwrap()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

/// The events of the latest run in the journal.
fn last_run(dir: &std::path::Path) -> Vec<serde_json::Value> {
    let all = events(dir);
    let start = all.iter().rposition(|e| e.get("run").is_some_and(|r| r.is_object())).unwrap();
    all[start..].to_vec()
}

#[test]
fn a_failed_scan_quarantines_the_service_until_its_gate_passes_again() {
    let dir = tempfile::tempdir().unwrap();
    let plan = scanned_db(dir.path());
    std::fs::write(dir.path().join("infected"), "").unwrap();

    // Run 1: restored, healthy, the scan finds ransomware: failed at once (no retry), quoting it.
    let (code, report) = run_json(&plan, &[]);
    assert_eq!(code, Some(1), "{report:#}");
    let db = report["services"].as_array().unwrap().iter().find(|s| s["id"] == "db").unwrap();
    assert_eq!(db["state"], "quarantined", "{db:#}");
    assert_eq!(db["kind"], "gate");
    assert_eq!(
        db["reason"],
        "verify step `malware scan` did not pass: exit 1: base/16384: Win.Ransomware.LockBit FOUND / 1 infected file"
    );
    assert_eq!(state_of(&report, "app"), "blocked");
    assert!(dir.path().join("db.up").exists(), "the restore left it running");

    // The database is up (its check passes), but nothing calls it online.
    let status = restorectl().args(["status", "--format", "json"]).arg(&plan).output().unwrap();
    assert_eq!(status.status.code(), Some(1));
    let status = json(&status.stdout);
    let row = status["services"].as_array().unwrap().iter().find(|s| s["id"] == "db").unwrap();
    assert_eq!(row["state"], "quarantined", "{status:#}");
    assert_eq!(row["healthy"], false);
    assert_eq!(status["counts"]["quarantined"], 1);
    let preview = restorectl().args(["preview", "--format", "json"]).arg(&plan).output().unwrap();
    assert_eq!(preview.status.code(), Some(1), "{}", String::from_utf8_lossy(&preview.stdout));
    let preview = json(&preview.stdout);
    assert!(!preview["healthy"].as_array().unwrap().contains(&"db".into()), "{preview:#}");

    // Run 2, still infected: gated again (not "already online"), failed again, exit 1.
    let (code, report) = run_json(&plan, &[]);
    assert_eq!(code, Some(1), "{report:#}");
    assert_eq!(state_of(&report, "db"), "quarantined");
    let run2 = last_run(dir.path());
    assert!(!run2.iter().any(|e| e["event"] == "already_online" && e["service"] == "db"), "{run2:#?}");
    assert!(run2.iter().any(|e| e["event"] == "quarantined" && e["service"] == "db"));
    // Up already: not restored again, only gated again.
    assert!(!run2.iter().any(|e| e["event"] == "action_started" && e["service"] == "db"));
    assert!(run2.iter().any(|e| e["event"] == "verify_step" && e["service"] == "db" && e["ok"] == false));

    // Cleaned: the next run's gate passes, the service and what needs it are back.
    std::fs::remove_file(dir.path().join("infected")).unwrap();
    let (code, report) = run_json(&plan, &[]);
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(state_of(&report, "db"), "online");
    assert_eq!(state_of(&report, "app"), "online");
    let run3 = last_run(dir.path());
    assert!(run3.iter().any(|e| e["event"] == "verify_step" && e["service"] == "db" && e["ok"] == true));

    // Cleared for good: the run after that finds it online.
    let (code, report) = run_json(&plan, &[]);
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(state_of(&report, "db"), "already_online");
}

#[test]
fn a_run_killed_during_the_scan_leaves_the_scan_to_the_next_run() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display();
    let db = file_service(dir.path(), "db", None).replacen(
        "\n[service.restore]",
        &format!(
            "\n[[service.verify]]\nname = \"malware scan\"\ncommand = [\"sh\", \"-c\", \
             \"touch {d}/scanning; while [ ! -e {d}/done ]; do sleep 0.05; done\"]\ntimeout = \"30s\"\n[service.restore]"
        ),
        1,
    );
    let plan = plan_in(dir.path(), &db);
    let child = spawn_run(&plan, &[]);
    wait_for(&dir.path().join("scanning"), "the scan to start");
    signal(&child, libc::SIGKILL);
    let _ = child.wait_with_output();
    // The scan never ended: the next run scans again, though the service is up.
    std::fs::write(dir.path().join("done"), "").unwrap();
    let (code, report) = run_json(&plan, &[]);
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(state_of(&report, "db"), "online");
    let run2 = last_run(dir.path());
    assert!(!run2.iter().any(|e| e["event"] == "already_online"), "{run2:#?}");
    assert!(run2.iter().any(|e| e["event"] == "verify_step" && e["service"] == "db" && e["ok"] == true));
}

#[test]
fn a_sign_off_that_timed_out_is_asked_for_again_by_the_next_run() {
    let dir = tempfile::tempdir().unwrap();
    let db = file_service(dir.path(), "db", None).replacen(
        "\n[[service.check]]",
        "\napproval = { role = \"security\", count = 2 }\nwait_timeout = \"1s\"\n[[service.check]]",
        1,
    );
    let app = file_service(dir.path(), "app", None).replacen(
        "\n[[service.check]]",
        "\ndepends_on = [\"db\"]\n[[service.check]]",
        1,
    );
    let plan = plan_in(dir.path(), &format!("[approvers]\nsecurity = [\"anna\", \"piotr\"]\n{db}{app}"));
    let (code, report) = run_json(&plan, &[]);
    assert_eq!(code, Some(1), "{report:#}");
    assert_eq!(state_of(&report, "db"), "quarantined");
    let db_row = report["services"].as_array().unwrap().iter().find(|s| s["id"] == "db").unwrap();
    assert_eq!(db_row["kind"], "sign_off");
    // A plain rerun, and --retry-failed: asked again (and timed out again), never "already online".
    for extra in [&[][..], &["--retry-failed"][..]] {
        let (code, report) = run_json(&plan, extra);
        assert_eq!(code, Some(1), "{extra:?}: {report:#}");
        assert_eq!(state_of(&report, "db"), "quarantined", "{extra:?}");
        assert_eq!(state_of(&report, "app"), "blocked", "{extra:?}");
        let run = last_run(dir.path());
        assert!(run.iter().any(|e| e["event"] == "waiting_for_approval"), "{extra:?}");
        assert!(!run.iter().any(|e| e["event"] == "already_online" && e["service"] == "db"));
    }
}
