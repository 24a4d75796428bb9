//! Child processes the way an incident needs them: argv (or `sh -c` only when asked), their own
//! process group so a timeout kills every descendant, output captured up to a cap.

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::{Child, Command};

use crate::plan::CommandSpec;
use crate::secrets::{Secrets, Unset};

/// Output kept from a command; the rest is read and thrown away so the child never blocks.
pub const OUTPUT_CAP: usize = 64 * 1024;

/// How a command ended.
#[derive(Debug)]
pub struct Finished {
    /// `None` when it was killed at its timeout.
    pub status: Option<ExitStatus>,
    pub stdout: String,
    pub stderr: String,
}

/// Builds the command: argv directly, or the script through `sh -c` when `shell = true`. Every
/// command finds `restorectl` itself on its `PATH` and in `$RESTORECTL`; its program is looked up
/// on that `PATH` once per run, not by every spawn.
pub fn build(spec: &CommandSpec, secrets: &Secrets) -> Result<Command, Unset> {
    let argv: Vec<String> = spec.argv.iter().map(|a| secrets.resolve(a)).collect::<Result<_, _>>()?;
    let own_path = spec.env.iter().any(|(name, _)| name == "PATH");
    let program = if spec.shell { "sh" } else { argv[0].as_str() };
    let mut cmd = match resolved(program).filter(|_| !own_path) {
        Some(path) => {
            let mut c = Command::new(path);
            c.arg0(program);
            c
        }
        None => Command::new(program),
    };
    if spec.shell {
        cmd.arg("-c").arg(argv.join(" "));
    } else {
        cmd.args(&argv[1..]);
    }
    cmd.env_clear().envs(environment_of(spec, secrets)?);
    if let Some(cwd) = &spec.cwd {
        cmd.current_dir(secrets.resolve(cwd)?);
    }
    // A group of its own: on timeout the whole tree goes, not just the shell on top; and a
    // Ctrl-C or crash of restorectl does not take a half-done restore with it.
    cmd.process_group(0).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    Ok(cmd)
}

/// The whole environment a command of the plan runs with: the basics (or, with `inherit_env`,
/// all of restorectl's), the variables its `${env:…}` name, a `PATH` that finds restorectl first,
/// `$RESTORECTL`, and its own `env` — no secret of restorectl's environment that it does not name.
pub fn environment_of(spec: &CommandSpec, secrets: &Secrets) -> Result<Vec<(OsString, OsString)>, Unset> {
    let mut vars: Vec<(OsString, OsString)> =
        if spec.inherit_env { std::env::vars_os().collect() } else { basics().collect() };
    if !spec.inherit_env {
        let named = spec.argv.iter().chain(spec.env.iter().map(|(_, v)| v)).chain(&spec.cwd);
        for name in named.flat_map(|t| t.vars()) {
            vars.extend(secrets.value(name).map(|v| (name.into(), v.into())));
        }
    }
    let env = environment();
    vars.push(("PATH".into(), env.path.clone()));
    vars.extend(env.exe.as_ref().map(|exe| ("RESTORECTL".into(), exe.into())));
    for (name, value) in &spec.env {
        vars.push((name.into(), secrets.resolve(value)?.into()));
    }
    Ok(vars)
}

/// The variables every program expects and no secret is kept in: passed to every command.
fn basics() -> impl Iterator<Item = (OsString, OsString)> {
    const BASICS: &[&str] = &["HOME", "USER", "LOGNAME", "SHELL", "LANG", "LANGUAGE", "TERM", "TZ", "TMPDIR"];
    std::env::vars_os().filter(|(k, _)| {
        let k = k.to_string_lossy();
        BASICS.contains(&k.as_ref()) || k.starts_with("LC_")
    })
}

/// What every command's environment adds: our own binary, first on the `PATH`.
struct Environment {
    exe: Option<PathBuf>,
    path: OsString,
}

fn environment() -> &'static Environment {
    static ENV: OnceLock<Environment> = OnceLock::new();
    ENV.get_or_init(|| {
        let exe = std::env::current_exe().ok();
        let inherited = std::env::var_os("PATH").unwrap_or_default();
        let dirs = exe.as_deref().and_then(Path::parent).map(Path::to_path_buf).into_iter();
        let path = std::env::join_paths(dirs.chain(std::env::split_paths(&inherited))).unwrap_or(inherited);
        Environment { exe, path }
    })
}

/// Where `program` is on the commands' `PATH` (a name with a `/` is used as it is), found once.
fn resolved(program: &str) -> Option<PathBuf> {
    static FOUND: OnceLock<Mutex<HashMap<String, Option<PathBuf>>>> = OnceLock::new();
    if program.contains('/') {
        return None;
    }
    let mut found = FOUND.get_or_init(Mutex::default).lock().unwrap_or_else(|e| e.into_inner());
    found
        .entry(program.to_owned())
        .or_insert_with(|| {
            std::env::split_paths(&environment().path).map(|dir| dir.join(program)).find(|p| is_executable(p))
        })
        .clone()
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Sends SIGKILL to the process group led by `pid`.
pub fn kill_group(pid: u32) {
    if let Ok(pid) = i32::try_from(pid) {
        // SAFETY: kill(2) with a negative pid signals a process group; no memory is involved.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
}

/// Runs a spawned child to completion or to `timeout`, whichever comes first; on timeout the
/// child's whole process group is killed.
pub async fn finish(mut child: Child, timeout: Duration) -> Finished {
    let pid = child.id();
    let stdout = child.stdout.take();
    let stderr = child.stderr.take();
    let run = async {
        let (out, err) = tokio::join!(read_capped(stdout), read_capped(stderr));
        let status = child.wait().await.ok();
        (status, out, err)
    };
    match tokio::time::timeout(timeout, run).await {
        Ok((status, stdout, stderr)) => Finished { status, stdout, stderr },
        Err(_) => {
            if let Some(pid) = pid {
                kill_group(pid);
            }
            let _ = child.wait().await;
            Finished { status: None, stdout: String::new(), stderr: String::new() }
        }
    }
}

async fn read_capped(stream: Option<impl AsyncRead + Unpin>) -> String {
    let Some(mut stream) = stream else { return String::new() };
    let mut kept = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                let room = OUTPUT_CAP.saturating_sub(kept.len());
                kept.extend_from_slice(&buf[..n.min(room)]);
            }
        }
    }
    String::from_utf8_lossy(&kept).into_owned()
}

