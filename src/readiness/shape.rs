//! What a plan is made of, hashed part by part so that two versions can be told apart by name:
//! each top-level table (`[plan]`, `[announce]`, …), each service by id, and each file of its
//! announcement templates. The plan's SHA-256 says whether anything changed; this says what.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::Digest;

use crate::plan::Plan;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shape {
    /// Each top-level table but the services, by key.
    pub tables: BTreeMap<String, String>,
    /// Each service's table, by id.
    pub services: BTreeMap<String, String>,
    /// Each file the plan reads besides itself (its `[announce] templates`), by path.
    pub inputs: BTreeMap<String, String>,
}

fn digest(bytes: &[u8]) -> String {
    crate::hex::hex(&sha2::Sha256::digest(bytes))
}

impl Shape {
    /// The shape of the plan file `text` (a loaded plan, so it parses) at `path`.
    pub fn of(plan: &Plan, path: &Path, text: &str) -> Shape {
        let mut shape = Shape::default();
        let Ok(table) = text.parse::<toml::Table>() else { return shape };
        for (key, value) in &table {
            if key == "service" {
                for s in value.as_array().into_iter().flatten() {
                    let id = s.get("id").and_then(toml::Value::as_str).unwrap_or_default();
                    shape.services.insert(id.to_owned(), digest(s.to_string().as_bytes()));
                }
            } else {
                shape.tables.insert(key.clone(), digest(value.to_string().as_bytes()));
            }
        }
        if let Some(dir) = &plan.announce.templates {
            let dir = path.parent().unwrap_or(Path::new(".")).join(dir.get_ref());
            let mut files: Vec<_> = std::fs::read_dir(&dir)
                .into_iter()
                .flatten()
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .collect();
            files.sort();
            for f in files {
                let name =
                    Path::new(dir.file_name().unwrap_or_default()).join(f.file_name().unwrap_or_default());
                let bytes = std::fs::read(&f).unwrap_or_default();
                shape.inputs.insert(name.display().to_string(), digest(&bytes));
            }
        }
        shape
    }

    /// What changed from `before` to `self`, a phrase each: `service \`billing\` changed`.
    pub fn changes(&self, before: &Shape) -> Vec<String> {
        let mut out = Vec::new();
        for (label, old, new) in [
            ("table", &before.tables, &self.tables),
            ("service", &before.services, &self.services),
            ("input", &before.inputs, &self.inputs),
        ] {
            for (k, v) in new {
                let name = named(label, k);
                match old.get(k) {
                    None => out.push(format!("{name} added")),
                    Some(o) if o != v => out.push(format!("{name} changed")),
                    Some(_) => {}
                }
            }
            for k in old.keys().filter(|k| !new.contains_key(*k)) {
                out.push(format!("{} removed", named(label, k)));
            }
        }
        out
    }
}

fn named(label: &str, key: &str) -> String {
    match label {
        "table" => format!("[{key}]"),
        "service" => format!("service `{key}`"),
        _ => format!("template {key}"),
    }
}
