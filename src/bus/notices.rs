//! What reporters, their background work (webhook deliveries, alerts) and a run's setup have to
//! tell the operators. While a run's bus is draining them, they are queued and it hands each on as
//! an `Event::Notice` to every reporter (the progress display shows it, the journal keeps it);
//! before and after (a command without a run, a reporter's `finish` waiting for deliveries) they
//! are told at once, on stderr. One queue for the process, as a logger is: background work far
//! from the bus can speak.

use std::sync::Mutex;

use crate::event::Level;

/// The notices queued while a run's bus listens (`Some`), or `None` while none does.
static QUEUE: Mutex<Option<Vec<(Level, String)>>> = Mutex::new(None);

fn queue() -> std::sync::MutexGuard<'static, Option<Vec<(Level, String)>>> {
    QUEUE.lock().unwrap_or_else(|e| e.into_inner())
}

/// Tells the operators something: through the bus while a run's reporters listen, else at once.
pub fn say(level: Level, text: impl Into<String>) {
    let text = text.into();
    let mut queue = queue();
    match queue.as_mut() {
        Some(queued) => queued.push((level, text)),
        None => eprint(level, &text),
    }
}

/// While it lives, notices are queued for the bus; dropped (the bus done, or its thread
/// panicked), they are told at once again.
pub(super) struct Listening;

impl Listening {
    pub(super) fn start() -> Self {
        queue().get_or_insert_with(Vec::new);
        Listening
    }

    /// Every notice queued so far, in order, and the queue emptied.
    pub(super) fn take(&self) -> Vec<(Level, String)> {
        queue().as_mut().map(std::mem::take).unwrap_or_default()
    }

    /// The last of them, taken as the bus stops listening (under one lock: none is left behind).
    pub(super) fn stop(self) -> Vec<(Level, String)> {
        let rest = queue().take().unwrap_or_default();
        std::mem::forget(self);
        rest
    }
}

impl Drop for Listening {
    fn drop(&mut self) {
        for (level, text) in queue().take().unwrap_or_default() {
            eprint(level, &text);
        }
    }
}

/// A notice as its own line on stderr (`warning: …`), without escape codes: the one way a notice
/// is printed when no progress display draws it.
pub fn eprint(level: Level, text: &str) {
    let line = level.line(text);
    eprintln!("{}", crate::term::printable(&line, true));
}
