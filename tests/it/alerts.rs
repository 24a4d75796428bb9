//! Operators' alerts (`[[notify]]`): a manual step waiting, a restore failed, an RTO at risk and
//! the run's end, each received once by a local endpoint (which answers 500 twice first: retried),
//! and the failure by a command too; journaled; the run never waits for them.

use crate::server::TestServer;
use crate::support::*;

#[test]
fn each_alert_kind_reaches_the_operators_once() {
    let srv = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display();
    let plan = plan_in(
        dir.path(),
        &format!(
            "rto_risk_at = 0.5\n\
             [[notify]]\nurl = \"{}\"\n\
             [[notify]]\ncommand = [\"sh\", \"-c\", \"cat >> {d}/alerts.jsonl; echo >> {d}/alerts.jsonl\"]\nevents = [\"restore_failed\"]\n\
             [[service]]\nid = \"switch\"\n[[service.check]]\ncommand = [\"test\", \"-f\", \"{d}/switch.up\"]\ninterval = \"50ms\"\n\
             [service.restore]\nmanual = \"Power-cycle the core switch.\"\n\
             [[service]]\nid = \"db\"\n[[service.check]]\ncommand = [\"test\", \"-f\", \"{d}/db.up\"]\ninterval = \"50ms\"\n\
             [service.restore]\ncommand = [\"false\"]\n\
             [[service]]\nid = \"web\"\nrto = \"2s\"\n[[service.check]]\ncommand = [\"test\", \"-f\", \"{d}/web.up\"]\ninterval = \"50ms\"\n\
             [service.restore]\ncommand = [\"sh\", \"-c\", \"sleep 1.5; touch {d}/web.up\"]\n",
            srv.url("/hook/flaky")
        ),
    );
    let child = spawn_run(&plan, &[]);
    // The manual step is announced to the operators; a person does it.
    wait_until("the manual-step alert", || srv.posts("flaky").iter().any(|p| p["alert"] == "manual_waiting"));
    std::fs::write(dir.path().join("switch.up"), "").unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let alerts: Vec<(String, Option<String>)> = srv
        .posts("flaky")
        .iter()
        .map(|p| (p["alert"].as_str().unwrap().to_owned(), p["service"].as_str().map(str::to_owned)))
        .collect();
    let mut kinds: Vec<&str> = alerts.iter().map(|(k, _)| k.as_str()).collect();
    kinds.sort_unstable();
    assert_eq!(kinds, ["manual_waiting", "restore_failed", "rto_at_risk", "run_finished"], "{alerts:?}");
    assert!(alerts.contains(&("rto_at_risk".into(), Some("web".into()))));
    assert!(alerts.contains(&("restore_failed".into(), Some("db".into()))));
    assert_eq!(srv.hits("/hook/flaky"), 6, "two 500s retried, then each alert once");
    let failed = srv.posts("flaky").into_iter().find(|p| p["alert"] == "restore_failed").unwrap();
    assert!(failed["text"].as_str().unwrap().starts_with("db failed after 1 attempt(s): "), "{failed}");
    // The command got the failure alone, as JSON on its standard input.
    let lines = std::fs::read_to_string(dir.path().join("alerts.jsonl")).unwrap();
    let lines: Vec<&str> = lines.lines().filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(serde_json::from_str::<serde_json::Value>(lines[0]).unwrap()["alert"], "restore_failed");
    // Journaled.
    let log = std::fs::read_to_string(dir.path().join(".restorectl/plan/notify.jsonl")).unwrap();
    assert_eq!(log.matches(r#""state":"delivered""#).count(), 5, "{log}");
}

#[test]
fn an_alert_target_needs_a_url_or_a_command_and_known_alerts() {
    let dir = tempfile::tempdir().unwrap();
    let plan = plan_in(
        dir.path(),
        "[[notify]]\nformat = \"slack\"\n[[notify]]\nurl = \"https://ops.example.com/hook\"\nevents = [\"restore_failed\", \"oops\"]\n\
         [[service]]\nid = \"db\"\nname = \"db\"\n[[service.check]]\ntcp = \"db.example.com:5432\"\n",
    );
    let out = restorectl().args(["validate", "--format", "json"]).arg(&plan).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        diagnostic_lines(&json(&out.stdout)),
        [
            "error 3:1 notify-kinds: a `[[notify]]` needs exactly one of `url` and `command`",
            "error 7:29 bad-value: unknown alert `oops`",
        ]
    );
}

/// An alert command runs with its `shell`, `env` and `cwd`; one that hangs is killed, said and
/// journaled, and does not hold the run's end for long.
#[test]
fn alert_commands_use_their_settings_and_a_hanging_one_is_killed() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display();
    let plan = plan_in(
        dir.path(),
        &format!(
            "[[notify]]\ncommand = [\"echo $WHO >> alerts.txt\"]\nshell = true\nenv = {{ WHO = \"on-call\" }}\ncwd = \"{d}\"\n\
             events = [\"restore_failed\"]\n\
             [[notify]]\ncommand = [\"sleep\", \"100\"]\nevents = [\"run_finished\"]\n\
             [[service]]\nid = \"db\"\n[[service.check]]\ncommand = [\"test\", \"-f\", \"{d}/db.up\"]\ninterval = \"50ms\"\n\
             [service.restore]\ncommand = [\"false\"]\n"
        ),
    );
    let out = restorectl().args(["run", "--progress", "none"]).arg(&plan).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(std::fs::read_to_string(dir.path().join("alerts.txt")).unwrap(), "on-call\n");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("warning: 1 alert(s) not delivered: see "), "{stderr}");
}

