//! How the state directory's files are written: never through a link planted in their place
//! (`O_NOFOLLOW`: a link is refused, its target untouched), and whole files atomically — a
//! temporary file beside it, synced, renamed over it — so a full disk or a failed write leaves
//! the previous file whole.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// Opens `path` as `opts` says, refusing a symbolic link at it.
pub fn open(opts: &mut OpenOptions, path: &Path) -> std::io::Result<File> {
    opts.custom_flags(libc::O_NOFOLLOW).open(path).map_err(|e| {
        if e.raw_os_error() == Some(libc::ELOOP) {
            std::io::Error::other(format!(
                "{} is a symbolic link; the state directory's files never are",
                path.display()
            ))
        } else {
            e
        }
    })
}

/// Opens `path` for appending (created if missing), refusing a link.
pub fn append(path: &Path) -> std::io::Result<File> {
    open(OpenOptions::new().create(true).append(true), path)
}

/// Writes `bytes` as the whole of `path`, atomically: the old content stays until the new one is
/// entirely on disk; a link at `path` is replaced, never written through.
pub fn write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let temp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let written = (|| {
        let mut file = open(OpenOptions::new().write(true).create(true).truncate(true), &temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written
}
