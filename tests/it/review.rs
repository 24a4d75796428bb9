//! `publish = "review"`: a live run's updates reach the webhooks only once a named person has
//! approved them (`announce approve`), exactly once; rejected ones never; corrected texts go out
//! as corrected; every decision is recorded with who, when, account and host.

use std::path::{Path, PathBuf};

use crate::server::TestServer;
use crate::support::*;

/// A live plan of two services, posting to `/hook/review` after review.
fn review_plan(dir: &Path, srv: &TestServer) -> PathBuf {
    review_plan_to(dir, &srv.url("/hook/review"))
}

/// The same, posting to `url`.
fn review_plan_to(dir: &Path, url: &str) -> PathBuf {
    // The website comes back well after the mail: two updates, then (a third) the closing one.
    let announce = format!("[announce]\nbatch_window = \"0s\"\n[[announce.webhook]]\nurl = \"{url}\"\n");
    mail_and_web(dir, "Review", &announce, "sleep 1.5")
}

/// A live plan of two customer-facing services in two languages, restored by `touch` (the
/// website after `web_first`, a shell command), with `announce` as its `[announce]` table.
fn mail_and_web(dir: &Path, name: &str, announce: &str, web_first: &str) -> PathBuf {
    let d = dir.display();
    let mut plan = format!(
        "[plan]\nname = \"{name}\"\norganization = \"Example\"\nlocales = [\"pl\", \"en\"]\n{announce}"
    );
    for (id, pl, en, first) in
        [("mail", "poczta", "our e-mail", "true"), ("web", "strona", "our website", web_first)]
    {
        plan += &format!(
            "[[service]]\nid = \"{id}\"\nname.pl = {{ nom = \"{pl}\", gen = \"{pl}\" }}\nname.en = \"{en}\"\n\
             [[service.check]]\ncommand = [\"test\", \"-f\", \"{d}/{id}.up\"]\ninterval = \"50ms\"\n\
             [service.restore]\ncommand = [\"sh\", \"-c\", \"{first}; touch {d}/{id}.up\"]\ntimeout = \"60s\"\n"
        );
    }
    let path = dir.join("plan.toml");
    std::fs::write(&path, plan).unwrap();
    path
}

fn keys(srv: &TestServer) -> Vec<String> {
    srv.posts("review").iter().map(|p| p["key"].as_str().unwrap().to_owned()).collect()
}

fn decide(plan: &Path, args: &[&str]) -> std::process::Output {
    restorectl().args(["announce"]).args(args.iter().take(1)).arg(plan).args(&args[1..]).output().unwrap()
}

