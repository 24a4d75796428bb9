//! The tokio runtimes restorectl runs on, each kind built in this one place: a live command's,
//! a simulation's (a paused clock that jumps to the next timer), a thread's own, and a
//! background worker's (webhook deliveries, alerts).

use std::io;

use tokio::runtime::{Builder, Runtime};

/// A live command's: every driver, a thread per core.
pub fn live() -> io::Result<Runtime> {
    Builder::new_multi_thread().enable_all().build()
}

/// A simulation's: one thread, and a clock that stands still until every task waits, then jumps
/// to the next timer (dry runs, trials, preview).
pub fn simulated() -> io::Result<Runtime> {
    Builder::new_current_thread().enable_time().start_paused(true).build()
}

/// For the thread that calls it alone: every driver, no other thread (a prober's thread, a
/// one-off delivery).
pub fn local() -> io::Result<Runtime> {
    Builder::new_current_thread().enable_all().build()
}

/// A background worker's: one thread named `name`, beside whatever the caller runs.
pub fn background(name: &str) -> io::Result<Runtime> {
    Builder::new_multi_thread().worker_threads(1).thread_name(name).enable_all().build()
}
