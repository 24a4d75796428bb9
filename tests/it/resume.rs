//! A run killed with `kill -9` while restores are under way: the next run takes over what the dead
//! one left running, waits for it, verifies it like its own, and never starts a restore twice,
//! even when the restore script starts a daemon and exits before the daemon listens.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::support::*;

/// A free TCP port on 127.0.0.1 (bound, then let go).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A service restored by a script that says it starts, sleeps `sleep` seconds, then starts a
/// daemon in the background (`restorectl demo-service`, which waits `warmup` seconds before it
/// listens) and exits at once. Its check is the daemon's port. Each run of the script is a line
/// in `<dir>/runs`; the daemon's pid goes to `<dir>/<id>.pid`.
fn daemon_service(
    dir: &Path,
    id: &str,
    deps: &[&str],
    port: u16,
    sleep: f64,
    warmup: f64,
    extra: &str,
) -> String {
    let d = dir.display();
    let deps: Vec<String> = deps.iter().map(|d| format!("\"{d}\"")).collect();
    format!(
        r#"
[[service]]
id = "{id}"
name = "{id}"
depends_on = [{deps}]
{extra}
[[service.check]]
tcp = "127.0.0.1:{port}"
interval = "100ms"
timeout = "1s"
# Its own daemon's, not a port another test's daemon happened to take after it was picked.
[[service.check]]
command = ["test", "-f", "{d}/{id}.pid"]
interval = "100ms"
[service.restore]
command = ["sh", "-c", "echo restoring {id}; echo {id} >> {d}/runs; sleep {sleep}; nohup \"$RESTORECTL\" demo-service --port {port} --warmup {warmup} --lifetime 60 >/dev/null 2>&1 & echo $! > {d}/{id}.pid; exit 0"]
timeout = "20s"
"#,
        deps = deps.join(", ")
    )
}

/// A service restored by `sh -c SCRIPT` (each run of it a line in `<dir>/runs`) and checked by
/// `test -f <dir>/<id>.up`; `restore` adds keys to its restore table.
fn file_service(dir: &Path, id: &str, script: &str, restore: &str) -> String {
    format!(
        "[[service]]\nid = \"{id}\"\nname = \"{id}\"\n[[service.check]]\ncommand = [\"test\", \"-f\", \"{d}/{id}.up\"]\ninterval = \"100ms\"\n[service.restore]\ncommand = [\"sh\", \"-c\", \"echo {id} >> {d}/runs; {script}\"]\n{restore}\n",
        d = dir.display()
    )
}

/// The journal an earlier run (`0001`) of the plan left in `<dir>/.restorectl`: its header, then
/// `events`, one a line. Returns the state directory.
fn earlier_run(dir: &Path, events: &[&str]) -> std::path::PathBuf {
    let state = dir.join(".restorectl/plan");
    std::fs::create_dir_all(&state).unwrap();
    let header = r#"{"v":1,"time":"2026-01-01T00:00:00Z","run":{"id":"0001","plan":"Run test","pid":1,"dry_run":false,"fingerprints":{}}}"#;
    let records: Vec<&str> = std::iter::once(header).chain(events.iter().copied()).collect();
    std::fs::write(state.join("journal.jsonl"), chained(&records)).unwrap();
    state
}

/// A plan whose service `id` is restored by a script that starts `sleep` in the background and
/// waits for it (restore timeout `timeout`); a run of it, killed with `kill -9` once the restore
/// runs. Returns the plan and the pid of the `sleep` left running.
fn left_running(d: &Path, id: &str, timeout: &str) -> (std::path::PathBuf, u32) {
    let script = format!("sleep 120 & echo $! > {}/child; wait", d.display());
    let plan = plan_in(d, &file_service(d, id, &script, &format!("timeout = \"{timeout}\"")));
    let mut child = spawn_run(&plan, &[]);
    wait_for(&d.join("child"), "the restore to start");
    signal(&child, libc::SIGKILL);
    child.wait().unwrap();
    let sleeper = read_pid(&d.join("child"));
    (plan, sleeper)
}

/// `svc`'s first restore attempt began.
const STARTED: &str =
    r#"{"v":1,"time":"2026-01-01T00:00:01Z","event":"action_started","service":"svc","attempt":1,"at":0.0}"#;

