//! Readiness you can prove: the stamp a signed drill leaves beside the plan, `readiness` and
//! `validate --require-ready` against it; `estimate` from real runs' journals, `--write`, trials
//! drawn from history; the regulatory clocks of the evidence report.

use std::path::{Path, PathBuf};

use ed25519_dalek::pkcs8::{EncodePrivateKey, EncodePublicKey, spki::der::pem::LineEnding};

use crate::support::*;

const PLAN: &str = r#"# The plan a drill proves.
[plan]
name = "Readiness test"

[[service]]
id = "db"
name = "Database"
duration = "10m"   # planned, before any real run
rto = "1h"

[[service]]
id = "web"
name = "Web"
depends_on = ["db"]
duration = "5m"
rto = "2h"
"#;

/// A key pair in `dir`: (private key file, public key file).
fn keys(dir: &Path, seed: u8) -> (PathBuf, PathBuf) {
    let key = ed25519_dalek::SigningKey::from_bytes(&[seed; 32]);
    let private = dir.join(format!("key{seed}.pem"));
    let public = dir.join(format!("pub{seed}.pem"));
    std::fs::write(&private, key.to_pkcs8_pem(LineEnding::LF).unwrap().as_bytes()).unwrap();
    std::fs::write(&public, key.verifying_key().to_public_key_pem(LineEnding::LF).unwrap()).unwrap();
    (private, public)
}

fn drill(plan: &Path, key: &Path, extra: &[&str]) -> assert_cmd::assert::Assert {
    restorectl()
        .args(["run", "--dry-run", "--progress", "none", "--sign-key"])
        .arg(key)
        .args(extra)
        .arg(plan)
        .assert()
}

fn readiness(plan: &Path, extra: &[&str]) -> assert_cmd::assert::Assert {
    restorectl().arg("readiness").arg(plan).args(extra).assert()
}

fn stdout(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&a.get_output().stdout).into_owned()
}

#[test]
fn a_plan_never_drilled_says_so_with_exit_2() {
    let p = plan_file(PLAN);
    let a = readiness(&p.plan, &[]).code(2);
    let out = stdout(&a);
    assert!(out.contains("plan.toml: never drilled"), "{out}");
    assert!(out.contains("no drill or run of this plan is known"), "{out}");
    restorectl().args(["validate", "--require-ready"]).arg(&p.plan).assert().code(1);
}

#[test]
fn a_signed_drill_stamps_the_plan_and_one_changed_byte_makes_it_stale() {
    let p = plan_file(PLAN);
    let (private, public) = keys(p.path(), 1);
    let a = drill(&p.plan, &private, &[]).code(0);
    let stamp = p.path().join("plan.readiness.json");
    assert!(
        String::from_utf8_lossy(&a.get_output().stderr)
            .contains(&format!("readiness stamp written: {} (ready, signed)", stamp.display()))
    );
    let saved: serde_json::Value = serde_json::from_slice(&std::fs::read(&stamp).unwrap()).unwrap();
    assert_eq!(saved["drill"]["restored"], 2);
    assert_eq!(saved["drill"]["not_restored"], serde_json::json!([]));
    assert!(saved["signature"]["value"].is_string());

    let a = readiness(&p.plan, &["--verify-key", public.to_str().unwrap()]).code(0);
    let out = stdout(&a);
    assert!(out.contains("plan.toml: ready"), "{out}");
    assert!(out.contains("of this plan: 2 of 2 restored, every RTO met"), "{out}");
    assert!(out.contains("(signature valid)"), "{out}");
    // CI without the state directory: the stamp alone.
    std::fs::remove_dir_all(p.path().join(".restorectl")).unwrap();
    restorectl().args(["validate", "--require-ready"]).arg(&p.plan).assert().code(0);

    // One byte: `10m` → `11m`.
    let text = PLAN.replace("duration = \"10m\"", "duration = \"11m\"");
    std::fs::write(&p.plan, &text).unwrap();
    let a = readiness(&p.plan, &["--format", "json"]).code(1);
    let report = json(&a.get_output().stdout);
    assert_eq!(report["verdict"], "stale");
    assert_eq!(report["changes"], serde_json::json!(["service `db` changed"]));
    restorectl().args(["validate", "--require-ready"]).arg(&p.plan).assert().code(1).stderr(
        predicates::str::contains("is not ready (stale):")
            .and(predicates::str::contains("changed since the stamp: service `db` changed")),
    );
    // A comment is a change of the file too, named as such.
    std::fs::write(&p.plan, PLAN.replace("# The plan a drill proves.", "# The plan a drill proved."))
        .unwrap();
    let a = readiness(&p.plan, &["--format", "json"]).code(1);
    assert_eq!(json(&a.get_output().stdout)["changes"], serde_json::json!(["only comments or layout"]));
    // Back as it was: ready again.
    std::fs::write(&p.plan, PLAN).unwrap();
    readiness(&p.plan, &[]).code(0);
}

