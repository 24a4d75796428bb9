//! The newcomer's path: plans side by side keep their state apart (`.restorectl/<plan>/`), a
//! journal of another plan is named as such, and `demo stop` ends what the live demo started.

use crate::support::*;

#[test]
fn plans_in_one_folder_keep_their_journals_apart() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.toml");
    let b = dir.path().join("b.toml");
    std::fs::write(&a, format!("[plan]\nname = \"A\"\n{}", file_service(dir.path(), "x", None))).unwrap();
    std::fs::write(&b, format!("[plan]\nname = \"B\"\n{}", file_service(dir.path(), "y", None))).unwrap();
    assert_eq!(run_json(&a, &[]).0, Some(0));
    assert_eq!(run_json(&b, &[]).0, Some(0));
    assert!(dir.path().join(".restorectl/a/journal.jsonl").is_file());
    assert!(dir.path().join(".restorectl/b/journal.jsonl").is_file());
    // Each plan's report reads its own journal, whatever ran after it.
    for plan in [&a, &b] {
        let out = restorectl().args(["report", "--format", "json"]).arg(plan).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    }
    // Given another plan's state on purpose: said so, not "changed".
    let out = restorectl()
        .args(["report", "--state"])
        .arg(dir.path().join(".restorectl/a"))
        .arg(&b)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("is of the plan `A`, not `B`; give its own state directory with --state"), "{err}");
}

#[test]
fn demo_stop_ends_the_demo_services() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let out = restorectl().args(["demo-service", "--detach", "--port", &port.to_string()]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let said = String::from_utf8_lossy(&out.stdout);
    let pid: u32 = said.trim().rsplit("pid ").next().unwrap().trim_end_matches(')').parse().unwrap();
    wait_until("the demo service to listen", || std::net::TcpStream::connect(("127.0.0.1", port)).is_ok());
    let out = restorectl().args(["demo", "stop"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("stopped ") && text.contains(&pid.to_string()), "{text}");
    wait_until("the demo service to end", || std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
}

#[test]
fn announce_after_a_drill_points_to_it_and_tells_it_on_the_drills_clock() {
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("ista.toml");
    std::fs::copy(repo("plans/ista.toml"), &plan).unwrap();
    restorectl()
        .args(["run", "--dry-run", "--progress", "none", "--start", "2022-07-25T08:00"])
        .arg(&plan)
        .assert()
        .code(0);
    // Nothing live ran: said, with the way to the drill's state.
    let out = restorectl().args(["announce", "--locale", "en"]).arg(&plan).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .ends_with("  a dry run's journal is there: `--dry-run` announces from it\n")
    );
    // The drill's state, as of its simulated end (weeks after its start), never today's date.
    let out = restorectl().args(["announce", "--dry-run", "--locale", "en"]).arg(&plan).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.lines().next().unwrap().contains(" 2022, "), "{text}");
}
