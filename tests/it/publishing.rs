//! Publishing to Slack and Statuspage as they behave (`fakes.rs`): the README's webhook example
//! verbatim, secrets from the environment, one Statuspage incident per run updated in place,
//! Slack messages in mrkdwn with both languages, retries only where the protocol allows them,
//! one webhook's trouble never holding up another, and what is left delivered later.

use std::path::{Path, PathBuf};

use crate::fakes::{Fakes, STATUSPAGE_KEY};
use crate::support::*;

/// The README's `[[announce.webhook]]` example, verbatim.
fn readme_webhooks() -> String {
    let readme = std::fs::read_to_string(repo("README.md")).unwrap();
    let start = readme
        .find("[[announce.webhook]]\nurl = \"${env:SLACK_WEBHOOK_URL}\"")
        .expect("the README's example");
    let end = start + readme[start..].find("```").unwrap();
    readme[start..end].to_owned()
}

/// `plans/ista.toml` made runnable here: every check `test -e up/<id>`, every restore `touch
/// up/<id>`, no verify gates or sign-offs, checks every 50ms, updates posted at once, one per
/// moment, at any hour; `extra` appended.
fn live_ista(dir: &Path, extra: &str) -> PathBuf {
    let text = std::fs::read_to_string(repo("plans/ista.toml")).unwrap();
    let mut plan: toml::Table = toml::from_str(&text).unwrap();
    std::fs::create_dir_all(dir.join("up")).unwrap();
    let up = dir.join("up");
    plan["defaults"] =
        toml::toml! { check = { timeout = "5s", interval = "50ms", healthy_after = 1 } }.into();
    let announce = plan["announce"].as_table_mut().unwrap();
    announce.insert("publish".into(), "auto".into());
    announce.insert("batch_window".into(), "0s".into());
    // Whatever the time of day the test runs: good news is not held for the morning.
    announce.remove("publish_hours");
    for s in plan["service"].as_array_mut().unwrap() {
        let s = s.as_table_mut().unwrap();
        let file = up.join(s["id"].as_str().unwrap()).display().to_string();
        s.insert(
            "check".into(),
            toml::Value::Array(vec![toml::toml! { command = ["test", "-e", (file.clone())] }.into()]),
        );
        s.insert("restore".into(), toml::toml! { command = ["touch", file] }.into());
        // No scans or sign-offs here: this is about what customers are told.
        s.remove("verify");
        s.remove("approval");
    }
    let path = dir.join("ista.toml");
    std::fs::write(&path, format!("{}\n{extra}", toml::to_string(&plan).unwrap())).unwrap();
    path
}

fn updates_in(dir: &Path) -> usize {
    std::fs::read_dir(dir.join(".restorectl/ista/announcements"))
        .unwrap()
        .flatten()
        .filter(|e| {
            let n = e.file_name().to_string_lossy().into_owned();
            n.starts_with(char::is_numeric) && n.ends_with(".pl.md")
        })
        .count()
}

fn env<'a>(fakes: &Fakes, cmd: &'a mut assert_cmd::Command) -> &'a mut assert_cmd::Command {
    cmd.env("SLACK_WEBHOOK_URL", fakes.url("/hook/slack"))
        .env("STATUSPAGE_INCIDENTS_URL", fakes.url("/v1/pages/pg1/incidents"))
        .env("STATUSPAGE_KEY", STATUSPAGE_KEY)
}

