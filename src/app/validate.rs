//! `restorectl validate`: every problem of a plan, at once.

use std::path::Path;

use serde_json::json;

use crate::cli::ReportFormat;
use crate::exit::Exit;
use crate::human::count;
use crate::loaded::{Loaded, Rejected, load};
use crate::plan::Diagnostic;
use crate::report::diagnostics::{eprint_all, eprint_rejected, tally, to_json};
use crate::secrets::{Scope, Secrets};

pub fn run(path: &Path, format: ReportFormat, env_check: bool) -> Exit {
    let result = load(path).and_then(|l| if env_check { environment(l) } else { Ok(l) });
    if format == ReportFormat::Json {
        let (valid, diags, source) = match &result {
            Ok(l) => (true, &l.warnings, &l.source),
            Err(r) => (false, &r.diagnostics, &r.source),
        };
        let out = json!({
            "plan": path.display().to_string(),
            "valid": valid,
            "errors": diags.iter().filter(|d| d.is_error()).count(),
            "warnings": diags.iter().filter(|d| !d.is_error()).count(),
            "diagnostics": to_json(diags, source),
        });
        println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
        return if valid { Exit::Ok } else { Exit::Invalid };
    }
    match result {
        Ok(loaded) => {
            eprint_all(&loaded.warnings, &loaded.source);
            let warnings = if loaded.warnings.is_empty() {
                String::new()
            } else {
                format!(", {}", tally(&loaded.warnings))
            };
            println!(
                "{} is valid: {} in {}{warnings}",
                path.display(),
                count(loaded.plan.services.len(), "service", "services"),
                count(loaded.plan.phases.len(), "phase", "phases")
            );
            Exit::Ok
        }
        Err(rejected) => {
            eprint_rejected(&rejected);
            Exit::Invalid
        }
    }
}

/// With `--env-check`: a plan whose `${env:…}` variables are not all set here is rejected, each
/// variable named with where it is used.
fn environment(loaded: Loaded) -> Result<Loaded, Rejected> {
    let lookup = |name: &str| std::env::var(name).ok();
    let Err(missing) = Secrets::resolve_plan(&loaded.plan, Scope::All, lookup) else { return Ok(loaded) };
    let mut diagnostics = loaded.warnings;
    for (name, places) in missing.0 {
        diagnostics.push(
            Diagnostic::error(
                "unset-variable",
                None,
                format!("environment variable `{name}` is not set (used by {})", places.join(", ")),
            )
            .help("a live run needs it; a dry run does not"),
        );
    }
    Err(Rejected { source: loaded.source, diagnostics })
}
