//! Ctrl-C as a stream of presses: the runner stops starting work on the first and kills running
//! actions on the second.

use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::{Notify, mpsc};

use crate::runner::Interrupts;

/// Presses made by the run itself (`press`), kept until the run listens.
static PRESSED: Notify = Notify::const_new();

/// Stops the run as a Ctrl-C does, from any thread (the shared state was lost). Pressed before
/// the run listens, it is taken as soon as it does.
pub fn press() {
    PRESSED.notify_one();
}

/// Starts listening for SIGINT (and SIGTERM, which counts as a press, and `press`); needs a
/// tokio runtime.
pub fn interrupts() -> Interrupts {
    let (tx, rx) = mpsc::unbounded_channel();
    let mut int = signal(SignalKind::interrupt()).ok()?;
    let mut term = signal(SignalKind::terminate()).ok()?;
    tokio::spawn(async move {
        loop {
            tokio::select! {
                Some(()) = int.recv() => {}
                Some(()) = term.recv() => {}
                () = PRESSED.notified() => {}
                else => break,
            }
            if tx.send(()).is_err() {
                break;
            }
        }
    });
    Some(rx)
}
