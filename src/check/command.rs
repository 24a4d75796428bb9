//! Command checks: run argv (no shell unless `shell = true`), expect an exit code and optionally
//! some text on stdout; killed with its whole process group at the timeout.

use std::time::Duration;

use crate::human::human_duration;
use crate::plan::CommandProbe;
use crate::process;
use crate::secrets::Secrets;

pub async fn probe(c: &CommandProbe, timeout: Duration, secrets: &Secrets) -> Result<String, String> {
    let mut cmd = process::build(&c.command, secrets)?;
    let program = c.command.argv[0].raw().to_owned();
    let child = cmd.spawn().map_err(|e| format!("cannot run `{program}`: {e}"))?;
    let done = process::finish(child, timeout).await;
    let Some(status) = done.status else {
        return Err(format!("timed out after {} (process group killed)", human_duration(timeout)));
    };
    let code = status.code();
    if code != Some(c.expect_exit) {
        let shown = code.map_or_else(|| "killed by a signal".to_owned(), |c| format!("exit {c}"));
        let last = done.stderr.lines().chain(done.stdout.lines()).rfind(|l| !l.trim().is_empty());
        return Err(match last {
            Some(line) => format!("{shown} (expected {}): {}", c.expect_exit, line.trim()),
            None => format!("{shown} (expected {})", c.expect_exit),
        });
    }
    if let Some(want) = &c.stdout_contains {
        let want = secrets.resolve(want)?;
        if !done.stdout.contains(&want) {
            return Err(format!("stdout does not contain `{want}`"));
        }
    }
    Ok(format!("exit {}", c.expect_exit))
}
