//! The run: the scheduler driven over time. Starts every service the scheduler allows, takes each
//! through probe → restore → verify with retries and exponential backoff, and emits every step as an
//! event. Live and dry runs share all of this; only the executor (real or simulated) and the clock
//! (real or tokio's paused virtual time) differ.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

use crate::event::{Event, Outcome, RunMode, Secs, Svc};
use crate::graph::Graph;
use crate::plan::Plan;
use crate::schedule::{Change, Scheduler};

/// The work itself: checks and restore actions, real or simulated.
pub trait Executor: Send + Sync + 'static {
    /// Takes over a restore attempt an earlier run left unfinished (it died while the action ran,
    /// or before its result was verified): waits for it to end and says how it ended. `None` when
    /// there is nothing to take over.
    fn resume(&self, service: usize, em: &Emitter) -> impl Future<Output = Option<Resumed>> + Send;
    /// Probes a service's checks once: `Some(true)` healthy, `Some(false)` down, `None` unknown.
    fn probe(&self, service: usize, em: &Emitter) -> impl Future<Output = Option<bool>> + Send;
    /// Runs the restore action once; `Ok` when it completed successfully.
    fn restore(
        &self,
        service: usize,
        attempt: u32,
        em: &Emitter,
    ) -> impl Future<Output = Result<(), String>> + Send;
    /// Waits until the service is verified healthy, or says why not.
    fn verify(&self, service: usize, em: &Emitter) -> impl Future<Output = Result<(), String>> + Send;
    /// Where an attempt's output is kept, if anywhere.
    fn log(&self, service: usize, attempt: u32) -> Option<String>;
    /// Kills every running action now (second Ctrl-C); says which (service, attempt) it killed.
    fn kill_all(&self) -> Vec<(usize, u32)>;
}

/// A restore attempt of an earlier run, taken over: which one, and how its action ended.
pub struct Resumed {
    pub attempt: u32,
    pub ended: Result<(), String>,
}

/// What kind of run this is.
#[derive(Debug, Clone)]
pub struct RunConfig {
    /// Names the run's logs and the confirmations meant for it.
    pub id: String,
    /// How many services are worked on at once.
    pub jobs: usize,
    pub mode: RunMode,
}

enum Msg {
    Event(Event, Option<oneshot::Sender<()>>),
    Done(usize, bool),
    /// Service `i`'s RTO has passed.
    Deadline(usize),
}

/// How a task reports events to the driver, stamped with the run's clock.
#[derive(Clone)]
pub struct Emitter {
    tx: mpsc::UnboundedSender<Msg>,
    start: Instant,
    pub plan: Arc<Plan>,
    /// The services' ids, shared by every event about them.
    ids: Arc<[Arc<str>]>,
}

impl Emitter {
    pub fn at(&self) -> Secs {
        self.start.elapsed().into()
    }

    /// Reports an event.
    pub fn emit(&self, e: Event) {
        let _ = self.tx.send(Msg::Event(e, None));
    }

    /// Reports an event and waits until every reporter (the journal first) has recorded it.
    /// Says whether it was: `false` when the journal could not be written.
    pub async fn record(&self, e: Event) -> bool {
        let (ack, done) = oneshot::channel::<()>();
        // The sink answers once the event is recorded, and drops the sender if it cannot be.
        self.tx.send(Msg::Event(e, Some(ack))).is_ok() && done.await.is_ok()
    }

    /// The event's name for service `service`.
    pub fn id(&self, service: usize) -> Svc {
        Svc::new(service, self.ids[service].clone())
    }
}

/// A stream of Ctrl-C presses (live runs); `None` in tests and dry runs.
pub type Interrupts = Option<mpsc::UnboundedReceiver<()>>;

/// Given to the sink with each event. `recorded()` says the event is recorded: a task that waits
/// for its event to be journaled (before starting a process) goes on then; dropped unanswered, it
/// says the journal failed, and the task does not act. A sink that hands events to another thread
/// hands the `Ack` along with them.
pub struct Ack(Option<oneshot::Sender<()>>);

impl Ack {
    /// Whether a task waits for this event to be recorded.
    pub fn awaited(&self) -> bool {
        self.0.is_some()
    }

    /// Tells the waiting task the event is recorded (dropping the `Ack` instead says it is not).
    pub fn recorded(self) {
        if let Some(tx) = self.0 {
            let _ = tx.send(());
        }
    }
}

