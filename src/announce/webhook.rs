//! Publishing updates to webhooks (`json`, `slack`, `statuspage`), in the background: a slow or
//! failing endpoint never slows the restoration. Each delivery is journaled in `webhooks.jsonl`
//! (typed, versioned records: queued, then delivered), so a resumed run re-sends what was never
//! delivered and nothing twice.

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::json;
use tokio::sync::mpsc;

use super::board::ServiceState;
use crate::plan::{Plan, Webhook, WebhookFormat};
use crate::secrets::Secrets;

pub const LOG: &str = "webhooks.jsonl";
/// Version of the delivery records; records of other versions are skipped.
const VERSION: u32 = 1;

/// One line of `webhooks.jsonl`.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
enum Record {
    /// An update is to be posted to webhook number `webhook` with `body`.
    Queued { v: u32, key: String, webhook: usize, body: serde_json::Value },
    /// It was accepted (2xx).
    Delivered { v: u32, key: String, webhook: usize },
}
const ATTEMPTS: u32 = 5;
const FIRST_BACKOFF: Duration = Duration::from_millis(500);
const TIMEOUT: Duration = Duration::from_secs(10);
/// How long the end of a run waits for deliveries still in flight.
const GRACE: Duration = Duration::from_secs(2);

/// One update, in every locale.
pub struct Update {
    pub key: String,
    pub event: String,
    pub at: String,
    pub services: Vec<String>,
    /// (locale, Markdown), the plan's primary locale first.
    pub texts: Vec<(String, String)>,
    pub states: Vec<ServiceState>,
}

struct Delivery {
    key: String,
    webhook: usize,
    body: serde_json::Value,
}

pub struct Poster {
    tx: Option<mpsc::UnboundedSender<Delivery>>,
    task: Option<tokio::task::JoinHandle<()>>,
    handle: Option<tokio::runtime::Handle>,
    log: PathBuf,
    plan: Plan,
}

impl Poster {
    /// Starts the delivery task (needs a tokio runtime) and re-queues what an earlier run left undelivered.
    pub fn new(plan: &Plan, dir: &Path) -> Self {
        let log = dir.join(LOG);
        let mut poster = Poster {
            tx: None,
            task: None,
            handle: tokio::runtime::Handle::try_current().ok(),
            log,
            plan: plan.clone(),
        };
        let Some(handle) = poster.handle.clone() else { return poster };
        let secrets = Secrets::from_env(plan).unwrap_or_default();
        let (tx, rx) = mpsc::unbounded_channel();
        let hooks = plan.announce.webhooks.clone();
        let log = poster.log.clone();
        for d in undelivered(&log) {
            let _ = tx.send(d);
        }
        poster.task = Some(handle.spawn(deliver(rx, hooks, secrets, log)));
        poster.tx = Some(tx);
        poster
    }

    pub fn send(&self, update: Update) {
        let Some(tx) = &self.tx else { return };
        for (i, hook) in self.plan.announce.webhooks.iter().enumerate() {
            let body = payload(&self.plan, hook, &update);
            append(
                &self.log,
                &Record::Queued { v: VERSION, key: update.key.clone(), webhook: i, body: body.clone() },
            );
            let _ = tx.send(Delivery { key: update.key.clone(), webhook: i, body });
        }
    }

    /// Lets deliveries in flight finish for a moment; what is left is re-sent by the next run.
    pub fn finish(mut self) {
        drop(self.tx.take());
        if let (Some(task), Some(handle)) = (self.task.take(), self.handle.take()) {
            let _ = handle.block_on(async { tokio::time::timeout(GRACE, task).await });
        }
    }
}

fn payload(plan: &Plan, hook: &Webhook, u: &Update) -> serde_json::Value {
    let primary = u.texts.first().map(|(_, t)| t.as_str()).unwrap_or_default();
    match hook.format {
        WebhookFormat::Json => json!({
            "event": u.event,
            "key": u.key,
            "at": u.at,
            "organization": plan.organization(),
            "services": u.services,
            "texts": u.texts.iter().cloned().collect::<std::collections::BTreeMap<_, _>>(),
        }),
        WebhookFormat::Slack => json!({ "text": primary }),
        WebhookFormat::Statuspage => {
            let status = match u.event.as_str() {
                "restored" => "resolved",
                "start" => "identified",
                _ => "monitoring",
            };
            let components: serde_json::Map<String, serde_json::Value> = hook
                .components
                .iter()
                .filter_map(|(service, component)| {
                    let i = plan.services.iter().position(|s| &s.id == service)?;
                    let state = match u.states.get(i)? {
                        ServiceState::Available => "operational",
                        ServiceState::Restoring => "under_maintenance",
                        ServiceState::Delayed | ServiceState::Unavailable => "major_outage",
                    };
                    Some((component.clone(), json!(state)))
                })
                .collect();
            let title = primary.lines().next().unwrap_or_default().trim_start_matches('#').trim();
            json!({ "incident": { "name": title, "status": status, "body": primary, "components": components } })
        }
    }
}

async fn deliver(
    mut rx: mpsc::UnboundedReceiver<Delivery>,
    hooks: Vec<Webhook>,
    secrets: Secrets,
    log: PathBuf,
) {
    let Ok(client) = reqwest::Client::builder().timeout(TIMEOUT).build() else { return };
    while let Some(d) = rx.recv().await {
        let Some(hook) = hooks.get(d.webhook) else { continue };
        let Ok(url) = secrets.resolve(&hook.url) else { continue };
        let mut wait = FIRST_BACKOFF;
        for attempt in 1..=ATTEMPTS {
            // The same key on every attempt and after a resume: receivers can drop a repeat.
            let mut req = client.post(&url).json(&d.body).header("Idempotency-Key", &d.key);
            for (name, value) in &hook.headers {
                if let Ok(v) = secrets.resolve(value) {
                    req = req.header(name, v);
                }
            }
            let ok = matches!(req.send().await, Ok(r) if r.status().is_success());
            if ok {
                append(&log, &Record::Delivered { v: VERSION, key: d.key.clone(), webhook: d.webhook });
                break;
            }
            if attempt < ATTEMPTS {
                tokio::time::sleep(wait).await;
                wait *= 2;
            }
        }
    }
}

/// Deliveries queued by earlier runs and never delivered.
fn undelivered(log: &Path) -> Vec<Delivery> {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let records: Vec<Record> = text.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    let delivered: HashSet<(&str, usize)> = records
        .iter()
        .filter_map(|r| match r {
            Record::Delivered { v: VERSION, key, webhook } => Some((key.as_str(), *webhook)),
            _ => None,
        })
        .collect();
    records
        .iter()
        .filter_map(|r| match r {
            Record::Queued { v: VERSION, key, webhook, body }
                if !delivered.contains(&(key.as_str(), *webhook)) =>
            {
                Some(Delivery { key: key.clone(), webhook: *webhook, body: body.clone() })
            }
            _ => None,
        })
        .collect()
}

/// Appends one record and syncs it, so a crash cannot lose (or repeat) a delivery.
fn append(log: &Path, record: &Record) {
    let line = serde_json::to_string(record).unwrap_or_default();
    let written = std::fs::OpenOptions::new().create(true).append(true).open(log).and_then(|mut f| {
        writeln!(f, "{line}")?;
        f.sync_data()
    });
    if let Err(e) = written {
        eprintln!("error: cannot write {}: {e}", log.display());
    }
}
