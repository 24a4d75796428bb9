//! Alerts for the operators (`[[notify]]`), separate from customer updates: a manual step waiting
//! for a person, a restore failed for good, a service whose RTO is at risk, the run's end. Each
//! target (a JSON endpoint, a Slack incoming webhook, a command) gets its own queue and task, with
//! the retries of the webhooks (429 after `Retry-After`, 5xx, network errors); every delivery is
//! journaled in `notify.jsonl` in the state directory; nothing here ever delays the run.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use tokio::sync::mpsc;

use crate::announce::webhook::Delivery;
use crate::announce::webhook::log::{Log, Record};
use crate::announce::webhook::worker::{self, Progress, Target};
use crate::bus::notices;
use crate::bus::{Reporter, WriteError};
use crate::event::Level;
use crate::event::{Event, FailKind, Failure, Secs, WaitOn};
use crate::human::human_duration;
use crate::plan::{AlertKind, NotifyTarget, Plan, WebhookFormat};
use crate::secrets::Secrets;
use crate::tally::Tally;

pub const LOG: &str = "notify.jsonl";
/// The run's end waits for alerts in flight, but no longer than this after the last progress.
const STALL: Duration = Duration::from_secs(5);

pub struct Notifier {
    plan: Arc<Plan>,
    run: String,
    log: Arc<Log>,
    secrets: Secrets,
    runtime: Option<tokio::runtime::Runtime>,
    /// Per target: its queue (HTTP targets) and how far it has got.
    senders: Vec<Option<(mpsc::UnboundedSender<Delivery>, Arc<Progress>)>>,
    commands: Vec<tokio::task::JoinHandle<()>>,
    sent: usize,
}

impl Notifier {
    pub fn new(plan: Arc<Plan>, state: &Path, run: String, secrets: Secrets) -> Self {
        let log = Arc::new(Log::at(state.join(LOG)));
        let runtime = crate::runtime::background("restorectl-alerts").ok();
        let mut senders = Vec::new();
        for (index, n) in plan.notify.iter().enumerate() {
            let (Some(rt), NotifyTarget::Http { url, format, headers }) = (&runtime, &n.target) else {
                senders.push(None);
                continue;
            };
            let pace = if *format == WebhookFormat::Slack { Duration::from_secs(1) } else { Duration::ZERO };
            let name = |host: &str| format!("alert target {} ({host})", index + 1);
            let Some(target) = Target::resolve(index, name, *format, url, headers, pace, &secrets) else {
                senders.push(None);
                continue;
            };
            let (tx, rx) = mpsc::unbounded_channel();
            let progress = Progress::new();
            rt.spawn(worker::run(target, rx, log.clone(), None, secrets.clone(), progress.clone()));
            senders.push(Some((tx, progress)));
        }
        Self { plan, run, log, secrets, runtime, senders, commands: Vec::new(), sent: 0 }
    }

    fn alert(&mut self, kind: AlertKind, service: Option<&str>, text: String) {
        self.sent += 1;
        let key = format!("{}-{}-{:04}", kind.as_str(), self.run, self.sent);
        let body = json!({
            "alert": kind.as_str(),
            "service": service,
            "text": text,
            "run": self.run,
            "plan": self.plan.name,
            "at": jiff::Timestamp::now().to_string(),
        });
        for (index, n) in self.plan.notify.iter().enumerate() {
            if !n.events.is_empty() && !n.events.contains(&kind) {
                continue;
            }
            match (&n.target, self.senders.get(index)) {
                (NotifyTarget::Http { format, .. }, Some(Some((tx, progress)))) => {
                    let body = match format {
                        WebhookFormat::Slack => json!({ "text": text }),
                        _ => body.clone(),
                    };
                    let d =
                        Delivery { key: key.clone(), webhook: index, hook: format!("notify {index}"), body };
                    self.log.append(&Record::queued(&d));
                    progress.queued();
                    let _ = tx.send(d);
                }
                (NotifyTarget::Command(spec), _) => {
                    let Some(rt) = &self.runtime else { continue };
                    let resolve = |t: &crate::plan::Text| self.secrets.resolve(t).unwrap_or_default();
                    // The environment of every command the plan runs (see `process`).
                    let env = crate::process::environment_of(spec, &self.secrets).unwrap_or_default();
                    let command = Resolved {
                        argv: spec.argv.iter().map(resolve).collect(),
                        shell: spec.shell,
                        env,
                        cwd: spec.cwd.as_ref().map(resolve),
                    };
                    let input = body.to_string();
                    let log = self.log.clone();
                    let hook = format!("notify {index}");
                    let d = Delivery { key: key.clone(), webhook: index, hook, body: body.clone() };
                    self.log.append(&Record::queued(&d));
                    self.commands.push(rt.spawn(async move {
                        match run_command(&command, &input).await {
                            Ok(()) => log.append(&Record::delivered(&d)),
                            Err(why) => {
                                notices::say(
                                    Level::Error,
                                    format!(
                                        "the alert command of target {} failed for {}: {why}",
                                        index + 1,
                                        d.key
                                    ),
                                );
                                log.append(&Record::refused(&d, 0, why.detail));
                            }
                        }
                    }));
                }
                _ => {}
            }
        }
    }
}

/// An alert command with its secrets filled in.
struct Resolved {
    argv: Vec<String>,
    shell: bool,
    env: Vec<(std::ffi::OsString, std::ffi::OsString)>,
    cwd: Option<String>,
}

/// How long an alert command may take before it is killed.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(10);

