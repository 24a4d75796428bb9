//! The restore actions' output in the shared state: the run ships what each action writes to its
//! log (whole lines, redacted, a few times a second) so that `restorectl logs --follow` follows
//! it from any machine, woken by NOTIFY.

use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use postgres::GenericClient;

use super::db::SharedError;
use super::journal::Shared;

/// How often the run looks at its logs for new output.
const TICK: Duration = Duration::from_millis(250);
/// A last line without its newline goes out once its file has been still this many ticks.
const STILL: u32 = 4;

/// This run's actions' output (`logs/<run>/<service>.<attempt>.log`) and how much of each went out.
pub struct Logs {
    dir: PathBuf,
    run: String,
    files: Mutex<HashMap<PathBuf, Shipped>>,
    redact: Box<dyn Fn(&str) -> String + Send + Sync>,
}

impl Logs {
    pub fn new(
        dir: PathBuf,
        run: String,
        redact: impl Fn(&str) -> String + Send + Sync + 'static,
    ) -> Arc<Logs> {
        Arc::new(Logs { dir, run, files: Mutex::default(), redact: Box::new(redact) })
    }

    /// Sends what the logs hold beyond what went out: whole lines, or everything (`all`: an
    /// action finished, and its output goes out before its end is journaled). Whether anything
    /// went.
    pub(super) fn send(
        &self,
        db: &mut impl GenericClient,
        key: &str,
        all: bool,
    ) -> Result<bool, postgres::Error> {
        let mut files = self.files.lock().unwrap_or_else(|e| e.into_inner());
        let mut sent = false;
        for entry in std::fs::read_dir(&self.dir).into_iter().flatten().flatten() {
            let path = entry.path();
            let Some((service, attempt)) = log_of(&path) else { continue };
            let shipped = files.entry(path.clone()).or_default();
            let Some(text) = new_text(&path, shipped, all) else { continue };
            shipped.seq += 1;
            db.execute(
                "INSERT INTO restorectl_logs (state, run, service, attempt, seq, chunk) VALUES ($1, $2, $3, $4, $5, $6)",
                &[&key, &self.run, &service, &attempt, &shipped.seq, &(self.redact)(&text)],
            )?;
            sent = true;
        }
        if sent {
            db.execute("SELECT pg_notify('restorectl_logs', $1)", &[&key])?;
        }
        Ok(sent)
    }
}

/// Ships `logs` a few times a second until the process ends (a connection of its own); a lost
/// connection is told once, and the logs stay in the local folder.
pub fn ship(url: &str, plan_name: &str, logs: Arc<Logs>) -> Result<(), SharedError> {
    let mut shared = Shared::connect(url, plan_name)?;
    std::thread::spawn(move || {
        loop {
            std::thread::sleep(TICK);
            if let Err(e) = logs.send(&mut shared.client, &shared.key, false) {
                crate::bus::notices::say(
                    crate::event::Level::Warning,
                    format!(
                        "the actions' output no longer reaches {} ({}): it stays in {}",
                        shared.shown,
                        SharedError::from(e),
                        logs.dir.display()
                    ),
                );
                return;
            }
        }
    });
    Ok(())
}

/// How much of a log went out.
#[derive(Default)]
struct Shipped {
    offset: u64,
    seq: i64,
    still: u32,
}

/// `<service>.<attempt>.log`.
fn log_of(path: &Path) -> Option<(String, i32)> {
    let name = path.file_name()?.to_str()?.strip_suffix(".log")?;
    let (service, attempt) = name.rsplit_once('.')?;
    Some((service.to_owned(), attempt.parse().ok()?))
}

/// What the log holds beyond what went out: its whole lines, or all of it once it is still
/// (or `all`).
fn new_text(path: &Path, shipped: &mut Shipped, all: bool) -> Option<String> {
    let mut file = std::fs::File::open(path).ok()?;
    file.seek(SeekFrom::Start(shipped.offset)).ok()?;
    let mut bytes = Vec::new();
    file.take(1 << 20).read_to_end(&mut bytes).ok()?;
    if bytes.is_empty() {
        return None;
    }
    let whole = match bytes.iter().rposition(|&b| b == b'\n') {
        _ if all => bytes.len(),
        Some(end) => end + 1,
        None if shipped.still >= STILL => bytes.len(),
        None => {
            shipped.still += 1;
            return None;
        }
    };
    shipped.still = 0;
    shipped.offset += whole as u64;
    Some(String::from_utf8_lossy(&bytes[..whole]).into_owned())
}

impl Shared {
    /// The output of an attempt after chunk `after`: (its last chunk's number, the text).
    pub fn log_after(
        &mut self,
        (run, service, attempt): (&str, &str, i32),
        after: i64,
    ) -> Result<(i64, String), SharedError> {
        let rows = self.client.query(
            "SELECT seq, chunk FROM restorectl_logs WHERE state = $1 AND run = $2 AND service = $3 AND attempt = $4 \
             AND seq > $5 ORDER BY seq",
            &[&self.key, &run, &service, &attempt, &after],
        )?;
        let last = rows.last().map_or(after, |r| r.get(0));
        Ok((last, rows.iter().map(|r| r.get::<_, &str>(1)).collect()))
    }

    /// From now on, `wait_logs` wakes as output arrives or the journal grows.
    pub fn listen_logs(&mut self) -> Result<(), SharedError> {
        self.client.batch_execute("LISTEN restorectl_logs; LISTEN restorectl_journal")?;
        Ok(())
    }
}
