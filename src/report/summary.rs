//! The few lines that end a run: what came back, what failed and why, what it blocked.

use std::fmt::Write;

use crate::event::RunMode;
use crate::human::human_duration;
use crate::plan::Plan;
use std::time::Duration;

use crate::tally::{Rto, State, Tally};

pub fn human(plan: &Plan, tally: &Tally, mode: RunMode) -> String {
    let mut out = String::new();
    let online = tally.count(State::Online) + tally.count(State::AlreadyOnline);
    let total = plan.services.len();
    let verb = if mode.is_dry() { "simulated" } else { "run" };
    let _ = writeln!(
        out,
        "\n{verb} {}: {online}/{total} online ({} restored, {} already online), {} failed, {} blocked, {} pending; last service online after {}",
        tally.outcome.map_or("interrupted", |o| o.as_str()),
        tally.count(State::Online),
        tally.count(State::AlreadyOnline),
        tally.count(State::Failed),
        tally.count(State::Blocked),
        tally.count(State::Pending),
        human_duration(tally.makespan().duration()),
    );
    if tally.count(State::Skipped) > 0 {
        let _ = writeln!(out, "  {} skipped (left out of this run)", tally.count(State::Skipped));
    }
    for (i, (s, r)) in plan.services.iter().zip(&tally.records).enumerate() {
        // An RTO that has not passed yet is not missed: say how much of it is left.
        let left = match tally.rto(i, s.rto) {
            Some(Rto::Open { left }) => {
                format!(" (RTO in {})", human_duration(Duration::from_secs(left.as_secs())))
            }
            _ => String::new(),
        };
        match r.state {
            State::Failed => {
                let reason = r.reason.as_deref().unwrap_or("unknown reason");
                let optional = if s.critical { "" } else { " (not critical)" };
                // Quarantined: no later run takes it as online until its gates pass again.
                let held = if r.quarantined() {
                    " — quarantined until its gates and sign-offs pass again"
                } else {
                    ""
                };
                let _ = writeln!(out, "  failed   {}{optional}: {reason}{left}{held}", s.id);
            }
            State::Blocked => {
                let by = r.blocked_by.as_deref().unwrap_or("?");
                let _ = writeln!(out, "  blocked  {} (waits for {by}){left}", s.id);
            }
            State::Pending if tally.outcome.is_some() => {
                let _ = writeln!(out, "  pending  {}{left}", s.id);
            }
            _ => {}
        }
    }
    let optional: Vec<&str> = plan
        .services
        .iter()
        .zip(&tally.records)
        .filter(|(s, r)| !s.critical && matches!(r.state, State::Failed | State::Blocked))
        .map(|(s, _)| s.id.as_str())
        .collect();
    if !optional.is_empty() && tally.outcome == Some(crate::event::Outcome::Success) {
        let _ = writeln!(
            out,
            "warning: the run succeeded without {} (critical = false): {}",
            crate::human::count(optional.len(), "service", "services"),
            optional.join(", ")
        );
    }
    out
}
