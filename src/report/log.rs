//! Plain event lines for CI logs and pipes: one timestamped line per event, no escape codes.

use std::io::Write;

use std::time::Duration;

use crate::event::{Event, Secs, WaitOn};
use crate::human::{count, human_duration};
use crate::stamp::Stamp;

/// A person as a line names them: with the key that signed, or said to be unsigned.
pub fn who(s: &crate::event::Signer) -> String {
    match &s.key {
        Some(key) => format!("{}, signed with {key}", s.by),
        None => format!("{}, unsigned", s.by),
    }
}

/// What a plain log line says about an event; `None` for events not worth a line.
pub fn describe(e: &Event) -> Option<String> {
    Some(match e {
        Event::RunStarted { run, services, dry_run, jobs, by } => {
            let verb = if *dry_run { "simulating" } else { "restoring" };
            let id = match by {
                _ if *dry_run || run.is_empty() => String::new(),
                Some(by) => format!(" (run {run} by {})", who(by)),
                None => format!(" (run {run})"),
            };
            format!("{verb} {}, up to {jobs} at a time{id}", count(*services, "service", "services"))
        }
        Event::ServiceStarted { .. }
        | Event::ProcessSpawned { .. }
        | Event::EvidenceKept { .. }
        | Event::Verifying { .. }
        // A failed action is told once, by the retry or the failure that follows it.
        | Event::ActionFinished { .. }
        // Outside --only: the run's first line says how many it works on.
        | Event::Skipped { by: None, .. } => return None,
        Event::Skipped { service, reason, by: Some(by), assumed_online, .. } => {
            let then = if *assumed_online { "counted as online" } else { "anything that needs it is blocked" };
            // A person's words on one line of their own: no line breaks or escape codes.
            let reason: String = reason.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
            format!("{service}: skipped by {by} ({reason}); {then}")
        }
        Event::AlreadyOnline { service, .. } => format!("{service}: already online"),
        Event::Notice { level, text, .. } => level.line(text),
        Event::JournalAccepted { lines, reason, signer, .. } => {
            let lines: Vec<String> = lines.iter().map(ToString::to_string).collect();
            let reason: String = reason.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
            format!(
                "going on from a journal that breaks at line {}, as {} said: {reason}",
                lines.join(", "),
                signer.by
            )
        }
        Event::Quarantined { service, reason, .. } => {
            format!("{service}: quarantined ({reason}); its gates and sign-offs must pass again")
        }
        Event::ActionStarted { service, attempt, .. } => format!("{service}: restoring (attempt {attempt})"),
        Event::Adopted { service, pid, .. } => {
            format!("{service}: waiting for the restore left running by an earlier run (pid {pid})")
        }
        Event::WaitingForOperator { service, instruction, confirm, .. } => {
            let how = confirm.as_ref().map(|c| format!(" — when done: `{c}`")).unwrap_or_default();
            format!("{service}: waiting for the operator: {instruction}{how}")
        }
        Event::Waiting { service, at, on, since, detail } => waiting(service, *at, *on, *since, detail),
        Event::Confirmed { service, by, signer, .. } => {
            format!("{service}: confirmed by {}", signer.as_deref().map_or_else(|| by.clone(), who))
        }
        Event::Refused { subject, act, by, reason, .. } => {
            format!("{subject}: REFUSED the {} by {by}: {reason}", act.as_str())
        }
        Event::Retrying { service, attempt, of, after, reason, log, .. } => {
            format!(
                "{service}: failed (attempt {attempt} of {of}): {reason}{}; retrying in {}",
                see(log),
                human_duration(after.duration())
            )
        }
        Event::Online { service, attempts, .. } => {
            format!(
                "{service}: online{}",
                if *attempts > 1 { format!(" after {attempts} attempts") } else { String::new() }
            )
        }
        Event::Failed { service, attempts, of, reason, log, .. } => {
            format!("{service}: FAILED (attempt {attempts} of {}): {reason}{}", of.max(attempts), see(log))
        }
        Event::VerifyStep { service, name, ok: true, detail, restore_point, .. } => {
            let point = restore_point.as_ref().map(|p| format!("; restore point {p}")).unwrap_or_default();
            format!("{service}: verify step `{name}` passed ({detail}{point})")
        }
        Event::VerifyStep { service, name, detail, .. } => format!("{service}: verify step `{name}` failed ({detail})"),
        Event::WaitingForApproval { service, role, count, have, confirm, .. } => {
            let how = confirm.as_ref().map(|c| format!(" — to sign: `{c}`")).unwrap_or_default();
            let so_far = if have.is_empty() { String::new() } else { format!(" (signed by {})", have.join(", ")) };
            format!("{service}: healthy, waiting for {count} sign-off(s) by `{role}`{so_far}{how}")
        }
        Event::Approved { service, by, .. } if by.is_empty() => {
            format!("{service}: sign-offs taken as given (a drill names nobody)")
        }
        Event::Approved { service, by, .. } => format!("{service}: signed off by {}", by.join(", ")),
        Event::Blocked { service, by, .. } => {
            format!("{service}: blocked (waits for {by}, which is not coming back in this run)")
        }
        Event::FellBack { service, detail, .. } => {
            format!("{service}: FELL BACK after it was online ({detail}); restoring it again")
        }
        Event::Watching { service, at, until } => {
            // To the second above: the clock has moved on a few milliseconds since the window began.
            let left = human_duration(Duration::from_secs_f64((until.0 - at.0).max(0.0).ceil()));
            format!("{service}: watching it for {left}; if it falls back it is restored again")
        }
        Event::Watched { service, .. } => format!("{service}: watched to the end of its window, still online"),
        Event::NotRetried { service, attempt, .. } => {
            format!("{service}: attempt {attempt} not started (interrupted); the next run restores it")
        }
        Event::LeftUnverified { service, .. } => {
            format!("{service}: interrupted while waiting for its checks; the next run verifies it")
        }
        Event::PhaseComplete { phase, .. } => format!("phase {phase} complete"),
        Event::RtoAtRisk { service, rto, .. } => {
            format!("{service}: not online yet, and its RTO of {} is near", human_duration(rto.duration()))
        }
        Event::RtoMissed { service, rto, .. } => {
            format!("{service}: not online within its RTO of {}", human_duration(rto.duration()))
        }
        Event::Halting { by, waiting_for, .. } if waiting_for.is_empty() => {
            format!("halting: {by} failed and the plan says on_failure = \"halt\": starting nothing new")
        }
        Event::Halting { by, waiting_for, .. } => format!(
            "halting: {by} failed and the plan says on_failure = \"halt\": starting nothing new; waiting for {}",
            list(waiting_for)
        ),
        Event::Interrupting { waiting_for, force: false, .. } if waiting_for.is_empty() => {
            "interrupted: nothing is running; stopping (services being watched are no longer)".into()
        }
        Event::Interrupting { waiting_for, force: false, .. } => {
            format!(
                "interrupted: starting nothing new; waiting for {} (Ctrl-C again to kill them)",
                list(waiting_for)
            )
        }
        Event::Interrupting { waiting_for, only_people: true, .. } => {
            format!("interrupted: stopping now; {} waited for people only", list(waiting_for))
        }
        Event::Interrupting { waiting_for, force: true, .. } => format!("killing {}", list(waiting_for)),
        Event::RunFinished { outcome, .. } => format!("run {}", outcome.as_str()),
    })
}

