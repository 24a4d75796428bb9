//! Watch after restore: a service with `watch` stays probed once it is online; killed then, it is
//! detected (its checks failing twice in a row), journaled, alerted, restored again under its plan
//! (attempts numbered on, logs kept) and, since customers were told it was back, a customer update
//! says it is unavailable again, then another that it is back. The run ends with the watch.

use crate::server::TestServer;
use crate::support::*;

fn events(journal: &std::path::Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(journal)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|r| r.get("event").is_some())
        .collect()
}

/// A shell test that the process whose pid is in `pidfile` runs: not gone, and not a zombie (a
/// killed daemon stays one until its new parent reaps it, which some containers' init never does).
fn alive(pidfile: &str) -> String {
    format!(
        "p=$(cat {pidfile} 2>/dev/null) && [ -n \"$p\" ] && s=$(cut -d' ' -f3 /proc/$p/stat 2>/dev/null) && [ -n \"$s\" ] && [ \"$s\" != Z ]"
    )
}

/// A service checked and restored as `support::file_service` makes it, with `keys` (TOML lines)
/// before its checks.
fn service(dir: &std::path::Path, id: &str, keys: &str, restore: &str) -> String {
    file_service(dir, id, Some(restore)).replacen(
        "\n[[service.check]]",
        &format!("\n{keys}[[service.check]]"),
        1,
    )
}

