//! Where `confirm` finds the run and leaves its decision: the state directory on this machine, or
//! the shared state on PostgreSQL (`--state postgres://…`), from any machine that reaches it.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::error::Error;
use crate::plan::Plan;
use crate::shared::Snapshot;
use crate::state::{self, LastRun, StateDir, StateError};

pub(super) enum Place {
    Dir(StateDir),
    Shared(Box<Snapshot>),
}

impl Place {
    pub(super) fn open(plan_path: &Path, plan: &Plan, given: Option<&Path>) -> Result<Self, Error> {
        Ok(match crate::shared::url(given) {
            Some(url) => {
                let mut snapshot = Snapshot::take(&url, &plan.name)?;
                // Woken as the run journals, not by polling.
                snapshot.shared.listen_journal()?;
                Place::Shared(Box::new(snapshot))
            }
            None => Place::Dir(StateDir::for_plan(plan_path, given)),
        })
    }

    pub(super) fn state(&self) -> &StateDir {
        match self {
            Place::Dir(s) => s,
            Place::Shared(s) => &s.state,
        }
    }

    /// The latest run as the journal has it now; running: holding the incident's lock.
    pub(super) fn last_run(&mut self, plan: &Plan, plan_path: &Path) -> Result<LastRun, Error> {
        if let Place::Shared(s) = self {
            s.refresh()?;
            let mut last = state::last_run(&s.state, plan, plan_path)?;
            last.running = s.shared.running()?;
            return Ok(last);
        }
        Ok(state::last_run(self.state(), plan, plan_path)?)
    }

    /// Leaves the decision where the run reads it.
    pub(super) fn give(&mut self, path: &Path, body: &[u8]) -> Result<(), Error> {
        match self {
            Place::Dir(_) => {
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir).map_err(StateError::io("create", dir))?;
                }
                Ok(state::files::write(path, body).map_err(StateError::io("write", path))?)
            }
            Place::Shared(s) => {
                let rel = relative(&s.state, path);
                Ok(s.shared.give(&rel, &String::from_utf8_lossy(body))?)
            }
        }
    }

    /// Takes back a decision the run did not take.
    pub(super) fn withdraw(&mut self, path: &Path) {
        match self {
            Place::Dir(_) => {
                let _ = std::fs::remove_file(path);
            }
            Place::Shared(s) => {
                let rel = relative(&s.state, path);
                let _ = s.shared.withdraw(&rel);
            }
        }
    }

    /// Waits a moment for the run to journal (at most `most`).
    pub(super) fn wait(&mut self, most: Duration) -> Result<(), Error> {
        match self {
            Place::Dir(_) => std::thread::sleep(most),
            Place::Shared(s) => s.shared.wait_journal(most)?,
        }
        Ok(())
    }
}

fn relative(state: &StateDir, path: &Path) -> String {
    path.strip_prefix(state.root())
        .map(PathBuf::from)
        .unwrap_or_else(|_| path.to_path_buf())
        .display()
        .to_string()
}
