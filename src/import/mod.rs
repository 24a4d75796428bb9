//! `restorectl import`: a first plan from what the estate already says — docker compose files,
//! systemd units, Kubernetes manifests, a Backstage catalogue — with each service's
//! dependencies, health check and restore action translated, everything that could not be
//! translated listed, and secrets turned into `${env:…}` placeholders; and the drift between a
//! committed plan and the estate (`--check`, `--update`).

pub mod backstage;
pub mod compose;
pub mod drift;
pub mod k8s;
pub mod systemd;
pub mod write;
mod yaml;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

/// Why an import could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot read {path}: {why}")]
    Read { path: PathBuf, why: String },
    #[error("{path}: {why}")]
    Invalid { path: PathBuf, why: String },
    #[error("{0}")]
    Nothing(String),
}

/// A dependency as the source states it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dep {
    pub on: String,
    /// Waited for, but its failure does not block (compose `required: false`, systemd `Wants=`
    /// and `After=`).
    pub optional: bool,
    /// Where it came from: `depends_on (service_healthy)`, `Requires=`.
    pub why: String,
}

/// A health check as the source states it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Probe {
    Command { argv: Vec<String>, interval: Option<String>, timeout: Option<String> },
    Http { url: String, interval: Option<String>, timeout: Option<String> },
    Tcp { target: String, interval: Option<String>, timeout: Option<String> },
}

/// One service of the estate.
#[derive(Debug, Clone)]
pub struct Unit {
    pub id: String,
    pub name: String,
    /// Where it was found: `docker-compose.yml: services.db`.
    pub source: String,
    pub deps: Vec<Dep>,
    pub check: Option<Probe>,
    /// What the check was translated from.
    pub check_from: String,
    pub restore: Option<Vec<String>>,
    pub restore_timeout: Option<String>,
    /// No action known: a manual step with this instruction.
    pub manual: Option<String>,
    /// Anything else worth a comment (owner, profiles, what a value meant).
    pub notes: Vec<String>,
}

/// What one or several sources say.
#[derive(Debug, Default)]
pub struct Estate {
    /// `compose docker-compose.yml`, a line each.
    pub sources: Vec<String>,
    pub units: Vec<Unit>,
    /// What was not translated, a line each (told on stderr and as comments).
    pub untranslated: Vec<String>,
}

/// The files given, and in each folder given its files ending in one of `extensions`, in name order.
fn files(paths: &[PathBuf], extensions: &[&str]) -> Result<Vec<PathBuf>, ImportError> {
    let mut files = Vec::new();
    for p in paths {
        if !p.is_dir() {
            files.push(p.clone());
            continue;
        }
        let entries =
            std::fs::read_dir(p).map_err(|e| ImportError::Read { path: p.clone(), why: e.to_string() })?;
        let mut found: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|f| f.extension().is_some_and(|x| extensions.iter().any(|e| x == *e)))
            .collect();
        found.sort();
        files.extend(found);
    }
    Ok(files)
}

/// A source's path as commands name it: absolute, so that they work wherever the plan is run.
fn absolute(path: &std::path::Path) -> String {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf()).display().to_string()
}

/// Whether an environment variable's name says it holds a secret.
fn secret_name(name: &str) -> bool {
    let name = name.to_ascii_uppercase();
    ["PASSWORD", "PASSWD", "SECRET", "TOKEN", "API_KEY", "PRIVATE_KEY", "CREDENTIAL"]
        .iter()
        .any(|s| name.contains(s))
}

/// `text` with each secret's literal value as its `${env:NAME}` placeholder.
fn hide(text: &str, secrets: &[(String, String)]) -> String {
    secrets
        .iter()
        .fold(text.to_owned(), |t, (name, value)| t.replace(value.as_str(), &format!("${{env:{name}}}")))
}

/// How objects are named in the plan: by name, or by namespace and name when the manifests
/// span several namespaces.
pub(super) struct Ids {
    pub(super) qualified: bool,
}

impl Ids {
    fn of(&self, kind: &str, namespace: &str, name: &str) -> String {
        let kind = match kind {
            "Secret" => "secret-",
            "ConfigMap" => "configmap-",
            _ => "",
        };
        let space = if self.qualified { format!("{namespace}-") } else { String::new() };
        id_of(&format!("{space}{kind}{name}"))
    }
}

