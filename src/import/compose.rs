//! docker compose files (raw or as `docker compose config` prints them): each service, its
//! `depends_on` in every form (a list, or a map with `condition`, `required: false` an optional
//! dependency), its `healthcheck` (run inside the container with `docker compose exec`), `up -d`
//! as its restore; anchors and merge keys, `extends` (in the file or another), profiles.

use std::path::Path;

use serde_yaml_ng::{Mapping, Value};

use super::yaml::{documents, duration, scalar, strings};
use super::{Dep, Estate, ImportError, Probe, Unit, id_of};

/// Compose's defaults for a healthcheck.
const INTERVAL: f64 = 30.0;
const TIMEOUT: f64 = 30.0;
const RETRIES: f64 = 3.0;

pub fn import(files: &[std::path::PathBuf]) -> Result<Estate, ImportError> {
    let mut estate = Estate::default();
    for file in files {
        let mut one = file_estate(file)?;
        estate.sources.push(format!("compose {}", file.display()));
        estate.untranslated.append(&mut one.untranslated);
        // A later file overrides an earlier one (`-f a.yml -f b.yml`): its services are merged in.
        let units = std::mem::take(&mut one.units);
        estate.merge(Estate { units, ..Estate::default() });
    }
    Ok(estate)
}

fn services_of(path: &Path) -> Result<Mapping, ImportError> {
    let doc = documents(path)?.into_iter().next().unwrap_or(Value::Null);
    match doc.get("services") {
        Some(Value::Mapping(m)) => Ok(m.clone()),
        _ => Err(ImportError::Invalid {
            path: path.to_path_buf(),
            why: "no `services:` mapping: not a compose file".into(),
        }),
    }
}

/// A service with what it `extends` merged under it (its own keys win).
fn extended(path: &Path, services: &Mapping, name: &str, depth: usize) -> Result<Mapping, ImportError> {
    let own = services.get(name).and_then(Value::as_mapping).cloned().unwrap_or_default();
    let Some(ext) = own.get("extends") else { return Ok(own) };
    if depth > 10 {
        return Err(ImportError::Invalid {
            path: path.to_path_buf(),
            why: format!("`extends` of `{name}` goes round in a circle"),
        });
    }
    let (base_name, base_file) = match ext {
        Value::String(s) => (s.clone(), None),
        v => (v.get("service").and_then(scalar).unwrap_or_default(), v.get("file").and_then(scalar)),
    };
    let mut base = match base_file {
        Some(f) => {
            let other = path.parent().unwrap_or(Path::new(".")).join(f);
            extended(&other, &services_of(&other)?, &base_name, depth + 1)?
        }
        None => extended(path, services, &base_name, depth + 1)?,
    };
    for (k, v) in own {
        if k.as_str() == Some("extends") {
            continue;
        }
        // Compose merges mappings (`depends_on` in either form, `healthcheck`, `environment`),
        // the extending service's entries winning; anything else it replaces.
        let merged = match (base.get(&k).map(|b| as_map(&k, b)), as_map(&k, &v)) {
            (Some(Value::Mapping(mut under)), Value::Mapping(over)) => {
                under.extend(over);
                Value::Mapping(under)
            }
            (_, v) => v,
        };
        base.insert(k, merged);
    }
    Ok(base)
}

/// `depends_on: [a, b]` as the mapping it stands for; any other value as it is.
fn as_map(key: &Value, v: &Value) -> Value {
    match v {
        Value::Sequence(_) if key.as_str() == Some("depends_on") => {
            let mut m = Mapping::new();
            for name in strings(Some(v)) {
                let mut d = Mapping::new();
                d.insert("condition".into(), "service_started".into());
                m.insert(name.into(), Value::Mapping(d));
            }
            Value::Mapping(m)
        }
        v => v.clone(),
    }
}

fn file_estate(path: &Path) -> Result<Estate, ImportError> {
    let services = services_of(path)?;
    let file = path.display().to_string();
    let mut estate = Estate::default();
    for key in services.keys() {
        let Some(name) = key.as_str() else { continue };
        let svc = extended(path, &services, name, 0)?;
        let id = id_of(name);
        let mut notes = Vec::new();
        if let Some(p) = svc.get("profiles") {
            notes.push(format!(
                "compose profiles: {} (compose starts it only with --profile; `up SVC` starts it)",
                strings(Some(p)).join(", ")
            ));
        }
        let secrets = secret_values(&svc);
        let (check, check_from, restore_timeout) =
            healthcheck(&file, name, &svc, &secrets, &mut estate.untranslated);
        estate.units.push(Unit {
            id: id.clone(),
            name: name.to_owned(),
            source: format!("{file}: services.{name}"),
            deps: depends_on(svc.get("depends_on")),
            check,
            check_from,
            restore: Some(compose_argv(&file, &["up", "-d", "--no-deps", name])),
            restore_timeout,
            manual: None,
            notes,
        });
    }
    Ok(estate)
}

fn compose_argv(file: &str, rest: &[&str]) -> Vec<String> {
    ["docker", "compose", "-f", file].iter().chain(rest).map(|s| (*s).to_owned()).collect()
}

