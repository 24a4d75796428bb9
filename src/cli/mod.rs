//! The command line, as clap types (documented for users in `docs/cli.md`). Nothing below `app`
//! sees these: the output layer has its own enums.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

mod format;
mod import;
mod review;
mod run;
pub use format::{ReportFormat, parse_duration};
pub use import::{ImportArgs, ImportSource};
pub use review::{AnnounceDirs, DemoAction, DraftArgs, JournalAction, Review};
pub use run::{Progress, RunArgs};

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
    /// Exit codes: 0 valid (warnings allowed), 1 valid but not ready (--require-ready), 2 invalid.
    Validate {
        /// The plan's TOML file.
        plan: PathBuf,
        #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
        format: ReportFormat,
        /// Also check that every `${env:…}` variable a live run needs (checks, restores,
        /// webhooks) is set in this environment.
        #[arg(long)]
        env_check: bool,
        /// Also require the plan's readiness stamp (`PLAN.readiness.json`) to prove this very
        /// plan by a drill that restored everything in time, at most --max-age ago: exit 1 if not.
        #[arg(long)]
        require_ready: bool,
        /// With --require-ready: the oldest the drill may be.
        #[arg(long, value_name = "AGE", default_value = "365d", value_parser = parse_duration, requires = "require_ready")]
        max_age: std::time::Duration,
        /// With --require-ready: the Ed25519 public key (PEM) the stamp must be signed with.
        #[arg(long, value_name = "PUB.pem", requires = "require_ready")]
        verify_key: Option<PathBuf>,
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
        /// The state directory whose journal says what is quarantined (default: next to the plan);
        /// or `postgres://…` (also `RESTORECTL_STATE`): the incident shared in PostgreSQL.
        #[arg(long, value_name = "DIR|URL")]
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
        /// The state directory whose journal says what is quarantined (default: next to the plan);
        /// or `postgres://…` (also `RESTORECTL_STATE`): the incident shared in PostgreSQL.
        #[arg(long, value_name = "DIR|URL")]
        state: Option<PathBuf>,
    },
    /// Restore what is down, in dependency order; resumes from the journal. With --dry-run, simulate it.
    ///
    /// Exit codes: 0 all online, 1 some failed or blocked (or, with --strict, an RTO missed),
    /// 2 invalid plan or flags, 130 interrupted.
    Run(Box<RunArgs>),
    /// Confirm a manual step that has no checks, or sign off a service that needs `approval`,
    /// from another shell while `run` waits for it.
    ///
    /// A confirmation is for one run: the run waiting now (named by `--run`, as its waiting
    /// message shows). With no run waiting for the step, nothing is confirmed. A sign-off is by
    /// NAME, one of the approvers of the service's role. When `allowed_signers` lists NAME's SSH
    /// key, the decision is signed with it (through ssh-agent, or --key); a role with
    /// `require_signature = true` takes only signed sign-offs.
    ///
    /// Exit codes: 0 confirmed, 2 no run waiting for that step, NAME not an approver, the decision
    /// refused by the run (unsigned, a key not NAME's, a self-approval), or invalid plan or flags.
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
        /// The SSH key that signs: a private key file, or the .pub of a key in ssh-agent
        /// (default: the first of NAME's keys in allowed_signers that ssh-agent holds).
        #[arg(long, value_name = "FILE", env = "RESTORECTL_SSH_KEY")]
        key: Option<PathBuf>,
        /// The state directory of the run (default: `.restorectl/` next to the plan);
        /// or `postgres://…` (also `RESTORECTL_STATE`): the incident shared in PostgreSQL.
        #[arg(long, value_name = "DIR|URL")]
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
        /// The state directory of the run (default: `.restorectl/` next to the plan);
        /// or `postgres://…` (also `RESTORECTL_STATE`): the incident shared in PostgreSQL.
        #[arg(long, value_name = "DIR|URL")]
        state: Option<PathBuf>,
        /// Only this language (default: every locale of the plan).
        #[arg(long, value_name = "L")]
        locale: Option<String>,
        #[arg(long, value_enum, default_value_t = AnnounceFormat::Md)]
        format: AnnounceFormat,
        /// The state of the latest drill (`run --dry-run`), at the end of its simulated clock.
        #[arg(long)]
        dry_run: bool,
    },
    /// The journal's integrity: `verify` checks its hash chain (and, with --head, that it holds
    /// the chain a run's printed head ends).
    Journal {
        #[command(subcommand)]
        action: JournalAction,
    },
    /// The runs in the journal, grouped by incident: when, how they ended, what they restored,
    /// who confirmed what.
    ///
    /// Exit codes: 0, 2 no journal (or invalid plan or flags).
    History {
        /// The plan's TOML file.
        plan: PathBuf,
        /// The state directory (default: `.restorectl/` next to the plan);
        /// or `postgres://…` (also `RESTORECTL_STATE`): the incident shared in PostgreSQL.
        #[arg(long, value_name = "DIR|URL")]
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
        /// The state directory (default: `.restorectl/` next to the plan);
        /// or `postgres://…` (also `RESTORECTL_STATE`): the incident shared in PostgreSQL.
        #[arg(long, value_name = "DIR|URL")]
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
        /// Check the run's end signature against this Ed25519 public key (PEM): without it a
        /// signature is reported as present, not as checked.
        #[arg(long, value_name = "PUB.pem")]
        verify_key: Option<PathBuf>,
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
        /// The state directory (default: `.restorectl/` next to the plan);
        /// or `postgres://…` (also `RESTORECTL_STATE`): the incident shared in PostgreSQL.
        #[arg(long, value_name = "DIR|URL")]
        state: Option<PathBuf>,
    },
    /// How long each service's restore, verify gates and sign-offs took in real runs (count,
    /// p50, p90), from the journals; with --write, put into the plan as `duration` (p50) and
    /// `duration_p90`, keeping its comments. Dry-run `--trials` then draw from what was seen.
    ///
    /// Exit codes: 0, 2 no real run journaled (or invalid plan or flags, or the plan not written).
    Estimate {
        /// The plan's TOML file.
        plan: PathBuf,
        /// A state directory whose journals to read, the current one and those put away
        /// (repeatable; default: the plan's).
        #[arg(long = "from", value_name = "STATE")]
        from: Vec<PathBuf>,
        /// Write the p50 and p90 of each service seen into the plan.
        #[arg(long)]
        write: bool,
        #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
        format: ReportFormat,
    },
    /// Whether this very plan (its SHA-256) is proven: its last drill and last real run, their
    /// verdicts (all restored, every RTO met), their age, and what changed in the plan since;
    /// from the stamp a drill with --sign-key leaves beside the plan (`PLAN.readiness.json`) and
    /// the state directory's journals.
    ///
    /// Exit codes: 0 ready, 1 stale (the plan changed, the proof is older than --max-age, or the
    /// stamp is not believed) or failed, 2 never drilled (or invalid plan or flags).
    Readiness {
        /// The plan's TOML file.
        plan: PathBuf,
        /// The oldest a drill or run may be to prove the plan.
        #[arg(long, value_name = "AGE", default_value = "365d", value_parser = parse_duration)]
        max_age: std::time::Duration,
        /// The state directory (default: `.restorectl/` next to the plan);
        /// or `postgres://…` (also `RESTORECTL_STATE`): the incident shared in PostgreSQL.
        #[arg(long, value_name = "DIR|URL")]
        state: Option<PathBuf>,
        /// The Ed25519 public key (PEM) the stamp must be signed with; without it the stamp's
        /// signature is checked against the key it names.
        #[arg(long, value_name = "PUB.pem")]
        verify_key: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
        format: ReportFormat,
    },
    /// Write a first plan from what the estate already says (compose, systemd, Kubernetes,
    /// Backstage): services, dependencies, checks, restores, phases; what could not be translated
    /// listed; secrets as `${env:…}`. With --check PLAN, the drift between the estate and a
    /// committed plan; with --update PLAN, that plan brought up to date.
    ///
    /// Exit codes: 0 written (no drift), 1 drift (--check), 2 unreadable sources or a plan that
    /// does not validate.
    Import {
        #[command(subcommand)]
        source: ImportSource,
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
