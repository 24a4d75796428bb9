//! `restorectl … | head -1`: when the reader of stdout goes away, every command ends quietly, the
//! way `git log | head` does: exit 0 or killed by SIGPIPE (141 in a shell), nothing on stderr.

use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::Stdio;

use crate::support::*;

/// Runs `restorectl ARGS` with its stdout closed before it writes anything.
fn with_closed_stdout(args: &[&str]) -> (std::process::ExitStatus, String) {
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("restorectl"))
        .args(args)
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    (out.status, String::from_utf8_lossy(&out.stderr).into_owned())
}

fn quiet(args: &[&str], plan: &Path) {
    let mut args = args.to_vec();
    args.push(plan.to_str().unwrap());
    quiet_args(&args);
}

fn quiet_args(args: &[&str]) {
    let (status, stderr) = with_closed_stdout(args);
    let ended_well = status.code() == Some(0) || status.signal() == Some(libc::SIGPIPE);
    assert!(ended_well, "restorectl {args:?}: {status:?}\n{stderr}");
    assert_eq!(stderr, "", "restorectl {args:?} wrote to stderr");
}

#[test]
fn every_command_that_prints_ends_quietly_on_a_closed_pipe() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Published at once: under review (the default) a live run says on stderr what awaits it.
    let body = format!(
        "[announce]\npublish = \"auto\"\n[[service]]\nid = \"db\"\nname = \"database\"\n[[service.check]]\ncommand = [\"test\", \"-f\", \"{d}/db.up\"]\n[service.restore]\ncommand = [\"touch\", \"{d}/db.up\"]\n",
        d = d.display()
    );
    let plan = plan_in(d, &body);
    let ista = repo("plans/ista.toml");
    for format in ["human", "json"] {
        quiet(&["validate", "--format", format], &ista);
    }
    for format in ["text", "dot", "mermaid", "json"] {
        quiet(&["graph", "--format", format], &ista);
    }
    let state = tempfile::tempdir().unwrap();
    let state = state.path().to_str().unwrap();
    quiet(&["run", "--dry-run", "--progress", "none", "--state", state], &ista);
    quiet(&["run", "--dry-run", "--progress", "none", "--format", "json", "--state", state], &ista);
    quiet(&["run", "--dry-run", "--trials", "50", "--jitter", "0.2", "--state", state], &ista);
    // A live run restores first, and only then finds nobody reading its report.
    quiet(&["run", "--progress", "none"], &plan);
    assert!(d.join("db.up").exists());
    quiet(&["status"], &plan);
    quiet(&["status", "--format", "json"], &plan);
    for format in ["md", "html", "json"] {
        quiet(&["announce", "--format", format], &plan);
    }
    quiet_args(&["schema"]);
    quiet_args(&["completions", "bash"]);
    quiet_args(&["man"]);
    quiet_args(&["--help"]);
    quiet_args(&["run", "--help"]);
}
