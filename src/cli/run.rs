//! `restorectl run`'s arguments: the plan, the live run's state and outputs, partial runs, and
//! the dry run's scenario.

use std::path::PathBuf;

use clap::ValueEnum;

use super::format::{ReportFormat, parse_duration};
use crate::human::BadInput;

/// A duration a plan could give (`watch`): at most 366 days.
fn parse_span(s: &str) -> Result<std::time::Duration, BadInput> {
    parse_duration(s).and_then(|d| {
        if d <= crate::plan::defaults::MAX_SPAN {
            Ok(d)
        } else {
            Err(BadInput::new("must be at most 366 days"))
        }
    })
}

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The plan's TOML file.
    pub plan: PathBuf,
    /// How many services to work on at once.
    #[arg(long, short, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub jobs: u32,
    /// Where the journal, logs and announcements live (default: `.restorectl/` next to the plan);
    /// or `postgres://…` (also `RESTORECTL_STATE`): the incident shared in PostgreSQL.
    #[arg(long, value_name = "DIR|URL")]
    pub state: Option<PathBuf>,
    /// Start a new run: the old journal is kept, renamed.
    #[arg(long)]
    pub fresh: bool,
    /// Start a new incident in the same journal: RTOs count from this run, the report and
    /// customer updates start afresh (the old updates are kept, renamed). Without it, a run belongs
    /// to the incident of the run before.
    #[arg(long, conflicts_with = "dry_run")]
    pub new_incident: bool,
    /// Go on from a journal whose hash chain or structure breaks (`journal verify` names where),
    /// believing what it holds; REASON and who gave it are journaled. Without it such a journal is
    /// refused.
    #[arg(long, value_name = "REASON", conflicts_with = "dry_run")]
    pub accept_broken_journal: Option<String>,
    #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
    pub format: ReportFormat,
    /// Progress display: a live bar on a terminal, plain lines otherwise.
    #[arg(long, value_enum, default_value_t = Progress::Auto)]
    pub progress: Progress,
    /// Write a JUnit report (one test case per service).
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// How often a wait that goes on (checks failing, an operator, an earlier run's restore) is
    /// reported again.
    #[arg(long, value_name = "INTERVAL", default_value = "60s", value_parser = parse_duration)]
    pub remind_every: std::time::Duration,
    /// Where customer announcements go (default: `<state>/announcements/`, `<state>/dry-run/announcements/`).
    #[arg(long, value_name = "DIR")]
    pub announce_dir: Option<PathBuf>,
    /// Only these services, and whatever they depend on that is down (repeat or separate with
    /// commas).
    #[arg(long, value_name = "ID", value_delimiter = ',', help_heading = "Partial runs")]
    pub only: Vec<String>,
    /// Never restore these in this run (journaled with who and why); what depends on them is
    /// blocked unless they are also given to --assume-online.
    #[arg(
        long,
        value_name = "ID",
        value_delimiter = ',',
        help_heading = "Partial runs",
        requires = "reason"
    )]
    pub skip: Vec<String>,
    /// Why the services of --skip are skipped (journaled).
    #[arg(long, value_name = "TEXT", help_heading = "Partial runs", requires = "skip")]
    pub reason: Option<String>,
    /// Skipped services to count as online, so that what depends on them goes on.
    #[arg(long, value_name = "ID", value_delimiter = ',', help_heading = "Partial runs")]
    pub assume_online: Vec<String>,
    /// Once a service is online, keep probing it this long (for services without their own
    /// `watch`); one that falls back is restored again, and customers told if they were told it
    /// was back. The run ends when every watch has.
    #[arg(long, value_name = "DURATION", value_parser = parse_span)]
    pub watch: Option<std::time::Duration>,
    /// Who runs it (default: the account's name): journaled with the run and its skips, signed
    /// with their SSH key when `allowed_signers` lists one.
    #[arg(long, value_name = "NAME", help_heading = "People")]
    pub by: Option<String>,
    /// The SSH key that signs --by's decisions: a private key file, or the .pub of a key in
    /// ssh-agent (default: the first of their keys in allowed_signers that ssh-agent holds).
    #[arg(long, value_name = "FILE", env = "RESTORECTL_SSH_KEY", help_heading = "People")]
    pub key: Option<PathBuf>,
    /// Sign the journal's head as the run ends with this Ed25519 private key (PKCS#8 PEM, as
    /// `openssl genpkey -algorithm ed25519` writes it); `journal verify --verify-key` checks it.
    #[arg(long, value_name = "FILE")]
    pub sign_key: Option<PathBuf>,
    /// Only what the last run did not bring back — failed, blocked, or left pending by a halt or
    /// an interruption (and what that depends on that is down).
    #[arg(long, help_heading = "Partial runs", conflicts_with = "only")]
    pub retry_failed: bool,

    /// Simulate the whole run on a virtual clock: nothing is executed or probed.
    #[arg(long, help_heading = "Dry run")]
    pub dry_run: bool,
    /// Make ID's restore fail every time, or its first N attempts (ID:N). Repeatable.
    #[arg(long, value_name = "ID[:N]", help_heading = "Dry run", requires = "dry_run")]
    pub fail: Vec<String>,
    /// Make ID's restore take FACTOR times its duration. Repeatable.
    #[arg(long, value_name = "ID:FACTOR", help_heading = "Dry run", requires = "dry_run")]
    pub slow: Vec<String>,
    /// Make watched ID fall back AFTER it came online (once), to rehearse what follows. Repeatable.
    #[arg(long, value_name = "ID:AFTER", help_heading = "Dry run", requires = "dry_run")]
    pub fall_back: Vec<String>,
    /// Draw each duration uniformly within ± FRACTION of its planned value.
    #[arg(long, value_name = "FRACTION", default_value_t = 0.0, help_heading = "Dry run", requires = "dry_run", value_parser = parse_fraction)]
    pub jitter: f64,
    /// Seed for --jitter (same seed, same results).
    #[arg(long, default_value_t = 0, help_heading = "Dry run", requires = "dry_run")]
    pub seed: u64,
    /// Run N simulations; report p50/p90/p99 makespan and online times and each RTO's probability.
    #[arg(long, value_name = "N", help_heading = "Dry run", requires = "dry_run", value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub trials: Option<u32>,
    /// Simulated start time, e.g. 2022-07-25T08:00 (plan time zone) or RFC 3339 (default: now).
    #[arg(long, value_name = "DATETIME", help_heading = "Dry run", requires = "dry_run")]
    pub start: Option<String>,
    /// Exit 1 when any RTO is missed (with --trials: when its p90 is missed).
    #[arg(long, help_heading = "Dry run", requires = "dry_run")]
    pub strict: bool,
    /// Write the timeline as an SVG or HTML chart.
    #[arg(long, value_name = "FILE.svg|FILE.html", help_heading = "Dry run", requires = "dry_run")]
    pub timeline: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Progress {
    /// A bar on a terminal, plain lines otherwise (none with --format json).
    Auto,
    /// The live bar, even when not on a terminal.
    Bar,
    /// One timestamped line per event.
    Plain,
    /// Nothing but the final report.
    None,
}

fn parse_fraction(s: &str) -> Result<f64, BadInput> {
    match s.parse::<f64>() {
        Ok(f) if (0.0..1.0).contains(&f) => Ok(f),
        _ => Err(BadInput::new("must be a fraction from 0 to below 1, e.g. 0.2")),
    }
}
