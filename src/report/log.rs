//! Plain event lines for CI logs and pipes: one timestamped line per event, no escape codes.

use std::io::Write;

use jiff::{SignedDuration, ZonedDateTime};

use crate::event::{Event, Secs};
use crate::report::human_duration;

/// Turns "seconds since the start" into the wall-clock (or simulated) time people read.
#[derive(Debug, Clone)]
pub struct Stamp {
    pub start: ZonedDateTime,
    /// Dry runs span days: show the date; live runs show seconds.
    pub with_date: bool,
}

impl Stamp {
    pub fn zoned(&self, at: Secs) -> ZonedDateTime {
        let d = SignedDuration::try_from(at.duration()).unwrap_or(SignedDuration::ZERO);
        self.start.checked_add(d).unwrap_or_else(|_| self.start.clone())
    }

    pub fn format(&self, at: Secs) -> String {
        let z = self.zoned(at);
        if self.with_date {
            z.strftime("%Y-%m-%d %H:%M").to_string()
        } else {
            z.strftime("%H:%M:%S").to_string()
        }
    }
}

/// What a plain log line says about an event; `None` for events not worth a line.
pub fn describe(e: &Event) -> Option<String> {
    Some(match e {
        Event::RunStarted { services, dry_run, jobs } => {
            format!(
                "{} {services} services, up to {jobs} at a time",
                if *dry_run { "simulating" } else { "restoring" }
            )
        }
        Event::ServiceStarted { .. } | Event::ProcessSpawned { .. } | Event::Verifying { .. } => return None,
        Event::AlreadyOnline { service, .. } => format!("{service}: already online"),
        Event::ActionStarted { service, attempt, .. } => format!("{service}: restoring (attempt {attempt})"),
        Event::ActionFinished { ok: true, .. } => return None,
        Event::ActionFinished { service, detail, .. } => {
            format!("{service}: restore action failed: {detail}")
        }
        Event::WaitingForOperator { service, instruction, needs_confirmation, .. } => {
            let how = if *needs_confirmation { " — confirm with `restorectl confirm PLAN ID`" } else { "" };
            format!("{service}: waiting for the operator: {instruction}{how}")
        }
        Event::Confirmed { service, by, .. } => format!("{service}: confirmed by {by}"),
        Event::Retrying { service, after, reason, .. } => {
            format!("{service}: {reason}; retrying in {}", human_duration(after.duration()))
        }
        Event::Online { service, attempts, .. } => {
            format!(
                "{service}: online{}",
                if *attempts > 1 { format!(" after {attempts} attempts") } else { String::new() }
            )
        }
        Event::Failed { service, reason, .. } => format!("{service}: FAILED: {reason}"),
        Event::Blocked { service, by, .. } => format!("{service}: blocked (dependency {by} failed)"),
        Event::PhaseComplete { phase, .. } => format!("phase {phase} complete"),
        Event::RtoMissed { service, rto, .. } => {
            format!("{service}: not online within its RTO of {}", human_duration(rto.duration()))
        }
        Event::Interrupting { waiting_for, force: false, .. } => {
            format!(
                "interrupted: starting nothing new; waiting for {} (Ctrl-C again to kill them)",
                list(waiting_for)
            )
        }
        Event::Interrupting { waiting_for, force: true, .. } => format!("killing {}", list(waiting_for)),
        Event::RunFinished { outcome, .. } => format!("run {}", outcome.as_str()),
    })
}

fn list(items: &[String]) -> String {
    if items.is_empty() { "nothing".into() } else { items.join(", ") }
}

/// Writes one line per event to stderr.
pub struct PlainLog {
    pub stamp: Stamp,
}

impl super::Reporter for PlainLog {
    fn event(&mut self, e: &Event) {
        if let Some(text) = describe(e) {
            let _ = writeln!(std::io::stderr().lock(), "{}  {text}", self.stamp.format(e.at()));
        }
    }
}
