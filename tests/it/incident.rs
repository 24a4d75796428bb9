//! One incident: the runs of one plan and state make one incident until `run --new-incident`.
//! RTOs count from its first start (a service back in an earlier run met its RTO then), the
//! evidence report covers every run of it, and `history` groups the runs by incident.

use crate::support::*;

fn run_header(dir: &std::path::Path, n: usize) -> serde_json::Value {
    std::fs::read_to_string(dir.join(".restorectl/plan/journal.jsonl"))
        .unwrap()
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|r| r.get("run").is_some_and(serde_json::Value::is_object))
        .nth(n)
        .unwrap()["run"]
        .clone()
}

fn row<'a>(report: &'a serde_json::Value, key: &str, id: &str) -> &'a serde_json::Value {
    report[key].as_array().unwrap().iter().find(|s| s["id"] == id).unwrap()
}

#[test]
fn three_runs_make_one_incident_with_rtos_from_its_start_and_one_report() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display();
    // `a` and `signed` come back in run 1; `b` (RTO 2s) only in run 3, past its RTO.
    let a = file_service(dir.path(), "a", None).replacen(
        "\n[[service.check]]",
        "\nrto = \"1h\"\n[[service.check]]",
        1,
    );
    let signed = file_service(dir.path(), "signed", None).replacen(
        "\n[[service.check]]",
        "\nrto = \"1h\"\napproval = { role = \"ops\" }\n[[service.check]]",
        1,
    );
    let b = file_service(dir.path(), "b", Some(&format!("test ! -e {d}/broken && touch {d}/b.up"))).replacen(
        "\n[[service.check]]",
        "\nrto = \"2s\"\n[[service.check]]",
        1,
    );
    let plan = plan_in(dir.path(), &format!("[approvers]\nops = [\"anna\"]\n{a}{signed}{b}"));
    std::fs::write(dir.path().join("broken"), "").unwrap();

    // Run 1: anna signs `signed` off; `b` fails.
    let child = spawn_run(&plan, &[]);
    let journal = dir.path().join(".restorectl/plan/journal.jsonl");
    wait_until("the sign-off wait", || {
        std::fs::read_to_string(&journal).unwrap_or_default().contains("waiting_for_approval")
    });
    let out = restorectl().args(["confirm"]).arg(&plan).args(["signed", "--by", "anna"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(child.wait_with_output().unwrap().status.code(), Some(1));
    let first = run_header(dir.path(), 0);
    assert_eq!(first["incident"], first["id"], "the first run begins the incident");

    // Run 2, still broken; then the RTO of `b` passes between runs.
    assert_eq!(run_json(&plan, &[]).0, Some(1));
    std::thread::sleep(std::time::Duration::from_millis(2200));
    std::fs::remove_file(dir.path().join("broken")).unwrap();

    // Run 3: `b` is back 0.x s into the run, but more than 2 s into the incident: missed.
    let out =
        restorectl().args(["run", "--format", "json", "--progress", "plain"]).arg(&plan).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!(
            "note: this run belongs to incident {} (begun ",
            first["id"].as_str().unwrap()
        )),
        "{err}"
    );
    let report = json(&out.stdout);
    assert_eq!(row(&report, "services", "b")["rto_met"], false, "{report:#}");
    // Found online now, back in run 1: met then.
    assert_eq!(row(&report, "services", "a")["state"], "already_online");
    assert_eq!(row(&report, "services", "a")["rto_met"], true);
    assert_eq!(run_header(dir.path(), 2)["incident"], first["id"]);

    // The evidence report covers the whole incident: three runs, anna's sign-off of run 1, and
    // every RTO from the incident's start.
    let out = restorectl().args(["report", "--format", "json"]).arg(&plan).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let pack = json(&out.stdout);
    assert_eq!(pack["run"]["incident"], first["id"]);
    assert_eq!(pack["run"]["covered"].as_array().unwrap().len(), 3, "{:#}", pack["run"]);
    let people = pack["people"].as_array().unwrap();
    assert!(
        people.iter().any(|p| p["kind"] == "approved" && p["service"] == "signed" && p["by"] == "anna"),
        "{people:#?}"
    );
    let objectives = &pack["objectives"];
    assert_eq!(row(objectives, "services", "b")["verdict"], "missed", "{objectives:#}");
    assert_eq!(row(objectives, "services", "a")["verdict"], "met");
    assert_eq!(row(objectives, "services", "signed")["verdict"], "met");
    let md = restorectl().args(["report", "--format", "md"]).arg(&plan).output().unwrap();
    let md = String::from_utf8_lossy(&md.stdout);
    assert!(md.contains(&format!("Incident `{}`, 3 runs (", first["id"].as_str().unwrap())), "{md}");
    // `--run` one of them: that run alone.
    let out = restorectl()
        .args(["report", "--format", "json", "--run"])
        .arg(first["id"].as_str().unwrap())
        .arg(&plan)
        .output()
        .unwrap();
    assert_eq!(json(&out.stdout)["run"]["covered"].as_array().unwrap().len(), 1);

    // history groups the runs by incident.
    let out = restorectl().arg("history").arg(&plan).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(&format!("incident {} (3 runs, begun ", first["id"].as_str().unwrap())), "{text}");

    // A new incident: its own RTOs, its own report.
    assert_eq!(run_json(&plan, &["--new-incident"]).0, Some(0));
    let fourth = run_header(dir.path(), 3);
    assert_eq!(fourth["incident"], fourth["id"]);
    let out = restorectl().args(["report", "--format", "json"]).arg(&plan).output().unwrap();
    assert_eq!(json(&out.stdout)["run"]["covered"].as_array().unwrap().len(), 1);
    let out = restorectl().arg("history").arg(&plan).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(&format!("incident {} (1 run, begun ", fourth["id"].as_str().unwrap())), "{text}");
}

