//! Child processes the way an incident needs them: argv (or `sh -c` only when asked), their own
//! process group so a timeout kills every descendant, output captured up to a cap.

use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::{Child, Command};

use crate::plan::CommandSpec;
use crate::secrets::Secrets;

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

/// Builds the command: argv directly, or the script through `sh -c` when `shell = true`.
pub fn build(spec: &CommandSpec, secrets: &Secrets) -> Result<Command, String> {
    let argv: Vec<String> = spec.argv.iter().map(|a| secrets.resolve(a)).collect::<Result<_, _>>()?;
    let mut cmd = if spec.shell {
        let mut c = Command::new("sh");
        c.arg("-c").arg(argv.join(" "));
        c
    } else {
        let mut c = Command::new(&argv[0]);
        c.args(&argv[1..]);
        c
    };
    for (name, value) in &spec.env {
        cmd.env(name, secrets.resolve(value)?);
    }
    if let Some(cwd) = &spec.cwd {
        cmd.current_dir(secrets.resolve(cwd)?);
    }
    // A group of its own: on timeout the whole tree goes, not just the shell on top; and a
    // Ctrl-C or crash of restorectl does not take a half-done restore with it.
    cmd.process_group(0).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    Ok(cmd)
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
/// (`RUN/SERVICE/ATTEMPT`): with the pid, it proves a process is that attempt's action.
pub const ACTION_MARKER: &str = "RESTORECTL_ACTION";

/// Makes the child write its own pid into `file` just before it becomes the action (after the
/// fork, before the exec). A run killed between starting a process and journaling its pid still
/// leaves the pid behind, so the next run can find the action instead of starting it again.
pub fn record_pid_before_exec(cmd: &mut Command, file: std::fs::File) {
    use std::os::fd::AsRawFd;
    let fd = file.as_raw_fd();
    // SAFETY: the closure runs in the forked child before exec and only makes async-signal-safe
    // calls (getpid, write) on a stack buffer; `file` lives in the closure, so `fd` stays open.
    unsafe {
        cmd.pre_exec(move || {
            let _keep = &file;
            let mut n = libc::getpid().unsigned_abs();
            let mut buf = [0u8; 12];
            let mut at = buf.len();
            loop {
                at -= 1;
                buf[at] = b'0' + (n % 10) as u8;
                n /= 10;
                if n == 0 {
                    break;
                }
            }
            libc::write(fd, buf[at..].as_ptr().cast(), buf.len() - at);
            Ok(())
        });
    }
}

/// The pid `record_pid_before_exec` left in `path`, if the child got that far.
pub fn recorded_pid(path: &std::path::Path) -> Option<u32> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
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
    stat.rsplit_once(')')?.1.split_whitespace().nth(19)?.parse().ok()
}

/// Whether the process `pid` that started at `ticks` is still running (zombies count as gone).
pub fn alive(pid: u32, ticks: Option<u64>) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { return false };
    let Some((_, rest)) = stat.rsplit_once(')') else { return false };
    let mut fields = rest.split_whitespace();
    let zombie = fields.next() == Some("Z");
    let same = ticks.is_none_or(|t| rest.split_whitespace().nth(19).and_then(|f| f.parse().ok()) == Some(t));
    !zombie && same
}
