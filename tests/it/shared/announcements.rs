//! Customer updates on a shared state: drafts, approvals, what was told and the webhooks' delivery
//! queue live in the database, so communications review from their own machine — while a run
//! holds the incident (the run decides, judging the decision itself) or after it ended — every
//! update goes out once, wherever it was approved, and a run resumed on another machine tells
//! nothing twice.

use std::path::Path;

use super::{Db, journal_rows, machine};
use crate::fakes::Fakes;
use crate::server::TestServer;
use crate::support::*;

/// `db` (customer-facing) restored by `touch`, needing anna's sign-off; its updates go to `hook`
/// after review. `plan_extra`: more of the `[plan]` table.
fn review_plan(root: &Path, hook: &str, plan_extra: &str) -> String {
    let r = root.display();
    format!(
        "[plan]\nname = \"Shared review\"\norganization = \"Example\"\nlocales = [\"en\"]\n{plan_extra}\
         [announce]\nbatch_window = \"0s\"\n[[announce.webhook]]\nurl = \"{hook}\"\n\
         [approvers]\nops = [\"anna\"]\n\
         [[service]]\nid = \"db\"\nname.en = \"our customer portal\"\napproval = {{ role = \"ops\" }}\n\
         [[service.check]]\ncommand = [\"test\", \"-f\", \"{r}/db.up\"]\ninterval = \"50ms\"\n\
         [service.restore]\ncommand = [\"touch\", \"{r}/db.up\"]\n"
    )
}

/// `restorectl announce ACTION PLAN ARGS… --state URL`.
fn announce(action: &str, plan: &Path, args: &[&str], url: &str) -> std::process::Output {
    restorectl().args(["announce", action]).arg(plan).args(args).args(["--state", url]).output().unwrap()
}