#[test]
fn a_watched_service_killed_after_it_came_back_is_restored_again_and_announced() {
    let srv = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display();
    // The restore starts a daemon (a real process, left running) and records its pid.
    let plan = plan_in(
        dir.path(),
        &format!(
            "locales = [\"pl\", \"en\"]\n\
             [announce]\npublish = \"auto\"\nbatch_window = \"0s\"\n\
             [[notify]]\nurl = \"{}\"\nevents = [\"fell_back\"]\n\
             [[service]]\nid = \"portal\"\nname.pl = {{ nom = \"portal klienta\", gen = \"portalu klienta\" }}\nname.en = \"the customer portal\"\n\
             customer_facing = true\nwatch = \"6s\"\n\
             [[service.check]]\ncommand = [\"sh\", \"-c\", {alive:?}]\ninterval = \"100ms\"\n\
             [service.restore]\ncommand = [\"sh\", \"-c\", \"sleep 300 > /dev/null 2>&1 & echo $! > {d}/portal.pid\"]\n",
            srv.url("/hook/ops"),
            alive = alive(&format!("{d}/portal.pid")),
        ),
    );
    let child = spawn_run(&plan, &[]);
    let journal = dir.path().join(".restorectl/plan/journal.jsonl");
    let has = |kind: &str, n: usize| events(&journal).iter().filter(|e| e["event"] == kind).count() >= n;
    wait_until("the portal online", || has("online", 1));
    let first = std::fs::read_to_string(dir.path().join("portal.pid")).unwrap();
    // Killed while watched.
    std::process::Command::new("kill").arg(first.trim()).status().unwrap();
    wait_until("the fall-back seen and the portal back", || has("fell_back", 1) && has("online", 2));
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    // What the operators read, in order.
    let lines = String::from_utf8_lossy(&out.stderr).into_owned();
    let said = |text: &str| lines.find(text).unwrap_or_else(|| panic!("`{text}` not said:\n{lines}"));
    assert!(
        said("portal: watching it for 6s; if it falls back it is restored again")
            < said("portal: FELL BACK after it was online")
    );
    assert!(said("portal: FELL BACK after it was online") < said("portal: restoring (attempt 2)"));
    assert!(
        said("portal: restoring (attempt 2)")
            < said("portal: watched to the end of its window, still online")
    );
    let second = std::fs::read_to_string(dir.path().join("portal.pid")).unwrap();
    assert_ne!(first, second, "a new daemon");
    std::process::Command::new("kill").arg(second.trim()).status().unwrap();

    let seen: Vec<String> = events(&journal)
        .iter()
        .filter(|e| {
            ["action_started", "online", "fell_back", "watched"].contains(&e["event"].as_str().unwrap())
        })
        .map(|e| {
            format!(
                "{} {}",
                e["event"].as_str().unwrap(),
                e["attempt"].as_u64().map(|a| a.to_string()).unwrap_or_default()
            )
        })
        .collect();
    assert_eq!(
        seen,
        ["action_started 1", "online ", "fell_back ", "action_started 2", "online ", "watched "]
    );
    let fell = events(&journal).into_iter().find(|e| e["event"] == "fell_back").unwrap();
    assert!(fell["detail"].as_str().unwrap().starts_with("sh -c "), "{fell}");
    // Both attempts' output kept.
    assert!(
        dir.path()
            .join(".restorectl/plan/logs")
            .read_dir()
            .unwrap()
            .flatten()
            .any(|run| run.path().join("portal.2.log").exists())
    );
    // The operators were alerted once.
    let alerts: Vec<String> =
        srv.posts("ops").iter().map(|p| p["alert"].as_str().unwrap().to_owned()).collect();
    assert_eq!(alerts, ["fell_back"]);
    // Customers: back, unavailable again, back.
    let mut updates: Vec<String> = std::fs::read_dir(dir.path().join(".restorectl/plan/announcements"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".en.md") && n.starts_with('0'))
        .collect();
    updates.sort();
    assert_eq!(
        updates,
        [
            "0001-start-outage.en.md",
            "0002-restored-all.en.md",
            "0003-unavailable-portal.en.md",
            "0004-restored-all.en.md"
        ]
    );
    // The date is today's: the snapshot has a placeholder.
    let text = |name: &str| {
        let text =
            std::fs::read_to_string(dir.path().join(".restorectl/plan/announcements").join(name)).unwrap();
        let (heading, rest) = text.split_once('\n').unwrap();
        format!("{}[date]\n{rest}", heading.split(|c: char| c.is_ascii_digit()).next().unwrap())
    };
    insta::assert_snapshot!("fell_back_en", text("0003-unavailable-portal.en.md"));
    insta::assert_snapshot!("fell_back_pl", text("0003-unavailable-portal.pl.md"));
    // The evidence pack tells it.
    let out = restorectl().args(["report", "--format", "json"]).arg(&plan).output().unwrap();
    let report = json(&out.stdout);
    let kinds: Vec<&str> =
        report["deviations"].as_array().unwrap().iter().map(|d| d["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["fell_back"]);
    // With what customers and operators were told, when.
    let told: Vec<(String, String)> = report["customer_updates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| (u["kind"].as_str().unwrap().to_owned(), u["about"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(
        told,
        [
            ("start".into(), "outage".into()),
            ("restored".into(), "all".into()),
            ("unavailable".into(), "portal".into()),
            ("restored".into(), "all".into())
        ]
    );
    assert!(report["customer_updates"].as_array().unwrap().iter().all(|u| u["at"].is_string()));
    let alert = &report["alerts"][0];
    assert_eq!(
        (alert["kind"].as_str(), alert["service"].as_str(), alert["delivered"].as_u64()),
        (Some("fell_back"), Some("portal"), Some(1))
    );
}

/// `run --watch` watches every service; a plan in a language without built-in texts must give the
/// update told when one falls back.
#[test]
fn run_watch_needs_the_fall_back_update_in_every_language() {
    let dir = tempfile::tempdir().unwrap();
    let templates = dir.path().join("templates");
    std::fs::create_dir(&templates).unwrap();
    for event in [
        "start", "online", "phase", "restored", "late", "failed", "progress", "status", "contact", "feed",
        "names",
    ] {
        std::fs::write(templates.join(format!("{event}.de.md.j2")), "Hallo\n").unwrap();
    }
    std::fs::write(templates.join("status.html.j2"), "<html></html>\n").unwrap();
    let plan = plan_in(
        dir.path(),
        &format!(
            "locales = [\"de\"]\n[announce]\ntemplates = \"templates\"\n{}",
            file_service(dir.path(), "db", None)
        ),
    );
    restorectl().arg("validate").arg(&plan).assert().code(0);
    let out = restorectl().args(["run", "--watch", "1s"]).arg(&plan).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: `--watch`: the plan's templates have no unavailable.de.md.j2 (the update told when a watched service falls back)\n"
    );
    // Given, a dry run watches on the simulated clock: the run ends when the watch does.
    std::fs::write(templates.join("unavailable.de.md.j2"), "Wieder nicht verfügbar\n").unwrap();
    let (code, report) = run_json(&plan, &["--dry-run", "--watch", "2h"]);
    assert_eq!(code, Some(0), "{report:#}");
}

/// A service that falls back holds what depends on it and has not started yet: that waits until it
/// is back, as the first time.
#[test]
fn what_depends_on_a_service_that_fell_back_waits_for_it_again() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display();
    let p = dir.path();
    // db's second restore waits for the test's word; gate's first does.
    let plan = plan_in(
        p,
        &[
            service(p, "db", "watch = \"30s\"\n", &format!("if [ -f {d}/tried ]; then while [ ! -f {d}/db.go ]; do sleep 0.05; done; fi; touch {d}/tried {d}/db.up")),
            service(p, "gate", "", &format!("while [ ! -f {d}/gate.go ]; do sleep 0.05; done; touch {d}/gate.up")),
            service(p, "app", "depends_on = [\"db\", \"gate\"]\n", &format!("touch {d}/app.up")),
        ]
        .concat(),
    );
    let child = spawn_run(&plan, &[]);
    let journal = dir.path().join(".restorectl/plan/journal.jsonl");
    let seen = |what: &str| events(&journal).iter().any(|e| e["event"] == what && e["service"] != "gate");
    wait_until("db online", || seen("online"));
    std::fs::remove_file(dir.path().join("db.up")).unwrap();
    wait_until("db fell back", || seen("fell_back"));
    // The gate is done: app would be free to start but for db, which is not back.
    std::fs::write(dir.path().join("gate.go"), "").unwrap();
    wait_until("gate online", || {
        events(&journal).iter().any(|e| e["event"] == "online" && e["service"] == "gate")
    });
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(
        !events(&journal).iter().any(|e| e["service"] == "app" && e["event"] == "action_started"),
        "app started while db was down"
    );
    std::fs::write(dir.path().join("db.go"), "").unwrap();
    // The run goes on until db's window ends: stop it once app is back.
    wait_until("app online", || {
        events(&journal).iter().any(|e| e["event"] == "online" && e["service"] == "app")
    });
    let order: Vec<String> = events(&journal)
        .iter()
        .filter(|e| {
            e["service"] != "gate"
                && ["online", "fell_back", "action_started"].contains(&e["event"].as_str().unwrap())
        })
        .map(|e| format!("{} {}", e["service"].as_str().unwrap(), e["event"].as_str().unwrap()))
        .collect();
    assert_eq!(
        order,
        [
            "db action_started",
            "db online",
            "db fell_back",
            "db action_started",
            "db online",
            "app action_started",
            "app online"
        ]
    );
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("interrupted: nothing is running; stopping"));
}

