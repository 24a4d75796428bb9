//! The announcements' records and the operators' alerts on the shared state
//! (`restorectl_records`): each file's lines in the database, in its order, so that drafts,
//! approvals and the webhooks' delivery queue follow the incident from machine to machine. The
//! one who holds the incident (a run, or a review or delivery taken without one) downloads them
//! into its local files first, then appends to both (`state::mirrored`: the file first, the
//! database before the writer goes on) through a connection of its own — writers may be inside
//! an async runtime, where the blocking client cannot run.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, mpsc};

use super::db::SharedError;
use super::journal::Shared;

/// Every shared record file, by its name in the database: where each is, under a state directory
/// (`root`) and the announcements folder (`announcements`).
pub fn files(root: &Path, announcements: &Path) -> Vec<(&'static str, PathBuf)> {
    vec![
        ("announcements/webhooks.jsonl", announcements.join("webhooks.jsonl")),
        ("announcements/announced.jsonl", announcements.join("announced.jsonl")),
        ("notify.jsonl", root.join("notify.jsonl")),
    ]
}

type Job = (String, String, mpsc::Sender<Result<(), String>>);

/// Appends lines to the database from a thread of its own.
pub struct Records {
    jobs: Mutex<mpsc::Sender<Job>>,
    shown: String,
}

impl Records {
    /// Connects, and from now on every line appended to one of `files` goes to the database too.
    pub fn mirror(url: &str, plan_name: &str, files: &[(&str, PathBuf)]) -> Result<(), SharedError> {
        let mut shared = Shared::connect(url, plan_name)?;
        let (jobs, next) = mpsc::channel::<Job>();
        let shown = shared.shown.clone();
        std::thread::spawn(move || {
            for (file, line, done) in next {
                let _ = done.send(append(&mut shared, &file, &line).map_err(|e| e.to_string()));
            }
        });
        let records = Arc::new(Records { jobs: Mutex::new(jobs), shown });
        for (name, path) in files {
            crate::state::mirrored::register(path, name, records.clone());
        }
        Ok(())
    }
}

impl crate::state::mirrored::LineMirror for Records {
    fn append(&self, name: &str, line: &[u8]) -> std::io::Result<()> {
        let (done, outcome) = mpsc::channel();
        let job = (name.to_owned(), String::from_utf8_lossy(line).into_owned(), done);
        let sent = self.jobs.lock().unwrap_or_else(|e| e.into_inner()).send(job);
        let outcome = match sent {
            Ok(()) => outcome.recv().unwrap_or_else(|_| Err("the connection's thread ended".into())),
            Err(_) => Err("the connection's thread ended".into()),
        };
        outcome.map_err(|why| {
            // Without its records shared, whoever holds the incident must not go on acting.
            crate::bus::notices::say(
                crate::event::Level::Error,
                format!("lost {} ({why}): the run stops, as on Ctrl-C; run it again to go on", self.shown),
            );
            crate::runner::signals::press();
            std::io::Error::other(format!("{}: {why}", self.shown))
        })
    }
}

/// One line, and its notification, in one statement.
fn append(shared: &mut Shared, file: &str, line: &str) -> Result<(), SharedError> {
    shared.client.execute(
        "WITH appended AS (INSERT INTO restorectl_records (state, file, record) VALUES ($1, $2, $3)) \
         SELECT pg_notify('restorectl_records', $1)",
        &[&shared.key, &file, &line],
    )?;
    Ok(())
}

impl Shared {
    /// Brings the local copies of the shared record files up to date: the database's lines are
    /// the truth. With `holding` (the incident's lock is this process's), a local file that is not
    /// their beginning — lines written as a connection was lost, or before this folder used the
    /// shared state — is kept aside, as the journal's is.
    pub fn download_records(&mut self, files: &[(&str, PathBuf)], holding: bool) -> Result<(), SharedError> {
        let mut found = Vec::new();
        for (name, path) in files {
            let rows = self.client.query(
                "SELECT record FROM restorectl_records WHERE state = $1 AND file = $2 ORDER BY id",
                &[&self.key, name],
            )?;
            let shared: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
            let local = std::fs::read(path).ok();
            // Whole records only: a torn last line is no record.
            let ahead = local.as_ref().is_some_and(|local| {
                let local: Vec<&[u8]> = local
                    .split(|&b| b == b'\n')
                    .filter(|l| serde_json::from_slice::<serde::de::IgnoredAny>(l).is_ok())
                    .collect();
                local.len() > shared.len() || local.iter().zip(&shared).any(|(l, s)| *l != s.as_bytes())
            });
            found.push((name, path, shared, local.is_some(), holding && ahead));
        }
        // An announcements folder the database does not continue (another incident's, or one
        // written as a connection was lost) is kept aside whole: its files, feeds and page are of
        // what it held, not of this incident.
        let folder = found
            .iter()
            .find(|(name, _, _, _, ahead)| *ahead && name.starts_with("announcements/"))
            .and_then(|(_, path, ..)| Some(path.parent()?.to_path_buf()));
        if let Some(dir) = &folder {
            set_aside(dir)?;
        }
        for (name, path, shared, existed, ahead) in found {
            let moved = folder.is_some() && name.starts_with("announcements/");
            if ahead && !moved {
                set_aside(path)?;
            }
            if shared.is_empty() && (!existed || moved) {
                continue;
            }
            let dir = path.parent().unwrap_or(Path::new("."));
            std::fs::create_dir_all(dir)
                .map_err(|why| SharedError::Local { path: dir.to_path_buf(), why })?;
            write(path, &shared)?;
        }
        Ok(())
    }

    /// A new incident (`run --new-incident`): the records of the one before are kept under
    /// `<time>/…`, as its folder is, and the new one starts with none.
    pub fn put_away_records(&mut self, files: &[(&str, PathBuf)]) -> Result<(), SharedError> {
        let stamp = jiff::Timestamp::now().strftime("%Y%m%dT%H%M%SZ").to_string();
        let names: Vec<&str> = files.iter().map(|(n, _)| *n).collect();
        self.client.execute(
            "UPDATE restorectl_records SET file = $2 || '/' || file WHERE state = $1 AND file = ANY($3)",
            &[&self.key, &stamp, &names],
        )?;
        Ok(())
    }
}

fn write(path: &Path, lines: &[String]) -> Result<(), SharedError> {
    let text: String = lines.iter().flat_map(|l| [l.as_str(), "\n"]).collect();
    crate::state::files::write(path, text.as_bytes())
        .map_err(|why| SharedError::Local { path: path.to_path_buf(), why })
}

/// Keeps a local record file (or folder) the database does not continue beside it, renamed,
/// never overwritten.
fn set_aside(path: &Path) -> Result<(), SharedError> {
    let kept = crate::state::journal::put_away(path).map_err(|e| SharedError::Local {
        path: path.to_path_buf(),
        why: std::io::Error::other(e.to_string()),
    })?;
    crate::bus::notices::say(
        crate::event::Level::Warning,
        format!(
            "{} disagrees with the shared state: kept as {} (the shared one is used)",
            path.display(),
            kept.display()
        ),
    );
    Ok(())
}
