//! The run's inbox of decisions given from other machines: a connection of its own that LISTENs
//! for `restorectl_decisions` and writes each decision not yet taken where the run's waits read
//! it (`confirm/<run>/…` in the local state directory), then marks it taken. A review of a
//! customer update (`review/<number>`) is handed to the run's reviewer once it has one, and what
//! came of it is written back for whoever gave it. A decision given while the run was not
//! listening is found when it starts, and every few seconds regardless.

use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use super::db::SharedError;
use super::journal::Shared;

/// How long the inbox waits for a notification before it looks anyway.
const LOOK_AGAIN: Duration = Duration::from_secs(5);

/// What the run does with a review given from elsewhere: the update's number (from where it was
/// given) and its body in, what came of it out (what the giver is told).
pub type Reviewer = Box<dyn FnMut(u32, &str) -> String + Send>;

/// The inbox's thread (it ends with the process), and the run's reviewer once it has one.
pub struct Inbox {
    reviewer: Arc<OnceLock<Mutex<Reviewer>>>,
}

impl Inbox {
    /// Starts listening for the plan's decisions; they are written under `root`. Should the
    /// connection or the incident's lock be lost, the run stops as on Ctrl-C: without them it
    /// would journal nowhere shared, and a second run could start beside it.
    /// `holder`: the backend pid of the session that holds the incident's lock (the journal's).
    pub fn start(url: &str, plan_name: &str, root: &Path, holder: i32) -> Result<Inbox, SharedError> {
        let mut shared = Shared::connect(url, plan_name)?;
        shared.client.batch_execute("LISTEN restorectl_decisions")?;
        let root = root.to_path_buf();
        let reviewer: Arc<OnceLock<Mutex<Reviewer>>> = Arc::default();
        take(&mut shared, &root, &reviewer)?;
        let inbox = Inbox { reviewer: reviewer.clone() };
        std::thread::spawn(move || {
            loop {
                use postgres::fallible_iterator::FallibleIterator;
                let heard = shared.client.notifications().timeout_iter(LOOK_AGAIN).next().map(|_| ());
                let lost = match heard {
                    Err(e) => SharedError::from(e).to_string(),
                    Ok(_) => match take(&mut shared, &root, &reviewer).and_then(|()| shared.holds(holder)) {
                        Ok(true) => continue,
                        Ok(false) => "the run's session no longer holds the incident's lock".to_owned(),
                        Err(e) => e.to_string(),
                    },
                };
                crate::bus::notices::say(
                    crate::event::Level::Error,
                    format!(
                        "lost {} ({lost}): the run stops, as on Ctrl-C; run it again to go on",
                        shared.shown
                    ),
                );
                crate::runner::signals::press();
                return;
            }
        });
        Ok(inbox)
    }

    /// From now on, reviews given for the run are decided by `reviewer` (they wait until then).
    pub fn review_with(&self, reviewer: Reviewer) {
        let _ = self.reviewer.set(Mutex::new(reviewer));
    }
}

/// Where a decision may be written: `confirm/<run>/<service>.json` or
/// `confirm/<run>/<service>.approvals/<name>.json`, nowhere else.
fn allowed(path: &str) -> bool {
    let parts: Vec<&str> = path.split('/').collect();
    let plain = |p: &&str| !p.is_empty() && *p != "." && *p != ".." && !p.contains('\\');
    parts.iter().all(plain)
        && parts[0] == "confirm"
        && path.ends_with(".json")
        && (parts.len() == 3 || (parts.len() == 4 && parts[2].ends_with(".approvals")))
}

