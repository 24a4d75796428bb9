//! A run under way: the scheduler, what runs and what is watched, the RTO timers, and one handler
//! per message the services' tasks and timers send (`on`), per Ctrl-C (`on_press`).

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use super::config::RunConfig;
use super::deadlines;
use super::emitter::{Ack, Emitter, Ended, Msg};
use super::executor::Executor;
use super::service;
use crate::event::{Event, FailKind, Failure, Outcome, Secs};
use crate::graph::Graph;
use crate::plan::{OnFailure, Plan};
use crate::schedule::{Change, Scheduler};

/// A run under way: the scheduler, what runs and what is watched, and one handler per message
/// the tasks and timers send (`on`), per Ctrl-C (`on_press`).
pub(super) struct Run<'a, E: Executor> {
    plan: Arc<Plan>,
    graph: &'a Graph,
    exec: Arc<E>,
    config: &'a RunConfig,
    sink: &'a mut dyn FnMut(&Event, Ack),
    sched: Scheduler<'a>,
    em: Emitter,
    /// Becomes `true` at the first Ctrl-C (the tasks read it through the emitter).
    stop: watch::Sender<bool>,
    left_out: Vec<bool>,
    online: Vec<bool>,
    critical: Vec<bool>,
    /// Watched after coming online: until when; what is being watched.
    watch_until: Vec<Option<Instant>>,
    watching: HashSet<usize>,
    watches: tokio::task::JoinSet<()>,
    /// The latest attempt of each service: a restore after a fall-back numbers on from it.
    attempts: Vec<u32>,
    /// When each service last came back, by its own event (once back, its RTO was met then,
    /// whatever happens after).
    back_at: Vec<Option<Secs>>,
    /// Restored in this run (not found online): a person's confirmation of what depends on it,
    /// given in an earlier run, no longer holds.
    restored: Vec<bool>,
    halted: bool,
    /// One timer per RTO, on the run's clock (virtual in a dry run).
    deadlines: tokio::task::JoinSet<()>,
    running: Vec<usize>,
    /// Running services that wait for a person, not for a process.
    on_people: HashSet<usize>,
    presses: u32,
    tasks: tokio::task::JoinSet<()>,
}

impl<'a, E: Executor> Run<'a, E> {
    pub(super) fn new(
        plan: Arc<Plan>,
        graph: &'a Graph,
        exec: Arc<E>,
        config: &'a RunConfig,
        sink: &'a mut dyn FnMut(&Event, Ack),
    ) -> (Self, mpsc::UnboundedReceiver<Msg>) {
        let n = plan.services.len();
        let durations: Vec<Duration> = plan.services.iter().map(|s| s.duration).collect();
        let phases: Vec<Option<usize>> = plan.services.iter().map(|s| s.phase).collect();
        let critical: Vec<bool> = plan.services.iter().map(|s| s.critical).collect();
        let sched = Scheduler::new(graph, &durations, &phases, &critical, plan.phases.len(), config.jobs);
        let (tx, rx) = mpsc::unbounded_channel();
        let ids = plan.services.iter().map(|s| Arc::from(s.id.as_str())).collect();
        let (stop, stopping) = watch::channel(false);
        let em = Emitter { tx, start: Instant::now(), plan: plan.clone(), ids, stopping };
        let left_out = (0..n).map(|i| config.selection.leaves_out(i)).collect();
        let run = Run {
            plan,
            graph,
            exec,
            config,
            sink,
            sched,
            em,
            stop,
            left_out,
            online: vec![false; n],
            critical,
            watch_until: vec![None; n],
            watching: HashSet::new(),
            watches: tokio::task::JoinSet::new(),
            attempts: vec![0; n],
            back_at: vec![None; n],
            restored: vec![false; n],
            halted: false,
            deadlines: tokio::task::JoinSet::new(),
            running: Vec::new(),
            on_people: HashSet::new(),
            presses: 0,
            tasks: tokio::task::JoinSet::new(),
        };
        (run, rx)
    }

    fn emit(&mut self, e: &Event) {
        (self.sink)(e, Ack(None));
    }

    /// The run's start: what the selection leaves out, and a timer per RTO.
    pub(super) fn begin(&mut self) {
        let em = self.em.clone();
        let started = Event::RunStarted {
            run: self.config.id.clone(),
            services: self.plan.services.len(),
            dry_run: self.config.mode.is_dry(),
            jobs: self.config.jobs,
            by: self.config.operator.clone().map(Box::new),
        };
        self.emit(&started);
        let sel = &self.config.selection;
        for i in (0..self.plan.services.len()).filter(|&i| sel.out.get(i).copied().unwrap_or(false)) {
            self.sched.skip(i, true);
            let reason = "not in this run's selection".to_owned();
            let skipped = Event::Skipped {
                service: em.id(i),
                at: em.at(),
                reason,
                by: None,
                assumed_online: true,
                signer: None,
            };
            self.emit(&skipped);
        }
        for (n, &(i, assumed_online)) in sel.skipped.iter().enumerate() {
            let changes = self.sched.skip(i, assumed_online);
            let (reason, by) = (sel.reason.clone(), sel.by.clone());
            let signer = sel.signers.get(n).cloned().map(Box::new);
            let skipped =
                Event::Skipped { service: em.id(i), at: em.at(), reason, by, assumed_online, signer };
            self.emit(&skipped);
            self.told(changes, em.at());
        }
        // RTOs count from the incident's start; one back in an earlier run of it was decided then.
        let left_out = &self.left_out;
        let timed =
            (0..self.plan.services.len()).filter(|&i| !left_out[i] && self.config.incident.back(i).is_none());
        for i in timed.collect::<Vec<_>>() {
            deadlines::start(&mut self.deadlines, &self.plan, &self.config.incident, i, self.em.tx.clone());
        }
    }

