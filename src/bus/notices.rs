//! What reporters, their background work (webhook deliveries, alerts) and a run's setup have to
//! tell the operators. While a run's bus is draining them, they are queued and it hands each on as
//! an `Event::Notice` to every reporter (the progress display shows it, the journal keeps it);
//! before and after (a command without a run, a reporter's `finish` waiting for deliveries) they
//! are told at once, on stderr. One queue for the process, as a logger is: background work far
//! from the bus can speak.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::event::Level;

static QUEUE: Mutex<Vec<(Level, String)>> = Mutex::new(Vec::new());
static DRAINING: AtomicBool = AtomicBool::new(false);

/// Tells the operators something: through the bus while a run's reporters listen, else at once.
pub fn say(level: Level, text: impl Into<String>) {
    let text = text.into();
    if DRAINING.load(Ordering::SeqCst) {
        QUEUE.lock().unwrap_or_else(|e| e.into_inner()).push((level, text));
    } else {
        let line = level.line(&text);
        eprintln!("{}", crate::term::printable(&line, true));
    }
}

/// The bus listens (`true`) or no longer does.
pub(super) fn draining(on: bool) {
    DRAINING.store(on, Ordering::SeqCst);
}

/// Every notice queued so far, in order, and the queue emptied.
pub(super) fn take() -> Vec<(Level, String)> {
    std::mem::take(&mut *QUEUE.lock().unwrap_or_else(|e| e.into_inner()))
}
