//! The run's clock as people read it: seconds since the start (virtual in a dry run) turned into
//! wall-clock time in the plan's zone.

use jiff::{SignedDuration, ZonedDateTime};

use crate::event::Secs;

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

    /// The end of the day (in the plan's zone) that `at` falls on: what "by 12 August" promises.
    pub fn end_of_day(&self, at: Secs) -> Secs {
        let day = self.zoned(at).date().tomorrow().ok();
        self.next(at, day.map(|d| d.to_datetime(jiff::civil::Time::midnight())))
    }

    /// The instant of `local` (a date and time in the plan's zone) on this clock, if it is not
    /// before `at`; else `at`.
    pub fn next(&self, at: Secs, local: Option<jiff::civil::DateTime>) -> Secs {
        let zone = self.start.time_zone().clone();
        let instant = local.and_then(|l| l.to_zoned_datetime(zone).ok());
        match instant.map(|i| self.start.duration_until(&i).as_secs_f64()) {
            Some(secs) if secs >= at.0 => Secs(secs),
            _ => at,
        }
    }

    /// `17:15:02`, or `17:15:02 CET` when the plan's time zone is not UTC (with the date in a
    /// dry run). The journal keeps UTC whatever the zone.
    pub fn format(&self, at: Secs) -> String {
        let z = self.zoned(at);
        let utc = z.time_zone().iana_name().is_none_or(|n| n == "UTC" || n == "Etc/UTC");
        let format = match (self.with_date, utc) {
            (true, true) => "%Y-%m-%d %H:%M",
            (true, false) => "%Y-%m-%d %H:%M %Z",
            (false, true) => "%H:%M:%S",
            (false, false) => "%H:%M:%S %Z",
        };
        z.strftime(format).to_string()
    }
}
