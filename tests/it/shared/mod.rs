//! One incident shared by several operators on a real PostgreSQL server (`scripts/postgres`
//! starts one on 127.0.0.1; `RESTORECTL_TEST_POSTGRES` names it): each test in a database of its
//! own; "another machine" is another folder with its own copy of the plan and its own process.

mod announcements;

use std::path::{Path, PathBuf};

use crate::support::*;

/// A database of its own for one test, dropped at the end.
struct Db {
    admin: String,
    name: String,
    url: String,
}

impl Db {
    fn new() -> Db {
        let admin = std::env::var("RESTORECTL_TEST_POSTGRES")
            .expect("RESTORECTL_TEST_POSTGRES: run the tests with scripts/test, which starts PostgreSQL");
        static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let name = format!("restorectl_t{}_{n}", std::process::id());
        let mut client = postgres::Client::connect(&admin, postgres::NoTls).unwrap();
        client.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
        let (base, query) = admin.split_once('?').unwrap_or((&admin, ""));
        let base = &base[..base.rfind('/').unwrap()];
        let url = format!("{base}/{name}?{query}");
        Db { admin, name, url }
    }

    fn client(&self) -> postgres::Client {
        postgres::Client::connect(&self.url, postgres::NoTls).unwrap()
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        if let Ok(mut c) = postgres::Client::connect(&self.admin, postgres::NoTls) {
            let _ = c.batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name));
        }
    }
}

/// A "machine": a folder with its own copy of the plan (and so its own local state).
fn machine(root: &Path, name: &str, plan: &str) -> PathBuf {
    let dir = root.join(name);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("plan.toml");
    std::fs::write(&path, plan).unwrap();
    path
}

/// `db` restored by a script that notes each run in `<root>/runs`, then needs `anna`'s sign-off.
fn plan(root: &Path, restore_sleep: &str) -> String {
    let r = root.display();
    format!(
        "[plan]\nname = \"Shared {}\"\n[approvers]\nops = [\"anna\"]\n[[service]]\nid = \"db\"\napproval = {{ role = \"ops\" }}\n\
         [[service.check]]\ncommand = [\"test\", \"-f\", \"{r}/db.up\"]\ninterval = \"50ms\"\n\
         [service.restore]\ncommand = [\"sh\", \"-c\", \"echo db >> {r}/runs; sleep {restore_sleep}; touch {r}/db.up\"]\n",
        std::process::id()
    )
}

/// The journal's rows in the database (none before the first run made its tables).
fn journal_rows(db: &Db) -> Vec<String> {
    let rows = db.client().query("SELECT record FROM restorectl_journal ORDER BY line", &[]);
    rows.map(|rows| rows.iter().map(|r| r.get(0)).collect()).unwrap_or_default()
}

/// A run of the plan at `ops` on `url`, waiting for anna's sign-off (so holding the incident).
fn waiting_run(db: &Db, ops: &Path, url: &str) -> std::process::Child {
    let child = spawn_run(ops, &["--state", url]);
    wait_until("the run's wait for a sign-off, in the database", || {
        journal_rows(db).iter().any(|r| r.contains("waiting_for_approval"))
    });
    child
}

