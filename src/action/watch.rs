//! After a service is online (`watch`): its checks probed at their interval until the window
//! ends; two failed probes in a row and it has fallen back.

use tokio::time::Instant;

use super::LiveExecutor;
use super::waits::POLL;
use crate::event::{FailKind, Failure};
use crate::runner::Emitter;

impl LiveExecutor {
    /// The first failing check of `service` in `health`, for people (secrets redacted).
    pub(super) fn failing(&self, service: usize, health: &crate::check::Health) -> String {
        let s = &self.plan.services[service];
        s.checks
            .iter()
            .zip(&health.checks)
            .find(|(_, o)| !o.ok)
            .map(|(c, o)| self.prober.secrets().redact(&format!("{}: {}", crate::check::target(c), o.detail)))
            .unwrap_or_default()
    }

    pub(super) async fn watch_checks(
        &self,
        service: usize,
        until: Instant,
        em: &Emitter,
    ) -> Result<(), Failure> {
        let s = &self.plan.services[service];
        let interval = s.checks.iter().map(|c| c.interval).min().unwrap_or(POLL);
        let mut failing = 0;
        loop {
            let now = Instant::now();
            if now >= until || em.stopping() {
                return Ok(());
            }
            em.sleep_unless_stopped(interval.min(until - now)).await;
            if em.stopping() {
                return Ok(());
            }
            let health = self.prober.probe_all(&s.checks).await;
            if health.healthy == Some(true) {
                failing = 0;
            } else {
                failing += 1;
                // Twice in a row: one lost packet is not a service down.
                if failing >= 2 {
                    return Err(Failure::new(FailKind::Checks, self.failing(service, &health)));
                }
            }
        }
    }
}