#[test]
fn a_reviewed_update_is_sent_only_after_approval_and_exactly_once() {
    let srv = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    let plan = review_plan(dir.path(), &srv);
    let out = restorectl().args(["run", "--progress", "plain"]).arg(&plan).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let line = format!(
        "update 0001 (the outage notice) awaits review: restorectl announce approve {} 0001 --by NAME",
        plan.display()
    );
    assert!(stderr.contains(&line), "{stderr}");
    assert_eq!(srv.hits("/hook/review"), 0, "nothing is sent before a person approves it");

    let drafts = decide(&plan, &["drafts", "--format", "json"]);
    let listed = json(&drafts.stdout);
    let states: Vec<&str> =
        listed["drafts"].as_array().unwrap().iter().map(|d| d["state"].as_str().unwrap()).collect();
    assert_eq!(states, ["awaiting review"; 3], "{listed:#}");

    // Approved: sent once, at once.
    let out = decide(&plan, &["approve", "0001", "--by", "Anna Nowak"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "update 0001 approved by Anna Nowak and sent to 1 webhook(s)\n"
    );
    assert_eq!(keys(&srv).len(), 1);
    assert!(keys(&srv)[0].starts_with("start-0001-"));

    // A second decision on it is refused, and nothing is sent again.
    let again = decide(&plan, &["approve", "1", "--by", "Jan Kowalski"]);
    assert_eq!(again.status.code(), Some(2));
    let err = String::from_utf8_lossy(&again.stderr);
    assert!(err.starts_with("error: update 0001 was already approved by Anna Nowak at "), "{err}");
    assert!(err.ends_with("; it is not decided twice\n"), "{err}");

    // Rejected: never sent, by this command or any later run.
    let out = decide(&plan, &["reject", "0002", "--by", "Anna Nowak", "--reason", "wrong date"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "update 0002 rejected by Anna Nowak: it will not be sent\n"
    );

    // Approved with a corrected English text: the corrected text goes out and replaces the file.
    let corrected = dir.path().join("0003.en.md");
    std::fs::write(&corrected, "### Update\n\nEverything is back. Thank you.\n").unwrap();
    let out = decide(
        &plan,
        &["approve", "0003", "--by", "Anna Nowak", "--text", &format!("en={}", corrected.display())],
    );
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let posts = srv.posts("review");
    assert_eq!(posts.len(), 2);
    assert_eq!(posts[1]["texts"]["en"], "### Update\n\nEverything is back. Thank you.\n");
    let file = dir.path().join(".restorectl/plan/announcements/0003-restored-all.en.md");
    assert_eq!(std::fs::read_to_string(file).unwrap(), "### Update\n\nEverything is back. Thank you.\n");

    // A later run sends nothing twice and nothing rejected.
    restorectl().args(["run", "--progress", "none"]).arg(&plan).assert().code(0);
    assert_eq!(keys(&srv).len(), 2);

    // Who decided what, when, from which account: in the delivery journal.
    let log =
        std::fs::read_to_string(dir.path().join(".restorectl/plan/announcements/webhooks.jsonl")).unwrap();
    let decisions: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|r| r["state"] == "approved" || r["state"] == "rejected")
        .collect();
    assert_eq!(decisions.len(), 3);
    assert_eq!(decisions[1]["reason"], "wrong date");
    assert_eq!(decisions[0]["who"]["by"], "Anna Nowak");
    assert!(decisions[0]["who"]["at"].as_str().unwrap().ends_with('Z'));
    assert!(decisions[0]["who"]["host"].is_string());
    let listed = json(&decide(&plan, &["drafts", "--format", "json"]).stdout);
    let states: Vec<&str> =
        listed["drafts"].as_array().unwrap().iter().map(|d| d["state"].as_str().unwrap()).collect();
    assert_eq!(states, ["approved", "rejected", "approved"]);
}

#[test]
fn a_review_decision_that_cannot_be_taken_says_why() {
    let srv = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    let plan = review_plan(dir.path(), &srv);
    restorectl().args(["run", "--progress", "none"]).arg(&plan).assert().code(0);
    let dir_shown = dir.path().join(".restorectl/plan/announcements");
    let cases: [(&[&str], String); 4] = [
        (
            &["approve", "9", "--by", "Anna"],
            format!(
                "error: no update 0009 awaits review in {} (awaiting review: 0001, 0002, 0003)\n",
                dir_shown.display()
            ),
        ),
        (&["approve", "1", "--by", " "], "error: `--by` needs the name of the person deciding\n".into()),
        (
            &["approve", "1", "--by", "Anna", "--text", "de=x.md"],
            "error: `--text de=x.md`: cannot read x.md: No such file or directory (os error 2)\n".into(),
        ),
        (
            &["approve", "1", "--by", "Anna", "--text", "en"],
            "error: `--text en`: write it as LOCALE=FILE, e.g. `--text pl=0007.pl.md`\n".into(),
        ),
    ];
    for (args, message) in cases {
        let out = decide(&plan, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_eq!(String::from_utf8_lossy(&out.stderr), message, "{args:?}");
    }
    let text = dir.path().join("de.md");
    std::fs::write(&text, "Hallo").unwrap();
    let out = decide(&plan, &["approve", "1", "--by", "Anna", "--text", &format!("de={}", text.display())]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: `--text de=…`: update 0001 has no `de` text (it has pl, en)\n"
    );
    assert_eq!(srv.hits("/hook/review"), 0);
}

#[test]
fn a_dry_run_never_publishes_even_with_review_off() {
    let srv = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    let plan = review_plan(dir.path(), &srv);
    let auto =
        std::fs::read_to_string(&plan).unwrap().replace("[announce]\n", "[announce]\npublish = \"auto\"\n");
    std::fs::write(&plan, auto).unwrap();
    restorectl().args(["run", "--dry-run", "--progress", "none"]).arg(&plan).assert().code(0);
    assert_eq!(srv.hits("/hook/review"), 0);
}

/// An approval cut short after it was recorded but before its deliveries were queued: the next
/// run sends the approved update (with its corrected text), once.
#[test]
fn an_approval_cut_short_is_sent_by_the_next_run() {
    let srv = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    let plan = review_plan(dir.path(), &srv);
    restorectl().args(["run", "--progress", "none"]).arg(&plan).assert().code(0);
    let log = dir.path().join(".restorectl/plan/announcements/webhooks.jsonl");
    let approved = serde_json::json!({"state": "approved", "v": 1, "number": 2, "who": {"v": 1, "by": "Anna", "at": "2026-11-29T12:00:00Z"}, "edits": [["en", "### Update\n\nCorrected.\n"]]}).to_string();
    let mut text = std::fs::read_to_string(&log).unwrap();
    text += &approved;
    text += "\n";
    std::fs::write(&log, text).unwrap();
    restorectl().args(["run", "--progress", "none"]).arg(&plan).assert().code(0);
    restorectl().args(["run", "--progress", "none"]).arg(&plan).assert().code(0);
    let posts = srv.posts("review");
    assert_eq!(posts.len(), 1, "{posts:#?}");
    assert!(posts[0]["key"].as_str().unwrap().starts_with("online-0002-"));
    assert_eq!(posts[0]["texts"]["en"], "### Update\n\nCorrected.\n");
}

/// Two people approving the same update at the same moment: one approval, one refusal, one post.
#[test]
fn two_approvals_at_once_send_the_update_once() {
    let fakes = crate::fakes::Fakes::start();
    let dir = tempfile::tempdir().unwrap();
    let plan = review_plan_to(dir.path(), &fakes.url("/hook/slow"));
    restorectl().args(["run", "--progress", "none"]).arg(&plan).assert().code(0);
    let spawn = |by: &str| {
        std::process::Command::new(assert_cmd::cargo::cargo_bin("restorectl"))
            .args(["announce", "approve"])
            .arg(&plan)
            .args(["0001", "--by", by])
            .output()
    };
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| spawn("Anna").unwrap());
        let b = s.spawn(|| spawn("Jan").unwrap());
        (a.join().unwrap(), b.join().unwrap())
    });
    let mut codes = [a.status.code(), b.status.code()];
    codes.sort();
    assert_eq!(codes, [Some(0), Some(2)], "{a:?} {b:?}");
    assert_eq!(fakes.posts("slow").len(), 1);
}

