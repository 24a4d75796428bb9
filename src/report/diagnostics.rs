//! Plan diagnostics for people (miette, source underlined) and for machines (JSON).

use std::io::Write;

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

/// How many diagnostics of one kind are shown in full; the rest are summed up in one line.
const IN_FULL: usize = 10;

/// Writes diagnostics to stderr for people: the first ten of each kind in full, the others of
/// that kind in one line at the end (as compilers do; `--format json` lists every one).
pub fn eprint_all(diags: &[Diagnostic], source: &Source) {
    let color = crate::term::color(true);
    let mut shown: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    let mut rest: Vec<(&str, Vec<&Diagnostic>)> = Vec::new();
    let mut out = std::io::stderr().lock();
    for d in diags {
        let n = shown.entry(d.code).or_default();
        *n += 1;
        if *n <= IN_FULL {
            let _ = writeln!(out, "{}", render(d, source, color));
        } else {
            match rest.iter_mut().find(|(code, _)| *code == d.code) {
                Some((_, more)) => more.push(d),
                None => rest.push((d.code, vec![d])),
            }
        }
    }
    for (code, more) in rest {
        let _ = writeln!(out, "{}\n", summary(code, &more, source));
    }
}

/// `… and 2,285 more warnings of this kind (unobserved-service) at s20, s36, …; `--format json` lists them all`.
fn summary(code: &str, more: &[&Diagnostic], source: &Source) -> String {
    let kind = if more[0].is_error() { ("error", "errors") } else { ("warning", "warnings") };
    let what: Vec<String> = more
        .iter()
        .take(5)
        .filter_map(|d| d.span.as_ref())
        .map(|s| {
            let text = source.text.get(s.clone()).unwrap_or_default().trim_matches('"');
            if text.is_empty() || text.contains('\n') || text.len() > 40 {
                format!("line {}", source.line_col(s.start).0)
            } else {
                text.to_owned()
            }
        })
        .collect();
    let ellipsis = if more.len() > what.len() { ", …" } else { "" };
    format!(
        "… and {} more {} of this kind ({code}): {}{ellipsis}; `--format json` lists them all",
        crate::human::thousands(more.len()),
        if more.len() == 1 { kind.0 } else { kind.1 },
        what.join(", ")
    )
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
