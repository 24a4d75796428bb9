//! `restorectl status` against real local servers, ports and processes.

use std::time::{Duration, Instant};

use crate::server::TestServer;
use crate::support::*;

fn service(id: &str, check: &str) -> String {
    service_after(id, &[], check)
}

fn service_after(id: &str, deps: &[&str], check: &str) -> String {
    let deps: Vec<String> = deps.iter().map(|d| format!("\"{d}\"")).collect();
    format!(
        "[[service]]\nid = \"{id}\"\nname = \"{id}\"\ndepends_on = [{}]\n[[service.check]]\n{check}\ntimeout = \"1s\"\n",
        deps.join(", ")
    )
}

fn status_json(p: &PlanDir, extra: &[&str]) -> (Option<i32>, serde_json::Value) {
    let out = restorectl().args(["status", "--format", "json"]).args(extra).arg(&p.plan).output().unwrap();
    (out.status.code(), json(&out.stdout))
}

fn by_id<'a>(report: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    report["services"].as_array().unwrap().iter().find(|s| s["id"] == id).unwrap_or_else(|| panic!("no {id}"))
}

#[test]
fn every_kind_of_check_reports_its_state_and_detail() {
    let srv = TestServer::start();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let mut plan = String::from("[plan]\nname = \"Checks\"\n");
    for (id, check) in [
        ("ok", format!("http = \"{}\"", srv.url("/ok"))),
        ("redirected", format!("http = \"{}\"", srv.url("/redirect"))),
        ("server-error", format!("http = \"{}\"", srv.url("/fail"))),
        ("expected-500", format!("http = \"{}\"\nexpect_status = [500]", srv.url("/fail"))),
        ("slow", format!("http = \"{}\"", srv.url("/slow"))),
        ("silent", format!("http = \"http://{}/\"", srv.hang_addr)),
        ("body-mismatch", format!("http = \"{}\"\nbody_contains = \"ok\"", srv.url("/body"))),
        ("body-regex", format!("http = \"{}\"\nbody_regex = \"^hello w.rld$\"", srv.url("/body"))),
        ("huge-body", format!("http = \"{}\"\nbody_contains = \"needle\"", srv.url("/huge"))),
        ("redirect-loop", format!("http = \"{}\"", srv.url("/loop"))),
        ("self-signed", format!("http = \"https://{}/\"", srv.tls_addr)),
        ("self-signed-allowed", format!("http = \"https://{}/\"\ninsecure_tls = true", srv.tls_addr)),
        ("tcp-open", format!("tcp = \"{}\"", srv.addr)),
        ("tcp-closed", format!("tcp = \"{closed}\"")),
        ("cmd-ok", "command = [\"true\"]".to_owned()),
        ("cmd-fails", "command = [\"sh\", \"-c\", \"echo disk full >&2; exit 1\"]".to_owned()),
        (
            "cmd-stdout",
            "command = [\"echo\", \"accepting connections\"]\nstdout_contains = \"accepting\"".to_owned(),
        ),
        ("cmd-missing", "command = [\"/nonexistent/pg_isready\"]".to_owned()),
    ] {
        plan.push_str(&service(id, &check));
    }
    let p = plan_file(&plan);
    let (code, report) = status_json(&p, &[]);
    assert_eq!(code, Some(1));
    let expect = [
        ("ok", "healthy", "HTTP 200"),
        ("redirected", "healthy", "HTTP 200"),
        ("server-error", "down", "HTTP 500 (expected 2xx)"),
        ("expected-500", "healthy", "HTTP 500"),
        ("slow", "down", "timed out after 1s"),
        ("silent", "down", "timed out after 1s"),
        ("body-mismatch", "down", "HTTP 200, but the body does not contain `ok`"),
        ("body-regex", "healthy", "HTTP 200"),
        // Only the first MiB is read: the needle at the end of 5 MiB is never seen.
        ("huge-body", "down", "HTTP 200, but the body does not contain `needle`"),
        ("redirect-loop", "down", "more than 5 redirects"),
        (
            "self-signed",
            "down",
            "TLS certificate not trusted (for a self-signed endpoint set `insecure_tls = true`)",
        ),
        ("self-signed-allowed", "healthy", "HTTP 200"),
        ("tcp-open", "healthy", &format!("connected to {}", srv.addr)),
        ("tcp-closed", "down", &format!("{closed}: connection refused")),
        ("cmd-ok", "healthy", "exit 0"),
        ("cmd-fails", "down", "exit 1 (expected 0): disk full"),
        ("cmd-stdout", "healthy", "exit 0"),
        (
            "cmd-missing",
            "down",
            "cannot run `/nonexistent/pg_isready`: No such file or directory (os error 2)",
        ),
    ];
    for (id, state, detail) in expect {
        let s = by_id(&report, id);
        assert_eq!(s["state"], state, "{id}: {s:#}");
        assert_eq!(s["checks"][0]["detail"], detail, "{id}");
        assert_eq!(s["healthy"], state == "healthy", "{id}");
    }
    assert_eq!(report["healthy"], false);
}

