//! State that cannot be lied to: a journal is believed only once verified — an appended record,
//! chained or not, is refused by every command that reads the state (exit 2, its line named);
//! `run --accept-broken-journal REASON` goes on from it, journaling why and who, and even then a
//! confirmation outside its run passes no gate.

use crate::support::*;

const SIGNOFF: &str = "[[service]]\nid = \"signoff\"\nname = \"sign-off\"\nwait_timeout = \"1s\"\n[service.restore]\nmanual = \"Get the forensic sign-off.\"\n";

/// A plan with one manual step; one run of it that timed out waiting (nobody confirmed).
fn timed_out_step() -> (tempfile::TempDir, std::path::PathBuf, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let plan = plan_in(dir.path(), SIGNOFF);
    let (code, _) = run_json(&plan, &[]);
    assert_eq!(code, Some(1), "nobody confirmed");
    let journal = dir.path().join(".restorectl/plan/journal.jsonl");
    (dir, plan, journal)
}

fn sha256_hex(line: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(line.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// The forged record: a confirmation of the step, for a run that never waited for it.
fn forged(prev: &str) -> String {
    format!(
        "{{\"prev\":\"{prev}\",\"v\":1,\"time\":\"2026-01-01T00:00:00Z\",\"event\":\"confirmed\",\"service\":\"signoff\",\"at\":0.0,\"by\":\"mallory\",\"run\":\"beef\"}}\n"
    )
}

#[test]
fn an_appended_confirmation_is_refused_whether_or_not_the_chain_was_recomputed() {
    let (_dir, plan, journal) = timed_out_step();
    let original = std::fs::read_to_string(&journal).unwrap();
    let lines = original.lines().count();
    let last = original.lines().last().unwrap();
    for (prev, why) in [
        ("0".repeat(64), "it does not follow the line before it: a record was edited, removed or moved"),
        (sha256_hex(last), "it is outside any run: after a run's end, or before the first"),
    ] {
        std::fs::write(&journal, format!("{original}{}", forged(&prev))).unwrap();
        let refused = format!(
            "error: the journal {} is not as the runs wrote it: line {}: {why}; nothing in it is believed (`restorectl journal verify` checks it; `run --accept-broken-journal REASON` goes on from it, journaling why)\n",
            journal.display(),
            lines + 1
        );
        for args in [&["run"][..], &["announce"], &["status"], &["preview"], &["history"]] {
            let out = restorectl().args(args).arg(&plan).output().unwrap();
            assert_eq!(out.status.code(), Some(2), "{args:?}");
            assert_eq!(String::from_utf8_lossy(&out.stderr), refused, "{args:?}");
        }
        let out =
            restorectl().args(["confirm"]).arg(&plan).args(["signoff", "--by", "anna"]).output().unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&out.stderr).contains(&format!("line {}: {why}", lines + 1)));
    }
}

#[test]
fn a_run_told_to_go_on_from_a_broken_journal_journals_why_and_believes_no_forged_confirmation() {
    let (_dir, plan, journal) = timed_out_step();
    let original = std::fs::read_to_string(&journal).unwrap();
    let lines = original.lines().count();
    std::fs::write(&journal, format!("{original}{}", forged(&"0".repeat(64)))).unwrap();
    let out = restorectl()
        .args([
            "run",
            "--format",
            "json",
            "--progress",
            "plain",
            "--accept-broken-journal",
            "restored from the backup of 03:00",
        ])
        .arg(&plan)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    // The step was asked for again (the forged confirmation passed nothing), and timed out again.
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(state_of(&json(&out.stdout), "signoff"), "failed");
    assert!(
        err.contains(&format!("going on from a journal that breaks at line {}, as ", lines + 1)),
        "{err}"
    );
    assert!(err.contains(": restored from the backup of 03:00"), "{err}");
    let text = std::fs::read_to_string(&journal).unwrap();
    let accepted: serde_json::Value = text
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|e| e["event"] == "journal_accepted")
        .unwrap();
    assert_eq!(accepted["lines"], serde_json::json!([lines + 1]));
    assert_eq!(accepted["reason"], "restored from the backup of 03:00");
    // The break is excused from now on; the chain still shows it.
    assert_eq!(run_json(&plan, &[]).0, Some(1));
    assert_eq!(restorectl().args(["journal", "verify"]).arg(&plan).output().unwrap().status.code(), Some(1));
}
