//! The command line, as clap types (documented for users in `docs/cli.md`). Nothing below `app`
//! sees these: the output layer has its own enums.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

mod format;
mod review;
pub use format::ReportFormat;
pub use review::{AnnounceDirs, DemoAction, DraftArgs, JournalAction, Review};

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
        /// Also check that every `${env:…}` variable a live run needs (checks, restores,
        /// webhooks) is set in this environment.
        #[arg(long)]
        env_check: bool,
    },
    /// Show the dependency graph, the phases and the critical path.
    Graph {
        /// The plan's TOML file.
        plan: PathBuf,
        #[arg(long, value_enum, default_value_t = GraphFormat::Text)]
        format: GraphFormat,
    },
    /// Health-check every service now, change nothing.
    ///
    /// Exit codes: 0 every checked service healthy, 1 some unhealthy, 2 invalid plan or flags,
    /// 130 interrupted (`--watch` ends with Ctrl-C).
    Status {
        /// The plan's TOML file.
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
        /// The state directory whose journal says what is quarantined (default: next to the plan).
        #[arg(long, value_name = "DIR")]
        state: Option<PathBuf>,
    },
    /// What a run would do now: probes every service, then simulates the restoration of what is
    /// down (the plan's durations, from now), in the scheduler's order.
    ///
    /// Exit codes: 0 nothing needs doing, 1 something would be restored, 2 invalid plan or flags.
    Preview {
        /// The plan's TOML file.
        plan: PathBuf,
        /// How many services a run works on at once (the order depends on it), and probes at once.
        #[arg(long, short, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=100_000))]
        jobs: u32,
        #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
        format: ReportFormat,
        /// The state directory whose journal says what is quarantined (default: next to the plan).
        #[arg(long, value_name = "DIR")]
        state: Option<PathBuf>,
    },
    /// Restore what is down, in dependency order; resumes from the journal. With --dry-run, simulate it.
    ///
    /// Exit codes: 0 all online, 1 some failed or blocked (or, with --strict, an RTO missed),
    /// 2 invalid plan or flags, 130 interrupted.
    Run(RunArgs),
    /// Confirm a manual step that has no checks, or sign off a service that needs `approval`,
    /// from another shell while `run` waits for it.
    ///
    /// A confirmation is for one run: the run waiting now (named by `--run`, as its waiting
    /// message shows). With no run waiting for the step, nothing is confirmed. A sign-off is by
    /// NAME, one of the approvers of the service's role.
    ///
    /// Exit codes: 0 confirmed, 2 no run waiting for that step, NAME not an approver, or invalid
    /// plan or flags.
    Confirm {
        /// The plan's TOML file.
        plan: PathBuf,
        /// The service whose manual step is done.
        id: String,
        /// The id of the run this confirmation is for (shown by the run while it waits).
        #[arg(long, value_name = "RUN")]
        run: Option<String>,
        /// Who confirms (journaled). Default: $USER.
        #[arg(long, value_name = "NAME")]
        by: Option<String>,
        /// The state directory of the run (default: `.restorectl/` next to the plan).
        #[arg(long, value_name = "DIR")]
        state: Option<PathBuf>,
    },
    /// The live demo (`plans/demo.toml`): `restorectl demo stop` ends the services its run started.
    ///
    /// Exit codes: 0 (also when none was running).
    Demo {
        #[command(subcommand)]
        action: DemoAction,
    },
    /// A tiny HTTP service for the live demo (`plans/demo.toml`): answers 200 on /health.
    #[command(hide = true)]
    DemoService {
        #[arg(long)]
        port: u16,
        /// Start in the background and return once it listens.
        #[arg(long)]
        detach: bool,
        /// Seconds before it starts listening (a service warming up).
        #[arg(long, default_value_t = 0.0)]
        warmup: f64,
        /// Exit after this many seconds.
        #[arg(long, default_value_t = 600.0)]
        lifetime: f64,
        /// Started for the demo with --detach: `demo stop` ends it.
        #[arg(long)]
        demo: bool,
    },
    /// Customer update text for the current state, from the journal (nothing is run); and the
    /// review of drafted updates (`approve`, `reject`, `drafts`) and the delivery of what is left
    /// (`deliver`).
    ///
    /// Exit codes: 0, 1 an update a webhook did not accept (it stays queued for the next run or
    /// `deliver`), 2 nothing to announce or review, a variable not set (or invalid plan or flags).
    #[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
    Announce {
        #[command(subcommand)]
        review: Option<Review>,
        /// The plan's TOML file.
        #[arg(required = true)]
        plan: Option<PathBuf>,
        /// The state directory of the run (default: `.restorectl/` next to the plan).
        #[arg(long, value_name = "DIR")]
        state: Option<PathBuf>,
        /// Only this language (default: every locale of the plan).
        #[arg(long, value_name = "L")]
        locale: Option<String>,
        #[arg(long, value_enum, default_value_t = AnnounceFormat::Md)]
        format: AnnounceFormat,
    },
    /// The journal's integrity: `verify` checks its hash chain (and, with --head, its end).
    Journal {
        #[command(subcommand)]
        action: JournalAction,
    },
    /// The runs in the journal: when, how they ended, what they restored, who confirmed what.
    ///
    /// Exit codes: 0, 2 no journal (or invalid plan or flags).
    History {
        /// The plan's TOML file.
        plan: PathBuf,
        /// The state directory (default: `.restorectl/` next to the plan).
        #[arg(long, value_name = "DIR")]
        state: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
        format: ReportFormat,
    },
    /// The evidence pack of a run or of a drill (a dry run, labelled SIMULATED) for auditors:
    /// scope, objectives against actuals, the timeline, who confirmed, approved or skipped what,
    /// the verify gates' evidence, deviations, what was and was not executed, and the journal's
    /// integrity.
    ///
    /// Exit codes: 0 written, 1 written but the journal's hash chain is broken, 2 no journal or
    /// no such run (or invalid plan or flags).
    Report {
        /// The plan's TOML file.
        plan: PathBuf,
        /// The state directory (default: `.restorectl/` next to the plan).
        #[arg(long, value_name = "DIR")]
        state: Option<PathBuf>,
        /// The run (default: the latest).
        #[arg(long, value_name = "RUN")]
        run: Option<String>,
        /// The latest dry run (a drill) instead of a live run.
        #[arg(long, conflicts_with = "run")]
        dry_run: bool,
        /// Where the run wrote its customer updates, if it was given `--announce-dir`.
        #[arg(long, value_name = "DIR")]
        announce_dir: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = EvidenceFormat::Md)]
        format: EvidenceFormat,
        /// Write it to FILE instead of standard output.
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Print the output of a service's restore action; with --follow, as it is written.
    ///
    /// Exit codes: 0, 2 no such log (or invalid plan or flags).
    Logs {
        /// The plan's TOML file.
        plan: PathBuf,
        /// The service.
        id: String,
        /// The run (default: the latest with a log of ID).
        #[arg(long, value_name = "RUN")]
        run: Option<String>,
        /// The attempt (default: the latest).
        #[arg(long, value_name = "N")]
        attempt: Option<u32>,
        /// Keep printing what the action writes until it ends.
        #[arg(long, short)]
        follow: bool,
        /// The state directory (default: `.restorectl/` next to the plan).
        #[arg(long, value_name = "DIR")]
        state: Option<PathBuf>,
    },
    /// Print the JSON Schema of the plan format (for editors such as Even Better TOML / taplo).
    Schema,
    /// Print a shell completion script: `restorectl completions bash > /etc/bash_completion.d/restorectl`.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff): `restorectl man | man -l -`.
    Man,
}