fn drafts(plan: &Path, url: &str) -> Vec<(String, String)> {
    let out = announce("drafts", plan, &["--format", "json"], url);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    json(&out.stdout)["drafts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (format!("{:04}", d["number"].as_u64().unwrap()), d["state"].as_str().unwrap().to_owned()))
        .collect()
}

/// The delivery records in the database, as their states (`drafted`, `queued`, `delivered`, …).
fn delivery_states(db: &Db) -> Vec<String> {
    let rows = db
        .client()
        .query(
            "SELECT record FROM restorectl_records WHERE file = 'announcements/webhooks.jsonl' ORDER BY id",
            &[],
        )
        .unwrap();
    rows.iter()
        .map(|r| {
            serde_json::from_str::<serde_json::Value>(r.get(0)).unwrap()["state"].as_str().unwrap().to_owned()
        })
        .collect()
}

#[test]
fn an_update_approved_from_another_machine_goes_out_once_with_or_without_a_run() {
    let db = Db::new();
    let srv = TestServer::start();
    let root = tempfile::tempdir().unwrap();
    let text = review_plan(root.path(), &srv.url("/hook/shared"), "");
    let ops = machine(root.path(), "ops", &text);
    let comms = machine(root.path(), "comms", &text);

    // The run holds the incident, waiting for anna; its outage notice awaits review.
    let child = spawn_run(&ops, &["--state", &db.url]);
    wait_until("the run's wait for a sign-off, in the database", || {
        journal_rows(&db).iter().any(|r| r.contains("waiting_for_approval"))
    });
    assert_eq!(drafts(&comms, &db.url), [("0001".to_owned(), "awaiting review".to_owned())]);

    // Approved from the comms laptop: the run takes it, publishes it in its own folder, sends it.
    let out = announce("approve", &comms, &["0001", "--by", "Ewa Nowak"], &db.url);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "update 0001 approved by Ewa Nowak and sent to 1 webhook(s)\n"
    );
    let keys =
        || srv.posts("shared").iter().map(|p| p["key"].as_str().unwrap().to_owned()).collect::<Vec<_>>();
    assert_eq!(keys().len(), 1);
    assert!(keys()[0].starts_with("start-0001-"), "{:?}", keys());
    let published = root.path().join("ops/.restorectl/plan/announcements/0001-start-outage.en.md");
    assert!(published.is_file(), "published where the run is");
    assert!(!root.path().join("comms/.restorectl/plan/announcements/0001-start-outage.en.md").exists());

    // The same decision given again (its giver killed before the answer came, and trying once
    // more): told as it stands, not refused as someone else's, and nothing sent again.
    db.client()
        .batch_execute(
            "INSERT INTO restorectl_decisions (state, path, body) SELECT state, path, body FROM restorectl_decisions \
             WHERE path = 'review/0001'; NOTIFY restorectl_decisions",
        )
        .unwrap();
    let answers = || {
        let rows = db
            .client()
            .query("SELECT outcome FROM restorectl_decisions WHERE outcome IS NOT NULL ORDER BY id", &[]);
        rows.unwrap().iter().map(|r| r.get::<_, String>(0)).collect::<Vec<_>>()
    };
    wait_until("the run's answer to the same decision again", || answers().len() == 2);
    assert_eq!(answers()[0], answers()[1]);
    assert_eq!(keys().len(), 1);
    // A second decision on it, from anywhere, is refused by the run.
    let again = announce("reject", &comms, &["0001", "--by", "Jan Kowalski"], &db.url);
    assert_eq!(again.status.code(), Some(2));
    let err = String::from_utf8_lossy(&again.stderr);
    assert!(err.starts_with("error: update 0001 was already approved by Ewa Nowak at "), "{err}");

    let out = restorectl()
        .args(["confirm"])
        .arg(&comms)
        .args(["db", "--by", "anna", "--state", &db.url])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));

    // No run now: the laptop holds the incident while it decides, and sends it itself.
    let pending: Vec<String> =
        drafts(&comms, &db.url).into_iter().filter(|(_, s)| s == "awaiting review").map(|(n, _)| n).collect();
    assert_eq!(pending.len(), 1, "the portal's return awaits review");
    let out = announce("approve", &comms, &[&pending[0], "--by", "Ewa Nowak"], &db.url);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(keys().len(), 2);
    assert!(
        delivery_states(&db).iter().filter(|s| *s == "delivered").count() == 2,
        "{:?}",
        delivery_states(&db)
    );

    // The ops machine sees it approved, and its next run sends nothing again and publishes the
    // update approved elsewhere in its own folder too.
    let states: Vec<String> = drafts(&ops, &db.url).into_iter().map(|(_, s)| s).collect();
    assert_eq!(states, ["approved", "approved"]);
    std::fs::remove_file(root.path().join("db.up")).unwrap();
    let mut child = spawn_run(&ops, &["--state", &db.url]);
    wait_until("the second run's wait for a sign-off", || {
        journal_rows(&db).iter().filter(|r| r.contains("waiting_for_approval")).count() == 2
    });
    let folder = root.path().join("ops/.restorectl/plan/announcements");
    let names = |dir: &Path| -> Vec<String> {
        std::fs::read_dir(dir).map_or_else(
            |_| Vec::new(),
            |d| d.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect(),
        )
    };
    let prefix = format!("{}-", pending[0]);
    let restored = names(&folder).iter().any(|n| n.starts_with(&prefix) && n.ends_with(".en.md"));
    assert!(names(&folder.join("drafts")).iter().all(|n| !n.starts_with(&prefix)), "its draft is gone");
    let feed = std::fs::read_to_string(folder.join("updates.en.md")).unwrap();
    assert_eq!(feed.matches("### ").count(), 2, "the feed has both approved updates: {feed}");
    assert!(restored, "the update approved on the laptop is published on the run's machine");
    signal(&child, libc::SIGTERM);
    let _ = child.wait();
    assert_eq!(keys().len(), 2, "nothing sent twice");
}

