//! State that cannot be lied to: a journal is believed only once verified — an appended record,
//! chained or not, is refused by every command that reads the state (exit 2, its line named);
//! `run --accept-broken-journal REASON` goes on from it, journaling why and who, and even then a
//! confirmation outside its run passes no gate.

use crate::support::*;

const SIGNOFF: &str = "[[service]]\nid = \"signoff\"\nname = \"sign-off\"\nwait_timeout = \"1s\"\n[service.restore]\nmanual = \"Get the forensic sign-off.\"\n";

/// A plan with one manual step; one run of it that timed out waiting (nobody confirmed).
fn timed_out_step() -> (tempfile::TempDir, std::path::PathBuf, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let plan = plan_in(dir.path(), SIGNOFF);
    let (code, _) = run_json(&plan, &[]);
    assert_eq!(code, Some(1), "nobody confirmed");
    let journal = dir.path().join(".restorectl/plan/journal.jsonl");
    (dir, plan, journal)
}

fn sha256_hex(line: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(line.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// The forged record: a confirmation of the step, for a run that never waited for it.
fn forged(prev: &str) -> String {
    format!(
        "{{\"prev\":\"{prev}\",\"v\":1,\"time\":\"2026-01-01T00:00:00Z\",\"event\":\"confirmed\",\"service\":\"signoff\",\"at\":0.0,\"by\":\"mallory\",\"run\":\"beef\"}}\n"
    )
}

#[test]
fn an_appended_confirmation_is_refused_whether_or_not_the_chain_was_recomputed() {
    let (_dir, plan, journal) = timed_out_step();
    let original = std::fs::read_to_string(&journal).unwrap();
    let lines = original.lines().count();
    let last = original.lines().last().unwrap();
    for (prev, why) in [
        ("0".repeat(64), "it does not follow the line before it: a record was edited, removed or moved"),
        (sha256_hex(last), "it is outside any run: after a run's end, or before the first"),
    ] {
        std::fs::write(&journal, format!("{original}{}", forged(&prev))).unwrap();
        let refused = format!(
            "error: the journal {} is not as the runs wrote it: line {}: {why}; nothing in it is believed (`restorectl journal verify` checks it; `run --accept-broken-journal REASON` goes on from it, journaling why)\n",
            journal.display(),
            lines + 1
        );
        for args in [&["run"][..], &["announce"], &["status"], &["preview"], &["history"]] {
            let out = restorectl().args(args).arg(&plan).output().unwrap();
            assert_eq!(out.status.code(), Some(2), "{args:?}");
            assert_eq!(String::from_utf8_lossy(&out.stderr), refused, "{args:?}");
        }
        let out =
            restorectl().args(["confirm"]).arg(&plan).args(["signoff", "--by", "anna"]).output().unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&out.stderr).contains(&format!("line {}: {why}", lines + 1)));
    }
}

#[test]
fn a_run_told_to_go_on_from_a_broken_journal_journals_why_and_believes_no_forged_confirmation() {
    let (_dir, plan, journal) = timed_out_step();
    let original = std::fs::read_to_string(&journal).unwrap();
    let lines = original.lines().count();
    std::fs::write(&journal, format!("{original}{}", forged(&"0".repeat(64)))).unwrap();
    let out = restorectl()
        .args([
            "run",
            "--format",
            "json",
            "--progress",
            "plain",
            "--accept-broken-journal",
            "restored from the backup of 03:00",
        ])
        .arg(&plan)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    // The step was asked for again (the forged confirmation passed nothing), and timed out again.
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(state_of(&json(&out.stdout), "signoff"), "failed");
    assert!(
        err.contains(&format!("going on from a journal that breaks at line {}, as ", lines + 1)),
        "{err}"
    );
    assert!(err.contains(": restored from the backup of 03:00"), "{err}");
    let text = std::fs::read_to_string(&journal).unwrap();
    let accepted: serde_json::Value = text
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|e| e["event"] == "journal_accepted")
        .unwrap();
    assert_eq!(accepted["lines"], serde_json::json!([lines + 1]));
    assert_eq!(accepted["reason"], "restored from the backup of 03:00");
    // The break is excused from now on; the chain still shows it.
    assert_eq!(run_json(&plan, &[]).0, Some(1));
    assert_eq!(restorectl().args(["journal", "verify"]).arg(&plan).output().unwrap().status.code(), Some(1));
}

