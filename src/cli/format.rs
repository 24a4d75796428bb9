//! How a report is printed: for people or for machines.

use clap::ValueEnum;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// For people: coloured on a terminal, plain otherwise.
    Human,
    /// For machines: JSON on stdout.
    Json,
}