#[test]
fn the_readme_example_publishes_one_incident_and_every_update_once() {
    let fakes = Fakes::start();
    let dir = tempfile::tempdir().unwrap();
    let plan = live_ista(dir.path(), &readme_webhooks());
    let out = env(&fakes, &mut restorectl()).args(["run", "--progress", "none"]).arg(&plan).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let updates = updates_in(dir.path());
    assert!(updates >= 3, "{updates}");

    // Statuspage: one incident, created by the first update, updated by every other, resolved once.
    let incidents = fakes.incidents();
    assert_eq!(incidents.len(), 1, "{incidents:#?}");
    let statuses: Vec<&str> = incidents[0].updates.iter().map(|u| u["status"].as_str().unwrap()).collect();
    assert_eq!(statuses.len(), updates, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == "resolved").count(), 1);
    assert_eq!(statuses.last(), Some(&"resolved"), "{statuses:?}");
    assert_eq!(statuses[0], "identified");
    let first = &incidents[0].updates[0];
    assert_eq!(first["component_ids"], serde_json::json!(["8kbf7d35c070", "3m8kq1cfzk6t"]));
    assert_eq!(first["components"]["8kbf7d35c070"], "major_outage");
    assert_eq!(first["deliver_notifications"], true);
    let last = incidents[0].updates.last().unwrap();
    assert_eq!(
        last["components"],
        serde_json::json!({ "8kbf7d35c070": "operational", "3m8kq1cfzk6t": "operational" })
    );
    assert!(!last["body"].as_str().unwrap().starts_with('#'));
    let log =
        std::fs::read_to_string(dir.path().join(".restorectl/ista/announcements/webhooks.jsonl")).unwrap();
    assert_eq!(log.matches(r#""state":"incident""#).count(), 1, "the incident's id is journaled");

    // Slack: each update once, in mrkdwn, Polish then English.
    let slack = fakes.posts("slack");
    assert_eq!(slack.len(), updates);
    let mut keys: Vec<&str> = slack.iter().map(|(k, _)| k.as_str()).collect();
    keys.dedup();
    assert_eq!(keys.len(), updates, "no update twice");
    let text = slack[0].1["text"].as_str().unwrap();
    assert!(text.starts_with("*Komunikat z dnia "), "{text}");
    assert!(text.contains("\n\n———\n\n*Update, "), "{text}");
    assert!(!text.contains("###"), "{text}");

    // A second run has nothing more to say, and says nothing twice.
    env(&fakes, &mut restorectl()).args(["run", "--progress", "none"]).arg(&plan).assert().code(0);
    assert_eq!(fakes.posts("slack").len(), updates);
    assert_eq!(fakes.incidents()[0].updates.len(), updates);
}

#[test]
fn without_its_variables_the_example_is_refused_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    let plan = live_ista(dir.path(), &readme_webhooks());
    let clear = |cmd: &mut assert_cmd::Command| {
        cmd.env_remove("SLACK_WEBHOOK_URL")
            .env_remove("STATUSPAGE_INCIDENTS_URL")
            .env_remove("STATUSPAGE_KEY");
    };
    let mut validate = restorectl();
    clear(&mut validate);
    let out = validate.args(["validate", "--env-check", "--format", "json"]).arg(&plan).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let report = json(&out.stdout);
    let messages: Vec<&str> =
        report["diagnostics"].as_array().unwrap().iter().map(|d| d["message"].as_str().unwrap()).collect();
    assert_eq!(
        messages,
        [
            "environment variable `SLACK_WEBHOOK_URL` is not set (used by webhook 1 of [announce])",
            "environment variable `STATUSPAGE_INCIDENTS_URL` is not set (used by webhook 2 of [announce])",
            "environment variable `STATUSPAGE_KEY` is not set (used by webhook 2 of [announce])",
        ]
    );
    // Without --env-check the plan is valid: CI validates without the secrets.
    let mut validate = restorectl();
    clear(&mut validate);
    validate.arg("validate").arg(&plan).assert().code(0);
    let mut run = restorectl();
    clear(&mut run);
    let out = run.args(["run", "--progress", "none"]).arg(&plan).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: environment variable `SLACK_WEBHOOK_URL` is not set (used by webhook 1 of [announce])\n\
         environment variable `STATUSPAGE_INCIDENTS_URL` is not set (used by webhook 2 of [announce])\n\
         environment variable `STATUSPAGE_KEY` is not set (used by webhook 2 of [announce])\n"
    );
    assert!(!dir.path().join(".restorectl/ista/journal.jsonl").exists(), "nothing ran");
    // A URL that is not one once filled in.
    let mut run = restorectl();
    let out = run
        .env("SLACK_WEBHOOK_URL", "hooks.slack.com/services/T0/B0/x")
        .env("STATUSPAGE_INCIDENTS_URL", "https://127.0.0.1:9/v1/pages/p/incidents")
        .env("STATUSPAGE_KEY", "k3y-k3y")
        .args(["run", "--progress", "none"])
        .arg(&plan)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: the url of webhook 1 of [announce] (`${env:SLACK_WEBHOOK_URL}`) is not an http:// or https:// URL once its variables are filled in\n"
    );
}

