//! Problems found in a plan: one kind, a message, spans into the file and the fix, rendered for
//! people (miette, with the offending text underlined) or for machines (JSON).

use miette::{LabeledSpan, SourceSpan};
use serde::Serialize;

use super::source::{Source, Span};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One problem in a plan.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Stable machine-readable kind, e.g. `unknown-dependency`.
    pub code: &'static str,
    pub message: String,
    /// Where the problem is; `None` for problems of the whole file.
    pub span: Option<Span>,
    pub label: Option<String>,
    /// Other places worth pointing at (e.g. the first definition of a duplicate id).
    pub related: Vec<(Span, String)>,
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn error(code: &'static str, span: impl Into<Option<Span>>, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            code,
            message: message.into(),
            span: span.into(),
            label: None,
            related: Vec::new(),
            help: None,
        }
    }

    pub fn warning(code: &'static str, span: impl Into<Option<Span>>, message: impl Into<String>) -> Self {
        Self { severity: Severity::Warning, ..Self::error(code, span, message) }
    }

    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn help_opt(mut self, help: Option<String>) -> Self {
        self.help = help;
        self
    }

    pub fn related(mut self, span: Span, label: impl Into<String>) -> Self {
        self.related.push((span, label.into()));
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// The JSON shape of one diagnostic (`validate --format json`).
#[derive(Debug, Serialize)]
pub struct JsonDiagnostic<'a> {
    pub severity: Severity,
    pub code: &'a str,
    pub message: &'a str,
    pub file: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub end_line: Option<usize>,
    pub end_column: Option<usize>,
    pub help: Option<&'a str>,
}

impl Diagnostic {
    pub fn to_json<'a>(&'a self, source: &Source) -> JsonDiagnostic<'a> {
        let start = self.span.as_ref().map(|s| source.line_col(s.start));
        let end = self.span.as_ref().map(|s| source.line_col(s.end));
        JsonDiagnostic {
            severity: self.severity,
            code: self.code,
            message: &self.message,
            file: source.path().display().to_string(),
            line: start.map(|p| p.0),
            column: start.map(|p| p.1),
            end_line: end.map(|p| p.0),
            end_column: end.map(|p| p.1),
            help: self.help.as_deref(),
        }
    }

    /// A one-line form, `file:line:col: error: message`, for logs and plain terminals.
    pub fn one_line(&self, source: &Source) -> String {
        let place = match &self.span {
            Some(s) => {
                let (l, c) = source.line_col(s.start);
                format!("{}:{l}:{c}", source.path().display())
            }
            None => source.path().display().to_string(),
        };
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        format!("{place}: {sev}: {}", self.message)
    }

    /// A miette report that quotes and underlines the plan's text.
    pub fn to_report(&self, source: &Source) -> miette::Report {
        let mut labels = Vec::new();
        if let Some(span) = &self.span {
            labels.push(LabeledSpan::new_primary_with_span(self.label.clone(), to_source_span(span)));
        }
        for (span, text) in &self.related {
            labels.push(LabeledSpan::new_with_span(Some(text.clone()), to_source_span(span)));
        }
        let severity = match self.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        };
        let mut diag = miette::MietteDiagnostic::new(self.message.clone())
            .with_severity(severity)
            .with_code(self.code)
            .with_labels(labels);
        if let Some(help) = &self.help {
            diag = diag.with_help(help.clone());
        }
        miette::Report::new(diag).with_source_code(Excerpt::around(source, self))
    }
}

/// The lines of the plan a diagnostic quotes, with where they sit in the file: miette reads these
/// instead of the whole file, so rendering one diagnostic costs the same in a file of 20 lines or
/// of 2 million.
struct Excerpt {
    name: String,
    text: String,
    /// Byte offset and 0-based line number of `text` in the file.
    offset: usize,
    line: usize,
}

impl Excerpt {
    /// Context lines kept around the spans (miette shows one).
    const CONTEXT: usize = 3;

    fn around(source: &Source, d: &Diagnostic) -> Self {
        let spans = d.span.iter().chain(d.related.iter().map(|(s, _)| s));
        let (lo, hi) = spans.fold((usize::MAX, 0), |(lo, hi), s| (lo.min(s.start), hi.max(s.end)));
        let (first, last) = if lo > hi { (0, 0) } else { (source.line_of(lo), source.line_of(hi)) };
        let first = first.saturating_sub(Self::CONTEXT);
        let range = source.lines(first, last + Self::CONTEXT);
        Self {
            name: source.path().display().to_string(),
            text: source.text[range.clone()].to_owned(),
            offset: range.start,
            line: first,
        }
    }
}

impl miette::SourceCode for Excerpt {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let inner = SourceSpan::new(span.offset().saturating_sub(self.offset).into(), span.len());
        let found = self.text.as_str().read_span(&inner, before, after)?;
        Ok(Box::new(miette::MietteSpanContents::new_named(
            self.name.clone(),
            found.data(),
            SourceSpan::new((found.span().offset() + self.offset).into(), found.span().len()),
            found.line() + self.line,
            found.column(),
            found.line_count(),
        )))
    }
}

fn to_source_span(span: &Span) -> SourceSpan {
    SourceSpan::new(span.start.into(), span.end.saturating_sub(span.start))
}
