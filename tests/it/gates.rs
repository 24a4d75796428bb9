//! Verify gates: after a restore, a service counts as online only when its `[[service.verify]]`
//! steps pass (a scan, a restore point recorded); each step's evidence (exit status, duration,
//! SHA-256 and first 4 KiB of its output) is kept; a failing scan fails the service, which is never
//! announced as back; in a dry run the gates take their `duration`.

use crate::support::*;

fn with_gates(service: &str, gates: &str) -> String {
    service.replacen("\n[service.restore]", &format!("\n{gates}[service.restore]"), 1)
}

#[test]
fn a_service_counts_as_online_only_once_its_gates_pass_and_their_evidence_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let files = with_gates(
        &file_service(dir.path(), "files", None),
        "[[service.verify]]\nname = \"malware scan\"\ncommand = [\"sh\", \"-c\", \"echo 'scanned 1204 files: 0 infected'\"]\n\
         [[service.verify]]\nname = \"restore point\"\ncommand = [\"echo\", \"snap-2022-07-24T23:00\"]\nevidence = \"restore_point\"\n",
    );
    let mail = with_gates(
        &file_service(dir.path(), "mail", None),
        "[[service.verify]]\nname = \"malware scan\"\ncommand = [\"sh\", \"-c\", \"echo 'mbox: Win.Ransomware FOUND'; exit 1\"]\n",
    );
    let plan =
        plan_in(dir.path(), &format!("[announce]\npublish = \"auto\"\nbatch_window = \"0s\"\n{files}{mail}"));
    let (code, report) = run_json(&plan, &[]);
    assert_eq!(code, Some(1), "{report:#}");
    assert_eq!(state_of(&report, "files"), "online");
    assert_eq!(state_of(&report, "mail"), "quarantined");
    let service = report["services"].as_array().unwrap().iter().find(|s| s["id"] == "mail").unwrap();
    assert_eq!(
        service["reason"], "verify step `malware scan` did not pass: exit 1: mbox: Win.Ransomware FOUND",
        "{service:#}"
    );
    // Never announced as back.
    let announced: Vec<String> = std::fs::read_dir(dir.path().join(".restorectl/plan/announcements"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!announced.iter().any(|n| n.contains("mail") && !n.contains("failed")), "{announced:?}");
    // The evidence of each attempt's gates.
    let run = std::fs::read_dir(dir.path().join(".restorectl/plan/evidence"))
        .unwrap()
        .flatten()
        .next()
        .unwrap()
        .path();
    let evidence: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("files.1.json")).unwrap()).unwrap();
    let steps = evidence["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 2);
    assert_eq!(steps[0]["name"], "malware scan");
    assert_eq!(steps[0]["code"], 0);
    assert_eq!(steps[0]["stdout_head"], "scanned 1204 files: 0 infected\n");
    assert_eq!(steps[0]["stdout_sha256"].as_str().unwrap().len(), 64);
    assert_eq!(steps[1]["restore_point"], "snap-2022-07-24T23:00");
    let failed: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("mail.1.json")).unwrap()).unwrap();
    assert_eq!(failed["steps"][0]["ok"], false);
    assert_eq!(failed["steps"][0]["code"], 1);
    let journal = std::fs::read_to_string(dir.path().join(".restorectl/plan/journal.jsonl")).unwrap();
    assert!(journal.contains(r#""restore_point":"snap-2022-07-24T23:00""#));
}

#[test]
fn a_dry_run_counts_the_gates_time() {
    let dir = tempfile::tempdir().unwrap();
    let body = "[[service]]\nid = \"files\"\nduration = \"2h\"\n[[service.verify]]\ncommand = [\"clamscan\", \"-r\", \"/srv\"]\nduration = \"3h\"\n";
    let plan = plan_in(dir.path(), body);
    let (code, report) = run_json(&plan, &["--dry-run"]);
    assert_eq!(code, Some(0));
    assert_eq!(report["makespan_seconds"], 5.0 * 3600.0, "{report:#}");
}