#[test]
fn a_rate_limited_statuspage_holds_up_neither_slack_nor_the_run_and_what_is_left_is_delivered_later() {
    let fakes = Fakes::start();
    fakes.limit_statuspage(true);
    let dir = tempfile::tempdir().unwrap();
    let plan = live_ista(dir.path(), &readme_webhooks());
    let out = env(&fakes, &mut restorectl()).args(["run", "--progress", "none"]).arg(&plan).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let updates = updates_in(dir.path());
    assert_eq!(fakes.posts("slack").len(), updates, "Slack got everything while Statuspage said 429");
    assert!(fakes.incidents().is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let log = dir.path().join(".restorectl/ista/announcements/webhooks.jsonl");
    let left = format!(
        "{updates} update(s) not delivered to webhook 2 (statuspage, 127.0.0.1) yet: kept in {}; the next run or `restorectl announce deliver {}` sends them",
        log.display(),
        plan.display()
    );
    assert!(stderr.contains(&left), "{stderr}");
    assert!(!stderr.contains(STATUSPAGE_KEY));

    fakes.limit_statuspage(false);
    let out = env(&fakes, &mut restorectl()).args(["announce", "deliver"]).arg(&plan).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "every update queued is delivered\n");
    let incidents = fakes.incidents();
    assert_eq!(incidents.len(), 1);
    assert_eq!(incidents[0].updates.len(), updates);
    assert_eq!(fakes.posts("slack").len(), updates, "Slack is not sent anything again");
}

#[test]
fn retries_only_where_the_protocol_allows_them() {
    let fakes = Fakes::start();
    let dir = tempfile::tempdir().unwrap();
    let hooks = format!(
        "[[announce.webhook]]\nurl = \"{}\"\n[[announce.webhook]]\nurl = \"{}\"\n[[announce.webhook]]\nurl = \"http://{}/hook/drop\"\n",
        fakes.url("/hook/limited"),
        fakes.url("/hook/denied"),
        fakes.drop_addr
    );
    let d = dir.path().display();
    let plan = dir.path().join("plan.toml");
    std::fs::write(
        &plan,
        format!(
            "[plan]\nname = \"Retries\"\n[announce]\npublish = \"auto\"\n{hooks}\n[[service]]\nid = \"mail\"\nname = \"mail\"\n\
             [[service.check]]\ncommand = [\"test\", \"-f\", \"{d}/mail.up\"]\ninterval = \"50ms\"\n\
             [service.restore]\ncommand = [\"touch\", \"{d}/mail.up\"]\n"
        ),
    )
    .unwrap();
    let out = restorectl().args(["run", "--progress", "none"]).arg(&plan).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    // 429 twice (after `Retry-After`), then accepted: each update delivered once.
    let limited: Vec<String> = fakes.posts("limited").into_iter().map(|(k, _)| k).collect();
    assert_eq!(limited.len(), 2, "{limited:?}");
    assert!(limited[0].starts_with("start-0001-") && limited[1].starts_with("restored-0002-"));
    // 401: refused at once, never retried, told to the operators with the answer.
    assert_eq!(fakes.hits("denied"), 2);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "error: webhook 2 (json, 127.0.0.1) refused update {}: 401 Unauthorized: invalid token",
            limited[0]
        )),
        "{stderr}"
    );
    let log =
        std::fs::read_to_string(dir.path().join(".restorectl/plan/announcements/webhooks.jsonl")).unwrap();
    assert_eq!(log.matches(r#""state":"refused""#).count(), 2);
    // A connection dropped after the request was read: retried, then delivered.
    assert_eq!(fakes.posts("drop").len(), 2);
    assert!(fakes.hits("drop") >= 4);
    // Nothing is left: a later run sends nothing again, the refused ones included.
    restorectl().args(["run", "--progress", "none"]).arg(&plan).assert().code(0);
    assert_eq!(fakes.hits("denied"), 2);
    assert_eq!(fakes.posts("limited").len(), 2);
}

#[test]
fn a_component_must_show_a_customer_facing_service() {
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("plan.toml");
    std::fs::write(
        &plan,
        "[plan]\nname = \"Components\"\nlocales = [\"en\"]\n[[announce.webhook]]\nurl = \"https://status.example.com/incidents\"\n\
         format = \"statuspage\"\ncomponents = { erp = \"c1\", billng = \"c2\" }\nlocales = [\"de\"]\n\
         [[service]]\nid = \"erp\"\ncustomer_facing = false\n[[service]]\nid = \"billing\"\nname = \"billing\"\n",
    )
    .unwrap();
    let out = restorectl().args(["validate", "--format", "json"]).arg(&plan).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        diagnostic_lines(&json(&out.stdout)),
        [
            "error 7:16 internal-component: webhook 1 maps a Statuspage component to `erp`, an internal service (customer_facing = false)",
            "error 7:28 unknown-service: webhook 1 maps a component to unknown service `billng`",
            "error 8:12 unknown-locale: webhook 1 asks for `de`, which is not in `plan.locales`",
        ]
    );
}

