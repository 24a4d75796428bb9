//! How a service's task talks to the run: events stamped with the run's clock (some waited on
//! until the journal holds them), how the task ended, and whether the run is being interrupted.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::Instant;

use crate::event::{Event, Failure, Secs, Svc};
use crate::plan::Plan;

/// What tasks and timers send the run.
pub(super) enum Msg {
    Event(Event, Option<oneshot::Sender<()>>),
    Done(usize, Ended),
    /// Service `i`'s RTO has passed.
    Deadline(usize),
    /// `rto_risk_at` of service `i`'s RTO has passed.
    AtRisk(usize),
    /// Service `i`'s watch ended: held, or fell back (why).
    Watched(usize, Result<(), Failure>),
}

/// How a service's task ended.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Ended {
    Online,
    Failed,
    /// Interrupted before its next attempt: neither online nor failed, left for the next run.
    Stopped,
}

/// How a task reports events to the driver, stamped with the run's clock.
#[derive(Clone)]
pub struct Emitter {
    pub(super) tx: mpsc::UnboundedSender<Msg>,
    pub(super) start: Instant,
    pub plan: Arc<Plan>,
    /// The services' ids, shared by every event about them.
    pub(super) ids: Arc<[Arc<str>]>,
    /// Becomes `true` at the first Ctrl-C: no task starts another attempt after it.
    pub(super) stopping: watch::Receiver<bool>,
}

impl Emitter {
    pub fn stopping(&self) -> bool {
        *self.stopping.borrow()
    }

    /// Sleeps for `wait`, or less if the run is interrupted meanwhile.
    pub async fn sleep_unless_stopped(&self, wait: Duration) {
        let mut stopping = self.stopping.clone();
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            _ = stopping.wait_for(|&s| s) => {}
        }
    }

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

/// Given to the sink with each event. `recorded()` says the event is recorded: a task that waits
/// for its event to be journaled (before starting a process) goes on then; dropped unanswered, it
/// says the journal failed, and the task does not act. A sink that hands events to another thread
/// hands the `Ack` along with them.
pub struct Ack(pub(super) Option<oneshot::Sender<()>>);

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