/// A new incident restores anew: a restore an earlier incident's run finished, before the run was
/// killed waiting for its sign-off, is not taken as this incident's.
#[test]
fn a_new_incident_restores_what_the_one_before_had_restored() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display();
    let plan = plan_in(
        dir.path(),
        &format!(
            "[approvers]\nops = [\"anna\"]\n[[service]]\nid = \"db\"\napproval = {{ role = \"ops\" }}\n\
             [[service.check]]\ncommand = [\"test\", \"-f\", \"{d}/db.up\"]\ninterval = \"50ms\"\n\
             [service.restore]\ncommand = [\"sh\", \"-c\", \"echo db >> {d}/runs; touch {d}/db.up\"]\n"
        ),
    );
    let journal = dir.path().join(".restorectl/plan/journal.jsonl");
    let waits =
        || std::fs::read_to_string(&journal).unwrap_or_default().matches("waiting_for_approval").count();
    let child = spawn_run(&plan, &[]);
    wait_until("the sign-off wait", || waits() == 1);
    signal(&child, libc::SIGKILL);
    let _ = child.wait_with_output();
    // The next outage: the database is gone again.
    std::fs::remove_file(dir.path().join("db.up")).unwrap();
    let child = spawn_run(&plan, &["--new-incident"]);
    wait_until("the new incident's sign-off wait", || waits() == 2);
    signal(&child, libc::SIGTERM);
    let _ = child.wait_with_output();
    let runs = std::fs::read_to_string(dir.path().join("runs")).unwrap();
    assert_eq!(runs.lines().count(), 2, "restored again for the new incident");
}

/// A restore of the incident before that died with its run (both killed) is not taken as this
/// incident's either: the new incident restores the service again.
#[test]
fn a_new_incident_restores_what_died_mid_restore_in_the_one_before() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display();
    let plan = plan_in(
        dir.path(),
        &format!(
            "[[service]]\nid = \"db\"\n[[service.check]]\ncommand = [\"test\", \"-f\", \"{d}/db.up\"]\ninterval = \"50ms\"\n\
             [service.restore]\ncommand = [\"sh\", \"-c\", \"echo db >> {d}/runs; test -f {d}/fast || sleep 30; touch {d}/db.up\"]\n"
        ),
    );
    let journal = dir.path().join(".restorectl/plan/journal.jsonl");
    let child = spawn_run(&plan, &[]);
    wait_until("the restore under way", || {
        std::fs::read_to_string(&journal).unwrap_or_default().contains("process_spawned")
    });
    let spawned = std::fs::read_to_string(&journal).unwrap();
    let pid = spawned
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|r| r["event"] == "process_spawned")
        .and_then(|r| r["pid"].as_i64())
        .unwrap();
    signal(&child, libc::SIGKILL);
    let _ = child.wait_with_output();
    // SAFETY: the restore this test's run started.
    unsafe { libc::kill(pid as i32, libc::SIGKILL) };
    std::fs::write(dir.path().join("fast"), "").unwrap();
    let child = spawn_run(&plan, &["--new-incident"]);
    let runs = || std::fs::read_to_string(dir.path().join("runs")).unwrap_or_default().lines().count();
    wait_until("the new incident's restore", || runs() == 2);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
}
