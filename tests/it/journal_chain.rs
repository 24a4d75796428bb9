//! The tamper-evident journal: every record chained to the one before by its SHA-256; a run
//! reports the head as it ends; `journal verify` finds an edited, removed or reordered record, and
//! with `--head` a journal cut short.

use crate::support::*;

#[test]
fn the_journal_verifies_and_any_tampering_is_found_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display();
    let plan = plan_in(
        dir.path(),
        &format!(
            "[[service]]\nid = \"db\"\n[[service.check]]\ncommand = [\"test\", \"-f\", \"{d}/db.up\"]\ninterval = \"50ms\"\n\
             [service.restore]\ncommand = [\"touch\", \"{d}/db.up\"]\n"
        ),
    );
    let (code, report) = run_json(&plan, &[]);
    assert_eq!(code, Some(0));
    let head = report["journal_head"].as_str().unwrap().to_owned();
    assert_eq!(head.len(), 64);
    let verify = |extra: &[&str]| {
        let out = restorectl().args(["journal", "verify"]).arg(&plan).args(extra).output().unwrap();
        (out.status.code(), String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let path = dir.path().join(".restorectl/journal.jsonl");
    let (code, text) = verify(&["--head", &head]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.ends_with(" records, ending at the head given\n"), "{text}");
    let original = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = original.lines().collect();
    assert!(lines.len() >= 5, "{original}");
    let restore = || std::fs::write(&path, &original).unwrap();
    let shown = path.display().to_string();

    // One byte of line 3 edited.
    let mut edited: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    edited[2] = edited[2].replacen("\"v\":1", "\"v\":2", 1);
    std::fs::write(&path, edited.join("\n") + "\n").unwrap();
    assert_eq!(
        verify(&[]),
        (
            Some(1),
            format!(
                "journal {shown}: line 4 does not follow line 3: line 3 was edited, or lines were removed or moved between them\n"
            )
        )
    );
    // Line 3 removed; lines 2 and 3 swapped.
    let mut removed = lines.clone();
    removed.remove(2);
    std::fs::write(&path, removed.join("\n") + "\n").unwrap();
    assert_eq!(verify(&[]).0, Some(1));
    assert!(verify(&[]).1.contains("line 3 does not follow line 2"));
    let mut swapped = lines.clone();
    swapped.swap(1, 2);
    std::fs::write(&path, swapped.join("\n") + "\n").unwrap();
    assert!(verify(&[]).1.contains("line 2 does not follow line 1"));
    // The last record cut off: intact as a chain, but not ending at the head.
    std::fs::write(&path, lines[..lines.len() - 1].join("\n") + "\n").unwrap();
    assert_eq!(verify(&[]).0, Some(0));
    let (code, text) = verify(&["--head", &head]);
    assert_eq!(code, Some(1));
    assert!(text.contains("not at the head given: it was cut short, or its last line edited"), "{text}");
    restore();
    // A later run continues the chain.
    run_json(&plan, &[]);
    assert_eq!(verify(&[]).0, Some(0));
    // No journal.
    let out =
        restorectl().args(["journal", "verify", "--state", "/nonexistent"]).arg(&plan).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}
