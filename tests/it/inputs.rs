//! Inputs that could hang a run or exhaust memory are refused at once: a plan that is not a
//! regular file (a device, a pipe, a folder), a plan over the size limit, a check with a NUL byte
//! or an interval of zero; a check whose program cannot run fails its service at once.

use crate::support::*;

/// `restorectl validate PATH`: exit code and stderr.
fn validate(path: &std::path::Path, env: &[(&str, &str)]) -> (Option<i32>, String) {
    let out = restorectl()
        .arg("validate")
        .arg(path)
        .envs(env.iter().copied())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn an_endless_input_is_refused_without_reading_it() {
    // /dev/zero would be read until memory is gone.
    let (code, err) = validate(std::path::Path::new("/dev/zero"), &[]);
    assert_eq!(code, Some(2));
    assert!(err.contains("the plan is not a regular file"), "{err}");
    assert!(err.ends_with("error: /dev/zero is not a valid plan (1 error)\n"), "{err}");
    // A pipe nobody writes to would block the read for ever.
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("plan.toml");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a path we own, as a C string.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let (code, err) = validate(&fifo, &[]);
    assert_eq!(code, Some(2));
    assert!(err.contains("the plan is not a regular file"), "{err}");
    let (code, err) = validate(dir.path(), &[]);
    assert_eq!(code, Some(2));
    assert!(err.contains("the plan is not a regular file"), "{err}");
}

#[test]
fn a_plan_over_the_size_limit_is_refused() {
    let plan = repo("plans/ista.toml");
    let (code, err) = validate(&plan, &[("RESTORECTL_MAX_PLAN_BYTES", "1000")]);
    assert_eq!(code, Some(2));
    assert!(err.contains("× the plan is larger than 1,000 bytes"), "{err}");
    assert!(err.contains("RESTORECTL_MAX_PLAN_BYTES raises the limit"), "{err}");
    // The default limit (64 MiB) is far above the bundled plans.
    assert_eq!(validate(&plan, &[]).0, Some(0));
}

#[test]
fn a_check_whose_program_cannot_run_fails_its_service_at_once() {
    let dir = tempfile::tempdir().unwrap();
    // The default wait for checks is a day: only failing at once ends this test.
    let body = "[[service]]\nid = \"db\"\n[[service.check]]\ncommand = [\"/nonexistent/pg_isready\"]\n\
                [service.restore]\ncommand = [\"true\"]\ntimeout = \"1d\"\n";
    let plan = plan_in(dir.path(), body);
    let (code, report) = run_json(&plan, &[]);
    assert_eq!(code, Some(1), "{report:#}");
    let db = &report["services"][0];
    assert_eq!(db["state"], "failed");
    assert_eq!(db["kind"], "checks");
    assert_eq!(
        db["reason"],
        "a check cannot run (/nonexistent/pg_isready): cannot run `/nonexistent/pg_isready`: No such file or directory (os error 2)"
    );
    assert_eq!(db["attempts"], 1, "no retry can make it run");
}
