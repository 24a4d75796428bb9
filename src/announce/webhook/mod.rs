//! Publishing updates to webhooks (`json`, `slack`, `statuspage`) in the background: each webhook
//! has its own queue and task (`worker`), so a slow or failing endpoint delays neither another nor
//! the restoration. Every delivery is journaled in `webhooks.jsonl` (`log`) before it is sent, so
//! what a run could not deliver is sent by the next one (or `restorectl announce deliver`), and
//! what was delivered is never sent again.

pub mod log;
mod payload;
mod slack;
mod update;
pub mod worker;

use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

use super::board::ServiceState;
use crate::bus::notices;
use crate::event::Level;
use crate::plan::{Plan, WebhookFormat};
use crate::secrets::Secrets;
pub use log::LOG;
use log::{Log, Record};
pub use update::{Delivery, Update};
use worker::{Progress, Target};

/// The webhooks' queues and tasks of one process.
pub struct Poster {
    plan: Arc<Plan>,
    log: Arc<Log>,
    senders: Vec<Option<(mpsc::UnboundedSender<Delivery>, Arc<Progress>)>>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    /// The deliveries' own runtime: they go on however the run's runtime ends.
    runtime: Option<tokio::runtime::Runtime>,
    /// (key, webhook) of every delivery ever queued: an update is queued once.
    queued: HashSet<(String, usize)>,
    /// For people: how to deliver what is left (`restorectl announce deliver PLAN`).
    deliver_command: String,
}

impl Poster {
    /// Starts one task per webhook (needs a tokio runtime), each given what an earlier run left
    /// undelivered, and the `approved` updates (those whose approvals hold) not queued yet.
    pub fn new(plan: Arc<Plan>, dir: &Path, deliver_command: String, approved: Vec<Update>) -> Self {
        let log = Arc::new(Log::new(dir));
        let records = log.read();
        let hooks = identities(&plan);
        let mut poster = Poster {
            queued: log::queued(&records, &hooks),
            senders: Vec::new(),
            tasks: Vec::new(),
            runtime: crate::runtime::background("restorectl-webhooks")
                .map_err(|e| notices::say(Level::Error, format!("cannot start the webhook deliveries: {e}")))
                .ok(),
            plan,
            log,
            deliver_command,
        };
        poster.spawn(&log::incidents(&records, &hooks));
        for (d, now) in log::undelivered(&records, &hooks) {
            match now {
                Some(_) => poster.dispatch(d),
                None => notices::say(
                    Level::Warning,
                    format!(
                        "update {} was queued for a webhook that is no longer in the plan; it is not sent",
                        d.key
                    ),
                ),
            }
        }
        // Approved, where an approval ended before it queued them all.
        for update in approved {
            poster.send(&update);
        }
        poster
    }

    fn spawn(&mut self, incidents: &std::collections::HashMap<usize, String>) {
        let Some(handle) = self.runtime.as_ref().map(|r| r.handle().clone()) else { return };
        let secrets = Secrets::from_env(&self.plan).unwrap_or_default();
        for index in 0..self.plan.announce.webhooks.len() {
            let Some(target) = target(&self.plan, index, &secrets) else {
                self.senders.push(None);
                continue;
            };
            let (tx, rx) = mpsc::unbounded_channel();
            let incident = incidents.get(&index).cloned();
            let progress = Progress::new();
            let task = worker::run(target, rx, self.log.clone(), incident, secrets.clone(), progress.clone());
            self.tasks.push(handle.spawn(task));
            self.senders.push(Some((tx, progress)));
        }
    }

    fn dispatch(&self, d: Delivery) {
        if let Some(Some((tx, progress))) = self.senders.get(d.webhook) {
            progress.queued();
            let _ = tx.send(d);
        }
    }

    /// Queues `update` for every webhook (journaled first); an update already queued is not
    /// queued again.
    pub fn send(&mut self, update: &Update) {
        for (webhook, hook) in self.plan.announce.webhooks.iter().enumerate() {
            if !self.queued.insert((update.key.clone(), webhook)) {
                continue;
            }
            let d = Delivery {
                key: update.key.clone(),
                webhook,
                hook: identity(hook),
                body: payload::payload(&self.plan, hook, update),
            };
            self.log.append(&Record::queued(&d));
            self.dispatch(d);
        }
    }

    /// Keeps an update for review: it is sent only once approved (`review::approve`).
    pub fn draft(&self, record: &Record) {
        self.log.append(record);
    }