/// A drill rehearses a fall-back on the same scheduler: `--fall-back ID:AFTER` makes a watched
/// service fall back, it is restored again and customers are told; an unwatched one is refused.
#[test]
fn a_drill_rehearses_a_fall_back() {
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("ista.toml");
    std::fs::copy(repo("plans/ista.toml"), &plan).unwrap();
    let out = restorectl().args(["run", "--dry-run", "--fall-back", "email:1d"]).arg(&plan).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: `--fall-back email:1d`: `email` is not watched: give it `watch` in the plan, or run with --watch\n"
    );
    for (flags, message) in [
        (
            &["--fall-back", "email:5d"][..],
            "error: `--fall-back email:5d`: 5d is not within its watch of 3d\n",
        ),
        (
            &["--fall-back", "email:1d", "--fall-back", "email:2d"][..],
            "error: `--fall-back email:2d`: `email` is given twice (it falls back once)\n",
        ),
    ] {
        let out =
            restorectl().args(["run", "--dry-run", "--watch", "3d"]).args(flags).arg(&plan).output().unwrap();
        assert_eq!(
            (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned()),
            (Some(2), message.to_owned())
        );
    }
    let (code, report) = run_json(&plan, &["--dry-run", "--watch", "3d", "--fall-back", "email:1d"]);
    assert_eq!(code, Some(0), "{report:#}");
    let journal = events(&dir.path().join(".restorectl/ista/dry-run/journal.jsonl"));
    let email: Vec<String> = journal
        .iter()
        .filter(|e| {
            e["service"] == "email"
                && ["action_started", "online", "fell_back", "watched"]
                    .contains(&e["event"].as_str().unwrap())
        })
        .map(|e| e["event"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(email, ["action_started", "online", "fell_back", "action_started", "online", "watched"]);
    let announced: Vec<String> = std::fs::read_dir(dir.path().join(".restorectl/ista/dry-run/announcements"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".en.md") && n.contains("email"))
        .collect();
    assert!(announced.iter().any(|n| n.contains("-unavailable-email.")), "{announced:?}");
}

/// A non-critical watched service behind a phase gate falls back and cannot be restored again:
/// the run goes on and ends (the gate it passed stays passed), reporting it failed.
#[test]
fn a_non_critical_service_that_falls_back_for_good_ends_the_run_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display();
    let p = dir.path();
    let plan = plan_in(
        p,
        &[
            "phase_gates = true\n[[phase]]\nid = \"one\"\n[[phase]]\nid = \"two\"\n".to_owned(),
            service(
                p,
                "web",
                "phase = \"one\"\ncritical = false\nwatch = \"20s\"\n",
                &format!("[ -f {d}/tried ] && exit 1; touch {d}/tried {d}/web.up"),
            ),
            service(
                p,
                "api",
                "phase = \"two\"\n",
                &format!("while [ ! -f {d}/api.go ]; do sleep 0.05; done; touch {d}/api.up"),
            ),
        ]
        .concat(),
    );
    let child = spawn_run(&plan, &[]);
    let journal = dir.path().join(".restorectl/plan/journal.jsonl");
    let has = |service: &str, kind: &str| {
        events(&journal).iter().any(|e| e["service"] == service && e["event"] == kind)
    };
    wait_until("web online", || has("web", "online"));
    std::fs::remove_file(dir.path().join("web.up")).unwrap();
    wait_until("web failed again", || has("web", "failed"));
    std::fs::write(dir.path().join("api.go"), "").unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let report = json(&out.stdout);
    assert_eq!(state_of(&report, "web"), "failed");
    assert_eq!(state_of(&report, "api"), "online");
    assert!(events(&journal).iter().any(|e| e["event"] == "run_finished"));
}

