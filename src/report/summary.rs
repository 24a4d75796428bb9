//! The few lines that end a run: what came back, what failed and why, what it blocked.

use std::fmt::Write;

use crate::plan::Plan;
use crate::report::human_duration;
use crate::report::tally::{State, Tally};

pub fn human(plan: &Plan, tally: &Tally, dry_run: bool) -> String {
    let mut out = String::new();
    let online = tally.count(State::Online) + tally.count(State::AlreadyOnline);
    let total = plan.services.len();
    let verb = if dry_run { "simulated" } else { "run" };
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
    for (s, r) in plan.services.iter().zip(&tally.records) {
        match r.state {
            State::Failed => {
                let _ =
                    writeln!(out, "  failed   {}: {}", s.id, r.reason.as_deref().unwrap_or("unknown reason"));
            }
            State::Blocked => {
                let _ = writeln!(
                    out,
                    "  blocked  {} (waits for {})",
                    s.id,
                    r.blocked_by.as_deref().unwrap_or("?")
                );
            }
            State::Pending if tally.outcome.is_some() => {
                let _ = writeln!(out, "  pending  {}", s.id);
            }
            _ => {}
        }
    }
    out
}
