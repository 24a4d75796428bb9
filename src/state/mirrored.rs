//! Record files kept elsewhere too. On a shared state the announcements' records
//! (`webhooks.jsonl`, `announced.jsonl`) and the operators' alerts (`notify.jsonl`) go to the
//! database as well as to their file, line by line: whoever shares them registers a
//! [`LineMirror`] for each file (`state` does not know where they go), and every writer of those
//! files appends through [`append`], one line at a time in the whole process, so that the copy
//! holds the lines in the file's order.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Where the lines of a record file go besides the file.
pub trait LineMirror: Send + Sync {
    /// `name`: the file as the copy knows it (`announcements/webhooks.jsonl`); `line` without
    /// its newline. Returns once the copy holds it.
    fn append(&self, name: &str, line: &[u8]) -> std::io::Result<()>;
}

struct Mirrored {
    path: PathBuf,
    name: String,
    mirror: Arc<dyn LineMirror>,
}

static MIRRORED: Mutex<Vec<Mirrored>> = Mutex::new(Vec::new());

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// From now on, what is appended to the file at `path` goes to `mirror` too, as `name`.
pub fn register(path: &Path, name: &str, mirror: Arc<dyn LineMirror>) {
    let mut all = MIRRORED.lock().unwrap_or_else(|e| e.into_inner());
    all.retain(|m| m.path != absolute(path));
    all.push(Mirrored { path: absolute(path), name: name.to_owned(), mirror });
}

/// Appends `line` (ending with its newline) to the file at `path` with `local` (the file's own
/// write), then to the file's mirror, if it has one.
pub fn append(path: &Path, line: &[u8], local: impl FnOnce() -> std::io::Result<()>) -> std::io::Result<()> {
    let all = MIRRORED.lock().unwrap_or_else(|e| e.into_inner());
    local()?;
    let path = absolute(path);
    match all.iter().find(|m| m.path == path) {
        Some(m) => m.mirror.append(&m.name, line.strip_suffix(b"\n").unwrap_or(line)),
        None => Ok(()),
    }
}