/// `confirm` succeeds only once the waiting run has journaled the decision: a run that died,
/// whose pid another process has now, never takes it, and the confirmation is withdrawn.
#[test]
fn a_confirmation_no_run_takes_is_withdrawn_and_refused() {
    let dir = tempfile::tempdir().unwrap();
    let plan = plan_in(dir.path(), SIGNOFF);
    let state = dir.path().join(".restorectl/plan");
    std::fs::create_dir_all(&state).unwrap();
    // The pid of the dead run, reused by an unrelated process (alive, holding nothing).
    let mut other = std::process::Command::new("sleep").arg("30").spawn().unwrap();
    let pid = other.id();
    let header = format!(
        "{{\"v\":1,\"time\":\"2026-01-01T00:00:00Z\",\"run\":{{\"id\":\"a3a8\",\"plan\":\"Run test\",\"pid\":{pid},\"dry_run\":false,\"fingerprints\":{{}}}}}}"
    );
    let waiting = "{\"v\":1,\"time\":\"2026-01-01T00:00:01Z\",\"event\":\"waiting_for_operator\",\"service\":\"signoff\",\"at\":0.0,\"instruction\":\"Sign.\",\"needs_confirmation\":true}";
    std::fs::write(state.join("journal.jsonl"), chained(&[&header, waiting])).unwrap();
    std::fs::write(state.join("lock"), pid.to_string()).unwrap();
    let out = restorectl().args(["confirm"]).arg(&plan).args(["signoff", "--by", "anna"]).output().unwrap();
    let _ = other.kill();
    let _ = other.wait();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: run a3a8 did not take the decision on `signoff` within 5s (it is not running, or hangs); nothing confirmed\n"
    );
    assert!(!state.join("confirm/a3a8/signoff.json").exists(), "withdrawn");
}

/// Two people confirm one step at the same moment: one decision is taken and said, the other
/// is refused (the step no longer waits), and the journal names the one that was taken.
#[test]
fn two_confirms_at_once_are_taken_one_at_a_time_and_none_is_lost() {
    let dir = tempfile::tempdir().unwrap();
    let plan = plan_in(dir.path(), &SIGNOFF.replace("wait_timeout = \"1s\"\n", ""));
    let child = spawn_run(&plan, &[]);
    let journal = dir.path().join(".restorectl/plan/journal.jsonl");
    wait_until("the wait for the operator", || {
        std::fs::read_to_string(&journal).unwrap_or_default().contains("waiting_for_operator")
    });
    let confirm = |by: &str| {
        std::process::Command::new(assert_cmd::cargo::cargo_bin("restorectl"))
            .args(["confirm"])
            .arg(&plan)
            .args(["signoff", "--by", by])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (anna, piotr) = (confirm("anna"), confirm("piotr"));
    let (anna, piotr) = (anna.wait_with_output().unwrap(), piotr.wait_with_output().unwrap());
    let codes = [anna.status.code(), piotr.status.code()];
    assert!(codes.contains(&Some(0)) && codes.contains(&Some(2)), "{codes:?}");
    let (taken, refused) = if anna.status.code() == Some(0) { ("anna", &piotr) } else { ("piotr", &anna) };
    // Refused: the step no longer waits (or the run, done with it, has ended).
    let why = String::from_utf8_lossy(&refused.stderr);
    assert!(
        why.contains("is not waiting for `signoff` now; nothing confirmed")
            || why.contains("no run is waiting for `signoff`: no restorectl run is going on"),
        "{why}"
    );
    assert_eq!(child.wait_with_output().unwrap().status.code(), Some(0));
    let confirmed: Vec<serde_json::Value> = std::fs::read_to_string(&journal)
        .unwrap()
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|e| e["event"] == "confirmed")
        .collect();
    assert_eq!(confirmed.len(), 1);
    assert_eq!(confirmed[0]["by"], taken);
}

