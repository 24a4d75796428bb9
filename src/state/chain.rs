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
    hex_bytes(h)
}

pub fn hex_bytes(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect()
}

/// Checks that every run is closed by an `end` record carrying a valid signature, by `key`, of
/// the head it names (the hash of the record before it), and that nothing follows the last one;
/// returns how many runs, or the first line (1-based) that breaks this: a run's start before the
/// previous run was closed, an unsigned or wrongly signed end, a record after the last end.
pub fn verify_signatures(bytes: &[u8], key: &ed25519_dalek::VerifyingKey) -> Result<usize, usize> {
    let mut ends = 0;
    let mut open = false;
    let mut last = 0;
    for (i, line) in bytes.split(|&b| b == b'\n').enumerate() {
        if line.is_empty() {
            continue;
        }
        last = i + 1;
        let Ok(record) = serde_json::from_slice::<serde_json::Value>(line) else { return Err(i + 1) };
        if record.get("run").is_some_and(serde_json::Value::is_object) {
            if open {
                return Err(i + 1);
            }
            open = true;
        } else if !open {
            // Outside any run: before the first, or after a run's signed end.
            return Err(i + 1);
        }
        let Some(end) = record.get("end") else { continue };
        open = false;
        ends += 1;
        // The head signed is the one the record follows (its `prev`), not a value it merely claims.
        let signed = (|| {
            let head = end["head"].as_str().filter(|h| Some(*h) == record["prev"].as_str())?;
            let sig = ed25519_dalek::Signature::from_slice(&unhex(end["signature"].as_str()?)?).ok()?;
            key.verify_strict(head.as_bytes(), &sig).ok()
        })();
        if signed.is_none() {
            return Err(i + 1);
        }
    }
    if open { Err(last) } else { Ok(ends) }
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
    /// The journal ends elsewhere than the head given: `lines` lines, the last one's hash `found`.
    Head { lines: usize, found: String },
}

/// Checks every link, and with `head` the last line's hash; returns the number of lines.
pub fn verify(bytes: &[u8], head: Option<&str>) -> Result<usize, Break> {
    let mut prev: Hash = [0; 32];
    let mut lines = 0;
    for (i, line) in bytes.split(|&b| b == b'\n').enumerate() {
        if line.is_empty() {
            continue;
        }
        lines += 1;
        let want = format!("{{\"prev\":\"{}\",", hex(&prev));
        if !line.starts_with(want.as_bytes()) {
            return Err(Break::Link { line: i + 1 });
        }
        prev = hash(line);
    }
    match head {
        Some(h) if !h.eq_ignore_ascii_case(&hex(&prev)) => Err(Break::Head { lines, found: hex(&prev) }),
        _ => Ok(lines),
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
        assert_eq!(verify(&j, None), Ok(3));
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
        assert_eq!(verify(truncated.as_bytes(), None), Ok(2));
        assert!(matches!(verify(truncated.as_bytes(), Some(&head)), Err(Break::Head { lines: 2, .. })));
        assert_eq!(verify(&j, Some(&head)), Ok(3));
    }
}
