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
    pub warnings: Vec<Diagnostic>,
}

/// A plan file with errors (warnings included, in file order).
pub struct Rejected {
    pub source: Source,
    pub diagnostics: Vec<Diagnostic>,
}

pub fn load(path: &Path) -> Result<Loaded, Rejected> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            let diag = Diagnostic::error("unreadable", None, format!("cannot read the plan: {e}"))
                .help("check the path; `restorectl validate PLAN` takes the plan's TOML file");
            return Err(Rejected { source: Source::new(path, String::new()), diagnostics: vec![diag] });
        }
    };
    check(path, bytes)
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
    if !diagnostics.iter().any(Diagnostic::is_error) {
        // Announcement templates are checked now, not first in the middle of an incident.
        let plan_dir = path.parent().unwrap_or(Path::new("."));
        match Templates::load(&plan, plan_dir) {
            Ok(t) => templates = Some(Arc::new(t)),
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
            warnings: diagnostics,
        }),
        _ => Err(Rejected { source: decoded.source, diagnostics }),
    }
}