#[test]
fn the_run_judges_a_review_given_from_elsewhere_and_refuses_its_own_operator() {
    let db = Db::new();
    let srv = TestServer::start();
    let root = tempfile::tempdir().unwrap();
    let text = review_plan(root.path(), &srv.url("/hook/judged"), "separate_duties = true\n");
    let ops = machine(root.path(), "ops", &text);
    let comms = machine(root.path(), "comms", &text);
    let mut child = spawn_run(&ops, &["--state", &db.url, "--by", "Olaf"]);
    wait_until("the run's wait for a sign-off, in the database", || {
        journal_rows(&db).iter().any(|r| r.contains("waiting_for_approval"))
    });
    // Another name, the same account on the same host as the run's operator: the run refuses it.
    let out = announce("approve", &comms, &["0001", "--by", "Ewa Nowak"], &db.url);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with(
            "error: the approve-update of `update 0001` by Ewa Nowak is refused: separate duties: "
        ),
        "{err}"
    );
    assert!(err.contains("the same account"), "{err}");
    assert_eq!(srv.hits("/hook/judged"), 0);
    assert_eq!(delivery_states(&db), ["drafted", "declined"], "nothing decided; who tried is kept");
    // A row written straight into the database is no way round it either: its signature is
    // judged where the run is.
    let header = journal_rows(&db).into_iter().find(|r| r.contains(r#""run":{"#)).unwrap();
    let incident = serde_json::from_str::<serde_json::Value>(&header).unwrap()["run"]["incident"].clone();
    let forged = "-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\n-----END SSH SIGNATURE-----\n";
    let body = serde_json::json!({
        "number": 1, "approve": true, "incident": incident,
        "who": { "v": 1, "by": "Mallory", "at": "2026-01-01T00:00:00Z", "signature": forged }
    });
    db.client()
        .execute(
            "INSERT INTO restorectl_decisions (state, path, body) VALUES ('Shared review', 'review/0001', $1)",
            &[&body.to_string()],
        )
        .unwrap();
    db.client().batch_execute("NOTIFY restorectl_decisions").unwrap();
    wait_until("the run's answer to the planted review", || {
        db.client()
            .query_one("SELECT outcome FROM restorectl_decisions WHERE body LIKE '%Mallory%'", &[])
            .unwrap()
            .get::<_, Option<String>>(0)
            .is_some()
    });
    let outcome: String = db
        .client()
        .query_one("SELECT outcome FROM restorectl_decisions WHERE body LIKE '%Mallory%'", &[])
        .unwrap()
        .get(0);
    assert!(outcome.contains("by Mallory is refused"), "{outcome}");
    assert_eq!(delivery_states(&db), ["drafted", "declined", "declined"], "nothing decided");
    // Nor is a decision given for another incident (one left over from the incident before).
    let body = serde_json::json!({
        "number": 1, "approve": true, "incident": "0ld1nc1d",
        "who": { "v": 1, "by": "Ewa Nowak", "at": "2026-01-01T00:00:00Z" }
    });
    db.client()
        .execute(
            "INSERT INTO restorectl_decisions (state, path, body) VALUES ('Shared review', 'review/0001', $1)",
            &[&body.to_string()],
        )
        .unwrap();
    db.client().batch_execute("NOTIFY restorectl_decisions").unwrap();
    wait_until("the run's answer to the stale review", || delivery_states(&db).len() == 4);
    let outcome: String = db
        .client()
        .query_one("SELECT outcome FROM restorectl_decisions WHERE body LIKE '%0ld1nc1d%'", &[])
        .unwrap()
        .get(0);
    assert!(outcome.contains("it was given for incident 0ld1nc1d; this is incident "), "{outcome}");
    // Nor one given under another update's place, nor under no update's.
    let body = serde_json::json!({
        "number": 1, "approve": true, "incident": incident,
        "who": { "v": 1, "by": "Ewa Nowak", "at": "2026-01-01T00:00:00Z" }
    });
    for path in ["review/0002", "review/../../../tmp/x"] {
        db.client()
            .execute(
                "INSERT INTO restorectl_decisions (state, path, body) VALUES ('Shared review', $1, $2)",
                &[&path, &body.to_string()],
            )
            .unwrap();
    }
    db.client().batch_execute("NOTIFY restorectl_decisions").unwrap();
    let outcomes = || {
        let rows = db.client().query("SELECT path, outcome FROM restorectl_decisions WHERE outcome IS NOT NULL AND path IN ('review/0002', 'review/../../../tmp/x') ORDER BY path", &[]).unwrap();
        rows.iter().map(|r| (r.get::<_, String>(0), r.get::<_, String>(1))).collect::<Vec<_>>()
    };
    wait_until("the run's answers to the misplaced reviews", || outcomes().len() == 2);
    let said = outcomes();
    assert!(said[0].1.contains("was set aside: not an update's review"), "{said:?}");
    assert!(said[1].1.contains("a review given for update 0002 decides update 0001: not taken"), "{said:?}");
    assert_eq!(srv.hits("/hook/judged"), 0);
    signal(&child, libc::SIGTERM);
    let _ = child.wait();
}

/// Killed (SIGKILL) twenty times at random moments while updates are posted, each time resumed on
/// the other machine: every update reaches the hook once (a request in flight at a kill may be
/// sent again, with the same key), numbered on from where the other machine stopped.
#[test]
fn killed_while_posting_and_resumed_on_the_other_machine_no_update_is_lost_or_repeated() {
    let db = Db::new();
    let fakes = Fakes::start();
    let root = tempfile::tempdir().unwrap();
    let d = root.path().display();
    let mut text = format!(
        "[plan]\nname = \"Kills\"\nlocales = [\"en\"]\n[announce]\npublish = \"auto\"\nbatch_window = \"0s\"\n\
         [[announce.webhook]]\nurl = \"{}\"\n",
        fakes.url("/hook/shared-kills")
    );
    for i in 0..6 {
        let sleep = 0.1 + 0.15 * f64::from(i);
        text += &format!(
            "[[service]]\nid = \"s{i}\"\nname = \"service {i}\"\n[[service.check]]\ncommand = [\"test\", \"-f\", \"{d}/s{i}.up\"]\n\
             interval = \"50ms\"\n[service.restore]\ncommand = [\"sh\", \"-c\", \"sleep {sleep}; touch {d}/s{i}.up\"]\n"
        );
    }
    let machines = [machine(root.path(), "a", &text), machine(root.path(), "b", &text)];
    let mut seed: u64 = 0x5eed_4321;
    for n in 0..20 {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        let child = spawn_run(&machines[n % 2], &["--state", &db.url]);
        std::thread::sleep(std::time::Duration::from_millis(150 + (seed >> 33) % 450));
        signal(&child, libc::SIGKILL);
        let _ = child.wait_with_output();
    }
    restorectl()
        .args(["run", "--progress", "none"])
        .arg(&machines[0])
        .args(["--state", &db.url])
        .assert()
        .code(0);
    restorectl().args(["announce", "deliver"]).arg(&machines[1]).args(["--state", &db.url]).assert().code(0);

    let told: Vec<serde_json::Value> = db
        .client()
        .query(
            "SELECT record FROM restorectl_records WHERE file = 'announcements/announced.jsonl' ORDER BY id",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| serde_json::from_str(r.get(0)).unwrap())
        .collect();
    let updates: Vec<u64> = told.iter().filter_map(|r| r["number"].as_u64()).collect();
    assert_eq!(updates, (1..=updates.len() as u64).collect::<Vec<_>>(), "numbered on, none told twice");
    let keys: Vec<String> = fakes.posts("shared-kills").into_iter().map(|(k, _)| k).collect();
    let mut distinct = keys.clone();
    distinct.sort();
    distinct.dedup();
    let numbers: Vec<u64> = {
        let mut n: Vec<u64> = distinct.iter().filter_map(|k| k.split('-').nth(1)?.parse().ok()).collect();
        n.sort();
        n
    };
    assert_eq!(numbers, updates, "every update arrived, under one key each: {distinct:?}");
    assert!(keys.len() - distinct.len() <= 20, "at most one repeat per kill: {keys:?}");
}

#[test]
fn the_report_from_another_machine_lists_the_updates_published_where_the_run_was() {
    let db = Db::new();
    let root = tempfile::tempdir().unwrap();
    let d = root.path().display();
    let text = format!(
        "[plan]\nname = \"Told\"\nlocales = [\"en\"]\n[announce]\npublish = \"auto\"\n\
         [[service]]\nid = \"web\"\nname = \"our website\"\n[[service.check]]\ncommand = [\"test\", \"-f\", \"{d}/web.up\"]\n\
         interval = \"50ms\"\n[service.restore]\ncommand = [\"touch\", \"{d}/web.up\"]\n"
    );
    let ops = machine(root.path(), "ops", &text);
    let auditor = machine(root.path(), "auditor", &text);
    restorectl().args(["run", "--progress", "none"]).arg(&ops).args(["--state", &db.url]).assert().code(0);
    let mut published: Vec<String> =
        std::fs::read_dir(root.path().join("ops/.restorectl/plan/announcements"))
            .unwrap()
            .flatten()
            .filter_map(|e| e.file_name().to_string_lossy().strip_suffix(".en.md").map(str::to_owned))
            .filter(|stem| stem.starts_with(|c: char| c.is_ascii_digit()))
            .collect();
    published.sort();
    assert!(published.len() >= 2, "{published:?}");
    let out = restorectl()
        .args(["report", "--format", "json"])
        .arg(&auditor)
        .args(["--state", &db.url])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let listed: Vec<String> = json(&out.stdout)["customer_updates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            let number = u["number"].as_u64().unwrap();
            format!("{number:04}-{}-{}", u["kind"].as_str().unwrap(), u["about"].as_str().unwrap())
        })
        .collect();
    assert_eq!(listed, published, "what the ops machine published, as its auditor reads it");
    // The journal is named where it is, and checked again there, not in a copy gone by now.
    let report = json(&out.stdout);
    let shown = db.url.replacen(":restorectl_test@", "@", 1);
    assert_eq!(report["journal"]["path"], format!("'{shown}' (restorectl_journal)"));
    let verify = report["journal"]["verify_command"].as_str().unwrap();
    assert!(verify.contains(&format!(" --state '{shown}' --head ")), "{verify}");
}