/// `depends_on`: a list of names, or a map of name → `{ condition, required, restart }`.
fn depends_on(v: Option<&Value>) -> Vec<Dep> {
    match v {
        Some(Value::Mapping(m)) => m
            .iter()
            .filter_map(|(k, d)| {
                let on = id_of(k.as_str()?);
                let condition =
                    d.get("condition").and_then(scalar).unwrap_or_else(|| "service_started".into());
                let optional = d.get("required").and_then(Value::as_bool) == Some(false);
                let why = if optional {
                    format!("depends_on ({condition}, required: false)")
                } else {
                    format!("depends_on ({condition})")
                };
                Some(Dep { on, optional, why })
            })
            .collect(),
        Some(v) => strings(Some(v))
            .into_iter()
            .map(|n| Dep { on: id_of(&n), optional: false, why: "depends_on (service_started)".into() })
            .collect(),
        None => Vec::new(),
    }
}

/// The literal values of the service's environment variables whose names say they are secret.
fn secret_values(svc: &Mapping) -> Vec<(String, String)> {
    let secret = |k: &str| {
        let k = k.to_ascii_uppercase();
        ["PASSWORD", "PASSWD", "SECRET", "TOKEN", "API_KEY", "PRIVATE_KEY", "CREDENTIAL"]
            .iter()
            .any(|s| k.contains(s))
    };
    let pairs: Vec<(String, String)> = match svc.get("environment") {
        Some(Value::Mapping(m)) => {
            m.iter().filter_map(|(k, v)| Some((k.as_str()?.to_owned(), scalar(v)?))).collect()
        }
        Some(Value::Sequence(items)) => items
            .iter()
            .filter_map(|i| i.as_str()?.split_once('=').map(|(k, v)| (k.to_owned(), v.to_owned())))
            .collect(),
        _ => Vec::new(),
    };
    pairs.into_iter().filter(|(k, v)| secret(k) && v.len() >= 4 && !v.starts_with('$')).collect()
}

/// Compose's own `${VAR}` (host interpolation) as the plan's `${env:VAR}`; a secret's literal
/// value as `${env:NAME}`; `$$` (the container's own `$`) as `$`.
fn placeholders(arg: &str, secrets: &[(String, String)]) -> String {
    let mut out = String::new();
    let mut rest = arg;
    while let Some(at) = rest.find('$') {
        out += &rest[..at];
        rest = &rest[at..];
        if let Some(after) = rest.strip_prefix("$$") {
            out.push('$');
            rest = after;
        } else if let Some(body) = rest.strip_prefix("${")
            && let Some(end) = body.find('}')
        {
            let name = body[..end].split([':', '-', '?']).next().unwrap_or_default();
            out += &format!("${{env:{name}}}");
            rest = &body[end + 1..];
        } else {
            out.push('$');
            rest = &rest[1..];
        }
    }
    out += rest;
    for (name, value) in secrets {
        out = out.replace(value.as_str(), &format!("${{env:{name}}}"));
    }
    out
}

fn seconds(text: Option<String>) -> Option<f64> {
    crate::human::parse_duration(&duration(&text?)?).ok().map(|d| d.as_secs_f64())
}

type Check = (Option<Probe>, String, Option<String>);

/// The healthcheck, run in the service's container; the restore's timeout from how long compose
/// waits before it calls the container unhealthy. Without one: whether it runs.
fn healthcheck(
    file: &str,
    name: &str,
    svc: &Mapping,
    secrets: &[(String, String)],
    untranslated: &mut Vec<String>,
) -> Check {
    let running = || {
        let ps = compose_argv(file, &["ps", "--status", "running", "--quiet", name]).join(" ");
        Probe::Command {
            argv: vec!["sh".into(), "-c".into(), format!("test -n \"$({ps})\"")],
            interval: None,
            timeout: None,
        }
    };
    let Some(hc) = svc.get("healthcheck") else {
        return (Some(running()), "no healthcheck: whether its container runs".into(), None);
    };
    let test = match hc.get("test") {
        Some(Value::String(s)) => vec!["CMD-SHELL".to_owned(), s.clone()],
        v => strings(v),
    };
    let disabled = hc.get("disable").and_then(Value::as_bool) == Some(true)
        || test.first().map(String::as_str) == Some("NONE");
    let inner: Vec<String> = match test.first().map(String::as_str) {
        _ if disabled => {
            untranslated.push(format!(
                "{file}: services.{name}: healthcheck disabled; checked by whether its container runs"
            ));
            return (Some(running()), "healthcheck disabled: whether its container runs".into(), None);
        }
        Some("CMD") => test[1..].to_vec(),
        Some("CMD-SHELL") => vec!["sh".into(), "-c".into(), test[1..].join(" ")],
        _ => {
            untranslated.push(format!(
                "{file}: services.{name}: healthcheck.test `{}` is not CMD, CMD-SHELL or NONE",
                test.join(" ")
            ));
            return (Some(running()), "healthcheck not understood: whether its container runs".into(), None);
        }
    };
    let mut argv = compose_argv(file, &["exec", "-T", name]);
    argv.extend(inner.iter().map(|a| placeholders(a, secrets)));
    let text = |k: &str| hc.get(k).and_then(scalar);
    let interval = text("interval").and_then(|t| duration(&t));
    let timeout = text("timeout").and_then(|t| duration(&t));
    let retries = hc.get("retries").and_then(Value::as_f64).unwrap_or(RETRIES);
    let wait = seconds(text("start_period")).unwrap_or(0.0)
        + retries
            * (seconds(text("interval")).unwrap_or(INTERVAL) + seconds(text("timeout")).unwrap_or(TIMEOUT))
        + 60.0;
    let from = format!(
        "healthcheck.test (retries {retries}: the restore's timeout is start_period + retries × (interval + timeout) + 1m)"
    );
    (Some(Probe::Command { argv, interval, timeout }), from, Some(crate::learned::write::exact(wait)))
}
