//! Backstage catalogues (`catalog-info.yaml`, several entities each): each Component and
//! Resource a service, `spec.dependsOn` its dependencies, its owner and lifecycle as comments.
//! A catalogue says nothing of how to check or restore a thing: each becomes a manual step for
//! its owner, to be given a check and an action.

use std::path::PathBuf;

use serde_yaml_ng::Value;

use super::yaml::{documents, scalar, strings};
use super::{Dep, Estate, ImportError, Unit, id_of};

pub fn import(files: &[PathBuf]) -> Result<Estate, ImportError> {
    let mut estate = Estate {
        sources: files.iter().map(|f| format!("backstage {}", f.display())).collect(),
        ..Estate::default()
    };
    for file in files {
        for doc in documents(file)? {
            let text = |v: Option<&Value>| v.and_then(scalar).unwrap_or_default();
            let kind = text(doc.get("kind"));
            let meta = doc.get("metadata");
            let name = text(meta.and_then(|m| m.get("name")));
            if !text(doc.get("apiVersion")).starts_with("backstage.io/") {
                return Err(ImportError::Invalid {
                    path: file.clone(),
                    why: "an entity whose apiVersion is not backstage.io/…: not a Backstage catalogue".into(),
                });
            }
            if name.is_empty() {
                estate
                    .untranslated
                    .push(format!("{}: a {kind} without metadata.name is not imported", file.display()));
                continue;
            }
            if !matches!(kind.as_str(), "Component" | "Resource") {
                estate.untranslated.push(format!(
                    "{}: {kind} {name} is not imported (only Components and Resources)",
                    file.display()
                ));
                continue;
            }
            let spec = doc.get("spec");
            let deps = strings(spec.and_then(|s| s.get("dependsOn")))
                .into_iter()
                .map(|r| {
                    // `resource:default/db`, `component:web`, `db`: the entity's name.
                    let entity = r.rsplit(['/', ':']).next().unwrap_or(&r).to_owned();
                    Dep { on: id_of(&entity), optional: false, why: format!("spec.dependsOn {r}") }
                })
                .collect();
            let owner = text(spec.and_then(|s| s.get("owner")));
            let mut notes = Vec::new();
            for (k, v) in [
                ("owner", &owner),
                ("lifecycle", &text(spec.and_then(|s| s.get("lifecycle")))),
                ("type", &text(spec.and_then(|s| s.get("type")))),
            ] {
                if !v.is_empty() {
                    notes.push(format!("{k}: {v}"));
                }
            }
            let title = meta.and_then(|m| m.get("title")).and_then(scalar).unwrap_or_else(|| name.clone());
            let who = if owner.is_empty() { String::new() } else { format!(" (owner: {owner})") };
            if let Some(other) = estate.units.iter().find(|u| u.id == id_of(&name)) {
                return Err(ImportError::Invalid {
                    path: file.clone(),
                    why: format!(
                        "{kind} {name} and {} would both be the plan's `{}`",
                        other.source, other.id
                    ),
                });
            }
            estate.units.push(Unit {
                id: id_of(&name),
                name: title.clone(),
                source: format!("{}: {kind} {name}", file.display()),
                deps,
                check: None,
                check_from: String::new(),
                restore: None,
                restore_timeout: None,
                manual: Some(format!("Restore {title}{who}, then confirm it")),
                notes,
            });
        }
    }
    Ok(estate)
}