#[test]
fn two_reviewers_at_once_without_a_run_decide_one_after_the_other_and_it_goes_out_once() {
    let db = Db::new();
    let srv = TestServer::start();
    let root = tempfile::tempdir().unwrap();
    let text =
        review_plan(root.path(), &srv.url("/hook/two"), "").replace("approval = { role = \"ops\" }\n", "");
    let ops = machine(root.path(), "ops", &text);
    restorectl().args(["run", "--progress", "none"]).arg(&ops).args(["--state", &db.url]).assert().code(0);
    // Two laptops approve the outage notice at the same moment: one holds the incident while it
    // decides, the other waits for it (no run is there to take its decision), then finds it
    // decided.
    let children: Vec<_> = ["Ewa Nowak", "Jan Kowalski"]
        .iter()
        .enumerate()
        .map(|(i, by)| {
            let laptop = machine(root.path(), &format!("laptop{i}"), &text);
            std::process::Command::new(assert_cmd::cargo::cargo_bin("restorectl"))
                .args(["announce", "approve"])
                .arg(&laptop)
                .args(["0001", "--by", by, "--state", &db.url])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut said: Vec<(Option<i32>, String)> = children
        .into_iter()
        .map(|c| {
            let out = c.wait_with_output().unwrap();
            (
                out.status.code(),
                String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
            )
        })
        .collect();
    said.sort();
    assert_eq!(said[0].0, Some(0), "{said:?}");
    let by = if said[0].1.contains("Ewa Nowak") { "Ewa Nowak" } else { "Jan Kowalski" };
    assert_eq!(said[0].1, format!("update 0001 approved by {by} and sent to 1 webhook(s)\n"));
    assert_eq!(said[1].0, Some(2), "{said:?}");
    assert!(
        said[1].1.starts_with(&format!("error: update 0001 was already approved by {by} at ")),
        "{said:?}"
    );
    assert_eq!(srv.posts("two").len(), 1);
}

#[test]
fn a_new_incident_on_the_shared_state_starts_its_announcements_afresh_and_keeps_the_old_ones() {
    let db = Db::new();
    let srv = TestServer::start();
    let root = tempfile::tempdir().unwrap();
    let text =
        review_plan(root.path(), &srv.url("/hook/again"), "").replace("approval = { role = \"ops\" }\n", "");
    let ops = machine(root.path(), "ops", &text);
    let laptop = machine(root.path(), "laptop", &text);
    restorectl().args(["run", "--progress", "none"]).arg(&ops).args(["--state", &db.url]).assert().code(0);
    assert_eq!(drafts(&laptop, &db.url).len(), 2);
    // Both published from the ops machine (no run holds the incident: it decides and sends).
    for n in ["0001", "0002"] {
        let out = announce("approve", &ops, &[n, "--by", "Ewa Nowak"], &db.url);
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    }
    // The next incident, begun on the laptop: its outage notice is update 0001 again, the only draft.
    std::fs::remove_file(root.path().join("db.up")).unwrap();
    let out = restorectl()
        .args(["run", "--progress", "none", "--new-incident"])
        .arg(&laptop)
        .args(["--state", &db.url])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let now = drafts(&ops, &db.url);
    assert_eq!(now.iter().filter(|(n, _)| n == "0001").count(), 1, "{now:?}");
    assert_eq!(now.len(), 2, "the new incident's own: {now:?}");
    // The old incident's records are kept, under the time they were put away.
    let kept: i64 = db
        .client()
        .query_one(
            "SELECT count(*) FROM restorectl_records WHERE file LIKE '%/announcements/webhooks.jsonl'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(kept, 8, "the incident before's: two drafts, their approvals, queued and delivered");
    // Approving the new outage notice on the ops machine sends it under the new incident's key,
    // and its folder, page and feeds are the new incident's: the old ones are kept aside whole.
    let out = announce("approve", &ops, &["0001", "--by", "Ewa Nowak"], &db.url);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("disagrees with the shared state: kept as "));
    let keys: Vec<String> =
        srv.posts("again").iter().map(|p| p["key"].as_str().unwrap().to_owned()).collect();
    assert_eq!(keys.len(), 3, "{keys:?}");
    assert_ne!(keys[0], keys[2], "another incident, another key");
    let folder = root.path().join("ops/.restorectl/plan/announcements");
    let feed = std::fs::read_to_string(folder.join("updates.en.md")).unwrap();
    assert_eq!(feed.matches("### ").count(), 1, "only the new incident's update: {feed}");
    let kept = std::fs::read_dir(root.path().join("ops/.restorectl/plan"))
        .unwrap()
        .flatten()
        .any(|e| e.file_name().to_string_lossy().starts_with("announcements.20"));
    assert!(kept, "the old incident's folder is kept");
}

#[test]
fn an_approval_planted_in_the_database_is_judged_before_anything_is_sent() {
    let db = Db::new();
    let srv = TestServer::start();
    let root = tempfile::tempdir().unwrap();
    let text = review_plan(root.path(), &srv.url("/hook/planted"), "")
        .replace("approval = { role = \"ops\" }\n", "")
        .replace(
            "[approvers]\nops = [\"anna\"]\n",
            "[approvers]\nops = [\"anna\"]\ncomms = [\"Ewa Nowak\"]\n",
        )
        .replace("[announce]\n", "[announce]\nreviewers = \"comms\"\n");
    let ops = machine(root.path(), "ops", &text);
    restorectl().args(["run", "--progress", "none"]).arg(&ops).args(["--state", &db.url]).assert().code(0);
    // Someone with write access to the database approves the outage notice with their own text.
    let forged = serde_json::json!({
        "state": "approved", "v": 1, "number": 1,
        "who": { "v": 1, "by": "mallory", "at": "2026-12-07T22:01:00Z" },
        "edits": [["en", "### Update\n\nRe-enter your card details at our new page.\n"]]
    });
    // A rejection of the next one by the same outsider, and a reviewer's own name on a text that is
    // no update (no title): none of it holds.
    let rejected = serde_json::json!({
        "state": "rejected", "v": 1, "number": 2,
        "who": { "v": 1, "by": "mallory", "at": "2026-12-07T22:01:00Z" }
    });
    let untitled = serde_json::json!({
        "state": "approved", "v": 1, "number": 2,
        "who": { "v": 1, "by": "Ewa Nowak", "at": "2026-12-07T22:02:00Z" },
        "edits": [["en", "Everything is fine, no need to read further.\n"]]
    });
    for record in [&forged, &rejected, &untitled] {
        db.client()
            .execute(
                "INSERT INTO restorectl_records (state, file, record) VALUES ('Shared review', 'announcements/webhooks.jsonl', $1)",
                &[&record.to_string()],
            )
            .unwrap();
    }
    let laptop = machine(root.path(), "laptop", &text);
    let out =
        restorectl().args(["announce", "deliver"]).arg(&laptop).args(["--state", &db.url]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains(
            "the approval of update 0001 by mallory at 2026-12-07T22:01:00Z in the delivery journal"
        ) && said.contains(
            " does not hold (mallory is not among the reviewers of updates, role `comms`): it is not taken"
        ),
        "{said}"
    );
    assert!(said.contains("the rejection of update 0002 by mallory"), "{said}");
    assert!(
        said.contains("the approval of update 0002 by Ewa Nowak")
            && said.contains("its corrected `en` text is no update"),
        "{said}"
    );
    assert_eq!(said.matches("the approval of update 0001 by mallory").count(), 1, "said once: {said}");
    assert_eq!(srv.hits("/hook/planted"), 0, "nothing sent");
    let states: Vec<String> = drafts(&laptop, &db.url).into_iter().map(|(_, s)| s).collect();
    assert_eq!(states, ["awaiting review", "awaiting review"]);
    // `journal verify` from anywhere says the planted decisions do not hold.
    let out =
        restorectl().args(["journal", "verify"]).arg(&laptop).args(["--state", &db.url]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("update 0001 was approved by mallory at 2026-12-07T22:01:00Z, which does not hold: mallory is not among the reviewers of updates, role `comms`"), "{said}");
    // The reviewer's own approval is taken, with the journaled text.
    let out = announce("approve", &laptop, &["0001", "--by", "Ewa Nowak"], &db.url);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let posts = srv.posts("planted");
    assert_eq!(posts.len(), 1);
    assert!(!posts[0].to_string().contains("card details"), "{}", posts[0]);
}