use predicates::prelude::PredicateBooleanExt;

#[test]
fn an_expired_or_forged_stamp_is_not_ready() {
    let p = plan_file(PLAN);
    let (private, public) = keys(p.path(), 1);
    let (_, other) = keys(p.path(), 2);
    drill(&p.plan, &private, &[]).code(0);
    std::fs::remove_dir_all(p.path().join(".restorectl")).unwrap();
    let a = readiness(&p.plan, &["--max-age", "1ms"]).code(1);
    assert!(stdout(&a).contains("older than the 1ms allowed (--max-age)"), "{}", stdout(&a));
    // Signed by another key than the one trusted.
    let a = readiness(&p.plan, &["--verify-key", other.to_str().unwrap()]).code(1);
    assert!(
        stdout(&a).contains("it is signed by another key than the one given (--verify-key)"),
        "{}",
        stdout(&a)
    );
    // A failed drill made to look good.
    let stamp = p.path().join("plan.readiness.json");
    let mut saved: serde_json::Value = serde_json::from_slice(&std::fs::read(&stamp).unwrap()).unwrap();
    saved["drill"]["ran"] = serde_json::json!("2099-01-01T00:00:00Z");
    std::fs::write(&stamp, serde_json::to_vec_pretty(&saved).unwrap()).unwrap();
    let a = readiness(&p.plan, &["--verify-key", public.to_str().unwrap()]).code(1);
    let out = stdout(&a);
    assert!(
        out.contains("NOT BELIEVED: its signature does not match what it says (edited after it was signed)"),
        "{out}"
    );
    restorectl().args(["validate", "--require-ready"]).arg(&p.plan).assert().code(1);
}

#[test]
fn a_failed_drill_stamps_failed_and_a_scenario_drill_stamps_nothing() {
    let p = plan_file(&PLAN.replace("rto = \"1h\"", "rto = \"5m\""));
    let (private, _) = keys(p.path(), 1);
    drill(&p.plan, &private, &[]).code(0);
    let a = readiness(&p.plan, &[]).code(1);
    assert!(stdout(&a).contains("its latest drill failed (RTO missed: db)"), "{}", stdout(&a));
    let before = std::fs::read(p.path().join("plan.readiness.json")).unwrap();
    drill(&p.plan, &private, &["--fail", "db"]).code(1).stderr(predicates::str::contains(
        "note: no readiness stamp written: a drill with --fail rehearses a scenario, not the whole plan",
    ));
    assert_eq!(std::fs::read(p.path().join("plan.readiness.json")).unwrap(), before);
}

