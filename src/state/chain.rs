//! The journal's hash chain: each record begins with `"prev"`, the SHA-256 (hex) of the line
//! before it (64 zeros for the first), so an edited, removed or reordered line breaks the chain
//! at the line after it; the head (the last line's hash), kept elsewhere, catches a truncation.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use sha2::{Digest, Sha256};

pub type Hash = [u8; 32];

pub fn hash(line: &[u8]) -> Hash {
    Sha256::digest(line).into()
}

pub fn hex(h: &Hash) -> String {
    crate::hex::hex(h)
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect()
}

/// What a run's end signature covers (`"signs"` in its `end` record): the run's id, the head and
/// the end's time. Ends without it (older versions) sign the head alone.
pub const SIGNS: &str = "run,head,time";

/// The message a run's end signs.
pub fn end_message(run: &str, head: &str, time: &str) -> String {
    format!("restorectl journal end\nrun {run}\nhead {head}\ntime {time}")
}

/// How a run in the journal was closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seal {
    /// By an `end` whose signature of the head, by the key given, is valid.
    Signed,
    /// By an `end` without a signature (run without `--sign-key`).
    Unsigned,
    /// Not closed: the run was killed (or is still going) before it wrote its end.
    Open,
}

/// One run of the journal and how it was closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunSeal {
    pub run: String,
    /// The 1-based line of its header.
    pub line: usize,
    pub seal: Seal,
}

/// Checks each run's `end` record: a signature, where there is one, must be by `key`, of the head
/// it names (the hash of the record before it); returns how each run was closed, or the first
/// line (1-based) that cannot be vouched for: a record outside any run (before the first, or
/// after a run's end), an end signed by another key or over another head. A run without a
/// signature (unsigned, or killed before its end) is no forgery: it says so.
pub fn verify_signatures(bytes: &[u8], key: &ed25519_dalek::VerifyingKey) -> Result<Vec<RunSeal>, usize> {
    let mut runs: Vec<RunSeal> = Vec::new();
    let mut open = false;
    for (i, line) in bytes.split(|&b| b == b'\n').enumerate() {
        if line.is_empty() {
            continue;
        }
        let Ok(record) = serde_json::from_slice::<serde_json::Value>(line) else { return Err(i + 1) };
        if let Some(run) = record.get("run").filter(|r| r.is_object()) {
            // A run that began while the one before was open: that one was killed.
            let id = run["id"].as_str().unwrap_or_default().to_owned();
            runs.push(RunSeal { run: id, line: i + 1, seal: Seal::Open });
            open = true;
        } else if !open {
            // Outside any run: before the first, or after a run's end.
            return Err(i + 1);
        }
        let Some(end) = record.get("end") else { continue };
        open = false;
        let Some(last) = runs.last_mut() else { return Err(i + 1) };
        if end.get("signature").is_none_or(serde_json::Value::is_null) {
            last.seal = Seal::Unsigned;
            continue;
        }
        // The head signed is the one the record follows (its `prev`), not a value it merely claims;
        // the run and the time are the record's own.
        let signed = (|| {
            let head = end["head"].as_str().filter(|h| Some(*h) == record["prev"].as_str())?;
            let sig = ed25519_dalek::Signature::from_slice(&unhex(end["signature"].as_str()?)?).ok()?;
            let message = match end["signs"].as_str() {
                Some(SIGNS) => end_message(end["run"].as_str()?, head, record["time"].as_str()?),
                Some(_) => return None,
                None => head.to_owned(),
            };
            (end["run"].as_str() == Some(last.run.as_str())).then_some(())?;
            key.verify_strict(message.as_bytes(), &sig).ok()
        })();
        if signed.is_none() {
            return Err(i + 1);
        }
        last.seal = Seal::Signed;
    }
    Ok(runs)
}

/// Whether `line` begins with `{"prev":"<hex of prev>",`: it follows the line whose hash is `prev`.
/// Compared in place, without formatting the hash (a journal has hundreds of thousands of lines).
pub fn links(line: &[u8], prev: &Hash) -> bool {
    const HEAD: &[u8] = b"{\"prev\":\"";
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let Some(hex) = line.strip_prefix(HEAD) else { return false };
    hex.len() >= 66
        && &hex[64..66] == b"\","
        && prev.iter().enumerate().all(|(i, b)| {
            hex[2 * i] == DIGITS[usize::from(b >> 4)] && hex[2 * i + 1] == DIGITS[usize::from(b & 15)]
        })
}

