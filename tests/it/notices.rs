//! Reporters speak through the run's events only: what they have to tell the operators (an update
//! awaiting review, a webhook that refused one) goes through the bus as a `notice` event, shown by
//! the progress display and kept in the journal; without a display, as a bare line.

use crate::support::*;

/// A live plan with one customer-facing service, its updates reviewed (the default).
fn plan(dir: &std::path::Path) -> std::path::PathBuf {
    let service = file_service(dir, "web", None).replacen(
        "id = \"web\"\n",
        "id = \"web\"\ncustomer_facing = true\nname = \"our website\"\n",
        1,
    );
    plan_in(dir, &format!("organization = \"Example\"\n{service}"))
}

/// A live run of `plan` in `dir` with `--progress MODE` (and `--format json`): what it said on
/// stderr, and the notice its outage update awaiting review is told as.
fn run(dir: &std::path::Path, mode: &str) -> (std::path::PathBuf, String, String) {
    let plan = plan(dir);
    let out = restorectl().args(["run", "--format", "json", "--progress", mode]).arg(&plan).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let said = format!(
        "update 0001 (the outage notice) awaits review: restorectl announce approve {}",
        plan.display()
    );
    (plan, String::from_utf8_lossy(&out.stderr).into_owned(), said)
}

#[test]
fn an_update_awaiting_review_is_a_journaled_notice_shown_by_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let (plan, stderr, said) = run(dir.path(), "plain");
    // A line of the plain log, with its time, like every event.
    let line = stderr.lines().find(|l| l.contains(&said)).unwrap_or_else(|| panic!("{stderr}"));
    assert!(line.split_whitespace().next().is_some_and(|t| t.len() == 8 && t.contains(':')), "{line}");
    let journal = std::fs::read_to_string(dir.path().join(".restorectl/plan/journal.jsonl")).unwrap();
    let notices: Vec<serde_json::Value> = journal
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|e| e["event"] == "notice")
        .collect();
    assert!(
        notices.iter().any(|n| n["level"] == "info" && n["text"].as_str().unwrap().starts_with(&said)),
        "{journal}"
    );
    // The journal with notices in it still verifies and replays.
    let verify = restorectl().args(["journal", "verify"]).arg(&plan).output().unwrap();
    assert_eq!(verify.status.code(), Some(0), "{}", String::from_utf8_lossy(&verify.stdout));
}

#[test]
fn without_a_progress_display_a_notice_is_a_bare_line() {
    let dir = tempfile::tempdir().unwrap();
    let (_, stderr, said) = run(dir.path(), "none");
    assert!(stderr.lines().any(|l| l.starts_with(&said)), "{stderr}");
}

/// `--progress bar` where stderr is not a terminal draws nothing; the notices still go out.
#[test]
fn a_bar_that_cannot_be_drawn_still_tells_the_notices() {
    let dir = tempfile::tempdir().unwrap();
    let (_, stderr, said) = run(dir.path(), "bar");
    assert!(stderr.lines().any(|l| l.starts_with(&said)), "{stderr}");
}