/// Runs an alert command (argv, or a script with `shell`) with the alert on its standard input;
/// retried twice; killed when it takes longer than `COMMAND_TIMEOUT`.
async fn run_command(c: &Resolved, input: &str) -> Result<(), Failure> {
    use tokio::io::AsyncWriteExt;
    let (program, args): (String, Vec<String>) = if c.shell {
        ("sh".into(), vec!["-c".into(), c.argv.join(" ")])
    } else {
        let Some((program, args)) = c.argv.split_first() else {
            return Err(Failure::new(FailKind::Spawn, "no program"));
        };
        (program.clone(), args.to_vec())
    };
    let mut last = Failure::new(FailKind::Spawn, "not run");
    for attempt in 0..3 {
        if attempt > 0 {
            tokio::time::sleep(Duration::from_millis(500 << attempt)).await;
        }
        let mut cmd = tokio::process::Command::new(&program);
        cmd.args(&args)
            .env_clear()
            .envs(c.env.iter().map(|(k, v)| (k, v)))
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true);
        if let Some(dir) = &c.cwd {
            cmd.current_dir(dir);
        }
        let mut child = match cmd.spawn() {
            Ok(child) => child,
            Err(e) => {
                last = Failure::new(FailKind::Spawn, format!("cannot start {program}: {e}"));
                continue;
            }
        };
        if let Some(mut stdin) = child.stdin.take() {
            let _ = stdin.write_all(input.as_bytes()).await;
        }
        match tokio::time::timeout(COMMAND_TIMEOUT, child.wait()).await {
            Ok(Ok(status)) if status.success() => return Ok(()),
            Ok(Ok(status)) => last = Failure::new(FailKind::Exit, format!("it exited with {status}")),
            Ok(Err(e)) => last = Failure::new(FailKind::Exit, e.to_string()),
            Err(_) => {
                let _ = child.start_kill();
                let _ = child.wait().await;
                let detail = format!("it took longer than {}s and was killed", COMMAND_TIMEOUT.as_secs());
                last = Failure::new(FailKind::Timeout, detail);
            }
        }
    }
    Err(last)
}

impl Reporter for Notifier {
    fn event(&mut self, e: &Event) {
        let plan = self.plan.clone();
        match e {
            Event::WaitingForOperator { service, instruction, confirm, .. } => {
                let how = confirm.as_ref().map(|c| format!(" — when done: `{c}`")).unwrap_or_default();
                self.alert(
                    AlertKind::ManualWaiting,
                    Some(service),
                    format!("{service} waits for a person: {instruction}{how}"),
                );
            }
            Event::WaitingForApproval { service, role, count, have, confirm, .. } => {
                let how = confirm.as_ref().map(|c| format!(" — to sign: `{c}`")).unwrap_or_default();
                let so_far = if have.is_empty() {
                    String::new()
                } else {
                    format!(" (signed so far: {})", have.join(", "))
                };
                let text = format!("{service} waits for {count} sign-off(s) by `{role}`{so_far}{how}");
                self.alert(AlertKind::ManualWaiting, Some(service), text);
            }
            // Reminders of a wait for people: the alert again, with how long it has lasted.
            Event::Waiting { service, at, on: on @ (WaitOn::Operator | WaitOn::Approval), since, detail } => {
                let what = if *on == WaitOn::Operator { "a person" } else { "sign-offs" };
                let so_far = human_duration(Secs(at.0 - since.0).duration());
                let text = format!("{service} still waits for {what} ({so_far} so far): {detail}");
                self.alert(AlertKind::ManualWaiting, Some(service), text);
            }
            Event::Failed { service, attempts, reason, log, .. } => {
                let log = log.as_ref().map(|l| format!(" (log: {l})")).unwrap_or_default();
                let text = format!("{service} failed after {attempts} attempt(s): {reason}{log}");
                self.alert(AlertKind::RestoreFailed, Some(service), text);
            }
            Event::RtoAtRisk { service, rto, .. } => {
                let text = format!(
                    "{service} is not back and {:.0} % of its RTO of {} has passed",
                    plan.rto_risk_at * 100.0,
                    human_duration(rto.duration())
                );
                self.alert(AlertKind::RtoAtRisk, Some(service), text);
            }
            Event::FellBack { service, detail, .. } => {
                let text =
                    format!("{service} fell back after it was online ({detail}); it is being restored again");
                self.alert(AlertKind::FellBack, Some(service), text);
            }
            Event::RunFinished { outcome, .. } => {
                let text = format!("run {} of {} ended: {}", self.run, plan.name, outcome.as_str());
                self.alert(AlertKind::RunFinished, None, text);
            }
            _ => {}
        }
    }

    fn finish(&mut self, _tally: &Tally) -> Result<(), WriteError> {
        let progress: Vec<Arc<Progress>> = self.senders.iter().flatten().map(|(_, p)| p.clone()).collect();
        self.senders.clear();
        let commands = std::mem::take(&mut self.commands);
        if let Some(runtime) = self.runtime.take() {
            std::thread::scope(|scope| {
                scope.spawn(|| {
                    runtime.block_on(async {
                        let _ = tokio::time::timeout(STALL, futures::future::join_all(commands)).await;
                        worker::settle(&progress, STALL).await;
                    })
                });
            });
            runtime.shutdown_background();
        }
        // What could not be sent is said, and kept in the journal.
        let hooks: Vec<String> = (0..self.plan.notify.len()).map(|i| format!("notify {i}")).collect();
        let left = crate::announce::webhook::log::undelivered(&self.log.read(), &hooks).len();
        if left > 0 {
            notices::say(
                Level::Warning,
                format!("{left} alert(s) not delivered: see {}", self.log.path().display()),
            );
        }
        Ok(())
    }
}