    /// Waits while the webhooks' tasks are delivering — each until its queue is empty, or (with
    /// `stall`) until nothing of it has ended for that long (an endpoint that keeps refusing or
    /// never answers) — then says what is left and where; returns how many deliveries are left.
    pub fn finish(mut self, stall: Option<Duration>) -> usize {
        let progress: Vec<Arc<Progress>> = self.senders.iter().flatten().map(|(_, p)| p.clone()).collect();
        self.senders.clear();
        if let Some(runtime) = self.runtime.take() {
            let tasks = std::mem::take(&mut self.tasks);
            // On a thread of its own: the caller may be inside the run's runtime, where blocking
            // on another is not allowed.
            std::thread::scope(|scope| {
                scope.spawn(|| {
                    let pending: usize =
                        progress.iter().map(|p| p.pending.load(std::sync::atomic::Ordering::SeqCst)).sum();
                    if pending > 0 {
                        notices::say(Level::Info, format!("delivering {pending} update(s) still queued for the webhooks (Ctrl-C stops waiting)"));
                    }
                    runtime.block_on(async {
                        let wait = async {
                            match stall {
                                Some(stall) => worker::settle(&progress, stall).await,
                                None => {
                                    futures::future::join_all(tasks).await;
                                }
                            }
                        };
                        tokio::select! {
                            () = wait => {}
                            _ = tokio::signal::ctrl_c() => notices::say(Level::Info, "interrupted: no longer waiting for the webhooks"),
                        }
                    })
                });
            });
            // What is still retrying stays journaled for the next run.
            runtime.shutdown_background();
        }
        let records = self.log.read();
        let left: Vec<Delivery> = log::undelivered(&records, &identities(&self.plan))
            .into_iter()
            .filter_map(|(d, now)| now.map(|_| d))
            .collect();
        let secrets = Secrets::from_env(&self.plan).unwrap_or_default();
        let mut per_hook: BTreeMap<usize, usize> = BTreeMap::new();
        for d in &left {
            *per_hook.entry(d.webhook).or_default() += 1;
        }
        for (index, n) in per_hook {
            let name = target(&self.plan, index, &secrets)
                .map_or_else(|| format!("webhook {}", index + 1), |t| t.name);
            notices::say(
                Level::Info,
                format!(
                    "{n} update(s) not delivered to {name} yet: kept in {}; the next run or `{}` sends them",
                    self.log.path().display(),
                    self.deliver_command
                ),
            );
        }
        left.len()
    }
}

/// What a webhook is, whatever its place in the plan: its format and its URL as written.
pub fn identity(hook: &crate::plan::Webhook) -> String {
    format!("{:?} {}", hook.format, hook.url.raw())
}

fn identities(plan: &Plan) -> Vec<String> {
    plan.announce.webhooks.iter().map(identity).collect()
}

/// Webhook `index` of the plan with its secrets resolved; `None` (said once) when one is missing.
fn target(plan: &Plan, index: usize, secrets: &Secrets) -> Option<Target> {
    let hook = plan.announce.webhooks.get(index)?;
    let format = match hook.format {
        WebhookFormat::Json => "json",
        WebhookFormat::Slack => "slack",
        WebhookFormat::Statuspage => "statuspage",
    };
    let name = |host: &str| format!("webhook {} ({format}, {host})", index + 1);
    Target::resolve(index, name, hook.format, &hook.url, &hook.headers, hook.pace, secrets)
}

/// Sends `update` to every webhook now, outside any run (an approval), and waits for the
/// outcome: how many webhooks accepted it. What was not accepted stays queued for the next run.
pub fn deliver_now(plan: &Plan, dir: &Path, update: &Update) -> usize {
    let Ok(runtime) = crate::runtime::local() else { return 0 };
    let plan = Arc::new(plan.clone());
    let log = Arc::new(Log::new(dir));
    let records = log.read();
    let incidents = log::incidents(&records, &identities(&plan));
    let secrets = Secrets::from_env(&plan).unwrap_or_default();
    runtime.block_on(async {
        let mut tasks = Vec::new();
        for (index, hook) in plan.announce.webhooks.iter().enumerate() {
            let Some(t) = target(&plan, index, &secrets) else { continue };
            let d = Delivery {
                key: update.key.clone(),
                webhook: index,
                hook: identity(hook),
                body: payload::payload(&plan, hook, update),
            };
            log.append(&Record::queued(&d));
            let (tx, rx) = mpsc::unbounded_channel();
            let _ = tx.send(d);
            drop(tx);
            let incident = incidents.get(&index).cloned();
            let progress = Progress::new();
            progress.queued();
            tasks.push(progress.clone());
            tokio::spawn(worker::run(t, rx, log.clone(), incident, secrets.clone(), progress));
        }
        // Until each webhook answered, or stopped making progress: what is left stays queued.
        while !tasks.iter().all(|p| p.settled(STALL)) {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    });
    log.read().iter().filter(|r| matches!(r, Record::Delivered { key, .. } if *key == update.key)).count()
}

/// Sends what earlier runs left undelivered, outside any run (`restorectl announce deliver`);
/// returns how many deliveries are still left.
pub fn deliver_pending(plan: Arc<Plan>, dir: &Path, deliver_command: String, approved: Vec<Update>) -> usize {
    Poster::new(plan, dir, deliver_command, approved).finish(Some(STALL))
}

/// How long an end of deliveries (a run's, `announce approve|deliver`) waits for an endpoint that
/// makes no progress: after that what is left stays queued.
pub const STALL: Duration = Duration::from_secs(5);

/// How many deliveries in `dir` were refused for good.
pub fn refused(dir: &Path) -> usize {
    log::refused(&Log::new(dir).read())
}

/// The component states a Statuspage webhook of `plan` would publish, from `states`.
pub fn components(plan: &Plan, states: &[ServiceState]) -> BTreeMap<String, ServiceState> {
    plan.announce
        .webhooks
        .iter()
        .flat_map(|h| &h.components)
        .filter_map(|(service, _)| {
            let i = plan.index_of(service.get_ref()).ok()?;
            Some((service.get_ref().clone(), *states.get(i)?))
        })
        .collect()
}