/// A name of any length can sign: the sign-off's file is named by the name's SHA-256.
#[test]
fn an_approver_with_a_long_name_can_sign() {
    let dir = tempfile::tempdir().unwrap();
    let name = "Anna Maria Nowak-Kowalska, Chief Information Security Officer, ".repeat(3);
    let db = file_service(dir.path(), "db", None).replacen(
        "\n[[service.check]]",
        "\napproval = { role = \"secops\" }\n[[service.check]]",
        1,
    );
    let plan = plan_in(dir.path(), &format!("[approvers]\nsecops = [{name:?}]\n{db}"));
    let child = spawn_run(&plan, &[]);
    let journal = dir.path().join(".restorectl/plan/journal.jsonl");
    wait_until("the sign-off wait", || {
        std::fs::read_to_string(&journal).unwrap_or_default().contains("waiting_for_approval")
    });
    let out = restorectl().args(["confirm"]).arg(&plan).args(["db", "--by", &name]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(child.wait_with_output().unwrap().status.code(), Some(0));
}

/// One SIGTERM (or Ctrl-C) ends a run that waits for nothing but a service's checks: the wait is
/// left for the next run, which verifies what the restore did.
#[test]
fn one_sigterm_ends_a_wait_for_checks() {
    let dir = tempfile::tempdir().unwrap();
    // The checks never pass; the restore's timeout is an hour.
    let d = dir.path().display();
    let body = format!(
        "[[service]]\nid = \"db\"\n[[service.check]]\ncommand = [\"test\", \"-f\", \"{d}/db.up\"]\ninterval = \"50ms\"\n\
         [service.restore]\ncommand = [\"true\"]\ntimeout = \"1h\"\n"
    );
    let plan = plan_in(dir.path(), &body);
    let child = spawn_run(&plan, &[]);
    let journal = dir.path().join(".restorectl/plan/journal.jsonl");
    wait_until("the wait for checks", || {
        std::fs::read_to_string(&journal).unwrap_or_default().contains("\"waiting\"")
    });
    signal(&child, libc::SIGTERM);
    let pid = child.id();
    wait_until("the run to end", || {
        !std::path::Path::new(&format!("/proc/{pid}/status")).exists() || {
            std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default().contains("State:\tZ")
        }
    });
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{err}");
    assert!(err.contains("db: interrupted while waiting for its checks; the next run verifies it"), "{err}");
    // The next run verifies it (it is up now), without restoring it again.
    std::fs::write(dir.path().join("db.up"), "").unwrap();
    let (code, report) = run_json(&plan, &[]);
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(state_of(&report, "db"), "online");
    assert_eq!(report["services"][0]["attempts"], 1, "verified, not restored again");
}

/// Text from the plan reaches the terminal as text: escape sequences are shown, not obeyed.
#[test]
fn escape_sequences_in_plan_text_are_shown_not_obeyed() {
    let dir = tempfile::tempdir().unwrap();
    let body = "[[service]]\nid = \"switch\"\nwait_timeout = \"1s\"\n[service.restore]\nmanual = \"Power-cycle it\\u001b[2J\\u001b[31m now\"\n";
    let plan = plan_in(dir.path(), body);
    let out = restorectl().args(["run", "--progress", "plain"]).arg(&plan).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains('\u{1b}'), "{err:?}");
    assert!(
        err.contains("switch: waiting for the operator: Power-cycle it\\u{1b}[2J\\u{1b}[31m now"),
        "{err}"
    );
}

/// A state directory that cannot be read is said to be unreadable, never "nothing has run".
#[test]
fn unreadable_state_is_reported_as_unreadable() {
    let dir = tempfile::tempdir().unwrap();
    let plan = plan_in(dir.path(), SIGNOFF);
    let not_a_folder = dir.path().join("plan.toml");
    for args in [&["history"][..], &["announce"], &["report"]] {
        let out = restorectl().args(args).arg("--state").arg(&not_a_folder).arg(&plan).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.starts_with(&format!(
                "error: cannot read the journal {}/journal.jsonl: Not a directory",
                not_a_folder.display()
            )),
            "{args:?}: {err}"
        );
    }
}

/// A child process gets the basics, its own `env` and the variables its `${env:…}` name — not
/// every secret of restorectl's environment — unless it says `inherit_env = true`.
#[test]
fn children_get_only_the_variables_they_name() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display();
    let service = |id: &str, extra: &str| {
        format!(
            "[[service]]\nid = \"{id}\"\n[[service.check]]\ncommand = [\"test\", \"-f\", \"{d}/{id}.up\"]\ninterval = \"50ms\"\n\
             [service.restore]\ncommand = [\"sh\", \"-c\", \"env > {d}/{id}.env; touch {d}/{id}.up\"]\n{extra}"
        )
    };
    let plan = plan_in(
        dir.path(),
        &format!(
            "{}{}{}",
            service("plain", ""),
            service("named", "env = { PGPASSWORD = \"${env:DB_PASS}\" }\n"),
            service("all", "inherit_env = true\n")
        ),
    );
    let out = restorectl()
        .args(["run", "--progress", "none"])
        .arg(&plan)
        .env("UNRELATED_SECRET", "hunter2-very-secret")
        .env("DB_PASS", "s3cr3t-pass")
        .env("HOME", "/root")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let env = |id: &str| std::fs::read_to_string(dir.path().join(format!("{id}.env"))).unwrap();
    assert!(!env("plain").contains("UNRELATED_SECRET"), "{}", env("plain"));
    assert!(!env("plain").contains("DB_PASS"));
    assert!(env("plain").contains("HOME=/root") && env("plain").contains("PATH="), "the basics are there");
    assert!(env("named").contains("PGPASSWORD=s3cr3t-pass\n"), "{}", env("named"));
    assert!(env("named").contains("DB_PASS=s3cr3t-pass\n"), "what its placeholders name");
    assert!(!env("named").contains("UNRELATED_SECRET"));
    assert!(env("all").contains("UNRELATED_SECRET=hunter2-very-secret"));
}

