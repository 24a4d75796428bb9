//! The regulatory clocks of the report (`[plan.regulation]`): each clock's due date, counted from
//! the incident's start in the plan's time zone (a month is a calendar month), and whether the
//! incident record shows the step that meets it done in time — met, missed (done late, or not
//! done and past due), or open (not done, not yet due).

use serde::Serialize;

use crate::event::{Event, Secs};
use crate::plan::Plan;
use crate::stamp::Stamp;
use crate::state::runlog::RunLog;

#[derive(Debug, Serialize)]
pub struct ClockLine {
    pub name: String,
    pub within: String,
    pub met_by: String,
    /// Due (UTC, to the second).
    pub due: String,
    /// When `met_by` was done (confirmed, or back online), if it was.
    pub done: Option<String>,
    /// `met`, `missed` or `open`.
    pub verdict: &'static str,
    /// How early or late, or how long is left.
    pub margin: Option<String>,
}

/// Each clock of the plan against the incident record; `now` is when the report is made (the
/// drill's end on its own clock, for a drill).
pub fn clocks(plan: &Plan, log: &RunLog, stamp: &Stamp, now: jiff::Timestamp) -> Vec<ClockLine> {
    if plan.regulation.is_empty() {
        return Vec::new();
    }
    let zone = jiff::tz::TimeZone::get(&plan.timezone).unwrap_or(jiff::tz::TimeZone::UTC);
    let first = log.first();
    let start = first
        .incident_start
        .as_deref()
        .or(first.clock_start.as_deref())
        .and_then(|t| t.parse::<jiff::Timestamp>().ok())
        .unwrap_or_else(|| stamp.start.timestamp());
    let second = |t: jiff::Timestamp| t.strftime("%Y-%m-%d %H:%M:%S UTC").to_string();
    let human = |d: jiff::SignedDuration| crate::human::human_duration(d.unsigned_abs());
    plan.regulation
        .iter()
        .map(|c| {
            let id = c.met_by.get_ref();
            let due =
                start.to_zoned_datetime(zone.clone()).checked_add(c.span).map_or(start, |z| z.timestamp());
            let done = log.events.iter().find_map(|(_, e)| match e {
                Event::Confirmed { service, at, .. } | Event::Online { service, at, .. }
                    if &**service == id =>
                {
                    Some(*at)
                }
                _ => None,
            });
            let done = done.map(|at: Secs| stamp.zoned(at).timestamp());
            let (verdict, margin) = match done {
                Some(t) if t <= due => {
                    ("met", Some(format!("{} before it was due", human(due.duration_since(t)))))
                }
                Some(t) => ("missed", Some(format!("{} late", human(t.duration_since(due))))),
                None if now > due => {
                    ("missed", Some(format!("not done; {} overdue", human(now.duration_since(due)))))
                }
                None => ("open", Some(format!("due in {}", human(due.duration_since(now))))),
            };
            ClockLine {
                name: c.name.clone(),
                within: c.within.clone(),
                met_by: id.clone(),
                due: second(due),
                done: done.map(second),
                verdict,
                margin,
            }
        })
        .collect()
}
