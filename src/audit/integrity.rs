//! The journal's integrity as the report tells it: its hash chain checked, a cut-off last line
//! caught, the head the run ended with, and the command that checks it all again.

use super::pack::JournalCheck;
use crate::state::StateDir;
use crate::state::runlog::RunLog;

pub fn journal_check(
    log: &RunLog,
    plan_path: &std::path::Path,
    state: &StateDir,
    key: Option<&ed25519_dalek::VerifyingKey>,
) -> JournalCheck {
    let bytes = std::fs::read(&log.journal);
    // The head as the run printed it: the hash of its `end` record, the last line it wrote.
    let head = bytes.as_ref().ok().and_then(|b| end_line_hash(b, &log.id));
    let mut command = format!("restorectl journal verify {}", plan_path.display());
    if let Some(shared) = state.elsewhere() {
        // A copy of a shared state, gone once the report is written: the state itself.
        command += &format!(" --state {shared}");
    } else if log.dry_run || state.root() != StateDir::for_plan(plan_path, None).root() {
        command += &format!(" --state {}", state.root().display());
    }
    // `--head` checks that the journal still holds the chain up to the run's end, whatever later
    // runs appended.
    if let Some(h) = head.as_ref() {
        command += &format!(" --head {h}");
    }
    let (records, intact, problem) = match &bytes {
        Err(e) => (None, false, Some(format!("cannot read it: {e}"))),
        // A last line without its end: a crash mid-write or a cut; its hash link proves nothing.
        Ok(bytes) if !bytes.is_empty() && !bytes.ends_with(b"\n") => {
            let lines = bytes.split(|&b| b == b'\n').count();
            let problem = format!(
                "line {lines}, the last, is cut off: the journal was truncated, or a run died while writing it"
            );
            (Some(lines - 1), false, Some(problem))
        }
        Ok(bytes) => match crate::state::chain::verify(bytes, None) {
            Ok(intact) => (Some(intact.lines), true, None),
            Err(crate::state::chain::Break::Link { line }) => (
                None,
                false,
                Some(format!("the hash chain breaks at line {line}: a record was edited, removed or moved")),
            ),
            Err(crate::state::chain::Break::Head { lines, .. }) => (Some(lines), false, None),
        },
    };
    JournalCheck {
        path: state
            .elsewhere()
            .map_or_else(|| log.journal.display().to_string(), |s| format!("{s} (restorectl_journal)")),
        records,
        intact,
        problem,
        head,
        signed: log.end().is_some_and(|e| e.signature.is_some()),
        // No end signed by another key, and the last run covered closed by an end this key
        // signed: through the chain, that signature vouches for every record before it.
        signature_checked: key.map(|key| {
            let Ok(bytes) = &bytes else { return false };
            let Ok(runs) = crate::state::chain::verify_signatures(bytes, key) else { return false };
            runs.iter().any(|r| r.run == log.id && r.seal == crate::state::chain::Seal::Signed)
        }),
        verify_command: command,
        evidence_intact: true,
    }
}

/// The SHA-256 of the `end` record of run `run`.
fn end_line_hash(journal: &[u8], run: &str) -> Option<String> {
    journal.split(|&b| b == b'\n').find_map(|line| {
        if !line.windows(6).any(|w| w == b"\"end\":") {
            return None;
        }
        let record: serde_json::Value = serde_json::from_slice(line).ok()?;
        (record["end"]["run"] == run).then(|| crate::state::chain::hex(&crate::state::chain::hash(line)))
    })
}
