//! `[announce] publish_hours`: the hours of the day (in the plan's zone) good news may go out.
//! Services back and stages complete wait for them; bad news and an update customers were
//! promised by a date never do.

use jiff::civil::Time;

use crate::event::Secs;
use crate::stamp::Stamp;

#[derive(Debug, Clone)]
pub struct Hours {
    stamp: Stamp,
    from: Time,
    to: Time,
}

impl Hours {
    pub fn new(stamp: Stamp, (from, to): (Time, Time)) -> Self {
        Self { stamp, from, to }
    }

    /// The earliest instant at or after `at` within the hours.
    pub fn open(&self, at: Secs) -> Secs {
        let z = self.stamp.zoned(at);
        let now = z.time();
        if now >= self.from && now < self.to {
            return at;
        }
        let day = if now < self.from { Some(z.date()) } else { z.date().tomorrow().ok() };
        self.stamp.next(at, day.map(|d| d.to_datetime(self.from)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_news_waits_for_the_morning_and_goes_out_at_once_within_the_hours() {
        let start: jiff::ZonedDateTime = "2022-07-25T08:00[Europe/Warsaw]".parse().unwrap();
        let hours = Hours::new(
            Stamp { start, with_date: true },
            (Time::constant(8, 0, 0, 0), Time::constant(20, 0, 0, 0)),
        );
        let h = 3600.0;
        assert_eq!(hours.open(Secs(2.0 * h)), Secs(2.0 * h), "10:00 is within");
        assert_eq!(hours.open(Secs(12.0 * h)), Secs(24.0 * h), "20:00 waits for 08:00 the next day");
        assert_eq!(hours.open(Secs(19.0 * h)), Secs(24.0 * h), "03:00 waits for 08:00");
    }
}
