//! One connection to a plan's shared state: the incident's lock, the journal downloaded and
//! appended to (the run's sink), decisions given for the run.

use std::path::Path;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use super::db::{self, SharedError};
use super::logs::Logs;

/// A connection to the shared state of one plan (its journal is keyed by the plan's name).
pub struct Shared {
    pub(super) client: postgres::Client,
    pub(super) key: String,
    /// The URL without its password, for messages.
    pub shown: String,
    /// How many journal lines the database holds (the next is this plus one).
    lines: i64,
}

impl Shared {
    /// Connects (TLS as the URL's `sslmode` asks) and brings the schema up to date.
    pub fn connect(url: &str, plan_name: &str) -> Result<Self, SharedError> {
        let mut client = db::connect(url)?;
        db::migrate(&mut client)?;
        Ok(Self { client, key: plan_name.to_owned(), shown: crate::state::location::shown(url), lines: 0 })
    }

    /// Takes the incident's lock for this session: refused while another run holds it.
    pub fn lock(&mut self) -> Result<(), SharedError> {
        let row =
            self.client.query_one("SELECT pg_try_advisory_lock(hashtext($1))", &[&lock_key(&self.key)])?;
        if row.get::<_, bool>(0) { Ok(()) } else { Err(SharedError::Held { url: self.shown.clone() }) }
    }

    /// This session's server process (what `pg_locks` names a lock's holder by).
    pub fn backend_pid(&mut self) -> Result<i32, SharedError> {
        Ok(self.client.query_one("SELECT pg_backend_pid()", &[])?.get(0))
    }

    /// Whether the session `pid` holds the incident's lock.
    pub fn holds(&mut self, pid: i32) -> Result<bool, SharedError> {
        Ok(self.holders()?.contains(&pid))
    }

    /// Whether a run holds the incident's lock now (from any machine).
    pub fn running(&mut self) -> Result<bool, SharedError> {
        Ok(!self.holders()?.is_empty())
    }

    /// The sessions that hold the incident's lock in this database (a lock on one bigint key
    /// shows in `pg_locks` as its high and low 32 bits, `classid` and `objid`).
    fn holders(&mut self) -> Result<Vec<i32>, SharedError> {
        let rows = self.client.query(
            "WITH k AS (SELECT hashtext($1)::bigint AS key) \
             SELECT pid FROM pg_locks, k WHERE locktype = 'advisory' AND granted AND objsubid = 1 \
             AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
             AND classid = ((k.key >> 32) & 4294967295)::oid AND objid = (k.key & 4294967295)::oid",
            &[&lock_key(&self.key)],
        )?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    /// Writes the journal the database holds to `path` (replacing what is there): what runs and
    /// readers then read, as from a state directory.
    pub fn download(&mut self, path: &Path) -> Result<(), SharedError> {
        let rows = self.client.query(
            "SELECT line, record FROM restorectl_journal WHERE state = $1 ORDER BY line",
            &[&self.key],
        )?;
        let mut text = String::new();
        for row in &rows {
            text += row.get::<_, &str>(1);
            text.push('\n');
        }
        self.lines = rows.last().map_or(0, |r| r.get(0));
        set_aside_unless_prefix(path, &text)?;
        if rows.is_empty() {
            // Nothing has run yet: no journal, as in a fresh state directory.
            return Ok(());
        }
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| SharedError::Local { path: path.to_path_buf(), why: e })?;
        }
        crate::state::files::write(path, text.as_bytes())
            .map_err(|e| SharedError::Local { path: path.to_path_buf(), why: e })
    }

    /// A decision given by `confirm` for the run to take: the file at `path` (relative to the
    /// state directory) with `body`.
    pub fn give(&mut self, path: &str, body: &str) -> Result<(), SharedError> {
        let mut tx = self.client.transaction()?;
        tx.execute(
            "INSERT INTO restorectl_decisions (state, path, body) VALUES ($1, $2, $3)",
            &[&self.key, &path, &body],
        )?;
        tx.execute("SELECT pg_notify('restorectl_decisions', $1)", &[&self.key])?;
        tx.commit()?;
        Ok(())
    }

    /// Takes back a decision no run took.
    pub fn withdraw(&mut self, path: &str) -> Result<(), SharedError> {
        self.client.execute(
            "DELETE FROM restorectl_decisions WHERE state = $1 AND path = $2 AND NOT taken",
            &[&self.key, &path],
        )?;
        Ok(())
    }

    /// From now on, `wait_journal` wakes as the journal grows (LISTEN, not polling).
    pub fn listen_journal(&mut self) -> Result<(), SharedError> {
        self.client.batch_execute("LISTEN restorectl_journal")?;
        Ok(())
    }

    /// Waits up to `timeout` for what this connection listens for (the journal growing, output).
    pub fn wait_journal(&mut self, timeout: Duration) -> Result<(), SharedError> {
        use postgres::fallible_iterator::FallibleIterator;
        let mut notes = self.client.notifications();
        notes.timeout_iter(timeout).next()?;
        Ok(())
    }

    /// The journal's sink for a run: appends each group of records in one transaction.
    pub fn into_sink(self) -> Sink {
        Sink { shared: self, logs: Arc::default() }
    }
}

