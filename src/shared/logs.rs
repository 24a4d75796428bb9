//! The restore actions' output for the shared state: what each action wrote beyond what went out
//! (whole lines, redacted), sent by the run a few times a second (`journal::ship`) and with the
//! record of each action's end, so that `restorectl logs --follow` follows it from any machine.

use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use postgres::GenericClient;

/// A last line without its newline goes out once its file has been still this many ticks.
const STILL: u32 = 4;

/// This run's actions' output (`logs/<run>/<service>.<attempt>.log`) and how much of each went out.
pub struct Logs {
    pub(super) dir: PathBuf,
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
