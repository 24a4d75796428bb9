//! A snapshot of a plan's shared journal and records in a folder of its own, for a reader on any
//! machine.

use std::path::PathBuf;

use super::db::SharedError;
use super::journal::Shared;

/// The journal as the database held it when taken (`refresh` takes it again).
pub struct Snapshot {
    _dir: tempfile::TempDir,
    pub state: crate::state::StateDir,
    pub shared: Shared,
}

impl Snapshot {
    pub fn take(url: &str, plan_name: &str) -> Result<Self, SharedError> {
        let shared = Shared::connect(url, plan_name)?;
        let dir = tempfile::tempdir()
            .map_err(|e| SharedError::Local { path: PathBuf::from("(temporary folder)"), why: e })?;
        let state = crate::state::StateDir::labelled(dir.path(), format!("'{}'", shared.shown));
        let mut snapshot = Self { _dir: dir, state, shared };
        snapshot.refresh()?;
        Ok(snapshot)
    }

    /// The journal and the records as the database holds them now.
    pub fn refresh(&mut self) -> Result<(), SharedError> {
        self.shared.download(&self.state.journal())?;
        let files = super::records::files(self.state.root(), &self.state.announcements());
        self.shared.download_records(&files, false)
    }
}
