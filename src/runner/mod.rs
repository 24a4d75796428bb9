//! The run: the scheduler driven over time. Starts every service the scheduler allows, takes each
//! through probe → restore → verify with retries and exponential backoff, and emits every step as an
//! event. Live and dry runs share all of this; only the executor (real or simulated) and the clock
//! (real or tokio's paused virtual time) differ.

mod config;
mod deadlines;
mod driver;
mod emitter;
mod executor;
mod service;
pub(crate) mod signals;

use std::sync::Arc;

use tokio::sync::mpsc;

use crate::event::{Event, Outcome};
use crate::graph::Graph;
use crate::plan::Plan;
pub use config::{RunConfig, Selection};
use driver::Run;
pub use emitter::{Ack, Emitter};
pub use executor::{Executor, Resumed};

/// A stream of Ctrl-C presses (live runs); `None` in tests and dry runs.
pub type Interrupts = Option<mpsc::UnboundedReceiver<()>>;

/// Runs the plan. `sink` sees every event, in order; returns how the run ended.
pub async fn run<E: Executor>(
    plan: Arc<Plan>,
    graph: &Graph,
    exec: Arc<E>,
    config: &RunConfig,
    mut interrupts: Interrupts,
    sink: &mut dyn FnMut(&Event, Ack),
) -> Outcome {
    let (mut run, mut rx) = Run::new(plan, graph, exec, config, sink);
    run.begin();
    loop {
        run.start_ready();
        if run.all_done() {
            break;
        }
        let go_on = tokio::select! {
            msg = rx.recv() => match msg {
                Some(msg) => { run.on(msg); true }
                None => false,
            },
            Some(()) = next_press(&mut interrupts) => run.on_press(&mut rx),
        };
        if !go_on || run.stop_if_only_people_left(&mut rx) {
            break;
        }
    }
    run.end(&mut rx)
}

async fn next_press(interrupts: &mut Interrupts) -> Option<()> {
    match interrupts {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}
