//! The command line, as clap types. Nothing below `app` sees these.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// Bring an organisation's IT services back after a major outage: in phases, in dependency order,
/// verified, resumable, and with customer updates as each service comes back.
#[derive(Debug, Parser)]
#[command(name = "restorectl", version, about, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Parse and check a plan; report every problem with its line and column.
    ///
    /// Exit codes: 0 valid (warnings allowed), 2 invalid.
    Validate {
        /// The plan's TOML file.
        plan: PathBuf,
        #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
        format: ReportFormat,
    },
    /// Show the dependency graph, the phases and the critical path.
    Graph {
        plan: PathBuf,
        #[arg(long, value_enum, default_value_t = GraphFormat::Text)]
        format: GraphFormat,
    },
    /// Health-check every service now, change nothing.
    ///
    /// Exit codes: 0 every checked service healthy, 1 some unhealthy, 2 invalid plan or flags,
    /// 130 interrupted (`--watch` ends with Ctrl-C).
    Status {
        plan: PathBuf,
        /// How many services to probe at once.
        #[arg(long, short, default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..=100_000))]
        jobs: u32,
        /// Probe only these services (repeat or separate with commas).
        #[arg(long, value_name = "ID", value_delimiter = ',')]
        only: Vec<String>,
        #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
        format: ReportFormat,
        /// Re-probe every INTERVAL (default 10s) and redraw, until Ctrl-C.
        #[arg(long, value_name = "INTERVAL", num_args = 0..=1, default_missing_value = "10s", value_parser = parse_duration)]
        watch: Option<std::time::Duration>,
    },
    /// Print the JSON Schema of the plan format (for editors such as Even Better TOML / taplo).
    Schema,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// For people: coloured on a terminal, plain otherwise.
    Human,
    /// For machines: JSON on stdout.
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    /// Phases, dependencies and the critical path, for people.
    Text,
    /// Graphviz (`dot -Tsvg`).
    Dot,
    /// Mermaid flowchart (renders on GitHub).
    Mermaid,
    /// Nodes, edges and the critical path as JSON.
    Json,
}

/// A humantime duration (`10s`, `1m`), for flags.
pub fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    match humantime::parse_duration(s) {
        Ok(d) if !d.is_zero() => Ok(d),
        Ok(_) => Err("must be longer than zero".into()),
        Err(e) => Err(format!("{e} (write durations like 5s, 1m, 2h)")),
    }
}
