//! The run's inbox of decisions given from other machines: a connection of its own that LISTENs
//! for `restorectl_decisions` and writes each decision not yet taken where the run's waits read
//! it (`confirm/<run>/…` in the local state directory), then marks it taken. A decision given
//! while the run was not listening is found when it starts, and every few seconds regardless.

use std::path::Path;
use std::time::Duration;

use super::db::SharedError;
use super::journal::Shared;

/// How long the inbox waits for a notification before it looks anyway.
const LOOK_AGAIN: Duration = Duration::from_secs(5);

/// The inbox's thread: it ends with the process.
pub struct Inbox;

impl Inbox {
    /// Starts listening for the plan's decisions; they are written under `root`.
    pub fn start(url: &str, plan_name: &str, root: &Path) -> Result<Inbox, SharedError> {
        let mut shared = Shared::connect(url, plan_name)?;
        shared.client.batch_execute("LISTEN restorectl_decisions")?;
        let root = root.to_path_buf();
        take(&mut shared, &root)?;
        std::thread::spawn(move || {
            loop {
                use postgres::fallible_iterator::FallibleIterator;
                let heard = shared.client.notifications().timeout_iter(LOOK_AGAIN).next();
                if heard.is_err() || take(&mut shared, &root).is_err() {
                    // The run's waits go on; decisions from other machines wait for the next run.
                    crate::bus::notices::say(
                        crate::event::Level::Warning,
                        format!(
                            "lost the connection to {}: decisions given elsewhere reach the next run",
                            shared.shown
                        ),
                    );
                    return;
                }
            }
        });
        Ok(Inbox)
    }
}

/// Writes the decisions not yet taken as files, and marks them taken.
fn take(shared: &mut Shared, root: &Path) -> Result<(), SharedError> {
    let mut tx = shared.client.transaction()?;
    let rows = tx.query(
        "SELECT id, path, body FROM restorectl_decisions WHERE state = $1 AND NOT taken ORDER BY id FOR UPDATE SKIP LOCKED",
        &[&shared.key],
    )?;
    for row in &rows {
        let (id, path, body): (i64, &str, &str) = (row.get(0), row.get(1), row.get(2));
        // Only a path inside the state directory's confirmations: the database is not trusted to
        // write anywhere else.
        let rel = Path::new(path);
        let inside = rel.starts_with("confirm")
            && rel.components().all(|c| matches!(c, std::path::Component::Normal(_)));
        if inside {
            let file = root.join(rel);
            if let Some(dir) = file.parent() {
                let _ = std::fs::create_dir_all(dir);
            }
            crate::state::files::write(&file, body.as_bytes())
                .map_err(|e| SharedError::Local { path: file.clone(), why: e })?;
        }
        tx.execute("UPDATE restorectl_decisions SET taken = true WHERE id = $1", &[&id])?;
    }
    tx.commit()?;
    Ok(())
}
