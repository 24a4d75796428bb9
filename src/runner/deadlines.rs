//! The RTO timers of a run, on its clock (virtual in a dry run): a service's RTO at risk, then
//! missed, counted from the incident's start, so a miss is known when it happens.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinSet;

use super::emitter::Msg;
use crate::plan::Plan;
use crate::tally::IncidentClock;

/// Starts service `i`'s timer (if it has an RTO): `AtRisk` at `rto_risk_at` of it, `Deadline` just
/// past it. Passed before this run began: at risk, then missed, at once (once each).
pub(super) fn start(
    timers: &mut JoinSet<()>,
    plan: &Arc<Plan>,
    incident: &IncidentClock,
    i: usize,
    tx: mpsc::UnboundedSender<Msg>,
) {
    let Some(rto) = plan.services[i].rto else { return };
    let before = incident.before;
    let risk = rto.mul_f64(plan.rto_risk_at);
    timers.spawn(async move {
        let at_risk = risk.saturating_sub(before);
        tokio::time::sleep(at_risk).await;
        let _ = tx.send(Msg::AtRisk(i));
        // Missed means online later than the RTO: at the RTO itself it is still met.
        let missed = (rto + Duration::from_millis(1)).saturating_sub(before);
        tokio::time::sleep(missed.saturating_sub(at_risk)).await;
        let _ = tx.send(Msg::Deadline(i));
    });
}
