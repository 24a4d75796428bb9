//! Opening a plan file: decode, check, build the graph. Every command starts here and gets
//! either a sound plan with its graph, or every diagnostic at once.

use std::path::Path;
use std::sync::Arc;

use crate::announce::templates::Templates;
use crate::graph::Graph;
use crate::plan::{self, Diagnostic, Plan, Source};

/// A plan that passed every check.
pub struct Loaded {
    pub source: Source,
    /// Shared with the runner's tasks.
    pub plan: Arc<Plan>,
    pub graph: Graph,
    /// The announcement templates, compiled and test-rendered once.
    pub templates: Arc<Templates>,
    /// Who holds which SSH key (`allowed_signers`), if the plan has such a file.
    pub signers: Option<Arc<crate::people::AllowedSigners>>,
    pub warnings: Vec<Diagnostic>,
}

/// A plan file with errors (warnings included, in file order).
#[derive(Debug)]
pub struct Rejected {
    pub source: Source,
    pub diagnostics: Vec<Diagnostic>,
}

/// The largest plan read, unless `RESTORECTL_MAX_PLAN_BYTES` says otherwise: a plan of 100,000
/// services is about 30 MiB.
pub const MAX_PLAN_BYTES: u64 = 64 << 20;

pub fn load(path: &Path) -> Result<Loaded, Rejected> {
    let refuse = |code: &'static str, message: String, help: &str| Rejected {
        source: Source::new(path, String::new()),
        diagnostics: vec![Diagnostic::error(code, None, message).help(help.to_owned())],
    };
    let limit = std::env::var("RESTORECTL_MAX_PLAN_BYTES")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(MAX_PLAN_BYTES);
    let bytes = match read_bounded(path, limit) {
        Ok(b) => b,
        Err(Unreadable::Io(e)) => {
            let help = "check the path; `restorectl validate PLAN` takes the plan's TOML file";
            return Err(refuse("unreadable", format!("cannot read the plan: {e}"), help));
        }
        Err(Unreadable::NotAFile) => {
            let help = "give the path of the plan's TOML file (not a device, pipe or folder)";
            return Err(refuse("not-a-file", "the plan is not a regular file".to_owned(), help));
        }
        Err(Unreadable::TooLarge) => {
            let message =
                format!("the plan is larger than {} bytes", crate::human::thousands(limit as usize));
            let help =
                "a plan of 100,000 services is about 30 MiB; RESTORECTL_MAX_PLAN_BYTES raises the limit";
            return Err(refuse("too-large", message, help));
        }
    };
    check(path, bytes)
}

enum Unreadable {
    Io(std::io::Error),
    NotAFile,
    TooLarge,
}

/// The file's bytes, if it is a regular file of at most `limit` bytes: never more is read, so an
/// endless or huge input costs nothing.
fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, Unreadable> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    // Not blocked by a pipe that nobody writes to: it is refused below.
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(Unreadable::Io)?;
    let meta = file.metadata().map_err(Unreadable::Io)?;
    if !meta.is_file() {
        return Err(Unreadable::NotAFile);
    }
    if meta.len() > limit {
        return Err(Unreadable::TooLarge);
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(limit + 1).read_to_end(&mut bytes).map_err(Unreadable::Io)?;
    if bytes.len() as u64 > limit {
        return Err(Unreadable::TooLarge);
    }
    Ok(bytes)
}

pub fn check(path: &Path, bytes: Vec<u8>) -> Result<Loaded, Rejected> {
    let decoded = plan::decode(path, bytes);
    let mut diagnostics = decoded.diagnostics;
    let Some(plan) = decoded.plan else {
        return Err(Rejected { source: decoded.source, diagnostics });
    };
    let (graph, graph_diags) = Graph::build(&plan);
    // Graph warnings about a plan that already has errors would only be noise.
    let decoded_ok = !diagnostics.iter().any(Diagnostic::is_error);
    diagnostics.extend(graph_diags.into_iter().filter(|d| decoded_ok || d.is_error()));
    let mut templates = None;
    let mut signers = None;
    if !diagnostics.iter().any(Diagnostic::is_error) {
        // Announcement templates and people's keys are checked now, not first in the middle of
        // an incident.
        let plan_dir = path.parent().unwrap_or(Path::new("."));
        match Templates::load(&plan, plan_dir) {
            Ok(t) => templates = Some(Arc::new(t)),
            Err(errors) => diagnostics.extend(errors),
        }
        match crate::people::for_plan(&plan, plan_dir) {
            Ok(s) => signers = s.map(Arc::new),
            Err(errors) => diagnostics.extend(errors),
        }
    }
    diagnostics.sort_by_key(|d| d.span.as_ref().map_or(0, |s| s.start));
    match (graph, templates) {
        (Some(graph), Some(templates)) if !diagnostics.iter().any(Diagnostic::is_error) => Ok(Loaded {
            source: decoded.source,
            plan: Arc::new(plan),
            graph,
            templates,
            signers,
            warnings: diagnostics,
        }),
        _ => Err(Rejected { source: decoded.source, diagnostics }),
    }
}