/// Two watched services fall back, the one that needs the other too: it is restored again only
/// once what it needs is back.
#[test]
fn a_dependent_that_falls_back_too_waits_for_what_it_needs() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display();
    let p = dir.path();
    let plan = plan_in(
        p,
        &[
            service(p, "db", "watch = \"30s\"\n", &format!("if [ -f {d}/tried ]; then while [ ! -f {d}/db.go ]; do sleep 0.05; done; fi; touch {d}/tried {d}/db.up")),
            service(p, "app", "depends_on = [\"db\"]\nwatch = \"30s\"\n", &format!("touch {d}/app.up")),
        ]
        .concat(),
    );
    let child = spawn_run(&plan, &[]);
    let journal = dir.path().join(".restorectl/plan/journal.jsonl");
    let count = |service: &str, kind: &str| {
        events(&journal).iter().filter(|e| e["service"] == service && e["event"] == kind).count()
    };
    wait_until("app online", || count("app", "online") == 1);
    std::fs::remove_file(dir.path().join("db.up")).unwrap();
    wait_until("db fell back", || count("db", "fell_back") == 1);
    std::fs::remove_file(dir.path().join("app.up")).unwrap();
    wait_until("app fell back", || count("app", "fell_back") == 1);
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(count("app", "action_started"), 1, "app restored again while db is down");
    std::fs::write(dir.path().join("db.go"), "").unwrap();
    wait_until("app back", || count("app", "online") == 2);
    let order: Vec<String> = events(&journal)
        .iter()
        .filter(|e| ["online", "action_started"].contains(&e["event"].as_str().unwrap()))
        .map(|e| format!("{} {}", e["service"].as_str().unwrap(), e["event"].as_str().unwrap()))
        .collect();
    assert_eq!(
        order[4..],
        ["db action_started", "db online", "app action_started", "app online"],
        "{order:?}"
    );
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    assert_eq!(child.wait_with_output().unwrap().status.code(), Some(130));
}

/// A service back once, then down again and not restored, is what `--retry-failed` retries.
#[test]
fn retry_failed_takes_a_service_that_fell_back_and_stayed_down() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display();
    // Attempts 1 and 3 bring it back; attempt 2 fails.
    let restore = format!("echo x >> {d}/tries; [ $(wc -l < {d}/tries) -eq 2 ] && exit 1; touch {d}/db.up");
    let plan = plan_in(dir.path(), &service(dir.path(), "db", "watch = \"3s\"\n", &restore));
    let child = spawn_run(&plan, &[]);
    let journal = dir.path().join(".restorectl/plan/journal.jsonl");
    wait_until("db online", || events(&journal).iter().any(|e| e["event"] == "online"));
    std::fs::remove_file(dir.path().join("db.up")).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let (code, report) = run_json(&plan, &["--retry-failed"]);
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(state_of(&report, "db"), "online");
}

/// A service without checks is not watched (nothing would tell that it fell back), and a drill
/// cannot make it fall back.
#[test]
fn a_service_without_checks_is_not_watched() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display();
    let plan = plan_in(
        dir.path(),
        &format!(
            "[[service]]\nid = \"blind\"\n[service.restore]\ncommand = [\"true\"]\n{}",
            service(dir.path(), "seen", "", &format!("touch {d}/seen.up"))
        ),
    );
    let out = restorectl().args(["run", "--progress", "plain", "--watch", "1s"]).arg(&plan).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(log.contains("seen: watching it for 1s"), "{log}");
    assert!(!log.contains("blind: watching"), "{log}");
    let out = restorectl()
        .args(["run", "--dry-run", "--watch", "1h", "--fall-back", "blind:1m"])
        .arg(&plan)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: `--fall-back blind:1m`: `blind` has no checks: nothing would tell that it fell back\n"
    );
}
