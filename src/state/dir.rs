//! `StateDir`: where each file of the state directory lives (the layout is described in
//! `state/mod.rs`).

use std::path::{Path, PathBuf};

/// Where a plan's runs keep their state.
#[derive(Debug, Clone)]
pub struct StateDir {
    root: PathBuf,
    /// What messages call it, when not its folder (a snapshot of a shared state: its database).
    label: Option<String>,
}

impl StateDir {
    /// `--state DIR`, or `.restorectl/<plan file stem>/` next to the plan: plans side by side in
    /// one folder keep their journals apart. A journal of the older layout (`.restorectl/` itself)
    /// is kept using until the plan's own folder exists, so an incident under way goes on.
    /// A PostgreSQL URL given (`--state postgres://…`) keeps the local folder as the run's
    /// working directory (logs, evidence, confirmations); the journal is the database's.
    pub fn for_plan(plan: &Path, given: Option<&Path>) -> Self {
        let given = given.filter(|g| super::location::url(Some(g)).is_none());
        if let Some(dir) = given {
            return Self { root: dir.to_path_buf(), label: None };
        }
        let shared = plan.parent().unwrap_or(Path::new(".")).join(".restorectl");
        let stem = plan.file_stem().map_or_else(|| "plan".into(), |s| s.to_string_lossy().into_owned());
        let own = shared.join(stem);
        let root = if !own.exists() && shared.join("journal.jsonl").is_file() { shared } else { own };
        Self { root, label: None }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// A folder holding a copy of state kept elsewhere, called `label` in messages.
    pub fn labelled(root: &Path, label: String) -> Self {
        Self { root: root.to_path_buf(), label: Some(label) }
    }

    /// Where the state really is, when this folder holds a copy of it (a snapshot of a shared
    /// state): `'postgres://user@host/db'`.
    pub fn elsewhere(&self) -> Option<&str> {
        self.label.as_deref()
    }

    /// The state as messages name it: its folder, or where it really is.
    pub fn shown(&self) -> String {
        self.label.clone().unwrap_or_else(|| self.root.display().to_string())
    }

    /// A dry run's own state directory.
    pub fn dry_run(&self) -> StateDir {
        StateDir { root: self.root.join("dry-run"), label: None }
    }

    pub fn journal(&self) -> PathBuf {
        self.root.join("journal.jsonl")
    }

    /// Whether there is a journal: `false` only when there is none, an error when the state
    /// cannot be read (it is then unreadable, not empty).
    pub fn has_journal(&self) -> Result<bool, super::error::StateError> {
        let path = self.journal();
        match std::fs::metadata(&path) {
            Ok(m) => Ok(m.is_file()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(super::error::StateError::io("read the journal", path)(e)),
        }
    }

    pub fn lock(&self) -> PathBuf {
        self.root.join("lock")
    }

    /// Every run's logs, a folder per run.
    pub fn logs(&self) -> PathBuf {
        self.root.join("logs")
    }

    /// What the process of a restore attempt carries in `RESTORECTL_ACTION`:
    /// `<state dir>:<run>/<service>/<attempt>`, the state directory as its absolute path, so two
    /// plans' runs on one machine never take each other's actions for their own.
    pub fn action_marker(&self, run: &str, service: &str, attempt: u32) -> String {
        let root = std::fs::canonicalize(&self.root).unwrap_or_else(|_| self.root.clone());
        format!("{}:{run}/{service}/{attempt}", root.display())
    }

    /// Where a run notes the pid of each action it spawns (see `process::note_pid`).
    pub fn pids(&self, run: &str) -> PathBuf {
        self.logs().join(run).join("pids")
    }

    /// Where the output of a restore attempt goes.
    pub fn log(&self, run: &str, service: &str, attempt: u32) -> PathBuf {
        self.logs().join(run).join(format!("{service}.{attempt}.log"))
    }

    /// Where an operator's confirmation of `service` for run `run` is dropped.
    pub fn confirmation(&self, run: &str, service: &str) -> PathBuf {
        self.root.join("confirm").join(run).join(format!("{service}.json"))
    }

    /// Where the sign-offs of `service` for `run` are kept, one file per person.
    pub fn approvals(&self, run: &str, service: &str) -> PathBuf {
        self.root.join("confirm").join(run).join(format!("{service}.approvals"))
    }

    /// One person's sign-off, under the SHA-256 of the name: any name, however long, makes a file
    /// name (the file says who signed; sign-offs count by that, never by file name).
    pub fn approval(&self, run: &str, service: &str, by: &str) -> PathBuf {
        let name = super::chain::hex(&super::chain::hash(by.as_bytes()));
        self.approvals(run, service).join(format!("{name}.json"))
    }

    /// The evidence of `service`'s verify gates in attempt `attempt` of `run`.
    pub fn evidence(&self, run: &str, service: &str, attempt: u32) -> PathBuf {
        self.root.join("evidence").join(run).join(format!("{service}.{attempt}.json"))
    }

    pub fn announcements(&self) -> PathBuf {
        self.root.join("announcements")
    }
}
