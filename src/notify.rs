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
use crate::event::Event;
use crate::human::human_duration;
use crate::plan::{AlertKind, NotifyTarget, Plan, WebhookFormat};
use crate::reporter::{Reporter, WriteError};
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
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("restorectl-alerts")
            .enable_all()
            .build()
            .ok();
        let mut senders = Vec::new();
        for (index, n) in plan.notify.iter().enumerate() {
            let (Some(rt), NotifyTarget::Http { url, format, headers }) = (&runtime, &n.target) else {
                senders.push(None);
                continue;
            };
            let url = secrets.resolve(url).unwrap_or_default();
            let headers =
                headers.iter().map(|(k, v)| (k.clone(), secrets.resolve(v).unwrap_or_default())).collect();
            let host =
                url::Url::parse(&url).ok().and_then(|u| u.host_str().map(str::to_owned)).unwrap_or_default();
            let name = secrets.redact(&format!("alert target {} ({host})", index + 1));
            let pace = if *format == WebhookFormat::Slack { Duration::from_secs(1) } else { Duration::ZERO };
            let target = Target { index, name, format: *format, url, headers, pace };
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
                    let argv: Vec<String> =
                        spec.argv.iter().map(|a| self.secrets.resolve(a).unwrap_or_default()).collect();
                    let input = body.to_string();
                    let log = self.log.clone();
                    let d = Delivery {
                        key: key.clone(),
                        webhook: index,
                        hook: format!("notify {index}"),
                        body: body.clone(),
                    };
                    self.commands.push(rt.spawn(async move {
                        let key = &d.key;
                        if run_command(&argv, &input).await {
                            log.append(&Record::delivered(&d));
                        } else {
                            eprintln!("error: the alert command of target {} failed for {key}", index + 1);
                        }
                    }));
                }
                _ => {}
            }
        }
    }
}

/// Runs an alert command with the alert on its standard input; retried twice on failure.
async fn run_command(argv: &[String], input: &str) -> bool {
    use tokio::io::AsyncWriteExt;
    let Some((program, args)) = argv.split_first() else { return false };
    for attempt in 0..3 {
        if attempt > 0 {
            tokio::time::sleep(Duration::from_millis(500 << attempt)).await;
        }
        let child = tokio::process::Command::new(program)
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn();
        let Ok(mut child) = child else { continue };
        if let Some(mut stdin) = child.stdin.take() {
            let _ = stdin.write_all(input.as_bytes()).await;
        }
        if let Ok(Ok(status)) = tokio::time::timeout(Duration::from_secs(30), child.wait()).await
            && status.success()
        {
            return true;
        }
    }
    false
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
                        let _ = tokio::time::timeout(STALL * 6, futures::future::join_all(commands)).await;
                        while !progress.iter().all(|p| p.settled(STALL)) {
                            tokio::time::sleep(Duration::from_millis(50)).await;
                        }
                    })
                });
            });
            runtime.shutdown_background();
        }
        Ok(())
    }
}