/// Runs the plan. `sink` sees every event, in order; returns how the run ended.
pub async fn run<E: Executor>(
    plan: Arc<Plan>,
    graph: &Graph,
    exec: Arc<E>,
    config: &RunConfig,
    mut interrupts: Interrupts,
    sink: &mut dyn FnMut(&Event, Ack),
) -> Outcome {
    let durations: Vec<Duration> = plan.services.iter().map(|s| s.duration).collect();
    let phases: Vec<Option<usize>> = plan.services.iter().map(|s| s.phase).collect();
    let mut sched = Scheduler::new(graph, &durations, &phases, plan.phases.len(), config.jobs);
    let (tx, mut rx) = mpsc::unbounded_channel();
    let ids = plan.services.iter().map(|s| Arc::from(s.id.as_str())).collect();
    let em = Emitter { tx, start: Instant::now(), plan: plan.clone(), ids };
    let started = Event::RunStarted {
        run: config.id.clone(),
        services: plan.services.len(),
        dry_run: config.mode.is_dry(),
        jobs: config.jobs,
    };
    sink(&started, Ack(None));
    let mut online_count = 0;
    let mut online = vec![false; plan.services.len()];
    // One timer per RTO, on the run's clock (virtual in a dry run), so a miss is known when it happens.
    let mut deadlines = tokio::task::JoinSet::new();
    for (i, s) in plan.services.iter().enumerate() {
        if let Some(rto) = s.rto {
            let tx = em.tx.clone();
            deadlines.spawn(async move {
                // Missed means online later than the RTO: at the RTO itself it is still met.
                tokio::time::sleep(rto + Duration::from_millis(1)).await;
                let _ = tx.send(Msg::Deadline(i));
            });
        }
    }
    let mut running: Vec<usize> = Vec::new();
    // Running services that wait for a person, not for a process.
    let mut on_people: HashSet<usize> = HashSet::new();
    let mut presses = 0;
    let mut tasks = tokio::task::JoinSet::new();
    loop {
        while let Some(i) = sched.start_next() {
            running.push(i);
            let (exec, em) = (exec.clone(), em.clone());
            tasks.spawn(async move {
                let online = restore_one(&*exec, i, &em).await;
                let _ = em.tx.send(Msg::Done(i, online));
            });
        }
        if sched.finished() {
            break;
        }
        tokio::select! {
            msg = rx.recv() => match msg {
                Some(Msg::Event(e, ack)) => {
                    if let Event::WaitingForOperator { service, .. } = &e
                        && let Some(i) = service.index()
                    {
                        on_people.insert(i);
                    }
                    sink(&e, Ack(ack));
                }
                Some(Msg::Deadline(i)) => {
                    if !online[i] {
                        let rto = plan.services[i].rto.unwrap_or_default().into();
                        sink(&Event::RtoMissed { service: em.id(i), at: em.at(), rto }, Ack(None));
                    }
                }
                Some(Msg::Done(i, up)) => {
                    running.retain(|&r| r != i);
                    on_people.remove(&i);
                    online_count += usize::from(up);
                    online[i] = up;
                    for change in sched.complete(i, up) {
                        let at = em.at();
                        match change {
                            Change::Blocked { service, by } => {
                                sink(&Event::Blocked { service: em.id(service), at, by: em.id(by).to_string() }, Ack(None));
                            }
                            Change::PhaseComplete { phase } => {
                                sink(&Event::PhaseComplete { phase: plan.phases[phase].id.clone(), at }, Ack(None));
                            }
                        }
                    }
                }
                None => break,
            },
            Some(()) = next_press(&mut interrupts) => {
                presses += 1;
                sched.stop();
                let waiting_for = running.iter().map(|&i| em.id(i).to_string()).collect();
                let force = presses > 1;
                sink(&Event::Interrupting { at: em.at(), waiting_for, force, only_people: false }, Ack(None));
                if force {
                    drain(&mut rx, sink);
                    kill_now(&*exec, &em, sink, &mut tasks);
                    break;
                }
            }
        }
        // Interrupted, and nothing left but people to wait for: a person may take hours, so stop
        // now (whether that was so at the press or became so since).
        if presses == 1 && !running.is_empty() && running.iter().all(|i| on_people.contains(i)) {
            let waiting_for = running.iter().map(|&i| em.id(i).to_string()).collect();
            sink(
                &Event::Interrupting { at: em.at(), waiting_for, force: true, only_people: true },
                Ack(None),
            );
            drain(&mut rx, sink);
            kill_now(&*exec, &em, sink, &mut tasks);
            break;
        }
    }
    deadlines.abort_all();
    // Events of tasks that finished together with the last completion.
    drain(&mut rx, sink);
    let outcome = if presses > 0 {
        Outcome::Interrupted
    } else if online_count == plan.services.len() {
        Outcome::Success
    } else {
        Outcome::Failed
    };
    sink(&Event::RunFinished { at: em.at(), outcome }, Ack(None));
    outcome
}