fn runs(dir: &Path, id: &str) -> usize {
    std::fs::read_to_string(dir.join("runs")).unwrap_or_default().lines().filter(|l| *l == id).count()
}

/// Kills the daemons the restore scripts left behind when a test ends.
struct Daemons<'a>(&'a Path, &'a [&'a str]);

impl Drop for Daemons<'_> {
    fn drop(&mut self) {
        for id in self.1 {
            if let Some(pid) = std::fs::read_to_string(self.0.join(format!("{id}.pid")))
                .ok()
                .and_then(|p| p.trim().parse::<i32>().ok())
            {
                // SAFETY: kill(2) of a process this test started.
                unsafe { libc::kill(pid, libc::SIGKILL) };
            }
        }
    }
}

fn journal(dir: &Path) -> String {
    std::fs::read_to_string(dir.join(".restorectl/plan/journal.jsonl")).unwrap_or_default()
}

fn count(text: &str, needle: &str) -> usize {
    text.matches(needle).count()
}

#[test]
fn a_restore_left_running_by_a_killed_run_is_waited_for_and_verified_never_run_again() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let _daemons = Daemons(d, &["db"]);
    let port = free_port();
    let plan = plan_in(d, &daemon_service(d, "db", &[], port, 2.0, 1.0, ""));
    let mut child = spawn_run(&plan, &[]);
    // Killed once its pid is journaled (a kill before that is another test's case).
    wait_until("the restore to start", || {
        runs(d, "db") == 1 && journal(d).contains(r#""event":"process_spawned""#)
    });
    signal(&child, libc::SIGKILL);
    child.wait().unwrap();
    // The next run, at once, while the script still sleeps.
    let out =
        restorectl().args(["run", "--progress", "plain", "--format", "json"]).arg(&plan).output().unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{log}");
    let pid = journal(d)
        .lines()
        .find(|l| l.contains(r#""event":"process_spawned""#))
        .and_then(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .and_then(|v| v["pid"].as_u64())
        .expect("the first run journaled the restore's pid");
    assert!(
        log.contains(&format!("db: waiting for the restore left running by an earlier run (pid {pid})")),
        "{log}"
    );
    assert_eq!(runs(d, "db"), 1, "the restore ran twice");
    let journal = journal(d);
    assert_eq!(count(&journal, r#""event":"process_spawned""#), 1, "{journal}");
    assert_eq!(count(&journal, r#""event":"adopted""#), 1, "{journal}");
    // Verified like its own restore: the daemon listened only after the script exited.
    assert_eq!(state_of(&json(&out.stdout), "db"), "online");
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_ok());
}

#[test]
fn an_orphan_still_running_at_the_restore_timeout_is_killed_with_its_group_and_the_attempt_fails() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (plan, sleeper) = left_running(d, "stuck", "2s");
    assert!(restorectl::process::alive(sleeper, None));
    let out =
        restorectl().args(["run", "--progress", "plain", "--format", "json"]).arg(&plan).output().unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{log}");
    assert!(
        log.contains("stuck: FAILED (attempt 1 of 1): the restore left running by an earlier run (pid ")
            && log.contains(") was still running after 2s; its process group was killed"),
        "{log}"
    );
    wait_until("the orphan's group to die", || !restorectl::process::alive(sleeper, None));
    assert_eq!(runs(d, "stuck"), 1, "the restore was started again");
}

#[test]
fn a_journaled_pid_now_used_by_another_process_is_neither_waited_for_nor_killed() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("svc.up"), "").unwrap();
    let plan = plan_in(d, &file_service(d, "svc", "true", "timeout = \"1h\""));
    // An unrelated process holds the pid the journal names, with other start ticks.
    let mut stranger = std::process::Command::new("sleep").arg("60").spawn().unwrap();
    let ticks = restorectl::process::start_ticks(stranger.id()).unwrap();
    let spawned = format!(
        r#"{{"v":1,"time":"2026-01-01T00:00:01Z","event":"process_spawned","service":"svc","attempt":1,"at":0.0,"pid":{},"start_ticks":{}}}"#,
        stranger.id(),
        ticks + 1
    );
    earlier_run(d, &[STARTED, &spawned]);
    let out =
        restorectl().args(["run", "--progress", "plain", "--format", "json"]).arg(&plan).output().unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{log}");
    assert!(!log.contains("waiting for the restore left running"), "{log}");
    assert_eq!(count(&journal(d), r#""event":"adopted""#), 0);
    assert_eq!(runs(d, "svc"), 0, "the earlier attempt's result was verified, not run again");
    assert!(stranger.try_wait().unwrap().is_none(), "an unrelated process was killed");
    stranger.kill().unwrap();
    stranger.wait().unwrap();
}

/// Twenty runs killed at random moments, each followed by a run that finishes the work: every
/// restore, daemonizing or not, ran exactly once.
#[test]
fn kill_9_at_random_moments_never_runs_a_restore_twice() {
    let seeds: Vec<u64> = (1..=20).collect();
    std::thread::scope(|scope| {
        for chunk in seeds.chunks(5) {
            scope.spawn(move || chunk.iter().for_each(|&seed| one_random_kill(seed)));
        }
    });
}

fn one_random_kill(seed: u64) {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let _daemons = Daemons(d, &["db", "app"]);
    let (db, app) = (free_port(), free_port());
    let mut body = daemon_service(d, "db", &[], db, 0.3, 0.3, "");
    body += &daemon_service(d, "app", &["db"], app, 0.2, 0.2, "");
    body += &format!(
        "\n[[service]]\nid = \"web\"\nname = \"web\"\ndepends_on = [\"app\"]\n[[service.check]]\ncommand = [\"test\", \"-f\", \"{d}/web.up\"]\ninterval = \"100ms\"\n[service.restore]\ncommand = [\"sh\", \"-c\", \"echo web >> {d}/runs; touch {d}/web.up\"]\n",
        d = d.display()
    );
    let plan = plan_in(d, &body);
    // A kill somewhere in the first 2.5 s: before, during or after any of the three restores.
    let kill_after = Duration::from_millis(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) % 2500);
    let mut child = spawn_run(&plan, &[]);
    std::thread::sleep(kill_after);
    signal(&child, libc::SIGKILL);
    child.wait().unwrap();
    let out =
        restorectl().args(["run", "--progress", "plain", "--format", "json"]).arg(&plan).output().unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "seed {seed}, killed after {kill_after:?}: {log}");
    for id in ["db", "app", "web"] {
        assert_eq!(
            runs(d, id),
            1,
            "seed {seed}, killed after {kill_after:?}: {id} restored {} times\n{log}",
            runs(d, id)
        );
    }
}

/// A dead run (`0001`) of a plan whose `svc` is restored by `touch svc.up`, that had started the
/// restore `action` (a script that ends by doing the same, in its own group, `setup` applied to
/// its command): the plan, the state directory and the running action.
fn dead_runs_action(
    d: &Path,
    sleep: &str,
    setup: impl FnOnce(&mut std::process::Command, &Path),
) -> (PathBuf, PathBuf, std::process::Child) {
    use std::os::unix::process::CommandExt;
    let plan =
        plan_in(d, &file_service(d, "svc", &format!("touch {}/svc.up", d.display()), "timeout = \"1m\""));
    let state = earlier_run(d, &[STARTED]);
    std::fs::create_dir_all(state.join("logs/0001")).unwrap();
    let mut action = std::process::Command::new("sh");
    action.args(["-c", &format!("sleep {sleep}; touch {}/svc.up", d.display())]).process_group(0);
    setup(&mut action, &state);
    (plan, state, action.spawn().unwrap())
}

/// The next run waits for the dead run's `action` and verifies it, never starting the restore again.
fn taken_over_not_restarted(d: &Path, plan: &Path, mut action: std::process::Child) {
    let out =
        restorectl().args(["run", "--progress", "plain", "--format", "json"]).arg(plan).output().unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{log}");
    let waited = format!("svc: waiting for the restore left running by an earlier run (pid {})", action.id());
    assert!(log.contains(&waited), "{log}");
    assert_eq!(runs(d, "svc"), 0, "the restore was started a second time");
    assert_eq!(state_of(&json(&out.stdout), "svc"), "online");
    action.wait().unwrap();
}

/// The run was killed after journaling that the restore starts, before journaling its pid: the
/// marker the action was born with (`RESTORECTL_ACTION=<state dir>:<run>/<service>/<attempt>`)
/// leads the next run to it.
#[test]
fn a_restore_started_just_before_the_kill_is_found_by_its_marker() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // The action the dead run had started: still at work, in its own group, marked as attempt 1.
    let (plan, _, action) = dead_runs_action(d, "1", |action, state| {
        action.env("RESTORECTL_ACTION", format!("{}:0001/svc/1", state.canonicalize().unwrap().display()));
    });
    taken_over_not_restarted(d, &plan, action);
}

/// Killed after the action was spawned and its pid noted, before the journal held the pid: an
/// action that replaced its environment (`env -i`, a setuid program whose environment nobody else
/// may read) carries no readable marker, but the pid the run noted at once leads the next run to
/// it; and `run --fresh` is refused while it runs, as for a journaled pid.
#[test]
fn a_restore_noted_just_before_the_kill_is_found_without_its_marker() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // The action, at work in its own group, with nothing of restorectl's in its environment.
    let (plan, state, action) = dead_runs_action(d, "1.5", |action, _| {
        action.env_clear();
    });
    let ticks = restorectl::process::start_ticks(action.id()).unwrap();
    let pids = format!("{}other/1 1 1\nsvc/1 {} {ticks}\n", restorectl::process::PIDS_HEADER, action.id());
    std::fs::write(state.join("logs/0001/pids"), pids).unwrap();
    let fresh = restorectl().args(["run", "--fresh"]).arg(&plan).output().unwrap();
    assert_eq!(fresh.status.code(), Some(2));
    let err = String::from_utf8_lossy(&fresh.stderr);
    let refused = format!(
        "error: not starting afresh: restores left running by an earlier run are still running: svc (pid {})",
        action.id()
    );
    assert!(err.starts_with(&refused), "{err}");
    taken_over_not_restarted(d, &plan, action);
}

/// The run noted the action's pid, then was killed; the action ended while no run watched (its
/// work done, its exit status lost). The next run does not start it again: its checks decide.
#[test]
fn a_noted_restore_that_ended_unwatched_is_not_started_again() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let plan = plan_in(d, &file_service(d, "svc", &format!("touch {}/svc.up", d.display()), ""));
    let state = earlier_run(d, &[STARTED]);
    std::fs::create_dir_all(state.join("logs/0001")).unwrap();
    let mut action = std::process::Command::new("true").spawn().unwrap();
    let ticks = restorectl::process::start_ticks(action.id()).unwrap_or(1);
    action.wait().unwrap();
    std::fs::write(d.join("svc.up"), "").unwrap();
    let pids = format!("{}svc/1 {} {ticks}\n", restorectl::process::PIDS_HEADER, action.id());
    std::fs::write(state.join("logs/0001/pids"), pids).unwrap();
    let (code, report) = run_json(&plan, &[]);
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(runs(d, "svc"), 0, "the restore was started a second time");
    assert_eq!(state_of(&report, "svc"), "online");
}

