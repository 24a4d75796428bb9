//! Which incident a run belongs to. The runs of one plan and state directory make one incident,
//! until `run --new-incident` (or `--fresh`) starts another: its id is its first run's, its start
//! that run's clock start, and RTOs count from it, so a service first back in an earlier run met
//! (or missed) its RTO then.

use std::collections::HashMap;
use std::time::Duration;

use super::records::RunHeader;
use crate::event::Event;

/// An incident as the journal tells it.
#[derive(Debug, Clone, PartialEq)]
pub struct Incident {
    /// The id of its first run.
    pub id: String,
    /// When its first run's clock started.
    pub start: jiff::Timestamp,
    /// Per service, when it was first back (online, or found online), in seconds since `start`.
    pub back: HashMap<String, f64>,
}

impl Incident {
    /// A new incident, begun by run `id` whose clock starts at `start`.
    pub fn begin(id: &str, start: jiff::Timestamp) -> Self {
        Self { id: id.to_owned(), start, back: HashMap::new() }
    }

    /// How long the incident had lasted at `t` (zero before it began).
    pub fn elapsed_at(&self, t: jiff::Timestamp) -> Duration {
        let nanos = t.as_nanosecond() - self.start.as_nanosecond();
        Duration::from_nanos(u64::try_from(nanos).unwrap_or(0))
    }
}

/// Follows the journal's records to the incident of its latest run.
#[derive(Default)]
pub(super) struct Tracker {
    pub(super) incident: Option<Incident>,
    /// Seconds from the incident's start to the current run's clock start.
    offset: f64,
}

impl Tracker {
    pub(super) fn header(&mut self, run: &RunHeader) {
        let clock = run.clock_start.as_deref().and_then(|t| t.parse::<jiff::Timestamp>().ok());
        // Journals of older versions name no incident: each run was its own.
        let id = run.incident.clone().unwrap_or_else(|| run.id.clone());
        let start = run.incident_start.as_deref().and_then(|t| t.parse().ok()).or(clock);
        if self.incident.as_ref().is_none_or(|i| i.id != id) {
            let Some(start) = start else {
                self.incident = None;
                return;
            };
            self.incident = Some(Incident::begin(&id, start));
        }
        self.offset = match (&self.incident, clock) {
            (Some(i), Some(c)) => i.elapsed_at(c).as_secs_f64(),
            _ => 0.0,
        };
    }

    pub(super) fn event(&mut self, event: &Event) {
        let (Some(incident), Event::Online { service, at, .. } | Event::AlreadyOnline { service, at }) =
            (&mut self.incident, event)
        else {
            return;
        };
        incident.back.entry(service.to_string()).or_insert(self.offset + at.0);
    }
}