#[test]
fn all_healthy_exits_zero() {
    let srv = TestServer::start();
    let p = plan_file(&format!(
        "[plan]\nname = \"Up\"\n{}",
        service("web", &format!("http = \"{}\"", srv.url("/ok")))
    ));
    let (code, report) = status_json(&p, &[]);
    assert_eq!(code, Some(0));
    assert_eq!(report["counts"]["healthy"], 1);
}

#[test]
fn a_hanging_command_is_killed_with_its_whole_process_group() {
    let dir = tempfile::tempdir().unwrap();
    let pidfile = dir.path().join("grandchild.pid");
    let script = format!("sleep 300 & echo $! > {}; wait", pidfile.display());
    let p = plan_file(&format!(
        "[plan]\nname = \"Hang\"\n{}",
        service("hang", &format!("command = [\"sh\", \"-c\", \"{script}\"]"))
    ));
    let (code, report) = status_json(&p, &[]);
    assert_eq!(code, Some(1));
    assert_eq!(by_id(&report, "hang")["checks"][0]["detail"], "timed out after 1s (process group killed)");
    let pid: i32 = std::fs::read_to_string(&pidfile).unwrap().trim().parse().unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    // The grandchild must be gone (or a zombie waiting for init to reap it), not left sleeping.
    while alive(pid) {
        assert!(Instant::now() < deadline, "grandchild {pid} survived the timeout");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn alive(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !stat.rsplit(')').next().unwrap_or_default().trim_start().starts_with('Z'),
        Err(_) => false,
    }
}

#[test]
fn hanging_endpoints_never_delay_status_beyond_their_timeout() {
    let srv = TestServer::start();
    let mut plan = String::from("[plan]\nname = \"Fifty\"\n");
    for i in 0..50 {
        let check = if i % 5 == 0 {
            format!("http = \"http://{}/hang{i}\"", srv.hang_addr)
        } else {
            format!("http = \"{}\"", srv.url(&format!("/health/s{i}")))
        };
        plan.push_str(&service(&format!("s{i}"), &check));
    }
    let p = plan_file(&plan);
    let (code, report) = status_json(&p, &[]);
    assert_eq!(code, Some(1));
    assert_eq!(report["counts"]["down"], 10);
    assert_eq!(report["counts"]["healthy"], 40);
    // Each hanging endpoint was given up at its own timeout, not waited for.
    let hung: Vec<&serde_json::Value> =
        report["services"].as_array().unwrap().iter().filter(|s| s["state"] == "down").collect();
    for s in hung {
        let detail = s["checks"][0]["detail"].as_str().unwrap();
        assert!(detail.contains("timed out after 1s"), "{s:#}");
    }
}

#[test]
fn down_dependencies_point_at_the_root_cause() {
    let srv = TestServer::start();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let p = plan_file(&format!(
        "[plan]\nname = \"Roots\"\n{}{}{}{}",
        service("network", &format!("tcp = \"{closed}\"")),
        service_after("database", &["network"], &format!("http = \"{}\"", srv.url("/fail"))),
        service_after("billing", &["database"], &format!("http = \"{}\"", srv.url("/fail"))),
        service("email", &format!("http = \"{}\"", srv.url("/ok"))),
    ));
    let (code, report) = status_json(&p, &[]);
    assert_eq!(code, Some(1));
    assert_eq!(report["root_causes"], serde_json::json!(["network"]));
    assert_eq!(by_id(&report, "billing")["down_because_of"], "database");
    let out = restorectl().args(["status"]).arg(&p.plan).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("down (dependency network is down)"), "{text}");
    assert!(text.contains("root cause: network (2 more down because of them)"), "{text}");
    assert!(!text.contains('\x1b'), "no colour when not a terminal");
}