/// The action the dead run started had left a daemon behind (`setsid`: a session of its own)
/// and ended: the daemon carries the action's marker, but it is not the action, so the next run
/// neither waits for it nor kills it; the checks decide.
#[test]
fn a_daemon_left_by_the_action_is_not_taken_for_the_action() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let plan =
        plan_in(d, &file_service(d, "svc", &format!("touch {}/svc.up", d.display()), "timeout = \"1m\""));
    let state = earlier_run(d, &[STARTED]);
    std::fs::write(d.join("svc.up"), "").unwrap();
    let mut daemon = std::process::Command::new("setsid")
        .args(["sleep", "60"])
        .env("RESTORECTL_ACTION", format!("{}:0001/svc/1", state.canonicalize().unwrap().display()))
        .spawn()
        .unwrap();
    wait_until("the daemon to lead its session", || {
        std::fs::read_to_string(format!("/proc/{}/stat", daemon.id())).is_ok_and(|s| {
            s.rsplit_once(')').unwrap().1.split_whitespace().nth(3) == Some(&daemon.id().to_string())
        })
    });
    let out =
        restorectl().args(["run", "--progress", "plain", "--format", "json"]).arg(&plan).output().unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{log}");
    assert!(!log.contains("waiting for the restore left running"), "{log}");
    // Its checks pass: what the action did is back, and nothing is started again.
    assert_eq!(state_of(&json(&out.stdout), "svc"), "already_online");
    assert!(daemon.try_wait().unwrap().is_none(), "the daemon was killed");
    daemon.kill().unwrap();
    daemon.wait().unwrap();
}