/// Killed (SIGKILL) twenty times at random moments while updates are being posted, then resumed
/// until done: every update reaches the hook, and a receiver that honours `Idempotency-Key` sees
/// each exactly once. (A request in flight at the kill is sent again with the same key: the one
/// case a receiver may see twice, at most once per kill.) The journal stays readable throughout.
#[test]
fn killed_twenty_times_while_posting_no_update_is_lost_or_repeated() {
    let fakes = Fakes::start();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display();
    let mut plan = format!(
        "[plan]\nname = \"Kills\"\nlocales = [\"pl\", \"en\"]\n[announce]\npublish = \"auto\"\nbatch_window = \"0s\"\n\
         [[announce.webhook]]\nurl = \"{}\"\n[[announce.webhook]]\nurl = \"{}\"\nformat = \"slack\"\npace = \"0s\"\n",
        fakes.url("/hook/kills"),
        fakes.url("/hook/kills-slack")
    );
    for i in 0..8 {
        let sleep = 0.1 + 0.15 * f64::from(i);
        plan += &format!(
            "[[service]]\nid = \"s{i}\"\nname = \"usługa {i}\"\n[[service.check]]\ncommand = [\"test\", \"-f\", \"{d}/s{i}.up\"]\n\
             interval = \"50ms\"\n[service.restore]\ncommand = [\"sh\", \"-c\", \"sleep {sleep}; touch {d}/s{i}.up\"]\n"
        );
    }
    let plan_path = dir.path().join("plan.toml");
    std::fs::write(&plan_path, plan).unwrap();
    // A fixed pseudo-random schedule (reproducible): kill after 30–500 ms.
    kill_twenty_times_then_finish(&plan_path, 0x5eed_1234, 30..500);

    let announcements = dir.path().join(".restorectl/plan/announcements");
    let updates: std::collections::BTreeSet<u32> = std::fs::read_dir(&announcements)
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_string_lossy().get(..4)?.parse().ok())
        .collect();
    assert_eq!(updates.iter().copied().collect::<Vec<_>>(), (1..=updates.len() as u32).collect::<Vec<_>>());
    for hook in ["kills", "kills-slack"] {
        let keys: Vec<String> = fakes.posts(hook).into_iter().map(|(k, _)| k).collect();
        let mut distinct = keys.clone();
        distinct.sort();
        distinct.dedup();
        let numbers: std::collections::BTreeSet<u32> =
            distinct.iter().filter_map(|k| k.split('-').nth(1)?.parse().ok()).collect();
        assert_eq!(numbers, updates, "{hook}: every update arrived (none lost)");
        assert_eq!(distinct.len(), updates.len(), "{hook}: one key per update: {distinct:?}");
        assert!(keys.len() - distinct.len() <= 20, "{hook}: at most one repeat per kill: {keys:?}");
        eprintln!(
            "{hook}: {} updates, {} repeats of requests in flight at a kill",
            distinct.len(),
            keys.len() - distinct.len()
        );
    }
    // Every line of the journal parses but the torn ones a kill may leave, each closed.
    let log = std::fs::read_to_string(announcements.join("webhooks.jsonl")).unwrap();
    let torn = log.lines().filter(|l| serde_json::from_str::<serde_json::Value>(l).is_err()).count();
    assert!(torn <= 20, "{torn} unreadable lines");
}

