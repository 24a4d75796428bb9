//! The run: the scheduler driven over time. Starts every service the scheduler allows, takes each
//! through probe → restore → verify with retries and exponential backoff, and emits every step as an
//! event. Live and dry runs share all of this; only the executor (real or simulated) and the clock
//! (real or tokio's paused virtual time) differ.

mod config;
mod emitter;
mod executor;
mod service;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use crate::event::{Event, FailKind, Outcome, Secs};
use crate::graph::Graph;
use crate::plan::{OnFailure, Plan};
use crate::schedule::{Change, Scheduler};
pub use config::{RunConfig, Selection};
pub use emitter::{Ack, Emitter};
use emitter::{Ended, Msg};
pub use executor::{Executor, Resumed};

/// A stream of Ctrl-C presses (live runs); `None` in tests and dry runs.
pub type Interrupts = Option<mpsc::UnboundedReceiver<()>>;

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
    let critical: Vec<bool> = plan.services.iter().map(|s| s.critical).collect();
    let mut sched = Scheduler::new(graph, &durations, &phases, &critical, plan.phases.len(), config.jobs);
    let (tx, mut rx) = mpsc::unbounded_channel();
    let ids = plan.services.iter().map(|s| Arc::from(s.id.as_str())).collect();
    let (stop, stopping) = watch::channel(false);
    let em = Emitter { tx, start: Instant::now(), plan: plan.clone(), ids, stopping };
    let started = Event::RunStarted {
        run: config.id.clone(),
        services: plan.services.len(),
        dry_run: config.mode.is_dry(),
        jobs: config.jobs,
    };
    sink(&started, Ack(None));
    let sel = &config.selection;
    let left_out: Vec<bool> = (0..plan.services.len()).map(|i| sel.leaves_out(i)).collect();
    for i in (0..plan.services.len()).filter(|&i| sel.out.get(i).copied().unwrap_or(false)) {
        sched.skip(i, true);
        let reason = "not in this run's selection".to_owned();
        sink(
            &Event::Skipped {
                service: em.id(i),
                at: em.at(),
                reason,
                by: None,
                assumed_online: true,
                signer: None,
            },
            Ack(None),
        );
    }
    for &(i, assumed_online) in &sel.skipped {
        let changes = sched.skip(i, assumed_online);
        let (reason, by) = (sel.reason.clone(), sel.by.clone());
        let signer = sel.signer.clone().map(Box::new);
        sink(
            &Event::Skipped { service: em.id(i), at: em.at(), reason, by, assumed_online, signer },
            Ack(None),
        );
        told(changes, em.at(), &em, &plan, sink);
    }
    let mut online = vec![false; plan.services.len()];
    // Watched after coming online: until when; what is being watched or restored again.
    // Without checks nothing tells that a service fell back: it is not watched.
    let watch_of =
        |i: usize| plan.services[i].watch.or(config.watch).filter(|_| !plan.services[i].checks.is_empty());
    let mut watch_until: Vec<Option<Instant>> = vec![None; plan.services.len()];
    let mut watching = HashSet::new();
    let mut watches = tokio::task::JoinSet::new();
    // The latest attempt of each service: a restore after a fall-back numbers on from it.
    let mut attempts = vec![0u32; plan.services.len()];
    // When each service last came back, by its own event (once back, its RTO was met then,
    // whatever happens after).
    let mut back_at: Vec<Option<Secs>> = vec![None; plan.services.len()];
    // Restored in this run (not found online): a person's confirmation of what depends on it, given
    // in an earlier run, no longer holds.
    let mut restored = vec![false; plan.services.len()];
    let mut halted = false;
    // One timer per RTO, on the run's clock (virtual in a dry run), so a miss is known when it happens.
    let mut deadlines = tokio::task::JoinSet::new();
    // They count from the incident's start; one back in an earlier run of it was decided then.
    let before = config.incident.before;
    for (i, s) in plan.services.iter().enumerate().filter(|(i, _)| !left_out[*i]) {
        if let Some(rto) = s.rto.filter(|_| config.incident.back(i).is_none()) {
            let tx = em.tx.clone();
            let risk = rto.mul_f64(plan.rto_risk_at);
            deadlines.spawn(async move {
                // Passed before this run began: at risk, then missed, at once (once each).
                let at_risk = risk.saturating_sub(before);
                tokio::time::sleep(at_risk).await;
                let _ = tx.send(Msg::AtRisk(i));
                // Missed means online later than the RTO: at the RTO itself it is still met.
                let missed = (rto + Duration::from_millis(1)).saturating_sub(before);
                tokio::time::sleep(missed.saturating_sub(at_risk)).await;
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
            // After a fall-back, its attempts number on from the earlier ones (whose logs stay).
            let first = attempts[i] + 1;
            let reconfirm = plan.services[i].checks.is_empty() && restored_below(graph, &restored, i);
            tasks.spawn(async move {
                let ended = service::restore_one(&*exec, i, &em, (first, reconfirm)).await;
                let _ = em.tx.send(Msg::Done(i, ended));
            });
        }
        if sched.finished() && watching.is_empty() {
            break;
        }
        tokio::select! {
            msg = rx.recv() => match msg {
                Some(Msg::Event(e, ack)) => {
                    if let Event::ActionStarted { service, attempt, .. } = &e
                        && let Some(i) = service.index()
                    {
                        attempts[i] = *attempt;
                    }
                    if let Event::Online { service, at, .. } | Event::AlreadyOnline { service, at } = &e
                        && let Some(i) = service.index()
                    {
                        back_at[i] = Some(*at);
                        restored[i] |= matches!(e, Event::Online { .. });
                    }
                    if let Event::WaitingForOperator { service, .. } | Event::WaitingForApproval { service, .. } = &e
                        && let Some(i) = service.index()
                    {
                        on_people.insert(i);
                    }
                    sink(&e, Ack(ack));
                }
                Some(Msg::AtRisk(i)) => {
                    if back_at[i].is_none() {
                        let rto = plan.services[i].rto.unwrap_or_default().into();
                        sink(&Event::RtoAtRisk { service: em.id(i), at: em.at(), rto }, Ack(None));
                    }
                }
                Some(Msg::Deadline(i)) => {
                    if back_at[i].is_none() {
                        let rto = plan.services[i].rto.unwrap_or_default().into();
                        sink(&Event::RtoMissed { service: em.id(i), at: em.at(), rto }, Ack(None));
                    }
                }
                Some(Msg::Done(i, Ended::Stopped)) => {
                    running.retain(|&r| r != i);
                    on_people.remove(&i);
                    sched.abandon(i);
                }
                Some(Msg::Done(i, ended)) => {
                    let up = ended == Ended::Online;
                    running.retain(|&r| r != i);
                    on_people.remove(&i);
                    online[i] = up;
                    // Watched once online: from now, or (back after a fall-back) for what is left.
                    let until = watch_until[i].or_else(|| watch_of(i).map(|w| Instant::now() + w));
                    if let Some(until) = until.filter(|u| up && !halted && presses == 0 && Instant::now() < *u) {
                        watch_until[i] = Some(until);
                        watching.insert(i);
                        let till = Secs(em.at().0 + (until - Instant::now()).as_secs_f64());
                        sink(&Event::Watching { service: em.id(i), at: em.at(), until: till }, Ack(None));
                        watch(&exec, &em, &mut watches, i, until);
                    }
                    // A critical failure with `on_failure = "halt"`: nothing new starts, and
                    // nothing more is watched.
                    if !up && critical[i] && plan.on_failure == OnFailure::Halt && !halted {
                        halted = true;
                        sched.stop();
                        watches.abort_all();
                        watching.clear();
                        let waiting_for = running.iter().map(|&r| em.id(r).to_string()).collect();
                        sink(&Event::Halting { at: em.at(), by: em.id(i).to_string(), waiting_for }, Ack(None));
                    }
                    // What a service coming back completes happened when it came back, not when
                    // this loop got to it: one instant, one customer update.
                    let at = back_at[i].filter(|_| up).unwrap_or_else(|| em.at());
                    told(sched.complete(i, up), at, &em, &plan, sink);
                }
                Some(Msg::Watched(i, Ok(()))) => {
                    watching.remove(&i);
                    if watch_until[i].is_some_and(|u| Instant::now() >= u) {
                        sink(&Event::Watched { service: em.id(i), at: em.at() }, Ack(None));
                    }
                }
                Some(Msg::Watched(i, Err(failure))) if !halted && presses == 0 => {
                    watching.remove(&i);
                    online[i] = false;
                    let (detail, kind) = (failure.detail, Some(failure.kind));
                    sink(&Event::FellBack { service: em.id(i), at: em.at(), detail, kind }, Ack(None));
                    // Restored again under its plan, in its turn; what depends on it and has not
                    // started waits for it again.
                    told(sched.reopen(i), em.at(), &em, &plan, sink);
                }
                Some(Msg::Watched(i, Err(_))) => {
                    watching.remove(&i);
                }
                None => break,
            },
            Some(()) = next_press(&mut interrupts) => {
                presses += 1;
                sched.stop();
                let _ = stop.send(true);
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
        // Interrupted or halted, and nothing left but people to wait for: a person may take hours,
        // so stop now (whether that was so at the press or the halt, or became so since).
        if (presses == 1 || halted) && !running.is_empty() && running.iter().all(|i| on_people.contains(i)) {
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
    // Success: every critical service online (a non-critical one may have failed).
    let outcome = if presses > 0 {
        Outcome::Interrupted
    } else if plan
        .services
        .iter()
        .zip(&online)
        .zip(&left_out)
        .all(|((s, &up), &out)| up || out || !s.critical)
        && !halted
    {
        Outcome::Success
    } else {
        Outcome::Failed
    };
    sink(&Event::RunFinished { at: em.at(), outcome }, Ack(None));
    outcome
}

/// Whether anything service `i` depends on, directly or through others, was restored in this run.
fn restored_below(graph: &Graph, restored: &[bool], i: usize) -> bool {
    let mut seen = HashSet::new();
    let mut stack = graph.service_dependencies(i);
    while let Some(d) = stack.pop() {
        if restored[d] {
            return true;
        }
        if seen.insert(d) {
            stack.extend(graph.service_dependencies(d));
        }
    }
    false
}

/// Tells the sink what the scheduler's answer changed (`at`): services blocked, phases complete.
fn told(changes: Vec<Change>, at: Secs, em: &Emitter, plan: &Plan, sink: &mut dyn FnMut(&Event, Ack)) {
    for change in changes {
        let e = match change {
            Change::Blocked { service, by } => {
                Event::Blocked { service: em.id(service), at, by: em.id(by).to_string() }
            }
            Change::PhaseComplete { phase } => {
                Event::PhaseComplete { phase: plan.phases[phase].id.clone(), at }
            }
        };
        sink(&e, Ack(None));
    }
}

/// Watches online service `i` until `until` in a task of its own; it says how that went.
fn watch<E: Executor>(
    exec: &Arc<E>,
    em: &Emitter,
    tasks: &mut tokio::task::JoinSet<()>,
    i: usize,
    until: Instant,
) {
    let (exec, em) = (exec.clone(), em.clone());
    tasks.spawn(async move {
        let held = exec.watch(i, until, &em).await;
        let _ = em.tx.send(Msg::Watched(i, held));
    });
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
            kind: Some(FailKind::Interrupted),
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
