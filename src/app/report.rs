//! `restorectl report`: the evidence pack of a run or drill, as Markdown, HTML or JSON, on
//! standard output or in a file.

use std::path::PathBuf;

use crate::cli::EvidenceFormat;
use crate::exit::Exit;
use crate::state::{StateDir, StateError};

pub struct Request {
    pub plan: PathBuf,
    pub state: Option<PathBuf>,
    pub run: Option<String>,
    pub dry_run: bool,
    pub format: EvidenceFormat,
    pub output: Option<PathBuf>,
}

pub fn run(req: &Request) -> Exit {
    let loaded = match super::open(&req.plan) {
        Ok(l) => l,
        Err(exit) => return exit,
    };
    let live = StateDir::for_plan(&req.plan, req.state.as_deref());
    let state = if req.dry_run { live.dry_run() } else { live.clone() };
    let log = match crate::state::runlog::read(&state, &req.plan, req.run.as_deref()) {
        Ok(log) => log,
        Err(e) => {
            eprintln!("error: {e}");
            if matches!(e, StateError::NoJournal { .. }) && !req.dry_run && live.dry_run().journal().is_file()
            {
                eprintln!("  a dry run's journal is there: `--dry-run` reports on it");
            }
            return Exit::Invalid;
        }
    };
    if log.plan != loaded.plan.name {
        eprintln!(
            "error: the journal in {} is of the plan `{}`, not `{}`; give its own state directory with --state",
            state.root().display(),
            log.plan,
            loaded.plan.name
        );
        return Exit::Invalid;
    }
    let pack = crate::audit::build(crate::audit::Inputs {
        plan: &loaded.plan,
        graph: &loaded.graph,
        plan_path: &req.plan,
        state: &state,
        log,
    });
    let text = match req.format {
        EvidenceFormat::Json => Ok(format!("{:#}\n", serde_json::to_value(&pack).unwrap_or_default())),
        EvidenceFormat::Md => crate::audit::markdown(&pack),
        EvidenceFormat::Html => crate::audit::html(&pack),
    };
    let text = match text {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: cannot write the report: {e}");
            return Exit::Failures;
        }
    };
    let written = match &req.output {
        Some(path) => {
            std::fs::write(path, &text).map_err(|e| format!("cannot write {}: {e}", path.display()))
        }
        None => crate::term::print_report(&text).map_err(|e| e.to_string()),
    };
    if let Err(e) = written {
        eprintln!("error: {e}");
        return Exit::Failures;
    }
    if let Some(path) = &req.output {
        eprintln!("wrote the report of run {} to {}", pack.run.id, path.display());
    }
    if pack.journal.intact {
        Exit::Ok
    } else {
        eprintln!(
            "warning: the journal is not intact: {}",
            pack.journal.problem.as_deref().unwrap_or("see the report")
        );
        Exit::Failures
    }
}
