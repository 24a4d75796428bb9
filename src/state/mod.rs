//! The state directory (`.restorectl/` next to the plan, or `--state DIR`): its layout, and the
//! files in it, each typed and versioned.
//!
//! ```text
//! journal.jsonl                  every event of every run (journal.rs); journal.<time>.jsonl kept by --fresh
//! lock                           held by the run using the directory; holds its pid
//! logs/<run>/<service>.<n>.log   a restore action's output (logs.<time>/ kept by --fresh)
//! logs/<run>/pids                `<service>/<n> <pid>`, appended by each action before its exec
//! confirm/<run>/<service>.json   an operator's confirmation of a manual step, for one run
//! announcements/                 customer updates (announce::writer); announced.jsonl and
//!                                webhooks.jsonl there remember what was told and delivered
//! dry-run/                       a dry run's own state directory, never the live one
//! ```

pub mod journal;
pub mod replay;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use journal::Journal;
pub use replay::{LastRun, PlanChange, Replay, Stage, StateError, Unfinished, last_run};

/// Where a plan's runs keep their state.
#[derive(Debug, Clone)]
pub struct StateDir {
    root: PathBuf,
}

impl StateDir {
    /// `--state DIR`, or `.restorectl/` next to the plan.
    pub fn for_plan(plan: &Path, given: Option<&Path>) -> Self {
        let root = match given {
            Some(dir) => dir.to_path_buf(),
            None => plan.parent().unwrap_or(Path::new(".")).join(".restorectl"),
        };
        Self { root }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// A dry run's own state directory.
    pub fn dry_run(&self) -> StateDir {
        StateDir { root: self.root.join("dry-run") }
    }

    pub fn journal(&self) -> PathBuf {
        self.root.join("journal.jsonl")
    }

    pub fn lock(&self) -> PathBuf {
        self.root.join("lock")
    }

    /// Every run's logs, a folder per run.
    pub fn logs(&self) -> PathBuf {
        self.root.join("logs")
    }

    /// Where the output of a restore attempt goes.
    pub fn log(&self, run: &str, service: &str, attempt: u32) -> PathBuf {
        self.logs().join(run).join(format!("{service}.{attempt}.log"))
    }

    /// Where the actions of run `run` note their pids before they exec (see `process`).
    pub fn pids(&self, run: &str) -> PathBuf {
        self.logs().join(run).join("pids")
    }

    /// Where an operator's confirmation of `service` for run `run` is dropped.
    pub fn confirmation(&self, run: &str, service: &str) -> PathBuf {
        self.root.join("confirm").join(run).join(format!("{service}.json"))
    }

    /// The customer updates, unless `--announce-dir` says otherwise.
    pub fn announcements(&self) -> PathBuf {
        self.root.join("announcements")
    }
}

/// `confirm/<run>/<service>.json`: who confirmed a manual step, when, from which account and host.
#[derive(Debug, Serialize, Deserialize)]
pub struct Confirmation {
    /// Version of the format.
    pub v: u32,
    pub by: String,
    pub at: String,
    /// The operating-system account and host `confirm` ran under, beside the name given.
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default)]
    pub host: Option<String>,
}

impl Confirmation {
    pub const VERSION: u32 = 1;

    pub fn new(by: String) -> Self {
        Self {
            v: Self::VERSION,
            by,
            at: jiff::Timestamp::now().to_string(),
            user: std::env::var("USER").ok(),
            host: std::fs::read_to_string("/proc/sys/kernel/hostname").ok().map(|h| h.trim().to_owned()),
        }
    }

    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(path, serde_json::to_vec(self).map_err(std::io::Error::other)?)
    }

    /// The confirmation at `path`, if there is one of a version this reader knows.
    pub fn read(path: &Path) -> Option<Self> {
        let c: Self = serde_json::from_slice(&std::fs::read(path).ok()?).ok()?;
        (c.v == Self::VERSION).then_some(c)
    }
}
