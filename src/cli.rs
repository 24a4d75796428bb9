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
