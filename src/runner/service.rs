//! One service's way through a run: take over what an earlier run left, or probe; if down,
//! restore and verify, retrying with exponential backoff until it is online, fails for good, or the
//! run is interrupted.

use std::collections::HashSet;
use std::time::Duration;

use super::emitter::{Emitter, Ended};
use super::executor::{Executor, Resumed};
use crate::event::{Event, FailKind, Failure};
use crate::graph::Graph;

/// One service: take over what an earlier run left unfinished, or probe; if down, restore and
/// verify, retrying with exponential backoff.
/// Attempts are numbered from `first` (after a fall-back, on from the earlier ones, whose logs and
/// evidence stay); the plan's retries count from it. `reconfirm`: what it depends on was restored in
/// this run, so an earlier run's confirmation of it does not hold.
pub(super) async fn restore_one<E: Executor>(
    exec: &E,
    i: usize,
    em: &Emitter,
    (first, reconfirm): (u32, bool),
) -> Ended {
    let service = &em.plan.services[i];
    // The attempts this restore may make: from `first`, as many as the plan gives.
    let span = (first, first - 1 + tries(service));
    em.emit(Event::ServiceStarted { service: em.id(i), at: em.at() });
    let mut attempt = match exec.resume(i, em).await {
        // The earlier run's attempt counts as one of ours: verified like ours, retried like ours.
        Some(Resumed { attempt, ended }) => {
            finished(exec, i, em, attempt, &ended);
            match settle(exec, i, em, (attempt, span), ended).await {
                Some(ended) => return ended,
                None => attempt + 1,
            }
        }
        None => {
            // A gate an earlier run began and never passed keeps the service out, healthy or not.
            let held = exec.held(i);
            if let Some(reason) = &held {
                em.emit(Event::Quarantined { service: em.id(i), at: em.at(), reason: reason.clone() });
            }
            match exec.probe(i, em).await {
                Some(true) if held.is_none() && !reconfirm => {
                    em.emit(Event::AlreadyOnline { service: em.id(i), at: em.at() });
                    return Ended::Online;
                }
                // Confirmed before what it needs went down and came back: asked again.
                Some(true) if held.is_none() => first,
                // Up, but not cleared: its gates and sign-offs again, without restoring it again.
                Some(true) => match settle(exec, i, em, (first, span), Ok(())).await {
                    Some(ended) => return ended,
                    None => first + 1,
                },
                _ => first,
            }
        }
    };
    while attempt <= span.1 {
        if em.stopping() {
            // Interrupted: what runs may finish, nothing new starts (a retry included).
            em.emit(Event::NotRetried { service: em.id(i), at: em.at(), attempt });
            return Ended::Stopped;
        }
        let started = Event::ActionStarted { service: em.id(i), attempt, at: em.at() };
        if service.restore.is_some() && !em.record(started).await {
            // Never act on what the journal does not hold: a crash would forget it.
            let reason =
                "the journal could not record the start of the restore, so it was not started".to_owned();
            em.emit(Event::Failed {
                service: em.id(i),
                at: em.at(),
                attempts: attempt,
                of: span.1,
                reason,
                log: None,
                kind: Some(FailKind::Journal),
            });
            return Ended::Failed;
        }
        let restored = exec.restore(i, attempt, em).await;
        if service.restore.is_some() {
            finished(exec, i, em, attempt, &restored);
        }
        if let Some(ended) = settle(exec, i, em, (attempt, span), restored).await {
            return ended;
        }
        attempt += 1;
    }
    Ended::Failed
}

fn tries(service: &crate::plan::Service) -> u32 {
    service.restore.as_ref().map_or(0, |r| r.retries) + 1
}

fn finished<E: Executor>(exec: &E, i: usize, em: &Emitter, attempt: u32, result: &Result<(), Failure>) {
    let (ok, detail, kind) = match result {
        Ok(()) => (true, "done".to_owned(), None),
        Err(f) => (false, f.detail.clone(), Some(f.kind)),
    };
    let log = exec.log(i, attempt).filter(|_| kind != Some(FailKind::Spawn));
    em.emit(Event::ActionFinished { service: em.id(i), attempt, at: em.at(), ok, detail, kind, log });
}

/// After an attempt's action: verify it, then the service is online, failed for good, or gets
/// another attempt after its backoff (`None`; the loop then sees whether the run was interrupted
/// meanwhile). A gate that does not pass fails it for good: restoring the same thing again does
/// not make a failed scan pass, and the gate's own words are what the operators need to see.
async fn settle<E: Executor>(
    exec: &E,
    i: usize,
    em: &Emitter,
    (attempt, (first, last)): (u32, (u32, u32)),
    restored: Result<(), Failure>,
) -> Option<Ended> {
    let service = &em.plan.services[i];
    let id = em.id(i);
    let result = match restored {
        Ok(()) => {
            em.emit(Event::Verifying { service: id.clone(), attempt, at: em.at() });
            match exec.verify(i, em).await {
                // Interrupted while its checks were awaited: neither failed nor back; the next
                // run verifies what this attempt did.
                Err(_) if em.stopping() => {
                    em.emit(Event::LeftUnverified { service: id, at: em.at(), attempt });
                    return Some(Ended::Stopped);
                }
                // Healthy is not enough where the plan has gates (a scan, rotated credentials).
                Ok(()) if !service.gates.is_empty() => exec.gates(i, attempt, em).await,
                other => other,
            }
        }
        Err(failure) => Err(failure),
    };
    // Healthy, and (where the plan says so) signed off by named people before it counts as back.
    let result = match result {
        Ok(()) if service.approval.is_some() => exec.approve(i, em).await,
        other => other,
    };
    let of = last.max(attempt);
    // An action that never started left nothing in its log to look at.
    let log = exec.log(i, attempt).filter(|_| !matches!(&result, Err(f) if f.kind == FailKind::Spawn));
    match result {
        Ok(()) => {
            em.emit(Event::Online { service: id, at: em.at(), attempts: attempt });
            Some(Ended::Online)
        }
        Err(Failure { kind, detail: reason }) if attempt < of && !kind.holds() => {
            let backoff = service.restore.as_ref().map_or(Duration::ZERO, |r| r.backoff);
            let wait = backoff.saturating_mul(1 << attempt.saturating_sub(first).min(16));
            em.emit(Event::Retrying {
                service: id,
                attempt,
                of,
                at: em.at(),
                after: wait.into(),
                reason,
                kind: Some(kind),
                log,
            });
            em.sleep_unless_stopped(wait).await;
            None
        }
        Err(Failure { kind, detail: reason }) => {
            // What a gate or a person decided is not in the action's log.
            let log = log.filter(|_| !kind.holds());
            em.emit(Event::Failed {
                service: id,
                at: em.at(),
                attempts: attempt,
                of,
                reason,
                log,
                kind: Some(kind),
            });
            Some(Ended::Failed)
        }
    }
}

/// Whether anything service `i` depends on, directly or through others, was restored in this run.
pub(super) fn restored_below(graph: &Graph, restored: &[bool], i: usize) -> bool {
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
