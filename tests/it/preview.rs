//! `restorectl preview`: what a run would do now, on a half-healthy estate: the healthy services
//! left alone, the rest in the scheduler's order with when each would be back, the manual step,
//! the expected end and the RTOs at risk; exit 0 only when nothing needs doing.

use crate::support::*;

#[test]
fn preview_of_a_half_healthy_estate_lists_what_a_run_would_do_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display();
    let check = |id: &str| format!("[[service.check]]\ncommand = [\"test\", \"-f\", \"{d}/{id}.up\"]\n");
    let plan = plan_in(
        dir.path(),
        &format!(
            "[[service]]\nid = \"network\"\nduration = \"1h\"\n{}\
             [[service]]\nid = \"db\"\nduration = \"2h\"\ndepends_on = [\"network\"]\n{}\
             [[service]]\nid = \"mail\"\nduration = \"30m\"\ndepends_on = [\"network\"]\nrto = \"1h\"\n{}\
             [service.restore]\nmanual = \"Re-enable the mail relay.\"\n\
             [[service]]\nid = \"web\"\nduration = \"1h\"\ndepends_on = [\"db\"]\n{}",
            check("network"),
            check("db"),
            check("mail"),
            check("web")
        ),
    );
    std::fs::write(dir.path().join("network.up"), "").unwrap();
    let out = restorectl().args(["preview", "--jobs", "1", "--format", "json"]).arg(&plan).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let v = json(&out.stdout);
    assert_eq!(v["healthy"], serde_json::json!(["network"]));
    let restore: Vec<(String, bool, f64)> = v["restore"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap().to_owned(),
                r["manual"].as_bool().unwrap(),
                r["back_after_seconds"].as_f64().unwrap(),
            )
        })
        .collect();
    // One at a time, longest remaining chain first: db (then web), then mail.
    assert_eq!(
        restore,
        [
            ("db".to_owned(), false, 7200.0),
            ("web".to_owned(), false, 10800.0),
            ("mail".to_owned(), true, 12600.0)
        ]
    );
    assert_eq!(v["expected_seconds"], 12600.0);
    assert_eq!(
        v["rto_at_risk"],
        serde_json::json!([{ "id": "mail", "rto_seconds": 3600, "late_by_seconds": 9000.0 }])
    );
    let out = restorectl().args(["preview", "--jobs", "1"]).arg(&plan).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("healthy, left alone: 1 (network)\n"), "{text}");
    assert!(text.contains("would restore 3, in this order (--jobs 1):\n"), "{text}");
    assert!(
        text.contains(
            "    3. mail      30m  back after 3h 30m  waits for a person (manual step), up to 30m\n"
        ),
        "{text}"
    );
    assert!(text.contains("RTOs at risk (counted from now):\n  mail: RTO 1h, late by 2h 30m\n"), "{text}");
    // Everything up: nothing to do, exit 0; nothing was run.
    for id in ["db", "mail", "web"] {
        std::fs::write(dir.path().join(format!("{id}.up")), "").unwrap();
    }
    let out = restorectl().arg("preview").arg(&plan).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("nothing to restore"));
    assert!(!dir.path().join(".restorectl").exists(), "a preview changes nothing");
}

/// `status` and `preview` only probe: a variable only a restore needs is not asked for.
#[test]
fn probing_needs_only_the_checks_variables() {
    let dir = tempfile::tempdir().unwrap();
    let service = file_service(
        dir.path(),
        "db",
        Some("curl -H \"Authorization: ${env:AWX_TOKEN}\" https://awx.example.com/launch"),
    );
    let plan = plan_in(dir.path(), &service);
    for command in ["status", "preview"] {
        let out = restorectl().arg(command).arg(&plan).env_remove("AWX_TOKEN").output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{command}: {}", String::from_utf8_lossy(&out.stderr));
    }
    // A run needs it.
    let out =
        restorectl().args(["run", "--progress", "none"]).arg(&plan).env_remove("AWX_TOKEN").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("environment variable `AWX_TOKEN` is not set (used by the restore of service `db`)")
    );
}