/// Writes the decisions not yet taken as files, and marks them taken; one that cannot be written
/// (a path outside the confirmations, a folder in the way) is told and set aside, never retried.
/// Reviews go to the run's reviewer, with what came of each written back.
fn take(shared: &mut Shared, root: &Path, reviewer: &OnceLock<Mutex<Reviewer>>) -> Result<(), SharedError> {
    let mut tx = shared.client.transaction()?;
    let rows = tx.query(
        "SELECT id, path, body FROM restorectl_decisions WHERE state = $1 AND NOT taken ORDER BY id FOR UPDATE SKIP LOCKED",
        &[&shared.key],
    )?;
    for row in &rows {
        let (id, path, body): (i64, &str, &str) = (row.get(0), row.get(1), row.get(2));
        if let Some(number) = path.strip_prefix(REVIEW) {
            let Some(reviewer) = reviewer.get() else { continue };
            let outcome = match number.parse::<u32>() {
                Ok(n) if number.len() >= 4 && number.bytes().all(|b| b.is_ascii_digit()) => {
                    (reviewer.lock().unwrap_or_else(|e| e.into_inner()))(n, body)
                }
                _ => {
                    let why = format!(
                        "a decision given for `{path}` in {} was set aside: not an update's review",
                        shared.shown
                    );
                    crate::bus::notices::say(crate::event::Level::Warning, why.clone());
                    serde_json::json!({ "said": why, "code": 2 }).to_string()
                }
            };
            tx.execute(
                "UPDATE restorectl_decisions SET taken = true, outcome = $2 WHERE id = $1",
                &[&id, &outcome],
            )?;
            tx.execute("SELECT pg_notify('restorectl_outcomes', $1)", &[&id.to_string()])?;
            continue;
        }
        let written = if allowed(path) {
            let file = root.join(path);
            file.parent()
                .map_or(Ok(()), std::fs::create_dir_all)
                .and_then(|()| crate::state::files::write(&file, body.as_bytes()))
                .map_err(|e| e.to_string())
        } else {
            Err("not a confirmation's place".to_owned())
        };
        if let Err(why) = written {
            crate::bus::notices::say(
                crate::event::Level::Warning,
                format!("a decision given for `{path}` in {} was set aside: {why}", shared.shown),
            );
        }
        tx.execute("UPDATE restorectl_decisions SET taken = true WHERE id = $1", &[&id])?;
    }
    tx.commit()?;
    Ok(())
}

/// Where a review of a customer update is given: `review/<number>`.
const REVIEW: &str = "review/";

impl Shared {
    /// A review of update `number` for the run that holds the incident: its id, to wait for what
    /// came of it (`outcome`). Listens for outcomes first, so that none is missed.
    pub fn give_review(&mut self, number: u32, body: &str) -> Result<i64, SharedError> {
        self.client.batch_execute("LISTEN restorectl_outcomes")?;
        let mut tx = self.client.transaction()?;
        let row = tx.query_one(
            "INSERT INTO restorectl_decisions (state, path, body) VALUES ($1, $2, $3) RETURNING id",
            &[&self.key, &format!("{REVIEW}{number:04}"), &body],
        )?;
        tx.execute("SELECT pg_notify('restorectl_decisions', $1)", &[&self.key])?;
        tx.commit()?;
        Ok(row.get(0))
    }

    /// What came of review `id`, once a run decided it; waits for it at most `most`.
    pub fn outcome(&mut self, id: i64, most: Duration) -> Result<Option<String>, SharedError> {
        use postgres::fallible_iterator::FallibleIterator;
        let until = std::time::Instant::now() + most;
        loop {
            let row =
                self.client.query_one("SELECT outcome FROM restorectl_decisions WHERE id = $1", &[&id])?;
            if let Some(outcome) = row.get::<_, Option<String>>(0) {
                return Ok(Some(outcome));
            }
            let left = until.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return Ok(None);
            }
            self.client.notifications().timeout_iter(left).next()?;
        }
    }

    /// Takes back review `id` if no run took it yet (then `true`).
    pub fn withdraw_review(&mut self, id: i64) -> Result<bool, SharedError> {
        let gone =
            self.client.execute("DELETE FROM restorectl_decisions WHERE id = $1 AND NOT taken", &[&id])?;
        Ok(gone == 1)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_a_confirmations_place_is_written() {
        assert!(super::allowed("confirm/7f3a/db.json"));
        assert!(super::allowed("confirm/7f3a/db.approvals/5f1c.json"));
        for bad in [
            "confirm/7f3a",
            "../x.json",
            "/tmp/x.json",
            "confirm/../../x.json",
            "confirm/7f3a/a/b.json",
            "logs/7f3a/db.json",
            "confirm//db.json",
        ] {
            assert!(!super::allowed(bad), "{bad}");
        }
    }
}