/// An approval killed after some webhooks' deliveries were queued: the next `announce deliver`
/// queues and sends the rest; the journal follows its webhooks when the plan reorders them.
#[test]
fn an_approval_cut_short_is_completed_and_reordered_webhooks_keep_their_deliveries() {
    let fakes = Fakes::start();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display();
    let hooks = |a: &str, b: &str| {
        format!(
            "[[announce.webhook]]\nurl = \"{}\"\n[[announce.webhook]]\nurl = \"{}\"\n",
            fakes.url(a),
            fakes.url(b)
        )
    };
    let service = format!(
        "[[service]]\nid = \"mail\"\nname = \"mail\"\n[[service.check]]\ncommand = [\"test\", \"-f\", \"{d}/mail.up\"]\n\
         interval = \"50ms\"\n[service.restore]\ncommand = [\"touch\", \"{d}/mail.up\"]\n"
    );
    let write = |hooks: String| {
        let plan = dir.path().join("plan.toml");
        std::fs::write(&plan, format!("[plan]\nname = \"Cut\"\n[announce]\n{hooks}{service}")).unwrap();
        plan
    };
    let plan = write(hooks("/hook/one", "/hook/two"));
    restorectl().args(["run", "--progress", "none"]).arg(&plan).assert().code(0);
    // The state an approval killed after queueing webhook 1 only would leave.
    let log = dir.path().join(".restorectl/plan/announcements/webhooks.jsonl");
    let text = std::fs::read_to_string(&log).unwrap();
    let draft: serde_json::Value = text
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|r| r["state"] == "drafted")
        .unwrap();
    let key = draft["update"]["key"].as_str().unwrap().to_owned();
    let approved = r#"{"state":"approved","v":1,"number":1,"who":{"v":1,"by":"Anna","at":"2026-11-29T12:00:00Z"},"edits":[]}"#;
    let queued = serde_json::json!({ "state": "queued", "v": 1, "key": key, "webhook": 0, "hook": format!("Json {}", fakes.url("/hook/one")), "body": { "key": key } });
    std::fs::write(&log, format!("{text}{approved}\n{queued}\n")).unwrap();
    // The plan's webhooks swapped meanwhile: each delivery still goes where it was meant to.
    let plan = write(hooks("/hook/two", "/hook/one"));
    let out = restorectl().args(["announce", "deliver"]).arg(&plan).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let one: Vec<String> = fakes.posts("one").into_iter().map(|(k, _)| k).collect();
    let two: Vec<String> = fakes.posts("two").into_iter().map(|(k, _)| k).collect();
    assert_eq!(one, std::slice::from_ref(&key));
    assert_eq!(two, [key]);
}