/// A full disk while a run publishes: no update is recorded as told without its text; what could
/// not be written is written once there is room again.
#[test]
fn a_full_disk_during_a_run_loses_no_update_text() {
    let dir = tempfile::tempdir().unwrap();
    let announce = dir.path().join("announcements");
    std::fs::create_dir_all(&announce).unwrap();
    let mounted = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=256k", "tmpfs"])
        .arg(&announce)
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        eprintln!("skipped: mounting a small tmpfs needs root (CI runs as root)");
        return;
    }
    struct Unmount<'a>(&'a std::path::Path);
    impl Drop for Unmount<'_> {
        fn drop(&mut self) {
            let _ = std::process::Command::new("umount").arg(self.0).status();
        }
    }
    let _unmount = Unmount(&announce);
    let d = dir.path().display();
    // Four customer-facing services back one after another, each its own update.
    let mut body = String::from("[announce]\npublish = \"auto\"\nbatch_window = \"0s\"\n");
    let mut before = String::new();
    for id in ["mail", "billing", "portal", "phones"] {
        body += &format!(
            "[[service]]\nid = \"{id}\"\nname = \"{id}\"\n{before}[[service.check]]\ncommand = [\"test\", \"-f\", \"{d}/{id}.up\"]\ninterval = \"50ms\"\n\
             [service.restore]\ncommand = [\"sh\", \"-c\", \"sleep 0.6; touch {d}/{id}.up\"]\n"
        );
        before = format!("depends_on = [\"{id}\"]\n");
    }
    let plan = plan_in(dir.path(), &body);
    let child = spawn_run(&plan, &["--announce-dir", announce.to_str().unwrap()]);
    let record = announce.join("announced.jsonl");
    wait_until("the first update", || {
        std::fs::read_to_string(&record).unwrap_or_default().contains("\"update\"")
    });
    // The disk fills up: the next updates cannot be written...
    let filler = announce.join("filler");
    let _ = std::process::Command::new("dd")
        .args(["if=/dev/zero", "bs=4k"])
        .arg(format!("of={}", filler.display()))
        .stderr(std::process::Stdio::null())
        .status();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    // ...until there is room again.
    std::fs::remove_file(&filler).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let told: Vec<u64> = std::fs::read_to_string(&record)
        .unwrap()
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|r| r["record"] == "update")
        .map(|r| r["number"].as_u64().unwrap())
        .collect();
    assert!(told.len() >= 3, "{told:?}");
    let files: Vec<String> = std::fs::read_dir(&announce)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    for n in told {
        let prefix = format!("{n:04}-");
        let texts: Vec<&String> =
            files.iter().filter(|f| f.starts_with(&prefix) && f.ends_with(".md")).collect();
        assert!(!texts.is_empty(), "update {n} is recorded as told but has no text: {files:?}");
        for t in texts {
            assert!(std::fs::metadata(announce.join(t)).unwrap().len() > 0, "{t} is empty");
        }
    }
}

/// The state directory is the tool's: a link planted as its lock or journal is refused (its target
/// untouched), and neither `report -o` nor `--announce-dir` writes over what it keeps.
#[test]
fn planted_links_and_outputs_never_write_over_the_state() {
    let dir = tempfile::tempdir().unwrap();
    let plan = plan_in(dir.path(), &file_service(dir.path(), "db", None));
    let state = dir.path().join(".restorectl/plan");
    std::fs::create_dir_all(&state).unwrap();
    let target = dir.path().join("precious.txt");
    std::fs::write(&target, "do not truncate me").unwrap();
    std::os::unix::fs::symlink(&target, state.join("lock")).unwrap();
    let out = restorectl().arg("run").arg(&plan).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("lock is a symbolic link; the state directory's files never are")
    );
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "do not truncate me");
    std::fs::remove_file(state.join("lock")).unwrap();
    std::os::unix::fs::symlink(&target, state.join("journal.jsonl")).unwrap();
    let out = restorectl().arg("run").arg(&plan).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "do not truncate me");
    std::fs::remove_file(state.join("journal.jsonl")).unwrap();
    // --announce-dir among the state's files; report -o into the announcements.
    let logs = state.join("logs");
    let out = restorectl().args(["run", "--announce-dir"]).arg(&logs).arg(&plan).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("among the journal, logs and evidence"));
    let elsewhere = dir.path().join("updates");
    assert_eq!(run_json(&plan, &["--announce-dir", elsewhere.to_str().unwrap()]).0, Some(0));
    let out = restorectl()
        .args(["report", "--announce-dir"])
        .arg(&elsewhere)
        .arg("-o")
        .arg(elsewhere.join("announced.jsonl"))
        .arg(&plan)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("inside the announcements folder"));
}

