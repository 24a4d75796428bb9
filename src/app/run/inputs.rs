//! What a run is told on its command line beyond the plan: `--start` (a dry run's date and
//! time), and `--fail`, `--slow` and `--timeline`, checked against the plan.

use jiff::ZonedDateTime;
use jiff::tz::TimeZone;

use crate::cli::RunArgs;
use crate::error::Error;
use crate::loaded::Loaded;
use crate::report;
use crate::sim::{Failure, Scenario};

pub(super) fn parse_start(s: &str, tz: &TimeZone) -> Result<ZonedDateTime, Error> {
    if let Ok(ts) = s.parse::<jiff::Timestamp>() {
        return Ok(ts.to_zoned_datetime(tz.clone()));
    }
    let civil = s
        .parse::<jiff::civil::DateTime>()
        .or_else(|_| s.parse::<jiff::civil::Date>().map(|d| d.to_datetime(jiff::civil::Time::midnight())))
        .map_err(|_| {
            Error::flag(
                format!("--start {s}"),
                "not a date and time; use e.g. 2022-07-25T08:00 or 2022-07-25T08:00:00Z",
            )
        })?;
    civil.to_zoned_datetime(tz.clone()).map_err(|e| Error::flag(format!("--start {s}"), e.to_string()))
}

/// `--fail` and `--slow`, checked against the plan's ids (and `--timeline`'s file name).
pub(super) fn scenario(loaded: &Loaded, args: &RunArgs) -> Result<Scenario, Error> {
    let find = |id: &str, flag: &str| {
        loaded
            .plan
            .index_of(id)
            .map_err(|unknown| Error::UnknownService { flag: format!("{flag} {id}"), unknown })
    };
    if let Some(path) = args.timeline.as_ref().filter(|p| !report::timeline::Timeline::writes(p)) {
        return Err(Error::flag(
            format!("--timeline {}", path.display()),
            "the file must end in .svg or .html",
        ));
    }
    let mut sc = Scenario { jitter: args.jitter, seed: args.seed, ..Scenario::default() };
    for f in &args.fail {
        let (id, mode) = match f.split_once(':') {
            Some((id, n)) => {
                let n: u32 = n.parse().map_err(|_| {
                    Error::flag(format!("--fail {f}"), format!("`{n}` is not a number of attempts"))
                })?;
                (id, Failure::Times(n))
            }
            None => (f.as_str(), Failure::Always),
        };
        sc.fail.insert(find(id, "--fail")?, mode);
    }
    for s in &args.slow {
        let (id, factor) = s
            .split_once(':')
            .ok_or_else(|| Error::flag(format!("--slow {s}"), "write it as ID:FACTOR, e.g. email:2"))?;
        let factor: f64 = factor
            .parse()
            .ok()
            .filter(|f: &f64| f.is_finite() && *f > 0.0 && *f <= 1000.0)
            .ok_or_else(|| {
                Error::flag(format!("--slow {s}"), format!("`{factor}` is not a factor between 0 and 1000"))
            })?;
        sc.slow.insert(find(id, "--slow")?, factor);
    }
    Ok(sc)
}
