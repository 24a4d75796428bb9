//! Plan diagnostics for people (miette, source underlined) and for machines (JSON).

use miette::{GraphicalReportHandler, GraphicalTheme};

use crate::loaded::Rejected;
use crate::plan::{Diagnostic, Source};

/// Renders one diagnostic the way rustc would: message, file:line:col, the line underlined, help.
pub fn render(diag: &Diagnostic, source: &Source, color: bool) -> String {
    let theme = if color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(100).with_links(false);
    let report = diag.to_report(source);
    let mut out = String::new();
    if handler.render_report(&mut out, report.as_ref()).is_err() {
        out = diag.one_line(source);
    }
    out
}

/// Writes diagnostics to stderr for people.
pub fn eprint_all(diags: &[Diagnostic], source: &Source) {
    let color = crate::term::color(true);
    for d in diags {
        eprintln!("{}", render(d, source, color));
    }
}

/// "3 errors, 1 warning".
pub fn tally(diags: &[Diagnostic]) -> String {
    let errors = diags.iter().filter(|d| d.is_error()).count();
    let warnings = diags.len() - errors;
    let (e, w) = (
        crate::human::count(errors, "error", "errors"),
        crate::human::count(warnings, "warning", "warnings"),
    );
    match (errors, warnings) {
        (_, 0) => e,
        (0, _) => w,
        _ => format!("{e}, {w}"),
    }
}

/// What every command prints for a plan that did not pass `validate`.
pub fn eprint_rejected(rejected: &Rejected) {
    eprint_all(&rejected.diagnostics, &rejected.source);
    eprintln!(
        "error: {} is not a valid plan ({})",
        rejected.source.path().display(),
        tally(&rejected.diagnostics)
    );
}

pub fn to_json(diags: &[Diagnostic], source: &Source) -> Vec<serde_json::Value> {
    diags.iter().map(|d| serde_json::to_value(d.to_json(source)).unwrap_or_default()).collect()
}