/// Hands the sink every event already sent (before a kill is journaled, or the run's end).
fn drain(rx: &mut mpsc::UnboundedReceiver<Msg>, sink: &mut dyn FnMut(&Event, Ack)) {
    while let Ok(msg) = rx.try_recv() {
        if let Msg::Event(e, ack) = msg {
            sink(&e, Ack(ack));
        }
    }
}

/// Stops every task and kills every running action, journaling each killed attempt.
fn kill_now<E: Executor>(
    exec: &E,
    em: &Emitter,
    sink: &mut dyn FnMut(&Event, Ack),
    tasks: &mut tokio::task::JoinSet<()>,
) {
    tasks.abort_all();
    for (i, attempt) in exec.kill_all() {
        let killed = Event::ActionFinished {
            service: em.id(i),
            attempt,
            at: em.at(),
            ok: false,
            detail: "killed (interrupted)".into(),
            log: exec.log(i, attempt),
        };
        sink(&killed, Ack(None));
    }
}

async fn next_press(interrupts: &mut Interrupts) -> Option<()> {
    match interrupts {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

/// One service: take over what an earlier run left unfinished, or probe; if down, restore and
/// verify, retrying with exponential backoff.
async fn restore_one<E: Executor>(exec: &E, i: usize, em: &Emitter) -> bool {
    let service = &em.plan.services[i];
    em.emit(Event::ServiceStarted { service: em.id(i), at: em.at() });
    let mut attempt = match exec.resume(i, em).await {
        // The earlier run's attempt counts as one of ours: verified like ours, retried like ours.
        Some(Resumed { attempt, ended }) => {
            finished(exec, i, em, attempt, &ended);
            match settle(exec, i, em, attempt, ended).await {
                Some(up) => return up,
                None => attempt + 1,
            }
        }
        None => {
            if exec.probe(i, em).await == Some(true) {
                em.emit(Event::AlreadyOnline { service: em.id(i), at: em.at() });
                return true;
            }
            1
        }
    };
    while attempt <= tries(service) {
        let started = Event::ActionStarted { service: em.id(i), attempt, at: em.at() };
        if service.restore.is_some() && !em.record(started).await {
            // Never act on what the journal does not hold: a crash would forget it.
            let reason =
                "the journal could not record the start of the restore, so it was not started".to_owned();
            em.emit(Event::Failed {
                service: em.id(i),
                at: em.at(),
                attempts: attempt,
                of: tries(service),
                reason,
                log: None,
            });
            return false;
        }
        let restored = exec.restore(i, attempt, em).await;
        if service.restore.is_some() {
            finished(exec, i, em, attempt, &restored);
        }
        if let Some(up) = settle(exec, i, em, attempt, restored).await {
            return up;
        }
        attempt += 1;
    }
    false
}

fn tries(service: &crate::plan::Service) -> u32 {
    service.restore.as_ref().map_or(0, |r| r.retries) + 1
}

fn finished<E: Executor>(exec: &E, i: usize, em: &Emitter, attempt: u32, result: &Result<(), String>) {
    let (ok, detail) = match result {
        Ok(()) => (true, "done".to_owned()),
        Err(e) => (false, e.clone()),
    };
    let log = exec.log(i, attempt);
    em.emit(Event::ActionFinished { service: em.id(i), attempt, at: em.at(), ok, detail, log });
}

/// After an attempt's action: verify it, then the service is online (`Some(true)`), failed for
/// good (`Some(false)`), or gets another attempt after its backoff (`None`).
async fn settle<E: Executor>(
    exec: &E,
    i: usize,
    em: &Emitter,
    attempt: u32,
    restored: Result<(), String>,
) -> Option<bool> {
    let service = &em.plan.services[i];
    let id = em.id(i);
    let result = match restored {
        Ok(()) => {
            em.emit(Event::Verifying { service: id.clone(), attempt, at: em.at() });
            exec.verify(i, em).await
        }
        Err(e) => Err(e),
    };
    let of = tries(service).max(attempt);
    let log = exec.log(i, attempt);
    match result {
        Ok(()) => {
            em.emit(Event::Online { service: id, at: em.at(), attempts: attempt });
            Some(true)
        }
        Err(reason) if attempt < of => {
            let backoff = service.restore.as_ref().map_or(Duration::ZERO, |r| r.backoff);
            let wait = backoff.saturating_mul(1 << (attempt - 1).min(16));
            em.emit(Event::Retrying {
                service: id,
                attempt,
                of,
                at: em.at(),
                after: wait.into(),
                reason,
                log,
            });
            tokio::time::sleep(wait).await;
            None
        }
        Err(reason) => {
            em.emit(Event::Failed { service: id, at: em.at(), attempts: attempt, of, reason, log });
            Some(false)
        }
    }
}
