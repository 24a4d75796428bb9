//! Failures as types: every failure in the JSON report and in the journal carries a `kind` a
//! script can act on (a timeout is not an exit status is not a gate), beside the words for people;
//! journals written before kinds existed are still read.

use crate::server::TestServer;
use crate::support::*;

/// A service with a restore command and, if given, a check.
fn service(id: &str, restore: &str, extra: &str) -> String {
    format!(
        "[[service]]\nid = \"{id}\"\n{extra}\n[service.restore]\ncommand = {restore}\ntimeout = \"2s\"\n\n"
    )
}

#[test]
fn every_failure_says_its_kind_in_the_report_and_the_journal() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let up = |id: &str| format!("[[service.check]]\ncommand = [\"test\", \"-f\", \"{}/{id}\"]", d.display());
    let mut body = String::new();
    body += &service("exits", "[\"sh\", \"-c\", \"echo disk full; exit 3\"]", &up("exits"));
    body += &service("hangs", "[\"sleep\", \"30\"]", &up("hangs"));
    body += &service("missing", "[\"/nonexistent/restore-db\"]", &up("missing"));
    body += &service("killed", "[\"sh\", \"-c\", \"kill -9 $$\"]", &up("killed"));
    body += &service("unhealthy", "[\"true\"]", &up("unhealthy"));
    body += &format!(
        "[[service]]\nid = \"api\"\n{}\n[service.restore]\nhttp = {{ url = \"{}\", method = \"GET\" }}\ntimeout = \"2s\"\n",
        up("api"),
        server.url("/fail")
    );
    let plan = plan_in(d, &body);
    let (code, report) = run_json(&plan, &["--jobs", "8"]);
    assert_eq!(code, Some(1), "{report:#}");
    let row =
        |id: &str| report["services"].as_array().unwrap().iter().find(|s| s["id"] == id).unwrap().clone();
    let expected = [
        ("exits", "exit", "exit 3: disk full"),
        ("hangs", "timeout", "timed out after 2s (process group killed)"),
        ("missing", "spawn", "cannot run `/nonexistent/restore-db`: No such file or directory (os error 2)"),
        ("killed", "signal", "killed by a signal"),
        ("unhealthy", "checks", "not healthy within 2s: test -f"),
        ("api", "http", "GET http://127.0.0.1"),
    ];
    for (id, kind, reason) in expected {
        let r = row(id);
        assert_eq!(r["state"], "failed", "{id}: {r:#}");
        assert_eq!(r["kind"], kind, "{id}: {r:#}");
        assert!(r["reason"].as_str().unwrap().starts_with(reason), "{id}: {r:#}");
    }
    // The journal carries the same kinds, beside the same words.
    let journal = std::fs::read_to_string(d.join(".restorectl/plan/journal.jsonl")).unwrap();
    let events: Vec<serde_json::Value> = journal.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    for (id, kind, _) in expected {
        let of = |name: &str| {
            events.iter().filter(|e| e["event"] == name && e["service"] == id).cloned().collect::<Vec<_>>()
        };
        assert_eq!(of("failed").len(), 1, "{id}");
        assert_eq!(of("failed")[0]["kind"], kind, "{id}");
        if kind != "checks" {
            assert_eq!(of("action_finished")[0]["kind"], kind, "{id}");
        }
        // An action that never started left no log to look at; one that ran did.
        let logged = of("failed")[0].get("log").is_some();
        match kind {
            "spawn" => assert!(!logged, "{id}"),
            "exit" | "timeout" | "signal" => assert!(logged, "{id}"),
            _ => {}
        }
    }
}

/// A journal of an older version: `failed` with `"kind": "action"`, `action_finished` and
/// `retrying` without any kind. The next run reads it and goes on.
#[test]
fn a_journal_written_before_finer_kinds_is_still_read() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let plan = plan_in(d, &file_service(d, "svc", Some(&format!("touch {}/svc.up", d.display()))));
    let header = r#"{"v":1,"time":"2026-12-07T10:00:00Z","run":{"id":"0001","plan":"Run test","pid":1,"dry_run":false,"fingerprints":{}}}"#;
    let at = |rest: &str| format!(r#"{{"v":1,"time":"2026-12-07T10:00:01Z",{rest}}}"#);
    let run = vec![
        header.to_owned(),
        at(r#""event":"action_started","service":"svc","attempt":1,"at":0.1"#),
        at(r#""event":"action_finished","service":"svc","attempt":1,"at":0.2,"ok":false,"detail":"exit 1""#),
        at(r#""event":"retrying","service":"svc","attempt":1,"of":2,"at":0.2,"after":1.0,"reason":"exit 1""#),
        at(r#""event":"action_started","service":"svc","attempt":2,"at":1.2"#),
        at(r#""event":"action_finished","service":"svc","attempt":2,"at":1.3,"ok":false,"detail":"exit 1""#),
        at(
            r#""event":"failed","service":"svc","at":1.3,"attempts":2,"of":2,"reason":"exit 1","kind":"action""#,
        ),
        at(r#""event":"run_finished","at":1.4,"outcome":"failed""#),
    ];
    write_journal(&d.join(".restorectl/plan/journal.jsonl"), &[run]);
    let (code, report) = run_json(&plan, &["--retry-failed"]);
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(state_of(&report, "svc"), "online");
    let history = restorectl().args(["history"]).arg(&plan).output().unwrap();
    assert_eq!(history.status.code(), Some(0), "{}", String::from_utf8_lossy(&history.stderr));
}
