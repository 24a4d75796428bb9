//! `restorectl validate`: every problem of a plan, at once.

use std::path::Path;

use serde_json::json;

use crate::cli::ReportFormat;
use crate::error::Error;
use crate::exit::Exit;
use crate::human::count;
use crate::loaded::{Loaded, Rejected, load};
use crate::plan::Diagnostic;
use crate::report::diagnostics::{eprint_all, tally, to_json};
use crate::secrets::{Scope, Secrets};

pub fn run(
    path: &Path,
    format: ReportFormat,
    env_check: bool,
    ready: Option<&super::readiness::Request>,
) -> Result<Exit, Error> {
    let result = load(path).and_then(|l| if env_check { environment(l) } else { Ok(l) });
    // `--require-ready`: from the stamp alone (CI has no state directory).
    let readiness = match (&result, ready) {
        (Ok(loaded), Some(request)) => Some(super::readiness::assess(loaded, path, None, request)?),
        _ => None,
    };
    let unready = readiness.as_ref().filter(|r| r.verdict != crate::readiness::Verdict::Ready);
    let verdict = |valid: bool| match (valid, unready) {
        (false, _) => Exit::Invalid,
        (true, Some(_)) => Exit::Failures,
        (true, None) => Exit::Ok,
    };
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
            "ready": readiness.as_ref().map(|r| json!({ "verdict": r.verdict, "reasons": r.reasons })),
        });
        println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
        return Ok(verdict(valid));
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
            if let Some(r) = unready {
                eprintln!("error: {} is not ready ({}):", path.display(), r.verdict.as_str());
                for why in &r.reasons {
                    eprintln!("  {why}");
                }
                if !r.changes.is_empty() {
                    eprintln!("  changed since the stamp: {}", r.changes.join(", "));
                }
            }
            Ok(verdict(true))
        }
        Err(rejected) => Err(Error::Rejected(Box::new(rejected))),
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
