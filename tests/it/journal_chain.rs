//! The tamper-evident journal: every record chained to the one before by its SHA-256; a run
//! reports the head as it ends; `journal verify` finds an edited, removed or reordered record, and
//! with `--head` a journal cut short.

use crate::support::*;

#[test]
fn the_journal_verifies_and_any_tampering_is_found_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let plan = plan_in(dir.path(), &file_service(dir.path(), "db", None));
    let (code, report) = run_json(&plan, &[]);
    assert_eq!(code, Some(0));
    let head = report["journal_head"].as_str().unwrap().to_owned();
    assert_eq!(head.len(), 64);
    let verify = |extra: &[&str]| {
        let out = restorectl().args(["journal", "verify"]).arg(&plan).args(extra).output().unwrap();
        (out.status.code(), String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let path = dir.path().join(".restorectl/plan/journal.jsonl");
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
    assert!(text.contains("no record has the head given"), "{text}");
    assert!(text.ends_with("it was cut short before the head, or a record up to it edited\n"), "{text}");
    restore();
    // A later run continues the chain: the head run 1 printed still verifies, as a prefix.
    let records = original.lines().count();
    let (_, report) = run_json(&plan, &[]);
    let (code, text) = verify(&["--head", &head]);
    assert_eq!(code, Some(0), "{text}");
    let total = std::fs::read_to_string(&path).unwrap().lines().count();
    assert!(
        text.ends_with(&format!(
            ": intact, {total} records, containing the head given at line {records} ({} records appended by later runs)\n",
            total - records
        )),
        "{text}"
    );
    // And so does the second run's, at the end.
    let second = report["journal_head"].as_str().unwrap();
    assert!(verify(&["--head", second]).1.ends_with(" records, ending at the head given\n"));
    // A head that is not one: bad input, not tampering.
    assert_eq!(verify(&["--head", "abc"]).0, Some(2));
    // No journal.
    let out =
        restorectl().args(["journal", "verify", "--state", "/nonexistent"]).arg(&plan).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// `run --sign-key` signs the head each run ends with; `journal verify --verify-key` checks every
/// run's end against the public key, and names a run signed by another key, or not at all.
#[test]
fn a_signed_journal_verifies_with_its_key_and_not_with_another() {
    use ed25519_dalek::pkcs8::{EncodePrivateKey, EncodePublicKey, spki::der::pem::LineEnding};
    let dir = tempfile::tempdir().unwrap();
    let plan = plan_in(dir.path(), &file_service(dir.path(), "db", None));
    let key = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
    let other = ed25519_dalek::SigningKey::from_bytes(&[8; 32]);
    let write = |name: &str, text: String| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    let private = write("key.pem", key.to_pkcs8_pem(LineEnding::LF).unwrap().to_string());
    let public = write("pub.pem", key.verifying_key().to_public_key_pem(LineEnding::LF).unwrap());
    let other_public = write("other.pem", other.verifying_key().to_public_key_pem(LineEnding::LF).unwrap());
    restorectl().args(["run", "--progress", "none", "--sign-key"]).arg(&private).arg(&plan).assert().code(0);
    let verify = |key: &std::path::Path| {
        let out =
            restorectl().args(["journal", "verify", "--verify-key"]).arg(key).arg(&plan).output().unwrap();
        (out.status.code(), String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let (code, text) = verify(&public);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.ends_with(", every run's end signed by the key given (1)\n"), "{text}");
    let (code, text) = verify(&other_public);
    assert_eq!(code, Some(1));
    assert!(text.contains("is not part of a run closed by an end signed with the key given"), "{text}");
    // A record forged after the last signed end, chained correctly: refused by the key alone.
    let journal = dir.path().join(".restorectl/plan/journal.jsonl");
    let original = std::fs::read_to_string(&journal).unwrap();
    let last = original.lines().last().unwrap();
    let prev: String = {
        use sha2::Digest;
        sha2::Sha256::digest(last.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
    };
    let forged = format!(
        "{original}{{\"prev\":\"{prev}\",\"v\":1,\"event\":\"confirmed\",\"service\":\"db\",\"by\":\"CEO\"}}\n"
    );
    std::fs::write(&journal, &forged).unwrap();
    let lines = forged.lines().count();
    assert_eq!(
        restorectl().args(["journal", "verify"]).arg(&plan).output().unwrap().status.code(),
        Some(0),
        "a chain alone cannot tell"
    );
    let (code, text) = verify(&public);
    assert_eq!(code, Some(1));
    assert!(text.contains(&format!("line {lines} is not part of a run closed by an end signed")), "{text}");
    std::fs::write(&journal, &original).unwrap();
    // A run without the key: its end is unsigned, which is said, and is not tampering.
    restorectl().args(["run", "--progress", "none"]).arg(&plan).assert().code(0);
    let (code, text) = verify(&public);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains(", 1 of 2 runs signed by the key given\n  run "), "{text}");
    assert!(
        text.ends_with(
            "ended unsigned (run without --sign-key); nothing but the chain vouches for its records\n"
        ),
        "{text}"
    );
    // A key that is not one.
    let out = restorectl()
        .args(["run", "--progress", "none", "--sign-key"])
        .arg(&public)
        .arg(&plan)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not an Ed25519 private key in PKCS#8 PEM"));
}

/// A signed run killed with `kill -9` never wrote its end: the resumed run signs its own, which
/// covers the killed run's records through the chain. That is said, and it is not tampering.
#[test]
fn a_killed_signed_run_shows_as_ended_unsigned_not_as_forged() {
    use ed25519_dalek::pkcs8::{EncodePrivateKey, EncodePublicKey, spki::der::pem::LineEnding};
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display();
    let restore = format!("touch {d}/started; while [ ! -e {d}/go ]; do sleep 0.05; done; touch {d}/db.up");
    let plan = plan_in(dir.path(), &file_service(dir.path(), "db", Some(&restore)));
    let key = ed25519_dalek::SigningKey::from_bytes(&[9; 32]);
    let private = dir.path().join("key.pem");
    std::fs::write(&private, key.to_pkcs8_pem(LineEnding::LF).unwrap().as_bytes()).unwrap();
    let public = dir.path().join("pub.pem");
    std::fs::write(&public, key.verifying_key().to_public_key_pem(LineEnding::LF).unwrap()).unwrap();
    let signed = private.to_str().unwrap();
    let child = spawn_run(&plan, &["--sign-key", signed]);
    wait_for(&dir.path().join("started"), "the restore to start");
    signal(&child, libc::SIGKILL);
    let _ = child.wait_with_output();
    std::fs::write(dir.path().join("go"), "").unwrap();
    let (code, _) = run_json(&plan, &["--sign-key", signed]);
    assert_eq!(code, Some(0));
    let out =
        restorectl().args(["journal", "verify", "--verify-key"]).arg(&public).arg(&plan).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains(", 1 of 2 runs signed by the key given\n  run "), "{text}");
    assert!(
        text.contains(
            "ended without its end record (killed); its records are covered by the signed end of run"
        ),
        "{text}"
    );
}

/// A run's end signature covers the run's id and the end's time as well as the head: editing
/// either is found with the key; `report` says "signed by the key given" only once it checked.
#[test]
fn the_end_signature_covers_the_run_and_its_time_and_the_report_checks_it() {
    use ed25519_dalek::pkcs8::{EncodePrivateKey, EncodePublicKey, spki::der::pem::LineEnding};
    let dir = tempfile::tempdir().unwrap();
    let plan = plan_in(dir.path(), &file_service(dir.path(), "db", None));
    let key = ed25519_dalek::SigningKey::from_bytes(&[5; 32]);
    let other = ed25519_dalek::SigningKey::from_bytes(&[6; 32]);
    let private = dir.path().join("key.pem");
    std::fs::write(&private, key.to_pkcs8_pem(LineEnding::LF).unwrap().as_bytes()).unwrap();
    let public = dir.path().join("pub.pem");
    std::fs::write(&public, key.verifying_key().to_public_key_pem(LineEnding::LF).unwrap()).unwrap();
    let wrong = dir.path().join("other.pem");
    std::fs::write(&wrong, other.verifying_key().to_public_key_pem(LineEnding::LF).unwrap()).unwrap();
    restorectl().args(["run", "--progress", "none", "--sign-key"]).arg(&private).arg(&plan).assert().code(0);
    let report = |extra: &[&std::ffi::OsStr]| {
        let out = restorectl().args(["report", "--format", "json"]).args(extra).arg(&plan).output().unwrap();
        (out.status.code(), json(&out.stdout)["journal"].clone())
    };
    // Not checked without a key; checked with the right one; refused with another.
    let (code, journal) = report(&[]);
    assert_eq!(
        (code, &journal["signed"], &journal["signature_checked"]),
        (Some(0), &true.into(), &serde_json::Value::Null)
    );
    let (code, journal) = report(&["--verify-key".as_ref(), public.as_os_str()]);
    assert_eq!((code, &journal["signature_checked"]), (Some(0), &true.into()));
    let (code, journal) = report(&["--verify-key".as_ref(), wrong.as_os_str()]);
    assert_eq!((code, &journal["signature_checked"]), (Some(1), &false.into()));
    let md = restorectl().args(["report"]).arg(&plan).output().unwrap();
    assert!(String::from_utf8_lossy(&md.stdout).contains("signed (not checked: `--verify-key` checks it)"));
    // The end record's time, or its run, edited: the chain cannot tell (it is the last line), the key can.
    let path = dir.path().join(".restorectl/plan/journal.jsonl");
    let original = std::fs::read_to_string(&path).unwrap();
    let end = original.lines().last().unwrap().to_owned();
    let time = serde_json::from_str::<serde_json::Value>(&end).unwrap()["time"].as_str().unwrap().to_owned();
    for edited in [end.replace(&time, "2020-01-01T00:00:00Z"), end.replacen("\"run\":\"", "\"run\":\"f", 1)] {
        std::fs::write(&path, original.replace(&end, &edited)).unwrap();
        assert_eq!(
            restorectl().args(["journal", "verify"]).arg(&plan).output().unwrap().status.code(),
            Some(0)
        );
        let out = restorectl()
            .args(["journal", "verify", "--verify-key"])
            .arg(&public)
            .arg(&plan)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stdout));
    }
}