/// A journal of one real run (`id`) in which `db` took `restore` seconds to restore, its gate 3 s,
/// and `web` waited 60 s for its sign-off.
fn real_run(id: &str, restore: f64) -> Vec<String> {
    let header = format!(
        r#"{{"v":1,"time":"2026-01-01T00:00:00Z","run":{{"id":"{id}","plan":"Readiness test","pid":1,"dry_run":false,"fingerprints":{{}}}}}}"#
    );
    let gate_end = restore + 3.0;
    let event = |e: String| format!(r#"{{"v":1,"time":"2026-01-01T00:00:01Z",{e}}}"#);
    vec![
        header,
        event(r#""event":"action_started","service":"db","attempt":1,"at":0.0"#.into()),
        event(format!(
            r#""event":"verify_step","service":"db","at":{gate_end},"attempt":1,"name":"scan","ok":true,"detail":"exit 0","took":3.0"#
        )),
        event(format!(r#""event":"online","service":"db","at":{gate_end},"attempts":1"#)),
        event(format!(r#""event":"action_started","service":"web","attempt":1,"at":{gate_end}"#)),
        event(format!(
            r#""event":"waiting_for_approval","service":"web","at":{},"role":"ops","count":1,"have":[]"#,
            gate_end + 5.0
        )),
        event(format!(r#""event":"approved","service":"web","at":{},"by":["ann"]"#, gate_end + 65.0)),
        event(format!(r#""event":"online","service":"web","at":{},"attempts":1"#, gate_end + 65.0)),
    ]
}

#[test]
fn estimate_gives_the_exact_percentiles_of_three_journals_and_writes_them() {
    let p = plan_file(PLAN);
    let dirs: Vec<PathBuf> = [("a", 10.0), ("b", 20.0), ("c", 40.0)]
        .iter()
        .map(|(name, secs)| {
            let dir = p.path().join(name);
            write_journal(&dir.join("journal.jsonl"), &[real_run("0001", *secs)]);
            dir
        })
        .collect();
    let mut cmd = restorectl();
    cmd.arg("estimate").arg(&p.plan).args(["--format", "json"]);
    for d in &dirs {
        cmd.arg("--from").arg(d);
    }
    let report = json(&cmd.assert().code(0).get_output().stdout);
    assert_eq!(report["runs"], 3);
    let db = &report["services"][0];
    assert_eq!(db["id"], "db");
    assert_eq!(db["count"], 3);
    assert_eq!(db["restore"], serde_json::json!({ "p50": 20.0, "p90": 40.0 }));
    assert_eq!(db["gates"], serde_json::json!({ "p50": 3.0, "p90": 3.0 }));
    let web = &report["services"][1];
    assert_eq!(web["restore"], serde_json::json!({ "p50": 5.0, "p90": 5.0 }));
    assert_eq!(web["sign_off"], serde_json::json!({ "p50": 60.0, "p90": 60.0 }));

    let mut cmd = restorectl();
    cmd.arg("estimate").arg(&p.plan).arg("--write");
    for d in &dirs {
        cmd.arg("--from").arg(d);
    }
    cmd.assert().code(0).stderr(predicates::str::contains("wrote the durations of 2 services into"));
    let text = std::fs::read_to_string(&p.plan).unwrap();
    assert!(text.contains("duration = \"20s\"   # planned, before any real run"), "{text}");
    assert!(text.contains("duration_p90 = \"40s\""), "{text}");
    assert!(text.starts_with("# The plan a drill proves.\n"), "{text}");
    restorectl().arg("validate").arg(&p.plan).assert().code(0);
}

#[test]
fn estimate_without_a_real_run_says_so() {
    let p = plan_file(PLAN);
    restorectl().arg("estimate").arg(&p.plan).assert().code(2).stderr(
        "error: no real run of the plan is journaled (no journal was found); a dry run's durations are the plan's own\n",
    );
}

#[test]
fn trials_draw_from_history_and_their_p90_moves_with_a_slow_run() {
    let p = plan_file(PLAN);
    let state = p.path().join(".restorectl/plan");
    write_journal(
        &state.join("journal.jsonl"),
        &[real_run("0001", 10.0), real_run("0002", 20.0), real_run("0003", 30.0)],
    );
    let trials = || {
        let a = restorectl()
            .args(["run", "--dry-run", "--trials", "200", "--format", "json"])
            .arg(&p.plan)
            .assert()
            .code(0);
        json(&a.get_output().stdout)
    };
    let before = trials();
    assert_eq!(before["durations"]["from_history"], serde_json::json!(["db", "web"]));
    assert_eq!(before["durations"]["runs"], 3);
    let p90 = |r: &serde_json::Value| r["makespan_seconds"]["p90"].as_f64().unwrap();
    // db: 10, 20 or 30 s (its gate is the plan's: none); web: 5 s.
    assert_eq!(p90(&before), 35.0);
    write_journal(&state.join("journal.20260102T000000Z.jsonl"), &[real_run("0004", 600.0)]);
    let after = trials();
    assert_eq!(after["durations"]["runs"], 4);
    assert_eq!(p90(&after), 605.0);
    // For people: which services have no history.
    let human = restorectl().args(["run", "--dry-run", "--trials", "10"]).arg(&p.plan).assert().code(0);
    assert!(
        stdout(&human).contains("Durations: what 4 real runs took for 2 services\n"),
        "{}",
        stdout(&human)
    );
}

#[test]
fn trials_without_history_draw_a_lognormal_from_duration_p90() {
    let p = plan_file(&PLAN.replace("duration = \"5m\"", "duration = \"5m\"\nduration_p90 = \"50m\""));
    let a = restorectl().args(["run", "--dry-run", "--trials", "20"]).arg(&p.plan).assert().code(0);
    assert!(
        stdout(&a).contains("Durations: no real run is journaled to learn from; a log-normal through duration and duration_p90 for 1 service; the plan's duration for 1 service without history: db\n"),
        "{}",
        stdout(&a)
    );
    let bad = plan_file(&PLAN.replace("duration = \"5m\"", "duration = \"5m\"\nduration_p90 = \"1m\""));
    let a = restorectl().args(["validate", "--format", "json"]).arg(&bad.plan).assert().code(2);
    assert_eq!(
        diagnostic_lines(&json(&a.get_output().stdout)),
        ["error 16:16 p90-below-duration: service `web` has a `duration_p90` shorter than its `duration`"]
    );
}

#[test]
fn a_changed_template_makes_the_plan_stale_though_its_file_is_the_same() {
    let p =
        plan_file(&PLAN.replace(
            "[[service]]\nid = \"db\"",
            "[announce]\ntemplates = \"tpl\"\n\n[[service]]\nid = \"db\"",
        ));
    std::fs::create_dir(p.path().join("tpl")).unwrap();
    std::fs::write(p.path().join("tpl/progress.en.md.j2"), "Work goes on.\n").unwrap();
    let (private, _) = keys(p.path(), 1);
    drill(&p.plan, &private, &[]).code(0);
    readiness(&p.plan, &[]).code(0);
    std::fs::write(p.path().join("tpl/progress.en.md.j2"), "Work still goes on.\n").unwrap();
    let a = readiness(&p.plan, &["--format", "json"]).code(1);
    let report = json(&a.get_output().stdout);
    assert_eq!(report["verdict"], "stale");
    assert_eq!(report["changes"], serde_json::json!(["template tpl/progress.en.md.j2 changed"]));
}

#[test]
fn with_a_key_to_check_an_unsigned_drill_is_no_proof_and_a_bad_key_stops_the_drill_first() {
    let p = plan_file(PLAN);
    let (_, public) = keys(p.path(), 1);
    restorectl().args(["run", "--dry-run", "--progress", "none"]).arg(&p.plan).assert().code(0);
    readiness(&p.plan, &[]).code(0);
    readiness(&p.plan, &["--verify-key", public.to_str().unwrap()]).code(2);
    let a = restorectl()
        .args(["run", "--dry-run", "--progress", "none", "--sign-key"])
        .arg(&public)
        .arg(&p.plan)
        .assert()
        .code(2);
    assert!(String::from_utf8_lossy(&a.get_output().stdout).is_empty(), "no drill ran");
}
