//! Small things a user notices: counts in good English, times with their zone.

use crate::support::*;

const ONE: &str = "[[service]]\nid = \"db\"\nname = \"database\"\n[[service.check]]\ncommand = [\"true\"]\n";

#[test]
fn one_service_is_one_service_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let plan = plan_in(dir.path(), ONE);
    let out = restorectl().args(["run", "--progress", "plain"]).arg(&plan).output().unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(log.contains("  restoring 1 service, up to 8 at a time (run "), "{log}");
    let out = restorectl().arg("status").arg(&plan).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("1 healthy, 0 down · 1 service probed in "), "{text}");
    restorectl()
        .arg("validate")
        .arg(&plan)
        .assert()
        .code(0)
        .stdout(format!("{} is valid: 1 service in 0 phases\n", plan.display()));
    let out = restorectl().args(["run", "--dry-run", "--progress", "plain"]).arg(&plan).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("simulating 1 service, up to 8 at a time"));
}

#[test]
fn times_carry_their_zone_unless_it_is_utc_and_the_journal_stays_utc() {
    let dir = tempfile::tempdir().unwrap();
    let warsaw = plan_in(dir.path(), &format!("timezone = \"Europe/Warsaw\"\n{ONE}"));
    let out = restorectl().args(["run", "--progress", "plain"]).arg(&warsaw).output().unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    let zoned = regex::Regex::new(r"(?m)^\d\d:\d\d:\d\d CES?T  db: already online$").unwrap();
    assert!(zoned.is_match(&log), "{log}");
    let journal = std::fs::read_to_string(dir.path().join(".restorectl/plan/journal.jsonl")).unwrap();
    assert!(journal.lines().all(|l| l.contains(r#""time":"20"#) && l.contains(r#"Z","#)), "{journal}");
    let dry = restorectl()
        .args(["run", "--dry-run", "--progress", "plain", "--start", "2022-07-25T08:00"])
        .arg(&warsaw)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&dry.stderr).contains("2022-07-25 08:00 CEST  simulating 1 service"));
    let utc = tempfile::tempdir().unwrap();
    let plan = plan_in(utc.path(), ONE);
    let out = restorectl().args(["run", "--progress", "plain"]).arg(&plan).output().unwrap();
    let plain = regex::Regex::new(r"(?m)^\d\d:\d\d:\d\d  db: already online$").unwrap();
    assert!(plain.is_match(&String::from_utf8_lossy(&out.stderr)));
}
