//! Ctrl-C as a stream of presses: the runner stops starting work on the first and kills running
//! actions on the second.

use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;

use crate::runner::Interrupts;

/// Starts listening for SIGINT (and SIGTERM, which counts as a press); needs a tokio runtime.
pub fn interrupts() -> Interrupts {
    let (tx, rx) = mpsc::unbounded_channel();
    let mut int = signal(SignalKind::interrupt()).ok()?;
    let mut term = signal(SignalKind::terminate()).ok()?;
    tokio::spawn(async move {
        loop {
            tokio::select! {
                Some(()) = int.recv() => {}
                Some(()) = term.recv() => {}
                else => break,
            }
            if tx.send(()).is_err() {
                break;
            }
        }
    });
    Some(rx)
}