/// `{…}\n` with `"prev":"<hex of prev>",` first in the object.
pub fn link(prev: &Hash, record: &[u8]) -> Vec<u8> {
    let mut line = Vec::with_capacity(record.len() + 76);
    line.extend_from_slice(b"{\"prev\":\"");
    line.extend_from_slice(hex(prev).as_bytes());
    line.extend_from_slice(b"\",");
    line.extend_from_slice(record.strip_prefix(b"{").unwrap_or(record));
    line
}

/// The hash of the journal's last line (zeros when it is empty or absent).
pub fn last_hash(path: &Path) -> std::io::Result<Hash> {
    let Ok(mut file) = std::fs::File::open(path) else { return Ok([0; 32]) };
    let len = file.metadata()?.len();
    let tail_len = len.min(1 << 20);
    file.seek(SeekFrom::Start(len - tail_len))?;
    let mut tail = Vec::new();
    file.read_to_end(&mut tail)?;
    let tail = tail.strip_suffix(b"\n").unwrap_or(&tail);
    if tail.is_empty() {
        return Ok([0; 32]);
    }
    let start = tail.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    Ok(hash(&tail[start..]))
}

/// Where a journal's chain breaks.
#[derive(Debug, PartialEq, Eq)]
pub enum Break {
    /// Line `line` (1-based) does not name the hash of the line before it.
    Link { line: usize },
    /// No line of the journal has the head given: it was cut short before it, or a record up to
    /// it was changed. `lines` lines, the last one's hash `found`.
    Head { lines: usize, found: String },
}

/// An intact chain: how many lines, and the line (1-based) whose hash is the head given, if one
/// was given: what later runs appended follows it.
#[derive(Debug, PartialEq, Eq)]
pub struct Intact {
    pub lines: usize,
    pub head_at: Option<usize>,
}

/// Checks every link, and with `head` that the chain contains it: the journal as it was when
/// that head was printed, intact, with whatever later runs appended after it.
pub fn verify(bytes: &[u8], head: Option<&str>) -> Result<Intact, Break> {
    let mut prev: Hash = [0; 32];
    let mut lines = 0;
    let mut head_at = None;
    for (i, line) in bytes.split(|&b| b == b'\n').enumerate() {
        if line.is_empty() {
            continue;
        }
        lines += 1;
        if !links(line, &prev) {
            return Err(Break::Link { line: i + 1 });
        }
        prev = hash(line);
        if head_at.is_none() && head.is_some_and(|h| h.eq_ignore_ascii_case(&hex(&prev))) {
            head_at = Some(lines);
        }
    }
    match head {
        Some(_) if head_at.is_none() => Err(Break::Head { lines, found: hex(&prev) }),
        _ => Ok(Intact { lines, head_at }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn journal(records: &[&str]) -> Vec<u8> {
        let mut prev = [0; 32];
        let mut out = Vec::new();
        for r in records {
            let mut line = link(&prev, format!("{r}\n").as_bytes());
            prev = hash(&line[..line.len() - 1]);
            out.append(&mut line);
        }
        out
    }

    #[test]
    fn an_intact_journal_verifies_and_any_change_breaks_it_where_it_shows() {
        let j = journal(&[r#"{"a":1}"#, r#"{"b":2}"#, r#"{"c":3}"#]);
        let intact = |lines, head_at| Ok(Intact { lines, head_at });
        assert_eq!(verify(&j, None), intact(3, None));
        let text = String::from_utf8(j.clone()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        // Edited: the next line no longer follows it.
        let edited = text.replace(r#""b":2"#, r#""b":3"#);
        assert_eq!(verify(edited.as_bytes(), None), Err(Break::Link { line: 3 }));
        // Removed, reordered.
        let removed = format!("{}\n{}\n", lines[0], lines[2]);
        assert_eq!(verify(removed.as_bytes(), None), Err(Break::Link { line: 2 }));
        let reordered = format!("{}\n{}\n{}\n", lines[1], lines[0], lines[2]);
        assert_eq!(verify(reordered.as_bytes(), None), Err(Break::Link { line: 1 }));
        // Truncated: only the head tells.
        let head = hex(&hash(lines[2].as_bytes()));
        let truncated = format!("{}\n{}\n", lines[0], lines[1]);
        assert_eq!(verify(truncated.as_bytes(), None), intact(2, None));
        assert!(matches!(verify(truncated.as_bytes(), Some(&head)), Err(Break::Head { lines: 2, .. })));
        assert_eq!(verify(&j, Some(&head)), intact(3, Some(3)));
        // A head printed earlier is found inside a journal later runs extended.
        let earlier = hex(&hash(lines[1].as_bytes()));
        assert_eq!(verify(&j, Some(&earlier)), intact(3, Some(2)));
    }
}