fn see(log: &Option<String>) -> String {
    log.as_ref().map(|l| format!(" — see {l}")).unwrap_or_default()
}

fn waiting(service: &str, at: Secs, on: WaitOn, since: Secs, detail: &str) -> String {
    let so_far = human_duration(Duration::from_secs_f64((at.0 - since.0).max(0.0)));
    let detail = if detail.is_empty() { String::new() } else { format!(": {detail}") };
    match on {
        WaitOn::Checks { limit } if at == since => {
            format!(
                "{service}: waiting for its checks to pass (up to {}){detail}",
                human_duration(limit.duration())
            )
        }
        WaitOn::Checks { .. } => format!("{service}: still waiting for its checks ({so_far} so far){detail}"),
        WaitOn::Operator => format!("{service}: still waiting for the operator ({so_far} so far){detail}"),
        WaitOn::Approval => format!("{service}: still waiting for sign-offs ({so_far} so far){detail}"),
        WaitOn::EarlierRun { pid } => {
            format!(
                "{service}: still waiting for the restore left running by an earlier run (pid {pid}, {so_far} so far)"
            )
        }
    }
}

fn list(items: &[String]) -> String {
    if items.is_empty() { "nothing".into() } else { items.join(", ") }
}

/// Without a progress display: the notices alone, a line each on stderr, as they come.
pub struct NoticeLog;

impl crate::bus::Reporter for NoticeLog {
    fn event(&mut self, e: &Event) {
        if let Event::Notice { level, text, .. } = e {
            crate::bus::notices::eprint(*level, text);
        }
    }
}

/// Writes one line per event to stderr.
pub struct PlainLog {
    pub stamp: Stamp,
}

impl crate::bus::Reporter for PlainLog {
    fn event(&mut self, e: &Event) {
        if let Some(text) = describe(e) {
            let text = crate::term::printable(&text, true);
            let _ = writeln!(std::io::stderr().lock(), "{}  {text}", self.stamp.format(e.at()));
        }
    }
}