#[test]
fn secrets_from_the_environment_never_appear_in_any_output() {
    let srv = TestServer::start();
    let p = plan_file(&format!(
        "[plan]\nname = \"Secrets\"\n{}headers = {{ Authorization = \"Bearer ${{env:API_TOKEN}}\" }}\n{}",
        service("api", &format!("http = \"{}\"", srv.url("/secret"))),
        service("leaky", &format!("http = \"http://{}/?token=${{env:API_TOKEN}}\"", srv.hang_addr)),
    ));
    for format in ["human", "json"] {
        let out = restorectl()
            .env("API_TOKEN", "s3cr3t-t0ken")
            .args(["status", "--format", format])
            .arg(&p.plan)
            .output()
            .unwrap();
        let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert_eq!(out.status.code(), Some(1), "{all}");
        assert!(!all.contains("s3cr3t-t0ken"), "the token leaked:\n{all}");
        if format == "json" {
            let report = json(&out.stdout);
            assert_eq!(by_id(&report, "api")["state"], "healthy", "the header was sent resolved");
        }
    }
}

#[test]
fn a_missing_environment_variable_is_an_input_error_naming_it() {
    let p = plan_file(&format!(
        "[plan]\nname = \"Env\"\n{}headers = {{ Authorization = \"Bearer ${{env:NOT_SET_ANYWHERE}}\" }}\n",
        service("api", "http = \"http://127.0.0.1:9/\"")
    ));
    restorectl().env_remove("NOT_SET_ANYWHERE").arg("status").arg(&p.plan).assert().code(2).stderr(
        "error: environment variable `NOT_SET_ANYWHERE` is not set (used by check 1 of service `api`)\n",
    );
}

#[test]
fn only_probes_the_named_services_and_rejects_unknown_ones() {
    let srv = TestServer::start();
    let p = plan_file(&format!(
        "[plan]\nname = \"Only\"\n{}{}",
        service("web", &format!("http = \"{}\"", srv.url("/health/web"))),
        service("db", &format!("http = \"{}\"", srv.url("/health/db"))),
    ));
    let (code, report) = status_json(&p, &["--only", "web"]);
    assert_eq!(code, Some(0));
    assert_eq!(report["services"].as_array().unwrap().len(), 1);
    assert_eq!((srv.hits("/health/web"), srv.hits("/health/db")), (1, 0));
    restorectl()
        .args(["status", "--only", "wbe"])
        .arg(&p.plan)
        .assert()
        .code(2)
        .stderr("error: `--only wbe`: the plan has no service `wbe`; did you mean `web`?\n");
}

#[test]
fn jobs_must_be_positive() {
    let p = plan_file("[plan]\nname = \"J\"\n[[service]]\nid = \"a\"\n");
    restorectl().args(["status", "--jobs", "0"]).arg(&p.plan).assert().code(2);
}

#[test]
fn watch_reprobes_until_ctrl_c_and_exits_130() {
    let srv = TestServer::start();
    let p = plan_file(&format!(
        "[plan]\nname = \"Watch\"\n{}",
        service("web", &format!("http = \"{}\"", srv.url("/health/w")))
    ));
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("restorectl"))
        .args(["status", "--format", "json", "--watch", "300ms"])
        .arg(&p.plan)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1200));
    // SAFETY: signalling our own child process.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130));
    let snapshots = String::from_utf8_lossy(&out.stdout).lines().filter(|l| l.starts_with('{')).count();
    assert!(snapshots >= 2, "only {snapshots} snapshot(s) in watch mode");
    assert!(srv.hits("/health/w") >= 2);
}