/// Killed again and again while its Statuspage incident is being opened (the page keeps the
/// incident, the answer comes too late): each next run looks up the incident by our id in its
/// metadata before opening one, so the page has one incident, however many kills.
#[test]
fn killed_while_opening_a_statuspage_incident_it_opens_one() {
    let fakes = Fakes::start();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display();
    let mut plan = format!(
        "[plan]\nname = \"Kills\"\nlocales = [\"en\"]\n[announce]\npublish = \"auto\"\nbatch_window = \"0s\"\n\
         [[announce.webhook]]\nurl = \"{}\"\nformat = \"statuspage\"\npace = \"0s\"\nheaders = {{ Authorization = \"OAuth {}\" }}\n",
        fakes.url("/v1/pages/slow/incidents"),
        crate::fakes::STATUSPAGE_KEY
    );
    for i in 0..4 {
        plan += &format!(
            "[[service]]\nid = \"s{i}\"\nname = \"service {i}\"\n[[service.check]]\ncommand = [\"test\", \"-f\", \"{d}/s{i}.up\"]\n\
             interval = \"50ms\"\n[service.restore]\ncommand = [\"sh\", \"-c\", \"sleep 0.{i}; touch {d}/s{i}.up\"]\n"
        );
    }
    let plan_path = dir.path().join("plan.toml");
    std::fs::write(&plan_path, plan).unwrap();
    kill_twenty_times_then_finish(&plan_path, 0x0dd_ba11, 100..900);
    let incidents = fakes.incidents();
    assert_eq!(incidents.len(), 1, "{incidents:#?}");
}

/// Runs the plan twenty times, each killed (SIGKILL) after a pseudo-random delay in `ms` drawn from
/// `seed` (reproducible), then once to the end and `announce deliver`, both exiting 0.
fn kill_twenty_times_then_finish(plan: &Path, mut seed: u64, ms: std::ops::Range<u64>) {
    for _ in 0..20 {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        let child = spawn_run(plan, &[]);
        std::thread::sleep(std::time::Duration::from_millis(ms.start + (seed >> 33) % (ms.end - ms.start)));
        signal(&child, libc::SIGKILL);
        let _ = child.wait_with_output();
    }
    restorectl().args(["run", "--progress", "none"]).arg(plan).assert().code(0);
    restorectl().args(["announce", "deliver"]).arg(plan).assert().code(0);
}

/// A run killed after an update was recorded as told and before it was handed to the webhooks:
/// the next run hands it over, and sends nothing else again — not even to a webhook the plan
/// gained since, which gets only what was never handed over.
#[test]
fn an_update_recorded_but_not_handed_over_is_sent_by_the_next_run_and_nothing_else_again() {
    let fakes = Fakes::start();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display();
    let hook =
        |name: &str| format!("[[announce.webhook]]\nurl = \"{}\"\n", fakes.url(&format!("/hook/{name}")));
    let mut services = String::new();
    for (id, sleep) in [("mail", "0"), ("web", "0.5")] {
        services += &format!(
            "[[service]]\nid = \"{id}\"\nname = \"{id}\"\n[[service.check]]\ncommand = [\"test\", \"-f\", \"{d}/{id}.up\"]\n\
             interval = \"50ms\"\n[service.restore]\ncommand = [\"sh\", \"-c\", \"sleep {sleep}; touch {d}/{id}.up\"]\n"
        );
    }
    let header = "[plan]\nname = \"Hand-over\"\nlocales = [\"en\"]\n[announce]\npublish = \"auto\"\nbatch_window = \"0s\"\n";
    let plan = dir.path().join("plan.toml");
    std::fs::write(&plan, format!("{header}{}{services}", hook("handover"))).unwrap();
    restorectl().args(["run", "--progress", "none"]).arg(&plan).assert().code(0);
    let keys = || fakes.posts("handover").into_iter().map(|(k, _)| k).collect::<Vec<_>>();
    let first = keys();
    assert!(first.len() >= 3, "{first:?}");
    let last = first.last().unwrap().clone();
    // As if killed between the two: the delivery journal never heard of the last update.
    let log = dir.path().join(".restorectl/plan/announcements/webhooks.jsonl");
    let kept: String = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .filter(|l| !l.contains(&last))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&log, kept).unwrap();
    std::fs::write(&plan, format!("{header}{}{}{services}", hook("handover"), hook("newcomer"))).unwrap();
    restorectl().args(["run", "--progress", "none"]).arg(&plan).assert().code(0);
    let mut expected = first.clone();
    expected.push(last.clone());
    assert_eq!(keys(), expected, "the last one handed over now, nothing else again");
    let newcomer: Vec<String> = fakes.posts("newcomer").into_iter().map(|(k, _)| k).collect();
    assert_eq!(newcomer, [last], "a webhook added later gets only what was never handed over");
}
