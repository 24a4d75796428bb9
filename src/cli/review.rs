//! The subcommands of `announce` (reviewing and delivering updates), of `journal` and of `demo`.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::format::ReportFormat;

/// With `[announce] publish = "review"`, a live run's updates reach the webhooks only once a
/// person approves them.
#[derive(Debug, Subcommand)]
pub enum Review {
    /// Approve a drafted update (optionally with corrected text) and send it to the webhooks.
    Approve {
        #[command(flatten)]
        draft: DraftArgs,
        /// Replace the text in one language with a corrected Markdown file (repeatable).
        #[arg(long = "text", value_name = "LOCALE=FILE")]
        texts: Vec<String>,
    },
    /// Reject a drafted update: it is never sent.
    Reject {
        #[command(flatten)]
        draft: DraftArgs,
        /// Why (recorded).
        #[arg(long, value_name = "TEXT")]
        reason: Option<String>,
    },
    /// Send what earlier runs could not deliver to the webhooks, without a run.
    Deliver {
        /// The plan's TOML file.
        plan: PathBuf,
        #[command(flatten)]
        dirs: AnnounceDirs,
    },
    /// List the drafted updates and what became of them.
    Drafts {
        /// The plan's TOML file.
        plan: PathBuf,
        #[command(flatten)]
        dirs: AnnounceDirs,
        #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
        format: ReportFormat,
    },
}

#[derive(Debug, Subcommand)]
pub enum JournalAction {
    /// Check that no record was edited, removed or reordered (and with --head, that none was cut
    /// off the end).
    ///
    /// Exit codes: 0 intact, 1 tampered with (the first bad line is named), 2 no journal.
    Verify {
        /// The plan's TOML file.
        plan: PathBuf,
        /// The state directory (default: `.restorectl/` next to the plan).
        #[arg(long, value_name = "DIR")]
        state: Option<PathBuf>,
        /// The head a run printed as it ended (`journal head …`): the journal must end there.
        #[arg(long, value_name = "HASH")]
        head: Option<String>,
        /// Every run's end must be signed by the private key of this Ed25519 public key (PEM).
        #[arg(long, value_name = "FILE")]
        verify_key: Option<PathBuf>,
    },
}

/// Which drafted update, and who decides.
#[derive(Debug, Args)]
pub struct DraftArgs {
    /// The plan's TOML file.
    pub plan: PathBuf,
    /// The update's number, as the run printed it (`0007`).
    pub number: u32,
    /// Who decides (recorded with the account and host).
    #[arg(long, value_name = "NAME")]
    pub by: String,
    /// The SSH key that signs: a private key file, or the .pub of a key in ssh-agent
    /// (default: the first of NAME's keys in allowed_signers that ssh-agent holds).
    #[arg(long, value_name = "FILE", env = "RESTORECTL_SSH_KEY")]
    pub key: Option<PathBuf>,
    #[command(flatten)]
    pub dirs: AnnounceDirs,
}

/// Where the announcements are.
#[derive(Debug, Args)]
pub struct AnnounceDirs {
    /// The state directory of the run (default: `.restorectl/` next to the plan).
    #[arg(long, value_name = "DIR")]
    pub state: Option<PathBuf>,
    /// The run's announcements directory, if it was given one (default: `<state>/announcements/`).
    #[arg(long, value_name = "DIR")]
    pub announce_dir: Option<PathBuf>,
}

/// What `restorectl demo` does.
#[derive(Debug, Subcommand)]
pub enum DemoAction {
    /// Stop every demo service running on this machine (started by `run plans/demo.toml`).
    Stop,
}
