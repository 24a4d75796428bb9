//! Strings that may hold `${env:NAME}` placeholders: parsed when the plan loads, resolved from the
//! environment only when a command needs the value, and redacted from everything we print.

use std::fmt;

/// A plan string with its `${env:NAME}` placeholders already located.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    raw: String,
    vars: Vec<String>,
}

/// Why a string's placeholders are malformed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaceholderError {
    /// Byte offset of the bad placeholder inside the string.
    pub offset: usize,
    pub message: String,
}

/// A placeholder whose variable is not set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingVar(pub String);

const OPEN: &str = "${";

impl Text {
    pub fn parse(raw: &str) -> Result<Self, PlaceholderError> {
        let mut vars = Vec::new();
        let mut rest = raw;
        let mut base = 0;
        while let Some(at) = rest.find(OPEN) {
            let inner_start = at + OPEN.len();
            let Some(close) = rest[inner_start..].find('}') else {
                return Err(PlaceholderError { offset: base + at, message: "unclosed `${`".into() });
            };
            let inner = &rest[inner_start..inner_start + close];
            let name = inner.strip_prefix("env:").ok_or_else(|| PlaceholderError {
                offset: base + at,
                message: format!("unknown placeholder `${{{inner}}}`; only `${{env:NAME}}` is supported"),
            })?;
            let valid = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !valid {
                return Err(PlaceholderError {
                    offset: base + at,
                    message: format!("`{name}` is not a valid environment variable name"),
                });
            }
            if !vars.iter().any(|v| v == name) {
                vars.push(name.to_owned());
            }
            let consumed = inner_start + close + 1;
            base += consumed;
            rest = &rest[consumed..];
        }
        Ok(Self { raw: raw.to_owned(), vars })
    }

    /// The text as written in the plan, placeholders included: safe to show.
    pub fn raw(&self) -> &str {
        &self.raw
    }

    /// Names of the environment variables this text uses.
    pub fn vars(&self) -> &[String] {
        &self.vars
    }

    /// The text with every placeholder replaced by `value(NAME)`.
    pub fn resolve_with(&self, mut value: impl FnMut(&str) -> Option<String>) -> Result<String, MissingVar> {
        let mut out = self.raw.clone();
        for name in &self.vars {
            let v = value(name).ok_or_else(|| MissingVar(name.clone()))?;
            out = out.replace(&format!("${{env:{name}}}"), &v);
        }
        Ok(out)
    }

    /// The text as it will look once resolved, with a harmless stand-in for each variable, so
    /// that URLs and addresses can be checked when the plan loads.
    pub fn with_stand_ins(&self) -> String {
        self.resolve_with(|_| Some("placeholder".into())).unwrap_or_default()
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_placeholders_and_resolves_them() {
        let t = Text::parse("Bearer ${env:TOKEN}/${env:TOKEN}/${env:B_2}").unwrap();
        assert_eq!(t.vars(), ["TOKEN", "B_2"]);
        let r = t.resolve_with(|n| Some(n.to_lowercase())).unwrap();
        assert_eq!(r, "Bearer token/token/b_2");
        assert_eq!(t.resolve_with(|_| None), Err(MissingVar("TOKEN".into())));
    }

    #[test]
    fn rejects_malformed_placeholders() {
        assert_eq!(Text::parse("a ${env:X").unwrap_err().offset, 2);
        assert!(Text::parse("${file:x}").unwrap_err().message.contains("only `${env:NAME}`"));
        assert!(Text::parse("${env:}").is_err());
        assert!(Text::parse("${env:A-B}").is_err());
        assert!(Text::parse("plain $HOME {x}").unwrap().vars().is_empty());
    }
}