/// A local journal the shared one does not continue (one of runs before this folder used the
/// shared state, or a copy that disagrees with it) is kept aside, never overwritten.
fn set_aside_unless_prefix(path: &Path, shared: &str) -> Result<(), SharedError> {
    let Ok(local) = std::fs::read(path) else { return Ok(()) };
    if local.is_empty() || shared.as_bytes().starts_with(&local) {
        return Ok(());
    }
    let stamp = jiff::Timestamp::now().strftime("%Y%m%dT%H%M%SZ");
    let aside = path.with_file_name(format!("journal.local-{stamp}.jsonl"));
    std::fs::rename(path, &aside).map_err(|e| SharedError::Local { path: aside.clone(), why: e })?;
    crate::bus::notices::say(
        crate::event::Level::Warning,
        format!(
            "the local journal is not the shared one's beginning: kept as {} (the shared journal is used)",
            aside.display()
        ),
    );
    Ok(())
}

fn lock_key(plan: &str) -> String {
    format!("restorectl:{plan}")
}

/// Where a run's records go besides its local journal.
pub struct Sink {
    shared: Shared,
    /// The run's actions' output, once the run has an id: an action's output goes out with the
    /// record of its end, so whoever follows it never misses its last lines.
    pub logs: Arc<OnceLock<Arc<Logs>>>,
}

impl crate::state::Mirror for Sink {
    fn append(&mut self, lines: &[Vec<u8>]) -> std::io::Result<()> {
        let shown = self.shared.shown.clone();
        self.write(lines).map_err(|e| std::io::Error::other(format!("{shown}: {e}")))
    }
}

impl Sink {
    fn write(&mut self, lines: &[Vec<u8>]) -> Result<(), SharedError> {
        const APPEND: &str = "WITH appended AS (INSERT INTO restorectl_journal (state, line, record) \
             SELECT $1, * FROM unnest($2::bigint[], $3::text[])) SELECT pg_notify('restorectl_journal', $1)";
        let s = &mut self.shared;
        let numbers: Vec<i64> = (s.lines + 1..=s.lines + lines.len() as i64).collect();
        // Records are JSON, so UTF-8: the lossy form never differs.
        let records: Vec<String> = lines
            .iter()
            .map(|l| String::from_utf8_lossy(l.strip_suffix(b"\n").unwrap_or(l)).into_owned())
            .collect();
        let finished = lines.iter().any(|l| l.windows(25).any(|w| w == b"\"event\":\"action_finished\""));
        match self.logs.get().filter(|_| finished) {
            // An action's last output goes out with the record of its end, in one transaction.
            Some(logs) => {
                let mut tx = s.client.transaction()?;
                logs.send(&mut tx, &s.key, true)?;
                tx.execute(APPEND, &[&s.key, &numbers, &records])?;
                tx.commit()?;
            }
            // One statement for the whole group (and its NOTIFY): a round trip per group commit.
            None => {
                s.client.execute(APPEND, &[&s.key, &numbers, &records])?;
            }
        }
        s.lines += lines.len() as i64;
        Ok(())
    }
}

/// Calls `heard` each time the plan's journal grows, from a connection and a thread of its own
/// (LISTEN, not polling), until the connection is lost.
pub fn on_journal(url: &str, plan_name: &str, heard: impl Fn() + Send + 'static) -> Result<(), SharedError> {
    let mut shared = Shared::connect(url, plan_name)?;
    shared.listen_journal()?;
    std::thread::spawn(move || {
        use postgres::fallible_iterator::FallibleIterator;
        let mut notes = shared.client.notifications();
        let mut each = notes.blocking_iter();
        while let Ok(Some(note)) = each.next() {
            if note.payload() == shared.key {
                heard();
            }
        }
    });
    Ok(())
}

/// How often the run looks at its actions' logs for new output.
const TICK: Duration = Duration::from_millis(250);

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