/// An alert target's URL and headers may be `${env:…}` secrets: resolved for the request, never
/// written to the terminal, the run's JSON or the alert journal.
#[test]
fn an_alert_target_takes_its_url_and_headers_from_the_environment_and_never_shows_them() {
    let srv = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display();
    let plan = plan_in(
        dir.path(),
        &format!(
            "[[notify]]\nurl = \"${{env:ALERT_HOOK}}\"\nheaders = {{ \"X-Token\" = \"${{env:ALERT_TOKEN}}\" }}\nevents = [\"restore_failed\"]\n\
             [[service]]\nid = \"db\"\n[[service.check]]\ncommand = [\"test\", \"-f\", \"{d}/db.up\"]\ninterval = \"50ms\"\n\
             [service.restore]\ncommand = [\"false\"]\n"
        ),
    );
    let hook = srv.url("/hook/envhook");
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("restorectl"))
        .args(["run", "--progress", "plain", "--format", "json"])
        .arg(&plan)
        .env("NO_COLOR", "1")
        .env("ALERT_HOOK", &hook)
        .env("ALERT_TOKEN", "t0ken-f0r-alerts")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let posts = srv.posts("envhook");
    assert_eq!(posts.len(), 1, "{posts:?}");
    assert_eq!(posts[0]["alert"], "restore_failed");
    let log = std::fs::read_to_string(dir.path().join(".restorectl/plan/notify.jsonl")).unwrap();
    for text in [
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        log,
    ] {
        assert!(!text.contains("t0ken-f0r-alerts"), "{text}");
        assert!(!text.contains(&hook), "{text}");
    }
}

/// A wait for sign-offs is heard like any wait for people: an alert when it begins and at every
/// reminder, a line on the terminal at every reminder, and no time limit unless the plan gives one.
#[test]
fn a_sign_off_wait_alerts_and_reminds_until_it_is_signed() {
    let srv = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    let db = file_service(dir.path(), "db", None).replacen(
        "\n[[service.check]]",
        "\napproval = { role = \"secops\" }\n[[service.check]]",
        1,
    );
    let plan = plan_in(
        dir.path(),
        &format!(
            "[approvers]\nsecops = [\"anna\"]\n[[notify]]\nurl = \"{}\"\n{db}",
            srv.url("/hook/signoff")
        ),
    );
    let child = spawn_run(&plan, &["--remind-every", "1s"]);
    let texts = || -> Vec<String> {
        srv.posts("signoff")
            .iter()
            .filter(|p| p["alert"] == "manual_waiting")
            .map(|p| p["text"].as_str().unwrap().to_owned())
            .collect()
    };
    wait_until("two reminders", || {
        texts().iter().filter(|t| t.contains("still waits for sign-offs")).count() >= 2
    });
    let texts = texts();
    assert!(
        texts[0].starts_with("db waits for 1 sign-off(s) by `secops` — to sign: `restorectl confirm "),
        "{texts:?}"
    );
    assert!(
        texts[1]
            .starts_with("db still waits for sign-offs (1s so far): 0 of 1 signed by `secops` — sign with `"),
        "{texts:?}"
    );
    let out = restorectl().args(["confirm"]).arg(&plan).args(["db", "--by", "anna"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("db: still waiting for sign-offs (1s so far): 0 of 1 signed by `secops`"), "{err}");
}