impl Command {
    /// A live `run` restores real services: it must outlive a closed output pipe.
    pub fn is_live_run(&self) -> bool {
        matches!(self, Command::Run(args) if !args.dry_run)
    }
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

/// A duration (`10s`, `1m`), for flags.
pub fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    match crate::human::parse_duration(s) {
        Ok(d) if !d.is_zero() => Ok(d),
        Ok(_) => Err("must be longer than zero".into()),
        Err(e) => Err(format!("{e} (write durations like 5s, 1m, 2h)")),
    }
}

/// A duration a plan could give (`watch`): at most 366 days.
fn parse_span(s: &str) -> Result<std::time::Duration, String> {
    parse_duration(s).and_then(|d| {
        if d <= crate::plan::defaults::MAX_SPAN { Ok(d) } else { Err("must be at most 366 days".into()) }
    })
}

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The plan's TOML file.
    pub plan: PathBuf,
    /// How many services to work on at once.
    #[arg(long, short, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub jobs: u32,
    /// Where the journal, logs and announcements live (default: `.restorectl/` next to the plan).
    #[arg(long, value_name = "DIR")]
    pub state: Option<PathBuf>,
    /// Start a new run: the old journal is kept, renamed.
    #[arg(long)]
    pub fresh: bool,
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

fn parse_fraction(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(f) if (0.0..1.0).contains(&f) => Ok(f),
        _ => Err("must be a fraction from 0 to below 1, e.g. 0.2".into()),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EvidenceFormat {
    /// Markdown.
    Md,
    /// One self-contained page (styles and chart inline): open it, print it, archive it.
    Html,
    /// Every fact of the report, for other tools.
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AnnounceFormat {
    /// Markdown, ready to paste.
    Md,
    /// The status page.
    Html,
    /// Texts per locale and service states.
    Json,
}