/// Runs the plan at `ops` on the shared state until it waits for anna's sign-off, has her give it
/// from `from` (another folder, its own process and connection), and sees the run finish.
fn sign_off_from(db: &Db, ops: &Path, from: &Path) {
    let headers = |rows: &[String]| rows.iter().filter(|r| r.contains(r#""run":{"#)).count();
    let before = headers(&journal_rows(db));
    let child = spawn_run(ops, &["--state", &db.url]);
    wait_until("the new run's wait for a sign-off, in the database", || {
        let rows = journal_rows(db);
        let newest = rows.iter().rposition(|r| r.contains(r#""run":{"#));
        headers(&rows) > before
            && newest.is_some_and(|h| rows[h..].iter().any(|r| r.contains("waiting_for_approval")))
    });
    // The run hears of it by NOTIFY: it looks on its own only every 5 s, and confirm gives up
    // after 5 s.
    let out = restorectl()
        .args(["confirm"])
        .arg(from)
        .args(["db", "--by", "anna", "--state", &db.url])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn a_sign_off_from_another_machine_reaches_the_run_through_the_database() {
    let db = Db::new();
    let root = tempfile::tempdir().unwrap();
    let text = plan(root.path(), "0");
    let ops = machine(root.path(), "ops", &text);
    let laptop = machine(root.path(), "laptop", &text);
    sign_off_from(&db, &ops, &laptop);
    // The database holds the journal the run wrote, line for line, and no password.
    let local = std::fs::read_to_string(root.path().join("ops/.restorectl/plan/journal.jsonl")).unwrap();
    let rows = journal_rows(&db);
    assert_eq!(local.lines().collect::<Vec<_>>(), rows);
    assert!(rows.iter().any(|r| r.contains(r#""event":"approved""#)));
    assert!(!local.contains(":restorectl_test@"), "the URL's password is not journaled");
    // Anyone who reaches the database reads and verifies it.
    let out =
        restorectl().args(["journal", "verify"]).arg(&laptop).args(["--state", &db.url]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    let out = restorectl()
        .args(["history", "--format", "json"])
        .arg(&laptop)
        .args(["--state", &db.url])
        .output()
        .unwrap();
    assert_eq!(json(&out.stdout)["runs"].as_array().unwrap().len(), 1);
}

#[test]
fn a_second_run_anywhere_is_refused_while_one_holds_the_incident() {
    let db = Db::new();
    let root = tempfile::tempdir().unwrap();
    let text = plan(root.path(), "0");
    let ops = machine(root.path(), "ops", &text);
    let laptop = machine(root.path(), "laptop", &text);
    let mut child = waiting_run(&db, &ops, &db.url);
    let out = restorectl()
        .args(["run", "--progress", "none"])
        .arg(&laptop)
        .args(["--state", &db.url])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let shown = db.url.replacen(":restorectl_test@", "@", 1);
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!("error: another run holds this incident's lock in {shown}: one run at a time\n")
    );
    // Refused before it wrote anything anywhere: the shared journal holds the one run.
    assert!(!root.path().join("laptop/.restorectl/plan/journal.jsonl").exists());
    assert_eq!(journal_rows(&db).iter().filter(|r| r.contains(r#""run":{"#)).count(), 1);
    signal(&child, libc::SIGTERM);
    let _ = child.wait();
}

#[test]
fn killed_and_resumed_on_shared_state_nothing_is_restored_twice() {
    let db = Db::new();
    let root = tempfile::tempdir().unwrap();
    let ops = machine(root.path(), "ops", &plan(root.path(), "1"));
    let mut child = spawn_run(&ops, &["--state", &db.url]);
    wait_until("the restore under way, in the database", || {
        journal_rows(&db).iter().any(|r| r.contains(r#""event":"process_spawned""#))
    });
    signal(&child, libc::SIGKILL);
    child.wait().unwrap();
    // The next run takes the journal from the database and the restore over; anna signs.
    sign_off_from(&db, &ops, &ops);
    let runs = std::fs::read_to_string(root.path().join("runs")).unwrap();
    assert_eq!(runs.lines().count(), 1, "restored once: {runs}");
    assert_eq!(journal_rows(&db).iter().filter(|r| r.contains(r#""run":{"#)).count(), 2);
}

#[test]
fn journal_verify_finds_an_edited_row() {
    let db = Db::new();
    let root = tempfile::tempdir().unwrap();
    let text = plan(root.path(), "0");
    let ops = machine(root.path(), "ops", &text);
    let laptop = machine(root.path(), "laptop", &text);
    sign_off_from(&db, &ops, &laptop);
    // Someone with write access to the database puts another name on the sign-off.
    let line: i64 = db
        .client()
        .query_one("SELECT line FROM restorectl_journal WHERE record LIKE '%\"event\":\"approved\"%'", &[])
        .unwrap()
        .get(0);
    db.client()
        .execute(
            "UPDATE restorectl_journal SET record = replace(record, '\"anna\"', '\"bob\"') WHERE line = $1",
            &[&line],
        )
        .unwrap();
    let out =
        restorectl().args(["journal", "verify"]).arg(&laptop).args(["--state", &db.url]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let said = String::from_utf8_lossy(&out.stdout);
    let shown = db.url.replacen(":restorectl_test@", "@", 1);
    assert_eq!(
        said,
        format!(
            "journal '{shown}': line {} does not follow line {line}: line {line} was edited, or lines were removed or moved between them\n",
            line + 1
        )
    );
}

#[test]
fn tls_is_verified_against_the_certificate_given_and_used() {
    let db = Db::new();
    let ca = std::env::var("RESTORECTL_TEST_POSTGRES_CA").expect(
        "RESTORECTL_TEST_POSTGRES_CA: run the tests with scripts/test, which sets up PostgreSQL's TLS",
    );
    let root = tempfile::tempdir().unwrap();
    let ops = machine(root.path(), "ops", &plan(root.path(), "0"));
    let tls = |host: &str| {
        db.url
            .replace("127.0.0.1", host)
            .replace("sslmode=disable", &format!("sslmode=require&sslrootcert={ca}"))
    };
    // By an address the certificate does not name: refused before anything is read or written.
    let out = restorectl()
        .args(["run", "--progress", "none"])
        .arg(&ops)
        .args(["--state", &tls("127.0.0.1")])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("error: PostgreSQL: error performing TLS handshake: invalid peer certificate: certificate not valid for name \"127.0.0.1\""),
        "{err}"
    );
    assert!(!err.contains("restorectl_test:restorectl_test"), "{err}");
    // By the name it has: the run's connections are encrypted.
    let child = waiting_run(&db, &ops, &tls("localhost"));
    let encrypted: i64 = db
        .client()
        .query_one(
            "SELECT count(*) FROM pg_stat_ssl JOIN pg_stat_activity USING (pid) WHERE ssl AND datname = current_database()",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(encrypted >= 2, "the run's journal and its inbox: {encrypted} encrypted connections");
    signal(&child, libc::SIGTERM);
    let _ = child.wait_with_output();
}

#[test]
fn a_run_that_loses_the_database_stops_and_the_next_one_goes_on() {
    let db = Db::new();
    let root = tempfile::tempdir().unwrap();
    let ops = machine(root.path(), "ops", &plan(root.path(), "0"));
    let child = waiting_run(&db, &ops, &db.url);
    // The database drops the run's sessions (a failover, an administrator): its lock is gone.
    db.client()
        .execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
            &[],
        )
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    // It stops at once, and cannot journal its end anywhere shared: exit 2, saying so.
    assert_eq!(out.status.code(), Some(2), "{log}");
    let shown = db.url.replacen(":restorectl_test@", "@", 1);
    assert!(log.contains(&format!("journal.jsonl: {shown}: PostgreSQL: ")), "{log}");
    assert!(
        log.contains(&format!("error: lost {shown} (")) && log.contains("the run stops, as on Ctrl-C"),
        "{log}"
    );
    // Nothing was decided without the database; the next run takes the incident up again.
    sign_off_from(&db, &ops, &ops);
}

#[test]
fn a_decision_row_that_is_no_confirmation_is_set_aside_and_the_run_goes_on() {
    let db = Db::new();
    let root = tempfile::tempdir().unwrap();
    let text = plan(root.path(), "0");
    let ops = machine(root.path(), "ops", &text);
    // Runs here before the shared state: that journal is kept aside, not overwritten.
    let local = restorectl().args(["run", "--dry-run"]).arg(&ops).output().unwrap();
    assert_eq!(local.status.code(), Some(0));
    std::fs::create_dir_all(root.path().join("ops/.restorectl/plan")).unwrap();
    std::fs::write(root.path().join("ops/.restorectl/plan/journal.jsonl"), "{\"not\":\"the shared one\"}\n")
        .unwrap();
    let child = waiting_run(&db, &ops, &db.url);
    let aside: Vec<String> = std::fs::read_dir(root.path().join("ops/.restorectl/plan"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("journal.local-"))
        .collect();
    assert_eq!(aside.len(), 1, "{aside:?}");
    // Rows nobody should be able to make the run write: a folder's place, a way out.
    let run = journal_rows(&db)[0].split(r#""id":""#).nth(1).unwrap()[..4].to_owned();
    let mut c = db.client();
    for path in [format!("confirm/{run}"), "../../outside.json".to_owned(), "/tmp/x.json".to_owned()] {
        c.execute(
            "INSERT INTO restorectl_decisions (state, path, body) VALUES ($1, $2, 'x')",
            &[&text_name(), &path],
        )
        .unwrap();
    }
    c.execute("SELECT pg_notify('restorectl_decisions', $1)", &[&text_name()]).unwrap();
    wait_until("the rows set aside", || {
        db.client()
            .query_one("SELECT count(*) FROM restorectl_decisions WHERE NOT taken", &[])
            .unwrap()
            .get::<_, i64>(0)
            == 0
    });
    assert!(!root.path().join("outside.json").exists());
    let out = restorectl()
        .args(["confirm"])
        .arg(&ops)
        .args(["db", "--by", "anna", "--state", &db.url])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let out = child.wait_with_output().unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{log}");
    assert_eq!(log.matches("was set aside").count(), 3, "{log}");
}

/// The plans' name here (the shared state's key).
fn text_name() -> String {
    format!("Shared {}", std::process::id())
}

#[test]
fn logs_follow_an_action_from_another_machine_with_its_secrets_hidden() {
    let db = Db::new();
    let root = tempfile::tempdir().unwrap();
    let r = root.path().display();
    let text = format!(
        "[plan]\nname = \"{}\"\n[[service]]\nid = \"db\"\n[[service.check]]\ncommand = [\"test\", \"-f\", \"{r}/db.up\"]\ninterval = \"50ms\"\n\
         [service.restore]\ncommand = [\"sh\", \"-c\", \"echo restoring with ${{env:DB_TOKEN}}; sleep 1; printf 'done, no newline'; touch {r}/db.up\"]\n",
        text_name()
    );
    let ops = machine(root.path(), "ops", &text);
    let laptop = machine(root.path(), "laptop", &text);
    let mut run = std::process::Command::new(assert_cmd::cargo::cargo_bin("restorectl"));
    let child = run
        .args(["run", "--progress", "none", "--state", &db.url])
        .arg(&ops)
        .env("DB_TOKEN", "s3cr3t-value")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    wait_until("the restore under way", || {
        journal_rows(&db).iter().any(|r| r.contains(r#""event":"process_spawned""#))
    });
    // On the laptop, without the secret: what the action writes as it writes it, until it ends.
    let out = restorectl()
        .args(["logs"])
        .arg(&laptop)
        .args(["db", "--follow", "--state", &db.url])
        .env_remove("DB_TOKEN")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "restoring with ***\ndone, no newline");
    assert_eq!(child.wait_with_output().unwrap().status.code(), Some(0));
    let rows: Vec<String> = db
        .client()
        .query("SELECT chunk FROM restorectl_logs", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(!rows.concat().contains("s3cr3t"), "{rows:?}");
}

#[test]
fn status_watch_from_another_machine_follows_the_shared_quarantine() {
    use std::io::BufRead;
    let db = Db::new();
    let root = tempfile::tempdir().unwrap();
    let r = root.path().display();
    // `db`'s malware scan passes once `clean` exists.
    let text = format!(
        "[plan]\nname = \"{}\"\n[[service]]\nid = \"db\"\n[[service.check]]\ncommand = [\"test\", \"-f\", \"{r}/db.up\"]\ninterval = \"50ms\"\n\
         [service.restore]\ncommand = [\"touch\", \"{r}/db.up\"]\n\
         [[service.verify]]\nname = \"malware scan\"\ncommand = [\"test\", \"-f\", \"{r}/clean\"]\n",
        text_name()
    );
    let ops = machine(root.path(), "ops", &text);
    let laptop = machine(root.path(), "laptop", &text);
    let run =
        || restorectl().args(["run", "--progress", "none", "--state", &db.url]).arg(&ops).output().unwrap();
    assert_eq!(run().status.code(), Some(1), "the scan fails: quarantined");
    let mut watch = std::process::Command::new(assert_cmd::cargo::cargo_bin("restorectl"))
        .args(["status", "--format", "json", "--watch", "1h", "--state", &db.url])
        .arg(&laptop)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut rounds = std::io::BufReader::new(watch.stdout.take().unwrap()).lines();
    let state_of_db = |line: &str| json(line.as_bytes())["services"][0]["state"].as_str().unwrap().to_owned();
    assert_eq!(state_of_db(&rounds.next().unwrap().unwrap()), "quarantined");
    // The scan passes in the next run, on the ops machine: the laptop says so at once — its next
    // round is an hour away, so only the journal's notification can tell it (a minute at most,
    // then the watch is stopped and the test fails).
    std::fs::write(root.path().join("clean"), "").unwrap();
    assert_eq!(run().status.code(), Some(0));
    let pid = watch.id() as i32;
    let (done, waiting) = std::sync::mpsc::channel::<()>();
    std::thread::spawn(move || {
        let waited = waiting.recv_timeout(std::time::Duration::from_secs(60));
        if matches!(waited, Err(std::sync::mpsc::RecvTimeoutError::Timeout)) {
            // SAFETY: signalling the watch this test started, still running (not yet waited for).
            unsafe { libc::kill(pid, libc::SIGINT) };
        }
    });
    let cleared = rounds.by_ref().map(|l| state_of_db(&l.unwrap())).any(|s| s == "healthy");
    drop(done);
    signal(&watch, libc::SIGINT);
    let _ = watch.wait();
    assert!(cleared, "the quarantine was lifted in the shared journal");
}

#[test]
fn an_empty_database_is_said_to_hold_nothing_yet_by_its_name() {
    let db = Db::new();
    let root = tempfile::tempdir().unwrap();
    let laptop = machine(root.path(), "laptop", &plan(root.path(), "0"));
    let shown = db.url.replacen(":restorectl_test@", "@", 1);
    let said = format!(
        "error: no journal in '{shown}': nothing has been run yet (run `restorectl run {}` first)\n",
        laptop.display()
    );
    for args in [&["history"][..], &["journal", "verify"], &["report"], &["confirm"]] {
        let mut cmd = restorectl();
        cmd.args(args).arg(&laptop);
        if args == ["confirm"] {
            cmd.args(["db", "--by", "anna"]);
        }
        let out = cmd.args(["--state", &db.url]).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_eq!(String::from_utf8_lossy(&out.stderr), said, "{args:?}");
    }
}
