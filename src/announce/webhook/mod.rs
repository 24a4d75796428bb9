//! Publishing updates to webhooks (`json`, `slack`, `statuspage`), in the background: a slow or
//! failing endpoint never slows the restoration. Each delivery is journaled in `webhooks.jsonl`
//! (typed, versioned records: queued, then delivered), so a resumed run re-sends what was never
//! delivered and nothing twice.

pub mod log;
mod payload;
mod update;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::sync::mpsc;

use super::board::ServiceState;
use crate::plan::{Plan, Webhook};
use crate::secrets::Secrets;
pub use log::LOG;
use log::Record;
use update::Delivery;
pub use update::Update;

const ATTEMPTS: u32 = 5;
const FIRST_BACKOFF: Duration = Duration::from_millis(500);
const TIMEOUT: Duration = Duration::from_secs(10);
/// How long the end of a run waits for deliveries still in flight.
const GRACE: Duration = Duration::from_secs(2);

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
        let records = log::read(&log);
        for d in log::undelivered(&records) {
            let _ = tx.send(d);
        }
        // Approved, and the approval ended before it queued them.
        for update in log::approved_unqueued(&records) {
            for d in queue(plan, &log, &update) {
                let _ = tx.send(d);
            }
        }
        poster.task = Some(handle.spawn(deliver(rx, hooks, secrets, log)));
        poster.tx = Some(tx);
        poster
    }

    pub fn send(&self, update: &Update) {
        let Some(tx) = &self.tx else { return };
        for d in queue(&self.plan, &self.log, update) {
            let _ = tx.send(d);
        }
    }

    /// Keeps an update for review: it is sent only once approved (`review::decide`).
    pub fn draft(&self, number: u32, about: String, update: Update) {
        log::append(&self.log, &Record::drafted(number, about, update));
    }

    /// Lets deliveries in flight finish for a moment; what is left is re-sent by the next run.
    pub fn finish(mut self) {
        drop(self.tx.take());
        if let (Some(task), Some(handle)) = (self.task.take(), self.handle.take()) {
            let _ = handle.block_on(async { tokio::time::timeout(GRACE, task).await });
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
                log::append(&log, &Record::delivered(&d.key, d.webhook));
                break;
            }
            if attempt < ATTEMPTS {
                tokio::time::sleep(wait).await;
                wait *= 2;
            }
        }
    }
}

/// Journals one delivery of `update` per webhook, and returns them.
fn queue(plan: &Plan, log: &Path, update: &Update) -> Vec<Delivery> {
    plan.announce
        .webhooks
        .iter()
        .enumerate()
        .map(|(webhook, hook)| {
            let d = Delivery { key: update.key.clone(), webhook, body: payload::payload(plan, hook, update) };
            log::append(log, &Record::queued(&d));
            d
        })
        .collect()
}

/// Sends `update` to every webhook now and waits for the outcome (an approved update, outside
/// any run): how many webhooks accepted it. What was not accepted stays queued for the next run.
pub fn deliver_now(plan: &Plan, dir: &Path, update: &Update) -> usize {
    let log = dir.join(LOG);
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return 0 };
    let secrets = Secrets::from_env(plan).unwrap_or_default();
    let (tx, rx) = mpsc::unbounded_channel();
    for d in queue(plan, &log, update) {
        let _ = tx.send(d);
    }
    drop(tx);
    runtime.block_on(deliver(rx, plan.announce.webhooks.clone(), secrets, log.clone()));
    log::read(&log)
        .iter()
        .filter(|r| matches!(r, Record::Delivered { key, .. } if *key == update.key))
        .count()
}

/// The component states a Statuspage webhook of `plan` would publish, from `states`.
pub fn components(plan: &Plan, states: &[ServiceState]) -> BTreeMap<String, ServiceState> {
    plan.announce
        .webhooks
        .iter()
        .flat_map(|h| &h.components)
        .filter_map(|(service, _)| Some((service.clone(), *states.get(plan.index_of(service).ok()?)?)))
        .collect()
}