/// A torn last line, cut inside a character, costs only itself; an approval refused for an unset
/// variable decides nothing; a redirect is refused, not followed.
#[test]
fn the_review_survives_a_torn_journal_and_refuses_what_cannot_be_sent() {
    let fakes = crate::fakes::Fakes::start();
    let dir = tempfile::tempdir().unwrap();
    let plan = review_plan_to(dir.path(), &fakes.url("/hook/moved"));
    restorectl().args(["run", "--progress", "none"]).arg(&plan).assert().code(0);
    let log = dir.path().join(".restorectl/plan/announcements/webhooks.jsonl");
    let mut bytes = std::fs::read(&log).unwrap();
    bytes.extend_from_slice("{\"state\":\"approved\",\"v\":1,\"number\":3,\"who\":{\"by\":\"Zo".as_bytes());
    bytes.push("ż".as_bytes()[0]);
    std::fs::write(&log, bytes).unwrap();
    let listed = json(
        &restorectl().args(["announce", "drafts", "--format", "json"]).arg(&plan).output().unwrap().stdout,
    );
    assert_eq!(listed["drafts"].as_array().unwrap().len(), 3, "{listed:#}");
    // A redirect is refused, with where it pointed, and not followed.
    let out =
        restorectl().args(["announce", "approve"]).arg(&plan).args(["1", "--by", "Anna"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "302 Found: redirected to http://127.0.0.1:9/elsewhere: give the webhook its final URL"
        ),
        "{stderr}"
    );
    assert!(fakes.posts("moved").is_empty());
    let text = String::from_utf8_lossy(&std::fs::read(&log).unwrap()).into_owned();
    assert_eq!(text.matches(r#""state":"refused""#).count(), 1);
    assert_eq!(text.matches(r#""state":"delivered""#).count(), 0);
}

/// A live plan of two customer-facing services without any webhook (`publish` is `review` by
/// default): the mail back at once, the website when the test writes `go`.
fn plan_without_webhooks(dir: &Path, publish: &str, window: &str) -> PathBuf {
    let announce = format!("[announce]\nbatch_window = \"{window}\"\npublish = \"{publish}\"\n");
    let wait = format!("while [ ! -f {}/go ]; do sleep 0.05; done", dir.display());
    mail_and_web(dir, "No hooks", &announce, &wait)
}

/// Runs `plan` (of `plan_without_webhooks`) live: the mail comes back and is drafted (0002)
/// before the website is let back (0003, everything back), whatever the machine's speed.
fn run_mail_then_web(dir: &Path, plan: &Path) {
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("restorectl"))
        .args(["run", "--progress", "none"])
        .arg(plan)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let drafts = dir.join(".restorectl/plan/announcements/drafts");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !drafts.join("0002-online-mail.en.md").exists() {
        assert!(std::time::Instant::now() < deadline, "the mail's update was never drafted");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    std::fs::write(dir.join("go"), "").unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(0));
}

fn published_texts(announcements: &Path) -> String {
    let mut all = String::new();
    for name in ["status.html", "updates.pl.md", "updates.en.md", "feed.pl.xml", "feed.en.xml"] {
        all += &std::fs::read_to_string(announcements.join(name)).unwrap_or_default();
    }
    all
}

/// Review covers every output, with or without webhooks: nothing reaches the page or the feeds
/// before approval; an approved update (with its corrected text) is on all of them; a rejected
/// one is nowhere; `announce drafts` shows each draft's text, languages and destinations.
#[test]
fn without_webhooks_nothing_unapproved_reaches_the_page_or_the_feeds() {
    let dir = tempfile::tempdir().unwrap();
    let plan = plan_without_webhooks(dir.path(), "review", "0s");
    run_mail_then_web(dir.path(), &plan);
    let announcements = dir.path().join(".restorectl/plan/announcements");
    let published = |name: &str| announcements.join(name).exists();
    assert!(!published("0001-start-outage.pl.md"), "a draft is not published");
    assert!(announcements.join("drafts/0001-start-outage.pl.md").exists());
    let before = published_texts(&announcements);
    assert!(!before.contains("Szanowni Państwo") && !before.contains("Dear customers"), "{before}");

    let drafts = decide(&plan, &["drafts"]);
    let listing = String::from_utf8_lossy(&drafts.stdout);
    assert!(listing.contains("0001  awaiting review  the outage notice"), "{listing}");
    // The outage notice was drafted while both were down; the latest draft saw them back.
    assert!(listing.contains("      warning: outdated: `mail` is available now (update 0003)"), "{listing}");
    assert!(listing.contains("      languages: pl, en"), "{listing}");
    assert!(listing.contains("      goes to: drafts/0001-….md → the announcements folder; the feeds and the status page (pl, en)"), "{listing}");
    assert!(listing.contains("      | Szanowni Państwo,"), "{listing}");

    // Approved with a corrected Polish text: the file, the feeds and the page say it.
    let corrected = dir.path().join("0001.pl.md");
    std::fs::write(&corrected, "### Komunikat\n\nSzanowni Państwo, tekst poprawiony przez zespół.\n")
        .unwrap();
    let text = format!("pl={}", corrected.display());
    let out = decide(&plan, &["approve", "0001", "--by", "Anna", "--text", &text]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        published("0001-start-outage.pl.md")
            && !announcements.join("drafts/0001-start-outage.pl.md").exists()
    );
    for name in ["status.html", "updates.pl.md", "feed.pl.xml"] {
        let text = std::fs::read_to_string(announcements.join(name)).unwrap();
        assert!(text.contains("tekst poprawiony przez zespół"), "{name}: {text}");
    }
    assert!(std::fs::read_to_string(announcements.join("updates.en.md")).unwrap().contains("Dear customers"));

    // Rejected: nowhere.
    let out = decide(&plan, &["reject", "0002", "--by", "Anna"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let gone = std::fs::read_dir(&announcements)
        .unwrap()
        .chain(std::fs::read_dir(announcements.join("drafts")).unwrap())
        .flatten()
        .any(|e| e.file_name().to_string_lossy().starts_with("0002-"));
    assert!(!gone, "a rejected update's files are gone");
    let after = published_texts(&announcements);
    assert!(!after.contains("0002"), "a rejected update is on no output");
    // In a browser: the one approved update, in each language, and nothing else.
    let shown = crate::announce::probe_page(&announcements.join("status.html"));
    assert_eq!(shown["articles"], 1, "{shown:#}");
}

/// A live run's status page follows what customers see within a second of each change, whether
/// or not an update goes out then; read in Chromium.
#[test]
fn the_live_page_is_current_within_a_second_of_a_state_change() {
    let dir = tempfile::tempdir().unwrap();
    // Good news waits an hour: the page follows the state, not the updates.
    let plan = plan_without_webhooks(dir.path(), "auto", "1h");
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("restorectl"))
        .args(["run", "--progress", "none"])
        .arg(&plan)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let state = dir.path().join(".restorectl/plan");
    let page = state.join("announcements/status.html");
    let journal = state.join("journal.jsonl");
    let online = |id: &str| {
        std::fs::read_to_string(&journal)
            .unwrap_or_default()
            .lines()
            .any(|l| l.contains("\"event\":\"online\"") && l.contains(&format!("\"service\":\"{id}\"")))
    };
    let wait = |what: &dyn Fn() -> bool| {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while !what() {
            assert!(std::time::Instant::now() < deadline, "timed out");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    };
    for (id, row) in [("mail", 0), ("web", 1)] {
        if id == "web" {
            std::fs::write(dir.path().join("go"), "").unwrap();
        }
        wait(&|| online(id));
        std::thread::sleep(std::time::Duration::from_secs(1));
        // The page as it stands one second after the change, read by a browser.
        let copy = dir.path().join(format!("page-{id}.html"));
        std::fs::copy(&page, &copy).unwrap();
        let shown = crate::announce::probe_page(&copy);
        assert_eq!(shown["en"][row][1], "available", "{id}: {shown:#}");
    }
    assert_eq!(child.wait().unwrap().code(), Some(0));
}

/// What is published on approval is the text the run journaled (or the corrected one), never
/// what a draft file holds by then; an update older than one already approved is refused, and so
/// is a corrected text given twice, without its title, or too large.
#[test]
fn an_approval_publishes_only_the_journaled_text_and_never_goes_back_in_time() {
    let dir = tempfile::tempdir().unwrap();
    let plan = plan_without_webhooks(dir.path(), "review", "0s");
    run_mail_then_web(dir.path(), &plan);
    let announcements = dir.path().join(".restorectl/plan/announcements");
    // Someone edits a draft file behind the review's back: it is not what gets published.
    std::fs::write(announcements.join("drafts/0001-start-outage.en.md"), "### Tampered\n\nNot journaled.\n")
        .unwrap();
    let out = decide(&plan, &["approve", "0001", "--by", "Anna"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let published = std::fs::read_to_string(announcements.join("0001-start-outage.en.md")).unwrap();
    assert!(published.contains("Dear customers") && !published.contains("Tampered"), "{published}");
    assert!(!published_texts(&announcements).contains("Tampered"));

    let text = dir.path().join("t.md");
    for (content, args, error) in [
        (
            "### Update\n\nok\n",
            vec!["approve", "0002", "--by", "Anna", "--text", "en=T", "--text", "en=T"],
            "error: `--text en=…` is given twice\n",
        ),
        (
            "no title\n",
            vec!["approve", "0002", "--by", "Anna", "--text", "en=T"],
            "error: `--text en=…` is not an update (9 bytes): it must start with its title (`### …`) and stay under 256 KiB\n",
        ),
        (
            "",
            vec!["approve", "0002", "--by", "Anna", "--text", "en=T"],
            "error: `--text en=…` is not an update (0 bytes): it must start with its title (`### …`) and stay under 256 KiB\n",
        ),
    ] {
        std::fs::write(&text, content).unwrap();
        let t = format!("en={}", text.display());
        let args: Vec<&str> = args.iter().map(|a| if *a == "en=T" { t.as_str() } else { a }).collect();
        let out = decide(&plan, &args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_eq!(String::from_utf8_lossy(&out.stderr), error, "{args:?}");
    }
    // 0003 (everything back) approved: 0002 (drafted before it) would take customers back.
    assert_eq!(decide(&plan, &["approve", "0003", "--by", "Anna"]).status.code(), Some(0));
    let out = decide(&plan, &["approve", "0002", "--by", "Anna"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: update 0002 is older than update 0003, which was already approved: published now it would take customers back to an older state; reject it\n"
    );
    assert_eq!(decide(&plan, &["reject", "0002", "--by", "Anna"]).status.code(), Some(0));
}

/// A corrected text that would reveal an internal host is refused, also when Markdown escapes
/// hide it from the text as written (`db1\.corp\.internal` shows as `db1.corp.internal`).
#[test]
fn a_corrected_text_cannot_smuggle_an_internal_host_past_the_check() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display();
    let plan = dir.path().join("plan.toml");
    std::fs::write(
        &plan,
        format!(
            "[plan]\nname = \"Hosts\"\nlocales = [\"en\"]\n[announce]\nbatch_window = \"0s\"\n\
             [[service]]\nid = \"db\"\nname = \"database\"\ncustomer_facing = false\n\
             [[service.check]]\ncommand = [\"sh\", \"-c\", \"test -f {d}/db.up\", \"--host\", \"db1.corp.internal\"]\ninterval = \"50ms\"\n\
             [service.restore]\ncommand = [\"touch\", \"{d}/db.up\"]\n\
             [[service]]\nid = \"mail\"\nname = \"our e-mail\"\ndepends_on = [\"db\"]\n\
             [[service.check]]\ncommand = [\"test\", \"-f\", \"{d}/mail.up\"]\ninterval = \"50ms\"\n\
             [service.restore]\ncommand = [\"touch\", \"{d}/mail.up\"]\n"
        ),
    )
    .unwrap();
    restorectl().args(["run", "--progress", "none"]).arg(&plan).assert().code(0);
    let text = dir.path().join("t.md");
    for written in [
        "### Update\n\nOur db1.corp.internal is back.\n",
        "### Update\n\nOur db1\\.corp\\.internal is back.\n",
    ] {
        std::fs::write(&text, written).unwrap();
        let out =
            decide(&plan, &["approve", "0001", "--by", "Anna", "--text", &format!("en={}", text.display())]);
        assert_eq!(out.status.code(), Some(2), "{written}");
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            "error: `--text en=…`: the corrected text would reveal `db1.corp.internal`, which the plan's checks or actions use\n",
            "{written}"
        );
    }
}

/// What the delivery journal and the plan must be for a review to be taken: the record's names
/// make no path, no update number runs past what restorectl numbers, a corrected text is read no
/// further than an update can be, and the plan is the one the incident follows.
#[test]
fn a_review_takes_nothing_it_did_not_write_nor_another_plan() {
    let srv = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    let plan = review_plan(dir.path(), &srv);
    restorectl().args(["run", "--progress", "none"]).arg(&plan).assert().code(0);
    let announcements = dir.path().join(".restorectl/plan/announcements");
    // A corrected text of no end: refused without reading it all.
    let out = decide(&plan, &["approve", "1", "--by", "Anna", "--text", "en=/dev/zero"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: `--text en=…` is not an update (262145 bytes): it must start with its title (`### …`) and stay under 256 KiB\n"
    );
    // A drafted record edited to name a file outside the folder: nothing published.
    let log = announcements.join("webhooks.jsonl");
    let text = std::fs::read_to_string(&log).unwrap();
    std::fs::write(&log, text.replacen(r#""stem":"0001-"#, r#""stem":"../../../../outside-0001-"#, 1))
        .unwrap();
    let out = decide(&plan, &["approve", "1", "--by", "Anna"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("error: update 0001's record names its file `../../../../outside-0001-"),
        "{err}"
    );
    assert!(!dir.path().join("outside-0001-start-outage.en.md").exists());
    std::fs::write(&log, &text).unwrap();
    // Another version of the plan (its reviewers, its webhooks) decides nothing on this incident.
    let original = std::fs::read_to_string(&plan).unwrap();
    std::fs::write(&plan, original.replace("\"Review\"", "\"Review\"\n# edited")).unwrap();
    let out = decide(&plan, &["approve", "1", "--by", "Anna"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(" is not the plan run ") && err.contains(": review with the incident's plan"),
        "{err}"
    );
    std::fs::write(&plan, original).unwrap();
    assert_eq!(srv.hits("/hook/review"), 0);
    // An update number no incident reaches, planted in what was told: skipped, no panic.
    let told = announcements.join("announced.jsonl");
    let mut planted = std::fs::read_to_string(&told).unwrap();
    planted += "{\"record\":\"update\",\"v\":1,\"number\":4294967295,\"kind\":\"progress\",\"services\":[],\"phases\":[]}\n";
    std::fs::write(&told, planted).unwrap();
    let out = restorectl().args(["run", "--progress", "none"]).arg(&plan).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("update 4294967295 is no update restorectl numbered; skipped")
    );
}
