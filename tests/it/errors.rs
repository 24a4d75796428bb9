//! Errors are told in one place, each as `error: …` on stderr with its exit code: what a command
//! cannot do, exactly as people read it.

use crate::support::*;

/// Runs restorectl with `args` (the plan, copied to a fresh folder, replaces `PLAN`): exit code
/// and stderr.
fn fails(args: &[&str]) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("ista.toml");
    std::fs::copy(repo("plans/ista.toml"), &plan).unwrap();
    let args: Vec<String> = args
        .iter()
        .map(|a| if *a == "PLAN" { plan.display().to_string() } else { (*a).to_owned() })
        .collect();
    let out = restorectl().args(&args).env("NO_COLOR", "1").current_dir(dir.path()).output().unwrap();
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn a_head_that_is_not_one_is_refused() {
    let (code, err) = fails(&["journal", "verify", "PLAN", "--head", "abc"]);
    assert_eq!(code, Some(2));
    assert_eq!(err, "error: `--head abc`: a head is 64 hexadecimal digits, as the run reported it\n");
}

#[test]
fn a_key_file_that_cannot_be_read_is_named() {
    let (code, err) = fails(&["journal", "verify", "PLAN", "--verify-key", "/nonexistent/key.pem"]);
    assert_eq!(code, Some(2));
    assert_eq!(err, "error: cannot read /nonexistent/key.pem: No such file or directory (os error 2)\n");
}

#[test]
fn a_locale_the_plan_does_not_speak_is_refused() {
    let (code, err) = fails(&["announce", "PLAN", "--locale", "de"]);
    assert_eq!(code, Some(2));
    assert_eq!(err, "error: `--locale de`: the plan's locales are pl, en\n");
}

#[test]
fn a_review_without_a_name_is_refused() {
    let (code, err) = fails(&["announce", "approve", "PLAN", "1", "--by", " "]);
    assert_eq!(code, Some(2));
    assert_eq!(err, "error: `--by` needs the name of the person deciding\n");
}

#[test]
fn a_plan_that_does_not_load_is_told_with_its_diagnostics_once() {
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("plan.toml");
    std::fs::write(&plan, "[plan]\nname = \"x\"\n[[service]]\nid = \"a\"\ndepends_on = [\"b\"]\n").unwrap();
    for command in [&["graph"][..], &["status"], &["history"], &["run", "--dry-run"]] {
        let out = restorectl().args(command).arg(&plan).env("NO_COLOR", "1").output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{command:?}: {err}");
        assert_eq!(err.matches("is not a valid plan").count(), 1, "{command:?}: {err}");
        let last = err.lines().last().unwrap_or_default();
        assert!(
            last.starts_with(&format!("error: {} is not a valid plan (1 error", plan.display())),
            "{err}"
        );
    }
}
