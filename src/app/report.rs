//! `restorectl report`: the evidence pack of a run or drill, as Markdown, HTML or JSON, on
//! standard output or in a file.

use std::path::PathBuf;

use crate::cli::EvidenceFormat;
use crate::error::Error;
use crate::exit::Exit;
use crate::state::{StateDir, StateError};

pub struct Request {
    pub plan: PathBuf,
    pub state: Option<PathBuf>,
    pub run: Option<String>,
    pub dry_run: bool,
    pub announce_dir: Option<PathBuf>,
    pub format: EvidenceFormat,
    pub output: Option<PathBuf>,
    pub verify_key: Option<PathBuf>,
}

pub fn run(req: &Request) -> Result<Exit, Error> {
    let loaded = super::open(&req.plan)?;
    let (live, _snapshot) = super::reader_state(&loaded.plan, &req.plan, req.state.as_deref())?;
    let state = if req.dry_run { live.dry_run() } else { live.clone() };
    let log = match crate::state::runlog::read(&state, &req.plan, req.run.as_deref()) {
        Ok(log) => log,
        Err(e @ StateError::NoJournal { .. }) if !req.dry_run && live.dry_run().journal().is_file() => {
            return Err(Error::from(e).hint("a dry run's journal is there: `--dry-run` reports on it"));
        }
        Err(e) => return Err(e.into()),
    };
    if log.plan != loaded.plan.name {
        let (found, expected) = (log.plan.clone(), loaded.plan.name.clone());
        return Err(Error::JournalOfOtherPlan { dir: state.root().to_owned(), found, expected });
    }
    // The evidence must describe the plan the run followed, not today's.
    // Every run covered: a plan edited between two runs of the incident is refused too.
    let changed = log
        .parts
        .iter()
        .find_map(|p| p.plan_sha256.as_ref().filter(|h| **h != loaded.plan.sha256).map(|h| (&p.id, h)));
    if let Some((run, then)) = changed {
        let (run, then, now) = (run.clone(), then.clone(), loaded.plan.sha256.clone());
        return Err(Error::PlanChanged { plan: req.plan.clone(), run, then, now });
    }
    if let Some(out) = &req.output
        && let Some(why) = guarded(out, &req.plan, &live, req.announce_dir.as_deref())
    {
        return Err(Error::flag(
            format!("--output {}", out.display()),
            format!("{why}; write the report elsewhere"),
        ));
    }
    let key = req.verify_key.as_deref().map(super::journal::read_key).transpose()?;
    let pack = crate::audit::build(crate::audit::Inputs {
        plan: &loaded.plan,
        graph: &loaded.graph,
        plan_path: &req.plan,
        state: &state,
        announcements: req.announce_dir.clone().unwrap_or_else(|| state.announcements()),
        log,
        key: key.as_ref(),
        signers: loaded.signers.as_ref(),
    });
    let text = match req.format {
        EvidenceFormat::Json => Ok(format!("{:#}\n", serde_json::to_value(&pack).unwrap_or_default())),
        EvidenceFormat::Md => crate::audit::markdown(&pack),
        EvidenceFormat::Html => crate::audit::html(&pack),
    };
    let text = text?;
    match &req.output {
        Some(path) => std::fs::write(path, &text).map_err(crate::bus::WriteError::at(path))?,
        None => crate::term::print_report(&text).map_err(Error::Stdout)?,
    }
    if let Some(path) = &req.output {
        eprintln!("wrote the report of run {} to {}", pack.run.id, path.display());
    }
    if !pack.journal.intact {
        let why = pack.journal.problem.as_deref().unwrap_or("see the report");
        eprintln!("warning: the journal is not intact: {why}");
    }
    if !pack.journal.evidence_intact {
        eprintln!(
            "warning: an evidence file no longer matches the SHA-256 the journal holds for it (see the report)"
        );
    }
    if pack.journal.signature_checked == Some(false) {
        eprintln!("warning: the run's end is not signed by the key given (see the report)");
    }
    let sound =
        pack.journal.intact && pack.journal.evidence_intact && pack.journal.signature_checked != Some(false);
    Ok(if sound { Exit::Ok } else { Exit::Failures })
}

/// Why the report must not be written to `out`: it would overwrite the plan or the state
/// directory's records (the evidence itself).
fn guarded(
    out: &std::path::Path,
    plan: &std::path::Path,
    state: &StateDir,
    announcements: Option<&std::path::Path>,
) -> Option<&'static str> {
    let full = |p: &std::path::Path| {
        let abs = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
        // The folder resolved (links included) where it exists: the file itself may not yet.
        match (abs.parent().and_then(|d| d.canonicalize().ok()), abs.file_name()) {
            (Some(dir), Some(name)) => dir.join(name),
            _ => abs,
        }
    };
    // The same file under another name (a link) is the same file.
    let same_file = |a: &std::path::Path, b: &std::path::Path| {
        use std::os::unix::fs::MetadataExt;
        matches!((std::fs::metadata(a), std::fs::metadata(b)), (Ok(x), Ok(y)) if (x.dev(), x.ino()) == (y.dev(), y.ino()))
    };
    if same_file(out, plan) {
        return Some("that is the plan");
    }
    if same_file(out, &state.journal()) || same_file(out, &state.dry_run().journal()) {
        return Some("that is the journal");
    }
    let out = std::fs::canonicalize(out).unwrap_or_else(|_| full(out));
    if out == full(plan) {
        return Some("that is the plan");
    }
    let root = state.root().canonicalize().unwrap_or_else(|_| full(state.root()));
    if out.starts_with(&root) {
        return Some("that is inside the state directory, where the journal and the evidence are kept");
    }
    // Where the customer updates and what was told (announced.jsonl) are kept.
    let told = announcements.map(|a| a.canonicalize().unwrap_or_else(|_| full(a)));
    told.filter(|a| out.starts_with(a))
        .map(|_| "that is inside the announcements folder, where what customers were told is kept")
}
