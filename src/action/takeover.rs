//! Restores an earlier run left unfinished, taken over: found by the pid the journal holds, the
//! one the run noted in its `pids` file, or the marker the action was born with; waited for while
//! they run, then verified like this run's own, never started a second time.

use super::{LiveExecutor, waits};
use crate::event::{Event, FailKind, Failure};
use crate::process;
use crate::runner::{Emitter, Resumed};
use crate::state::Stage;

impl LiveExecutor {
    /// Takes over the restore attempt an earlier run left unfinished, if any (see
    /// `Executor::resume`).
    pub(super) async fn take_over(&self, service: usize, em: &Emitter) -> Option<Resumed> {
        let s = &self.plan.services[service];
        let unfinished = self.replay().unfinished.remove(&s.id)?;
        // A restore action the plan no longer has is nothing to take over.
        s.restore.as_ref()?;
        let (run, attempt) = (unfinished.run, unfinished.attempt);
        let unverified = unfinished.stage == Stage::Unverified;
        let process = match unfinished.stage {
            // Killed between starting the action and journaling its pid: the pid the run noted
            // (still at work, or ended while no run watched), or (killed before even that) the
            // process born with this attempt's marker. Neither: it never got as far as running,
            // and starts now.
            Stage::Starting => {
                let (pids, key) = (self.place.state.pids(&run), format!("{}/{attempt}", s.id));
                let marker = self.place.state.action_marker(&run, &s.id, attempt);
                let (pid, ticks) = process::started(&pids, &key, &marker)?;
                // Noted without start ticks, it had ended before they could be read: no process
                // of today is taken for it.
                Some((pid, ticks.or(Some(0))))
            }
            Stage::Running { pid, start_ticks } => Some((pid, start_ticks)),
            Stage::Unverified => None,
        };
        // Its output is in the earlier run's log.
        self.adopted.lock().unwrap_or_else(|e| e.into_inner()).insert((service, attempt), run);
        let ended = match process {
            // Still at work (same pid, same start ticks): wait for it. Gone, or its pid now names
            // another process (never waited for, never killed): it ended while no run watched.
            Some((pid, ticks)) if process::alive(pid, ticks) => {
                self.adopt(service, attempt, pid, ticks, em).await
            }
            // Its exit status is lost: the checks decide, and without checks nobody can.
            _ if !unverified && s.checks.is_empty() => Err(Failure::new(
                FailKind::Lost,
                "the restore left running by an earlier run ended while no run was watching, and without checks its outcome is unknown",
            )),
            _ => Ok(()),
        };
        Some(Resumed { attempt, ended })
    }

    /// Takes over a restore an earlier run left running: journals it, waits for it (a second
    /// Ctrl-C kills it like our own restores).
    async fn adopt(
        &self,
        service: usize,
        attempt: u32,
        pid: u32,
        ticks: Option<u64>,
        em: &Emitter,
    ) -> Result<(), Failure> {
        let s = &self.plan.services[service];
        let timeout = s.wait_limit();
        em.record(Event::Adopted { service: em.id(service), attempt, at: em.at(), pid, start_ticks: ticks })
            .await;
        self.running.lock().unwrap_or_else(|e| e.into_inner()).insert(pid, (service, attempt));
        let ended = waits::orphan(&em.id(service), pid, ticks, timeout, self.place.remind_every, em).await;
        self.running.lock().unwrap_or_else(|e| e.into_inner()).remove(&pid);
        ended
    }
}