/// The environment variable that names the restore attempt a process belongs to
/// (`<state dir>:<run>/<service>/<attempt>`, see `StateDir::action_marker`): a process born with it
/// and leading its own group is that attempt's action.
pub const ACTION_MARKER: &str = "RESTORECTL_ACTION";

/// The first line of a run's `pids` file: its format and version.
pub const PIDS_HEADER: &str = "# restorectl pids v2: <service>/<attempt> <pid> <start ticks>\n";

/// Notes in `pids` (a run's file, opened for appending: each line one write, whole) the action
/// `key` (`service/attempt`) just spawned: its pid and start ticks. Written by restorectl right
/// after the spawn, before the pid reaches the journal, so a kill in between leaves it behind.
pub fn note_pid(pids: &std::fs::File, key: &str, pid: u32, ticks: Option<u64>) -> std::io::Result<()> {
    use std::io::Write;
    let line = format!("{key} {pid} {}\n", ticks.map_or_else(|| "-".to_owned(), |t| t.to_string()));
    (&*pids).write_all(line.as_bytes())
}

/// The action `key` an earlier run started and did not journal the pid of, as far as anything
/// tells: the pid it noted in `pids` with its start ticks (`None` ticks: it had ended by the time
/// they were read), running or not; or, killed before even that, the process born with its
/// marker. `None`: it never got as far as running.
pub fn started(pids: &Path, key: &str, marker: &str) -> Option<(u32, Option<u64>)> {
    let noted = std::fs::read_to_string(pids).ok().filter(|t| t.starts_with(PIDS_HEADER)).and_then(|text| {
        text.lines().rev().find_map(|line| {
            let mut fields = line.strip_prefix(key)?.strip_prefix(' ')?.split(' ');
            let pid = fields.next()?.parse().ok()?;
            Some((pid, fields.next().and_then(|t| t.parse().ok())))
        })
    });
    noted.or_else(|| {
        let pid = find_marked(marker)?;
        Some((pid, start_ticks(pid)))
    })
}

/// The same, only while it still runs (the same process: its start ticks match).
pub fn left_running(pids: &Path, key: &str, marker: &str) -> Option<(u32, Option<u64>)> {
    started(pids, key, marker).filter(|&(pid, ticks)| ticks.is_some() && alive(pid, ticks))
}

/// The action that carries `ACTION_MARKER=marker` in its environment, if it still runs: how a
/// run killed between starting an action and journaling its pid finds it. Actions are spawned
/// without a fork of restorectl (`posix_spawn`), so nothing runs in the child before its exec; the
/// marker it is born with names it (a process of another account, whose environment cannot be
/// read, is not ours). What it started inherits the marker too, so only the action itself counts:
/// the leader of its own process group, never of a session (a group leader cannot call `setsid`,
/// a daemon it left behind has).
pub fn find_marked(marker: &str) -> Option<u32> {
    let entries = std::fs::read_dir("/proc").ok()?;
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&pid| leads_group_not_session(pid))
        .find(|&pid| carries_marker(pid, marker))
}

/// Whether `pid` leads its process group (fields 5 and 6 of `/proc/PID/stat`) but not its session.
fn leads_group_not_session(pid: u32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { return false };
    let Some((_, rest)) = stat.rsplit_once(')') else { return false };
    let mut fields = rest.split_whitespace().skip(2).map(|f| f.parse::<u32>().ok());
    matches!((fields.next(), fields.next()), (Some(Some(group)), Some(Some(session))) if group == pid && session != pid)
}

/// Whether the running process `pid` carries `ACTION_MARKER=marker` in its environment.
pub fn carries_marker(pid: u32, marker: &str) -> bool {
    let Ok(environ) = std::fs::read(format!("/proc/{pid}/environ")) else { return false };
    let wanted = format!("{ACTION_MARKER}={marker}");
    environ.split(|&b| b == 0).any(|entry| entry == wanted.as_bytes())
}

/// When a process started, in clock ticks since boot (field 22 of `/proc/PID/stat`): with the pid,
/// it names one process even after the pid is reused.
pub fn start_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may contain spaces; everything after its `)` is space-separated.
    stat_ticks(stat.rsplit_once(')')?.1)
}

/// Whether the process `pid` that started at `ticks` is still running (zombies count as gone).
pub fn alive(pid: u32, ticks: Option<u64>) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { return false };
    let Some((_, rest)) = stat.rsplit_once(')') else { return false };
    let zombie = rest.split_whitespace().next() == Some("Z");
    !zombie && ticks.is_none_or(|t| stat_ticks(rest) == Some(t))
}

/// Field 22 of `/proc/PID/stat`, from what follows the command name's `)`.
fn stat_ticks(after_name: &str) -> Option<u64> {
    after_name.split_whitespace().nth(19)?.parse().ok()
}
