//! Running one verify gate (`[[service.verify]]`): its command or HTTP request within its timeout,
//! with everything it printed or answered kept for the evidence.

use std::time::{Duration, Instant};

use crate::plan::{Gate, GateStep};
use crate::process;
use crate::secrets::Secrets;

/// How a gate ended: its exit code or HTTP status, how long it took, what it printed (up to
/// `process::OUTPUT_CAP` each, secrets not yet redacted).
pub struct GateOutcome {
    pub ok: bool,
    pub detail: String,
    pub code: Option<i64>,
    pub took: Duration,
    pub stdout: String,
    pub stderr: String,
}

pub async fn run(gate: &Gate, http: &reqwest::Client, secrets: &Secrets) -> GateOutcome {
    let start = Instant::now();
    let ended = |ok, detail: String, code, stdout, stderr| GateOutcome {
        ok,
        detail,
        code,
        took: start.elapsed(),
        stdout,
        stderr,
    };
    match &gate.step {
        GateStep::Command { command, expect_exit } => {
            let mut cmd = match process::build(command, secrets) {
                Ok(c) => c,
                Err(e) => return ended(false, e.to_string(), None, String::new(), String::new()),
            };
            let child = match cmd.spawn() {
                Ok(c) => c,
                Err(e) => {
                    return ended(false, format!("cannot run it: {e}"), None, String::new(), String::new());
                }
            };
            let done = process::finish(child, gate.timeout).await;
            let code = done.status.and_then(|s| s.code());
            let ok = code == Some(*expect_exit);
            let detail = match code {
                _ if done.status.is_none() => "timed out (process group killed)".to_owned(),
                Some(c) => format!("exit {c}"),
                None => "killed by a signal".to_owned(),
            };
            ended(ok, detail, code.map(i64::from), done.stdout, done.stderr)
        }
        GateStep::Http(req) => {
            let sent = tokio::time::timeout(gate.timeout, async {
                let response = super::http::send(http, req, secrets).await?;
                let status = response.status().as_u16();
                let body = response.text().await.unwrap_or_default();
                Ok::<_, super::unhealthy::Unhealthy>((status, body))
            })
            .await;
            match sent {
                Ok(Ok((status, body))) => {
                    let ok = super::http::status_ok(&req.expect_status, status);
                    let body: String = body.chars().take(process::OUTPUT_CAP).collect();
                    ended(ok, format!("HTTP {status}"), Some(i64::from(status)), body, String::new())
                }
                Ok(Err(e)) => ended(false, e.0, None, String::new(), String::new()),
                Err(_) => ended(false, "timed out".to_owned(), None, String::new(), String::new()),
            }
        }
    }
}
