//! The event bus between a run and its reporters: events go, in batches, to a thread of their
//! own where every reporter (journal, progress, announcements, alerts, JUnit, …) sees each in
//! order; the journal syncs once per batch (group commit) before the runner may act on what it
//! recorded. Live and dry runs use it alike; a dry run's events are batched more, as nothing real
//! waits for them.

mod feed;
pub mod notices;
mod reporter;

use std::time::Duration;

use crate::event::{Event, RunMode, Secs};
use crate::runner::Ack;
use crate::tally::Tally;
pub use feed::Feed;
pub use reporter::{Reporter, WriteError};

/// How often a live run's reporters are told the time while no event comes.
const TICK: Duration = Duration::from_millis(200);

/// Every reporter of a run, fed the same events in the same order.
pub struct Reporters {
    pub tally: Tally,
    pub sinks: Vec<Box<dyn Reporter + Send>>,
    /// Live or dry: the run's metadata, for what the reporters tell at its end.
    pub mode: RunMode,
}

impl Reporters {
    /// Runs the reporters on a thread of their own, so writing files never holds up the run.
    /// Events come in batches (a simulation sends many at once, a live run each as it happens);
    /// every reporter sees them, then the journal syncs once for all that were waiting (group
    /// commit), and only then are their `Ack`s dropped. The channel is bounded, so a simulation
    /// never runs far ahead of its reporters.
    /// In a live run, the reporters are also told the time every `TICK` when no event comes, so
    /// that what waits for a moment (a batch of customer updates, the status page following the
    /// state) does not wait for an event.
    pub fn spawn(mut self) -> (Feed, std::thread::JoinHandle<Reporters>) {
        use std::sync::mpsc::RecvTimeoutError;
        let mode = self.mode;
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<(Event, Option<Ack>)>>(64);
        let listening = notices::Listening::start();
        let worker = std::thread::spawn(move || {
            let mut acks = Vec::new();
            let mut last = Secs(0.0);
            let started = std::time::Instant::now();
            loop {
                let first = match mode {
                    RunMode::Dry => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
                    RunMode::Live => rx.recv_timeout(TICK),
                };
                let first = match first {
                    Ok(batch) => batch,
                    Err(RecvTimeoutError::Timeout) => {
                        let at = Secs::from(started.elapsed());
                        // Notices told between events reach the journal's file now, not at the next event.
                        if self.tell(at, listening.take()) {
                            self.sinks.iter_mut().for_each(|s| {
                                s.sync(false);
                            });
                        }
                        self.sinks.iter_mut().for_each(|s| s.tick(at));
                        continue;
                    }
                    Err(RecvTimeoutError::Disconnected) => break,
                };
                let mut next = Some(first);
                while let Some(batch) = next {
                    for (event, ack) in batch {
                        last = event.at();
                        self.event(&event);
                        acks.extend(ack);
                    }
                    next = rx.try_recv().ok();
                }
                self.tell(last, listening.take());
                let durable = !acks.is_empty();
                let mut synced = true;
                for s in &mut self.sinks {
                    synced &= s.sync(durable);
                }
                // Unanswered, the waiting tasks learn the journal failed and do not act.
                if synced {
                    acks.drain(..).for_each(Ack::recorded);
                }
                acks.clear();
            }
            // What is said from now on is told at once; what was queued goes with the last event.
            self.tell(last, listening.stop());
            self
        });
        (Feed::new(tx, mode), worker)
    }

    /// Hands the notices said meanwhile to the reporters, as events at `at`; whether there were any.
    fn tell(&mut self, at: Secs, said: Vec<(crate::event::Level, String)>) -> bool {
        let any = !said.is_empty();
        for (level, text) in said {
            self.event(&Event::Notice { at, level, text });
        }
        any
    }

    fn event(&mut self, e: &Event) {
        self.tally.event(e);
        for s in &mut self.sinks {
            s.event(e);
        }
    }
}
