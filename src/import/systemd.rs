//! systemd units: each `.service` of the folders and files given, `Requires=`/`BindsTo=` as
//! dependencies, `Wants=` as optional ones, `After=` as order (an optional dependency: waited for,
//! its failure blocks nothing), `systemctl is-active` as the check and `systemctl start` as the
//! restore. Units are read as a strict INI subset: sections, `key=value`, comments, and lines
//! continued with `\`; anything else is an error naming its line.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::{Dep, Estate, ImportError, Probe, Unit, id_of};

/// A unit file: each section's keys, each with its values in order (an empty assignment resets).
type Sections = BTreeMap<String, BTreeMap<String, Vec<String>>>;

pub fn import(paths: &[PathBuf]) -> Result<Estate, ImportError> {
    let files = super::files(paths, &["service"])?;
    if files.is_empty() {
        return Err(ImportError::Nothing("no `.service` unit found in what was given".into()));
    }
    let mut estate = Estate {
        sources: paths.iter().map(|p| format!("systemd {}", p.display())).collect(),
        ..Estate::default()
    };
    for file in files {
        let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if name.contains("@.") {
            estate.untranslated.push(format!(
                "{}: a template unit is not imported: add each instance (`{}`) as a service",
                file.display(),
                name.replace("@.", "@NAME.")
            ));
            continue;
        }
        let unit = unit(&file, &mut estate.untranslated)?;
        if let Some(other) = estate.units.iter().find(|u| u.id == unit.id) {
            return Err(ImportError::Invalid {
                path: file.clone(),
                why: format!("it and {} would both be the plan's `{}`", other.source, unit.id),
            });
        }
        estate.units.push(unit);
    }
    Ok(estate)
}

fn parse(path: &Path) -> Result<Sections, ImportError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| ImportError::Read { path: path.to_path_buf(), why: e.to_string() })?;
    let mut sections = Sections::new();
    let mut current: Option<String> = None;
    let mut pending = String::new();
    for (n, raw) in text.lines().enumerate() {
        let line = format!("{pending}{}", raw.trim());
        pending.clear();
        if let Some(cont) = line.strip_suffix('\\') {
            pending = format!("{cont} ");
            continue;
        }
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        let bad = |why: &str| ImportError::Invalid {
            path: path.to_path_buf(),
            why: format!("line {}: {why}", n + 1),
        };
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            current = Some(name.to_owned());
            sections.entry(name.to_owned()).or_default();
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            return Err(bad("not `[Section]` nor `Key=value`"));
        };
        let Some(section) = &current else { return Err(bad("a key before any `[Section]`")) };
        let values = sections.entry(section.clone()).or_default().entry(key.trim().to_owned()).or_default();
        if value.trim().is_empty() {
            values.clear();
        } else {
            values.push(value.trim().to_owned());
        }
    }
    Ok(sections)
}

fn unit(path: &Path, untranslated: &mut Vec<String>) -> Result<Unit, ImportError> {
    let sections = parse(path)?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let get = |section: &str, key: &str| -> Vec<String> {
        sections
            .get(section)
            .and_then(|s| s.get(key))
            .map(|v| v.iter().flat_map(|x| x.split_whitespace().map(str::to_owned)).collect())
            .unwrap_or_default()
    };
    let mut deps: Vec<Dep> = Vec::new();
    let mut add = |units: Vec<String>, optional: bool, key: &str, untranslated: &mut Vec<String>| {
        for u in units {
            let Some(service) = u.strip_suffix(".service") else {
                untranslated.push(format!(
                    "{}: {key}{u}: not a service unit (targets, sockets and mounts are not imported)",
                    path.display()
                ));
                continue;
            };
            let on = id_of(service);
            match deps.iter_mut().find(|d| d.on == on) {
                Some(d) => d.optional &= optional,
                None => deps.push(Dep { on, optional, why: format!("{key}{u}") }),
            }
        }
    };
    add(get("Unit", "Requires"), false, "Requires=", untranslated);
    add(get("Unit", "BindsTo"), false, "BindsTo=", untranslated);
    add(get("Unit", "Wants"), true, "Wants=", untranslated);
    add(get("Unit", "After"), true, "After=", untranslated);
    let description = sections.get("Unit").and_then(|s| s.get("Description")).and_then(|v| v.last()).cloned();
    let stem = name.strip_suffix(".service").unwrap_or(&name);
    Ok(Unit {
        id: id_of(stem),
        name: description.unwrap_or_else(|| stem.to_owned()),
        source: path.display().to_string(),
        deps,
        check: Some(Probe::Command {
            argv: vec!["systemctl".into(), "is-active".into(), "--quiet".into(), name.clone()],
            interval: None,
            timeout: None,
        }),
        check_from: "systemctl is-active".into(),
        restore: Some(vec!["systemctl".into(), "start".into(), name.clone()]),
        restore_timeout: None,
        manual: None,
        notes: Vec::new(),
    })
}