#[test]
fn a_restore_journaled_as_starting_without_a_marked_process_never_started_and_runs_now() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let plan = plan_in(d, &file_service(d, "svc", &format!("touch {}/svc.up", d.display()), ""));
    earlier_run(d, &[STARTED]);
    let (code, report) = run_json(&plan, &[]);
    assert_eq!(code, Some(0));
    assert_eq!(runs(d, "svc"), 1);
    assert_eq!(state_of(&report, "svc"), "online");
}

/// A kill in the middle of writing a record leaves a torn last line, here cut inside a
/// character: the next run still reads every record after it and starts on a line of its own.
#[test]
fn a_torn_journal_line_hides_nothing_from_the_runs_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let _daemons = Daemons(d, &["db"]);
    let port = free_port();
    let plan = plan_in(d, &daemon_service(d, "db", &[], port, 1.5, 0.2, ""));
    let state = earlier_run(d, &[]);
    let mut torn = std::fs::read(state.join("journal.jsonl")).unwrap();
    torn.extend_from_slice(r#"{"v":1,"event":"waiting_for_operator","instruction":"sign-off "#.as_bytes());
    torn.extend_from_slice(&"—".as_bytes()[..2]);
    std::fs::write(state.join("journal.jsonl"), torn).unwrap();
    let mut child = spawn_run(&plan, &[]);
    wait_until("the restore to start", || runs(d, "db") == 1);
    std::thread::sleep(Duration::from_millis(300));
    signal(&child, libc::SIGKILL);
    child.wait().unwrap();
    let out =
        restorectl().args(["run", "--progress", "plain", "--format", "json"]).arg(&plan).output().unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{log}");
    assert!(log.contains("db: waiting for the restore left running by an earlier run"), "{log}");
    assert_eq!(runs(d, "db"), 1, "the restore ran twice");
    let text = std::fs::read(state.join("journal.jsonl")).unwrap();
    let lines: Vec<&[u8]> = text.split(|&b| b == b'\n').filter(|l| !l.is_empty()).collect();
    assert!(
        lines[1..].iter().all(|l| serde_json::from_slice::<serde_json::Value>(l).is_ok()),
        "a torn line remains"
    );
}