    /// Starts every service the scheduler allows now, each in a task of its own.
    pub(super) fn start_ready(&mut self) {
        while let Some(i) = self.sched.start_next() {
            self.running.push(i);
            let (exec, em) = (self.exec.clone(), self.em.clone());
            // After a fall-back, its attempts number on from the earlier ones (whose logs stay).
            let first = self.attempts[i] + 1;
            let reconfirm = self.plan.services[i].checks.is_empty()
                && service::restored_below(self.graph, &self.restored, i);
            self.tasks.spawn(async move {
                let ended = service::restore_one(&*exec, i, &em, (first, reconfirm)).await;
                let _ = em.tx.send(Msg::Done(i, ended));
            });
        }
    }

    /// One message from a task or a timer.
    pub(super) fn on(&mut self, msg: Msg) {
        match msg {
            Msg::Event(e, ack) => self.on_event(e, ack),
            Msg::AtRisk(i) => self.on_rto(i, false),
            Msg::Deadline(i) => self.on_rto(i, true),
            Msg::Done(i, ended) => self.on_done(i, ended),
            Msg::Watched(i, held) => self.on_watched(i, held),
        }
    }

    /// A task's event: noted where the run needs it, then handed on.
    fn on_event(&mut self, e: Event, ack: Option<tokio::sync::oneshot::Sender<()>>) {
        match &e {
            Event::ActionStarted { service, attempt, .. } => {
                if let Some(i) = service.index() {
                    self.attempts[i] = *attempt;
                }
            }
            Event::Online { service, at, .. } | Event::AlreadyOnline { service, at } => {
                if let Some(i) = service.index() {
                    self.back_at[i] = Some(*at);
                    self.restored[i] |= matches!(e, Event::Online { .. });
                }
            }
            Event::WaitingForOperator { service, .. } | Event::WaitingForApproval { service, .. } => {
                if let Some(i) = service.index() {
                    self.on_people.insert(i);
                }
            }
            _ => {}
        }
        (self.sink)(&e, Ack(ack));
    }

    /// An RTO timer: at risk, or (`missed`) passed, unless the service is back.
    fn on_rto(&mut self, i: usize, missed: bool) {
        if self.back_at[i].is_some() {
            return;
        }
        let (service, at) = (self.em.id(i), self.em.at());
        let rto = self.plan.services[i].rto.unwrap_or_default().into();
        self.emit(&if missed {
            Event::RtoMissed { service, at, rto }
        } else {
            Event::RtoAtRisk { service, at, rto }
        });
    }

    /// A service's task ended: online, failed, or stopped before its next attempt.
    fn on_done(&mut self, i: usize, ended: Ended) {
        self.running.retain(|&r| r != i);
        self.on_people.remove(&i);
        if ended == Ended::Stopped {
            self.sched.abandon(i);
            return;
        }
        let up = ended == Ended::Online;
        self.online[i] = up;
        // Watched once online: from now, or (back after a fall-back) for what is left.
        let watch_of = |i: usize| {
            let s = &self.plan.services[i];
            s.watch.or(self.config.watch).filter(|_| !s.checks.is_empty())
        };
        let until = self.watch_until[i].or_else(|| watch_of(i).map(|w| Instant::now() + w));
        if let Some(until) = until.filter(|u| up && !self.halted && self.presses == 0 && Instant::now() < *u)
        {
            self.watch_until[i] = Some(until);
            self.watching.insert(i);
            let till = Secs(self.em.at().0 + (until - Instant::now()).as_secs_f64());
            self.emit(&Event::Watching { service: self.em.id(i), at: self.em.at(), until: till });
            let (exec, em) = (self.exec.clone(), self.em.clone());
            self.watches.spawn(async move {
                let held = exec.watch(i, until, &em).await;
                let _ = em.tx.send(Msg::Watched(i, held));
            });
        }
        // A critical failure with `on_failure = "halt"`: nothing new starts, and nothing more is
        // watched.
        if !up && self.critical[i] && self.plan.on_failure == OnFailure::Halt && !self.halted {
            self.halted = true;
            self.sched.stop();
            self.watches.abort_all();
            self.watching.clear();
            let waiting_for = self.running.iter().map(|&r| self.em.id(r).to_string()).collect();
            self.emit(&Event::Halting { at: self.em.at(), by: self.em.id(i).to_string(), waiting_for });
        }
        // What a service coming back completes happened when it came back, not when this loop
        // got to it: one instant, one customer update.
        let at = self.back_at[i].filter(|_| up).unwrap_or_else(|| self.em.at());
        let changes = self.sched.complete(i, up);
        self.told(changes, at);
    }

