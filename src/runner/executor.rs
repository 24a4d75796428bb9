//! What a run needs done, real or simulated: the checks and restore actions of one service, and
//! the attempts an earlier run left unfinished.

use super::emitter::Emitter;
use crate::event::Failure;

/// The work itself: checks and restore actions, real or simulated.
pub trait Executor: Send + Sync + 'static {
    /// Takes over a restore attempt an earlier run left unfinished (it died while the action ran,
    /// or before its result was verified): waits for it to end and says how it ended. `None` when
    /// there is nothing to take over.
    fn resume(&self, service: usize, em: &Emitter) -> impl Future<Output = Option<Resumed>> + Send;
    /// Why the service is quarantined, if it is: a verify gate or sign-off an earlier run began
    /// and never passed. Its checks alone do not bring it back then.
    fn held(&self, service: usize) -> Option<String>;
    /// Probes a service's checks once: `Some(true)` healthy, `Some(false)` down, `None` unknown.
    fn probe(&self, service: usize, em: &Emitter) -> impl Future<Output = Option<bool>> + Send;
    /// Runs the restore action once; `Ok` when it completed successfully.
    fn restore(
        &self,
        service: usize,
        attempt: u32,
        em: &Emitter,
    ) -> impl Future<Output = Result<(), Failure>> + Send;
    /// Waits until the service is verified healthy, or says why not.
    fn verify(&self, service: usize, em: &Emitter) -> impl Future<Output = Result<(), Failure>> + Send;
    /// Runs the service's verify gates after attempt `attempt` was verified healthy, in order,
    /// keeping their evidence; says which one failed and why.
    fn gates(
        &self,
        service: usize,
        attempt: u32,
        em: &Emitter,
    ) -> impl Future<Output = Result<(), Failure>> + Send;
    /// Waits until the people the service's `approval` names have signed it off, or says why not.
    fn approve(&self, service: usize, em: &Emitter) -> impl Future<Output = Result<(), Failure>> + Send;
    /// Keeps probing a service that is online until `until` (or the run is interrupted); says
    /// why once it has fallen back: its checks failed on two probes in a row.
    fn watch(
        &self,
        service: usize,
        until: tokio::time::Instant,
        em: &Emitter,
    ) -> impl Future<Output = Result<(), Failure>> + Send;
    /// Where an attempt's output is kept, if anywhere.
    fn log(&self, service: usize, attempt: u32) -> Option<String>;
    /// Kills every running action now (second Ctrl-C); says which (service, attempt) it killed.
    fn kill_all(&self) -> Vec<(usize, u32)>;
}

/// A restore attempt of an earlier run, taken over: which one, and how its action ended.
pub struct Resumed {
    pub attempt: u32,
    pub ended: Result<(), Failure>,
}