/// A second Ctrl-C kills a restore taken over from an earlier run too; its failure names the
/// earlier run's log, where its output is.
#[test]
fn a_taken_over_restore_is_killed_by_a_second_ctrl_c_and_named_by_its_own_log() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (plan, sleeper) = left_running(d, "slow", "1h");
    let earlier =
        std::fs::read_dir(d.join(".restorectl/plan/logs")).unwrap().next().unwrap().unwrap().file_name();
    let second = spawn_run(&plan, &[]);
    wait_until("the second run to take the restore over", || journal(d).contains(r#""event":"adopted""#));
    signal(&second, libc::SIGINT);
    std::thread::sleep(Duration::from_millis(300));
    signal(&second, libc::SIGINT);
    let out = second.wait_with_output().unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{log}");
    wait_until("the taken-over restore to die", || !restorectl::process::alive(sleeper, None));
    let killed = journal(d)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v["event"] == "action_finished" && v["detail"] == "killed (interrupted)")
        .expect("the kill is journaled");
    let expected = d.join(".restorectl/plan/logs").join(&earlier).join("slow.1.log");
    assert_eq!(killed["log"], expected.display().to_string());
    assert!(expected.exists());
    assert_eq!(runs(d, "slow"), 1);
}

#[test]
fn a_fresh_start_is_refused_while_an_earlier_runs_restore_still_runs() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let plan = plan_in(d, &file_service(d, "slow", &format!("sleep 2; touch {}/slow.up", d.display()), ""));
    let mut first = spawn_run(&plan, &[]);
    wait_until("the restore to start", || runs(d, "slow") == 1);
    std::thread::sleep(Duration::from_millis(200));
    signal(&first, libc::SIGKILL);
    first.wait().unwrap();
    let out = restorectl().args(["run", "--fresh"]).arg(&plan).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("error: not starting afresh: restores left running by an earlier run are still running: slow (pid "),
        "{err}"
    );
    let (code, _) = run_json(&plan, &[]);
    assert_eq!(code, Some(0));
    assert_eq!(runs(d, "slow"), 1);
}
