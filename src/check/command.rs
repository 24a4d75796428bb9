//! Command checks: run argv (no shell unless `shell = true`), expect an exit code and optionally
//! some text on stdout; killed with its whole process group at the timeout.

use std::time::Duration;

use crate::human::human_duration;
use crate::plan::CommandProbe;
use crate::process;
use crate::secrets::Secrets;

/// A command check that did not pass: it ran and said no, or it could not run at all (no such
/// program, no permission, an argument the system refuses), which no wait will change.
pub enum Failed {
    Said(String),
    CannotRun(String),
}

impl From<String> for Failed {
    fn from(detail: String) -> Self {
        Failed::Said(detail)
    }
}

impl From<crate::secrets::Unset> for Failed {
    fn from(unset: crate::secrets::Unset) -> Self {
        Failed::Said(unset.to_string())
    }
}

pub async fn probe(c: &CommandProbe, timeout: Duration, secrets: &Secrets) -> Result<String, Failed> {
    let mut cmd = process::build(&c.command, secrets)?;
    let program = c.command.argv[0].raw().to_owned();
    let child = cmd.spawn().map_err(|e| Failed::CannotRun(format!("cannot run `{program}`: {e}")))?;
    let done = process::finish(child, timeout).await;
    let Some(status) = done.status else {
        return Err(format!("timed out after {} (process group killed)", human_duration(timeout)).into());
    };
    let code = status.code();
    if code != Some(c.expect_exit) {
        let shown = code.map_or_else(|| "killed by a signal".to_owned(), |c| format!("exit {c}"));
        let last = done.stderr.lines().chain(done.stdout.lines()).rfind(|l| !l.trim().is_empty());
        return Err(match last {
            Some(line) => format!("{shown} (expected {}): {}", c.expect_exit, line.trim()),
            None => format!("{shown} (expected {})", c.expect_exit),
        }
        .into());
    }
    if let Some(want) = &c.stdout_contains {
        let want = secrets.resolve(want)?;
        if !done.stdout.contains(&want) {
            return Err(format!("stdout does not contain `{want}`").into());
        }
    }
    Ok(format!("exit {}", c.expect_exit))
}