/// Sign-offs copied from another run's folder into this run's are not counted: a sign-off is given
/// during the wait, never carried from before it.
#[test]
fn sign_offs_copied_from_an_earlier_run_are_not_counted() {
    let dir = tempfile::tempdir().unwrap();
    let db = file_service(dir.path(), "db", None).replacen(
        "\n[[service.check]]",
        "\napproval = { role = \"sec\" }\nwait_timeout = \"2s\"\n[[service.check]]",
        1,
    );
    let plan = plan_in(dir.path(), &format!("[approvers]\nsec = [\"alice\"]\n{db}"));
    let journal = dir.path().join(".restorectl/plan/journal.jsonl");
    let read = || std::fs::read_to_string(&journal).unwrap_or_default();
    let child = spawn_run(&plan, &[]);
    wait_until("the first wait", || read().contains("waiting_for_approval"));
    assert_eq!(
        restorectl()
            .args(["confirm"])
            .arg(&plan)
            .args(["db", "--by", "alice"])
            .output()
            .unwrap()
            .status
            .code(),
        Some(0)
    );
    assert_eq!(child.wait_with_output().unwrap().status.code(), Some(0));
    let confirm = dir.path().join(".restorectl/plan/confirm");
    let first = std::fs::read_dir(&confirm).unwrap().flatten().next().unwrap().path();
    // Down again: the next run waits for a sign-off; alice's old file is copied into its folder.
    std::fs::remove_file(dir.path().join("db.up")).unwrap();
    let waits = read().matches("waiting_for_approval").count();
    let child = spawn_run(&plan, &[]);
    wait_until("the second wait", || read().matches("waiting_for_approval").count() > waits);
    let second = std::fs::read_dir(&confirm).unwrap().flatten().map(|e| e.path()).find(|p| *p != first);
    let target = second.unwrap_or_else(|| {
        let run = read()
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .rfind(|r| r["run"].is_object())
            .unwrap()["run"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        confirm.join(run)
    });
    std::fs::create_dir_all(target.join("db.approvals")).unwrap();
    for f in std::fs::read_dir(first.join("db.approvals")).unwrap().flatten() {
        std::fs::copy(f.path(), target.join("db.approvals").join(f.file_name())).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "the copy signed nothing: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `--fresh` starts a new journal, never a way past a gate: what was quarantined stays so.
#[test]
fn a_fresh_journal_keeps_the_quarantine() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display();
    let db = file_service(dir.path(), "db", None).replacen(
        "\n[service.restore]",
        &format!("\n[[service.verify]]\nname = \"scan\"\ncommand = [\"sh\", \"-c\", \"test ! -e {d}/infected\"]\n[service.restore]"),
        1,
    );
    let plan = plan_in(dir.path(), &db);
    std::fs::write(dir.path().join("infected"), "").unwrap();
    assert_eq!(run_json(&plan, &[]).0, Some(1));
    let (code, report) = run_json(&plan, &["--fresh"]);
    assert_eq!(code, Some(1), "{report:#}");
    assert_eq!(state_of(&report, "db"), "quarantined");
    assert_eq!(restorectl().arg("status").arg(&plan).output().unwrap().status.code(), Some(1));
}

/// The state directory's folders are its own: one planted as a link is refused, nothing is
/// written through it.
#[test]
fn a_state_folder_planted_as_a_link_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let plan = plan_in(dir.path(), &file_service(dir.path(), "db", None));
    let state = dir.path().join(".restorectl/plan");
    std::fs::create_dir_all(&state).unwrap();
    let elsewhere = dir.path().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    for sub in ["logs", "evidence", "confirm", "announcements"] {
        std::os::unix::fs::symlink(&elsewhere, state.join(sub)).unwrap();
        let out = restorectl().arg("run").arg(&plan).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{sub}");
        assert!(
            String::from_utf8_lossy(&out.stderr)
                .contains("is a symbolic link; the state directory's folders never are"),
            "{sub}"
        );
        std::fs::remove_file(state.join(sub)).unwrap();
    }
    assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 0, "nothing written through a link");
}