    /// A watch ended: held to its end, or the service fell back (restored again under its plan,
    /// in its turn; what depends on it and has not started waits for it again).
    fn on_watched(&mut self, i: usize, held: Result<(), Failure>) {
        self.watching.remove(&i);
        match held {
            Ok(()) => {
                if self.watch_until[i].is_some_and(|u| Instant::now() >= u) {
                    self.emit(&Event::Watched { service: self.em.id(i), at: self.em.at() });
                }
            }
            Err(failure) if !self.halted && self.presses == 0 => {
                self.online[i] = false;
                let (detail, kind) = (failure.detail, Some(failure.kind));
                self.emit(&Event::FellBack { service: self.em.id(i), at: self.em.at(), detail, kind });
                let changes = self.sched.reopen(i);
                self.told(changes, self.em.at());
            }
            Err(_) => {}
        }
    }

    /// Ctrl-C: the first stops starting new work, the second kills what runs. Says whether the
    /// run goes on.
    pub(super) fn on_press(&mut self, rx: &mut mpsc::UnboundedReceiver<Msg>) -> bool {
        self.presses += 1;
        self.sched.stop();
        let _ = self.stop.send(true);
        let force = self.presses > 1;
        self.interrupting(force, false);
        if force {
            self.drain(rx);
            self.kill_now();
        }
        !force
    }

    /// Interrupted or halted, and nothing left but people to wait for: a person may take hours,
    /// so the run stops now (whether that was so at the press or the halt, or became so since).
    pub(super) fn stop_if_only_people_left(&mut self, rx: &mut mpsc::UnboundedReceiver<Msg>) -> bool {
        let stopping = self.presses == 1 || self.halted;
        if !stopping || self.running.is_empty() || !self.running.iter().all(|i| self.on_people.contains(i)) {
            return false;
        }
        self.interrupting(true, true);
        self.drain(rx);
        self.kill_now();
        true
    }

    fn interrupting(&mut self, force: bool, only_people: bool) {
        let waiting_for = self.running.iter().map(|&i| self.em.id(i).to_string()).collect();
        self.emit(&Event::Interrupting { at: self.em.at(), waiting_for, force, only_people });
    }

    /// Tells the sink what the scheduler's answer changed (`at`): services blocked, phases complete.
    fn told(&mut self, changes: Vec<Change>, at: Secs) {
        for change in changes {
            let e = match change {
                Change::Blocked { service, by } => {
                    Event::Blocked { service: self.em.id(service), at, by: self.em.id(by).to_string() }
                }
                Change::PhaseComplete { phase } => {
                    Event::PhaseComplete { phase: self.plan.phases[phase].id.clone(), at }
                }
            };
            self.emit(&e);
        }
    }

    /// Hands the sink every event already sent (before a kill is journaled, or the run's end).
    fn drain(&mut self, rx: &mut mpsc::UnboundedReceiver<Msg>) {
        while let Ok(msg) = rx.try_recv() {
            if let Msg::Event(e, ack) = msg {
                (self.sink)(&e, Ack(ack));
            }
        }
    }

    /// Stops every task and kills every running action, journaling each killed attempt.
    fn kill_now(&mut self) {
        self.tasks.abort_all();
        for (i, attempt) in self.exec.kill_all() {
            let killed = Event::ActionFinished {
                service: self.em.id(i),
                attempt,
                at: self.em.at(),
                ok: false,
                detail: "killed (interrupted)".into(),
                kind: Some(FailKind::Interrupted),
                log: self.exec.log(i, attempt),
            };
            self.emit(&killed);
        }
    }

    /// Nothing left to start, run or watch.
    pub(super) fn all_done(&self) -> bool {
        self.sched.finished() && self.watching.is_empty()
    }

    /// The run's end: its timers stopped, the events of tasks that finished together with the
    /// last completion handed on, and how it ended.
    pub(super) fn end(mut self, rx: &mut mpsc::UnboundedReceiver<Msg>) -> Outcome {
        self.deadlines.abort_all();
        self.drain(rx);
        self.outcome()
    }

    /// How the run ended, said last. Success: every critical service online (a non-critical one
    /// may have failed), nothing halted, nothing interrupted.
    fn outcome(mut self) -> Outcome {
        let all_up = self
            .plan
            .services
            .iter()
            .zip(&self.online)
            .zip(&self.left_out)
            .all(|((s, &up), &out)| up || out || !s.critical);
        let outcome = if self.presses > 0 {
            Outcome::Interrupted
        } else if all_up && !self.halted {
            Outcome::Success
        } else {
            Outcome::Failed
        };
        self.emit(&Event::RunFinished { at: self.em.at(), outcome });
        outcome
    }
}