/// A plan id from a name: lower case, `[a-z0-9_-]` (others become `-`).
pub fn id_of(name: &str) -> String {
    let id: String = name
        .trim()
        .chars()
        .map(|c| c.to_ascii_lowercase())
        .map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' { c } else { '-' })
        .collect();
    let id = id.trim_matches('-').to_owned();
    if id.is_empty() { "service".into() } else { id }
}

impl Estate {
    /// Another source's services taken in: one id, one service (dependencies joined; a check
    /// or restore both give differently is a conflict, reported, and the first one kept).
    pub fn merge(&mut self, other: Estate) {
        self.sources.extend(other.sources);
        self.untranslated.extend(other.untranslated);
        for unit in other.units {
            let Some(mine) = self.units.iter_mut().find(|u| u.id == unit.id) else {
                self.units.push(unit);
                continue;
            };
            for d in unit.deps {
                match mine.deps.iter_mut().find(|m| m.on == d.on) {
                    // Required by either: required.
                    Some(m) => m.optional &= d.optional,
                    None => mine.deps.push(d),
                }
            }
            match (&mine.check, unit.check) {
                (None, Some(c)) => {
                    mine.check = Some(c);
                    mine.check_from = unit.check_from;
                }
                (Some(a), Some(b)) if *a != b => self.untranslated.push(format!(
                    "conflict: `{}` is checked by {} in {} and by {} in {}; the first is kept",
                    mine.id, mine.check_from, mine.source, unit.check_from, unit.source
                )),
                _ => {}
            }
            match (&mine.restore, unit.restore) {
                (None, Some(r)) => mine.restore = Some(r),
                (Some(a), Some(b)) if *a != b => self.untranslated.push(format!(
                    "conflict: `{}` is restored by `{}` in {} and by `{}` in {}; the first is kept",
                    mine.id,
                    a.join(" "),
                    mine.source,
                    b.join(" "),
                    unit.source
                )),
                _ => {}
            }
            mine.notes.push(format!("also in {}", unit.source));
            mine.notes.extend(unit.notes);
        }
    }

    /// Dependencies on services no source describes are dropped, and said.
    pub fn drop_dangling(&mut self) {
        let ids: BTreeSet<String> = self.units.iter().map(|u| u.id.clone()).collect();
        for u in &mut self.units {
            let mut kept = Vec::new();
            for d in std::mem::take(&mut u.deps) {
                if d.on == u.id {
                    self.untranslated.push(format!("`{}` depends on itself ({}): left out", u.id, d.why));
                } else if ids.contains(&d.on) {
                    kept.push(d);
                } else {
                    self.untranslated.push(format!(
                        "`{}` depends on `{}` ({}), which no source describes: left out",
                        u.id, d.on, d.why
                    ));
                }
            }
            u.deps = kept;
        }
    }

    /// Each service's layer: 0 for one that needs nothing, else one more than the deepest of what
    /// it needs (a cycle, which `validate` names, is cut where it closes).
    pub fn layers(&self) -> BTreeMap<String, usize> {
        let index: BTreeMap<&str, &Unit> = self.units.iter().map(|u| (u.id.as_str(), u)).collect();
        let mut layer: BTreeMap<String, usize> = BTreeMap::new();
        fn visit<'a>(
            id: &'a str,
            index: &BTreeMap<&'a str, &'a Unit>,
            layer: &mut BTreeMap<String, usize>,
            path: &mut Vec<&'a str>,
        ) -> usize {
            if let Some(&l) = layer.get(id) {
                return l;
            }
            if path.contains(&id) {
                return 0;
            }
            path.push(id);
            let l = index.get(id).map_or(0, |u| {
                u.deps.iter().map(|d| visit(&d.on, index, layer, path) + 1).max().unwrap_or(0)
            });
            path.pop();
            layer.insert(id.to_owned(), l);
            l
        }
        for u in &self.units {
            visit(&u.id, &index, &mut layer, &mut Vec::new());
        }
        layer
    }
}
