//! Reading YAML sources: every document of a file (Kubernetes and Backstage files hold several),
//! with anchors resolved and merge keys (`<<: *defaults`) applied; and Go durations (`1m30s`).

use std::path::Path;

use serde::Deserialize;
use serde_yaml_ng::Value;

use super::ImportError;

/// Every document of the YAML file at `path`.
pub fn documents(path: &Path) -> Result<Vec<Value>, ImportError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| ImportError::Read { path: path.to_path_buf(), why: e.to_string() })?;
    let invalid =
        |e: serde_yaml_ng::Error| ImportError::Invalid { path: path.to_path_buf(), why: e.to_string() };
    let mut docs = Vec::new();
    for doc in serde_yaml_ng::Deserializer::from_str(&text) {
        let mut value = Value::deserialize(doc).map_err(invalid)?;
        value.apply_merge().map_err(invalid)?;
        if !value.is_null() {
            docs.push(value);
        }
    }
    Ok(docs)
}

/// A string, number or boolean as text.
pub fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A list of strings (a lone string as a list of one).
pub fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Sequence(items)) => items.iter().filter_map(scalar).collect(),
        Some(v) => scalar(v).into_iter().collect(),
        None => Vec::new(),
    }
}

/// A Go duration (`1m30s`, `500ms`, `2h`) in the plan's syntax (`1m 30s`).
pub fn duration(text: &str) -> Option<String> {
    let mut rest = text.trim();
    let mut ms = 0f64;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        let n: f64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit = rest.find(|c: char| c.is_ascii_digit()).unwrap_or(rest.len());
        let scale = match &rest[..unit] {
            "h" => 3_600_000.0,
            "m" => 60_000.0,
            "s" => 1000.0,
            "ms" => 1.0,
            "us" | "µs" => 0.001,
            "ns" => 0.000_001,
            _ => return None,
        };
        ms += n * scale;
        rest = &rest[unit..];
    }
    Some(crate::learned::write::exact(ms / 1000.0))
}

/// Every string of the pod spec's containers and init containers at `what` (`env` values,
/// commands and args).
pub fn strings_in(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Sequence(items) => items.iter().for_each(|i| strings_in(i, out)),
        Value::Mapping(m) => m.values().for_each(|i| strings_in(i, out)),
        _ => {}
    }
}

/// The hosts a text names: its words of `[a-z0-9.-]`.
pub fn hosts(text: &str) -> Vec<&str> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '-'))
        .filter(|w| !w.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::duration;

    #[test]
    fn go_durations_become_the_plans() {
        assert_eq!(duration("1m30s").as_deref(), Some("1m 30s"));
        assert_eq!(duration("10s").as_deref(), Some("10s"));
        assert_eq!(duration("500ms").as_deref(), Some("500ms"));
        assert_eq!(duration("1h").as_deref(), Some("1h"));
        assert_eq!(duration("soon"), None);
    }
}
