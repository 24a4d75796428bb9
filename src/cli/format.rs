//! Flag values: how a report is printed (for people or for machines), and durations.

use clap::ValueEnum;

use crate::human::BadInput;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// For people: coloured on a terminal, plain otherwise.
    Human,
    /// For machines: JSON on stdout.
    Json,
}

/// A duration (`10s`, `1m`), for flags.
pub fn parse_duration(s: &str) -> Result<std::time::Duration, BadInput> {
    match crate::human::parse_duration(s) {
        Ok(d) if !d.is_zero() => Ok(d),
        Ok(_) => Err(BadInput::new("must be longer than zero")),
        Err(e) => Err(BadInput(format!("{e} (write durations like 5s, 1m, 2h)"))),
    }
}
