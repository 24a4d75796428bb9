//! Named approvals: a service that needs two people of `secops` to sign it off is not online (nor
//! announced) until two distinct ones have; a name outside the role is refused, the same person
//! twice counts once; the sign-offs belong to the run and are journaled with the names.

use crate::support::*;

#[test]
fn two_distinct_people_of_the_role_sign_a_service_off() {
    let dir = tempfile::tempdir().unwrap();
    let service = file_service(dir.path(), "db", None).replacen(
        "\n[[service.check]]",
        "\napproval = { role = \"secops\", count = 2 }\n[[service.check]]",
        1,
    );
    let plan = plan_in(
        dir.path(),
        &format!(
            "[approvers]\nsecops = [\"secops-lead\", \"secops-deputy\"]\nops = [\"night-shift\"]\n{service}"
        ),
    );
    let child = spawn_run(&plan, &[]);
    let journal = dir.path().join(".restorectl/plan/journal.jsonl");
    let read = || std::fs::read_to_string(&journal).unwrap_or_default();
    wait_until("the wait for sign-offs", || read().contains("waiting_for_approval"));
    let confirm = |by: &str| {
        let out = restorectl().args(["confirm"]).arg(&plan).args(["db", "--by", by]).output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    // Outside the role: refused, nothing written.
    let (code, _, err) = confirm("night-shift");
    assert_eq!(code, Some(2));
    assert_eq!(
        err,
        "error: `night-shift` is not among the approvers of `secops` (secops-lead, secops-deputy); nothing signed\n"
    );
    // The lead, twice: still one sign-off.
    assert_eq!(confirm("secops-lead").0, Some(0));
    assert_eq!(confirm("secops-lead").0, Some(0));
    wait_until("the lead's sign-off seen", || read().matches("waiting_for_approval").count() >= 2);
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert!(!read().contains(r#""event":"online""#), "one person is not two");
    // The deputy: the service is back.
    assert_eq!(confirm("secops-deputy").0, Some(0));
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let approved: serde_json::Value = read()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|e| e["event"] == "approved")
        .expect("journaled");
    assert_eq!(approved["by"], serde_json::json!(["secops-deputy", "secops-lead"]));
    // Too late now: no run waits.
    assert_eq!(confirm("secops-lead").0, Some(2));
}

#[test]
fn an_approval_must_name_a_role_with_enough_people() {
    let dir = tempfile::tempdir().unwrap();
    let plan = plan_in(
        dir.path(),
        "[approvers]\nsecops = [\"a\"]\n[[service]]\nid = \"db\"\nname = \"db\"\napproval = { role = \"secops\", count = 2 }\n\
         [[service.check]]\ntcp = \"db.example.com:5432\"\n[[service]]\nid = \"mail\"\nname = \"mail\"\n\
         approval = { role = \"legal\" }\n[[service.check]]\ntcp = \"mail.example.com:25\"\n",
    );
    let out = restorectl().args(["validate", "--format", "json"]).arg(&plan).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        diagnostic_lines(&json(&out.stdout)),
        [
            "error 8:21 too-few-approvers: service `db` needs 2 approvals by role `secops`, which has 1 person",
            "error 14:21 unknown-role: service `mail` needs approval by role `legal`, which `[approvers]` does not name",
        ]
    );
}

/// A drill takes the sign-offs as given, and says so without naming anybody.
#[test]
fn a_drill_says_it_takes_the_sign_offs_as_given() {
    let state = tempfile::tempdir().unwrap();
    let out = restorectl()
        .args(["run", "--dry-run", "--progress", "plain", "--state"])
        .arg(state.path())
        .arg(repo("plans/ista.toml"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let log = String::from_utf8_lossy(&out.stderr);
    assert_eq!(log.matches("sign-offs taken as given (a drill names nobody)").count(), 5, "{log}");
    assert!(log.contains("backup-restore: sign-offs taken as given"), "{log}");
}

/// An approver is who signed, not a file name: a copy of one person's sign-off under another
/// name is still one person.
#[test]
fn a_copied_sign_off_file_counts_once() {
    let dir = tempfile::tempdir().unwrap();
    let service = file_service(dir.path(), "db", None).replacen(
        "\n[[service.check]]",
        "\napproval = { role = \"secops\", count = 2 }\n[[service.check]]",
        1,
    );
    let plan = plan_in(dir.path(), &format!("[approvers]\nsecops = [\"anna\", \"piotr\"]\n{service}"));
    let child = spawn_run(&plan, &[]);
    let journal = dir.path().join(".restorectl/plan/journal.jsonl");
    let read = || std::fs::read_to_string(&journal).unwrap_or_default();
    wait_until("the wait for sign-offs", || read().contains("waiting_for_approval"));
    let confirm =
        |by: &str| restorectl().args(["confirm"]).arg(&plan).args(["db", "--by", by]).output().unwrap();
    assert_eq!(confirm("anna").status.code(), Some(0));
    wait_until("anna's sign-off seen", || read().matches("waiting_for_approval").count() >= 2);
    let folder = std::fs::read_dir(dir.path().join(".restorectl/plan/confirm"))
        .unwrap()
        .flatten()
        .next()
        .unwrap()
        .path()
        .join("db.approvals");
    let anna = std::fs::read_dir(&folder).unwrap().flatten().next().unwrap().path();
    std::fs::copy(&anna, folder.join("70696f7472.json")).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(600));
    assert!(!read().contains(r#""event":"online""#), "a copy of anna is not piotr");
    assert_eq!(confirm("piotr").status.code(), Some(0));
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(read().contains(r#""by":["anna","piotr"]"#), "{}", read());
}
