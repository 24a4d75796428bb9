//! The runner's side of the bus: events handed to the reporters' thread in batches, each with
//! what waits for it to be journaled.

use crate::event::{Event, RunMode};
use crate::runner::Ack;

/// Hands events to the reporters' thread, in batches of up to `BATCH` (`flush` sends the rest).
pub struct Feed {
    tx: std::sync::mpsc::SyncSender<Vec<(Event, Option<Ack>)>>,
    batch: Vec<(Event, Option<Ack>)>,
    mode: RunMode,
}

impl Feed {
    const BATCH: usize = 256;

    pub(super) fn new(tx: std::sync::mpsc::SyncSender<Vec<(Event, Option<Ack>)>>, mode: RunMode) -> Self {
        Self { tx, batch: Vec::new(), mode }
    }

    /// Hands on one event of the run. A simulation's are acknowledged at once (nothing real
    /// waits for a simulated event, and a task waiting on another thread would let the virtual
    /// clock jump ahead) and go in batches; a live run's go at once, with what waits for them.
    pub fn pass(&mut self, e: &Event, ack: Ack) {
        match self.mode {
            RunMode::Dry => {
                ack.recorded();
                self.queue(e);
            }
            RunMode::Live => self.send(e, ack),
        }
    }

    /// Queues an event; a simulation's go out when a batch is full.
    fn queue(&mut self, e: &Event) {
        self.batch.push((e.clone(), None));
        if self.batch.len() >= Self::BATCH {
            self.flush();
        }
    }

    /// Sends an event of a live run at once, with what waits for it to be journaled.
    fn send(&mut self, e: &Event, ack: Ack) {
        self.batch.push((e.clone(), ack.awaited().then_some(ack)));
        self.flush();
    }

    pub fn flush(&mut self) {
        if !self.batch.is_empty() {
            let _ = self.tx.send(std::mem::take(&mut self.batch));
        }
    }
}
