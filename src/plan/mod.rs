//! The restore plan: reading a TOML file, decoding it with spans, and checking it, so every later
//! stage works on a plan that is known to be sound. The format is described in `docs/plan-format.md`.

mod announce;
mod checks;
mod choices;
mod contact;
mod customer_text;
mod decode;
pub mod defaults;
pub mod diagnostic;
mod gates;
pub mod keys;
mod model;
mod notify;
mod parse;
mod regulation;
pub mod source;
mod split;
pub mod text;
mod validate;
mod values;
mod webhooks;

pub use customer_text::{LeakGuard, infrastructure};
pub use diagnostic::{Diagnostic, Severity};
pub use model::*;
pub use source::{Source, Span};
pub use text::Text;

use decode::Decoder;

/// A plan file after decoding: the plan (when the file was one) and every problem found.
pub struct Decoded {
    pub source: Source,
    pub plan: Option<Plan>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Decodes the bytes of a plan file and checks every rule that does not need the graph.
pub fn decode(path: impl Into<std::path::PathBuf>, bytes: Vec<u8>) -> Decoded {
    let path = path.into();
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let lossy = String::from_utf8_lossy(e.as_bytes()).into_owned();
            let source = Source::new(path, lossy);
            let span =
                source.text.char_indices().find(|(_, c)| *c == '\u{FFFD}').map(|(i, c)| i..i + c.len_utf8());
            let diag = Diagnostic::error(
                "not-utf8",
                span,
                format!("the plan is not valid UTF-8 (first bad byte at offset {at})"),
            )
            .label("invalid UTF-8")
            .help("save the file as UTF-8");
            return Decoded { source, plan: None, diagnostics: vec![diag] };
        }
    };
    let source = Source::new(path, text);
    if source.text.trim().is_empty() {
        let diag = Diagnostic::error("empty-plan", None, "the plan is empty")
            .help("a plan needs a `[plan]` table with a `name` and at least one `[[service]]`; `restorectl schema` describes the format");
        return Decoded { source, plan: None, diagnostics: vec![diag] };
    }
    // Large plans are parsed one service at a time; anything unusual goes the whole-file way.
    if let Some((prelude, chunks)) = split::services(&source.text) {
        let mut dec = Decoder::default();
        if let Ok(plan) = split::parse_split(&source.text, prelude, &chunks, &mut dec) {
            let mut diagnostics = dec.diagnostics;
            if let Some(plan) = &plan {
                diagnostics.extend(validate::validate(plan, &source));
            }
            return Decoded { plan: plan.map(|p| digested(p, &source)), source, diagnostics };
        }
    }
    // The fast parser first; only a broken file pays for the one that collects every syntax error.
    let parsed = toml::de::DeTable::parse(&source.text);
    let (root, syntax) = match parsed {
        Ok(root) => (root, Vec::new()),
        Err(_) => toml::de::DeTable::parse_recoverable(&source.text),
    };
    if !syntax.is_empty() {
        let diagnostics = syntax
            .iter()
            .map(|e| {
                let span = e.span().unwrap_or(0..0);
                let message = e.message().trim().trim_end_matches('.').to_owned();
                Diagnostic::error("toml-syntax", span, format!("invalid TOML: {message}")).label("here")
            })
            .collect();
        return Decoded { source, plan: None, diagnostics };
    }
    let mut dec = Decoder::default();
    let plan = parse::parse(root, &mut dec);
    let mut diagnostics = dec.diagnostics;
    if let Some(plan) = &plan {
        diagnostics.extend(validate::validate(plan, &source));
    }
    Decoded { plan: plan.map(|p| digested(p, &source)), source, diagnostics }
}

/// The plan with the SHA-256 of the file it was read from.
fn digested(mut plan: Plan, source: &Source) -> Plan {
    use sha2::Digest;
    plan.sha256 = crate::hex::hex(&sha2::Sha256::digest(source.text.as_bytes()));
    plan
}
