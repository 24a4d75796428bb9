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
    // Several files are overlays (`-f a.yml -f b.yml`): a later one's keys win, mappings merged,
    // `!reset` removing and `!override` replacing a value. Every command names them all.
    let mut merged: Vec<(String, Mapping)> = Vec::new();
    for file in files {
        let services = services_of(file)?;
        for key in services.keys() {
            let Some(name) = key.as_str() else { continue };
            let own = extended(file, &services, name, 0)?;
            match merged.iter_mut().find(|(n, _)| n == name) {
                Some((_, base)) => *base = overlay(std::mem::take(base), own),
                None => merged.push((name.to_owned(), own)),
            }
        }
    }
    let given: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    let absolute: Vec<String> = files.iter().map(|f| super::absolute(f)).collect();
    let mut estate = Estate { sources: vec![format!("compose {}", given.join(" "))], ..Estate::default() };
    let mut seen: Vec<(String, String)> = Vec::new();
    for (name, svc) in &merged {
        let id = id_of(name);
        if let Some((other, _)) = seen.iter().find(|(_, i)| *i == id) {
            return Err(ImportError::Invalid {
                path: files[0].clone(),
                why: format!(
                    "services `{other}` and `{name}` would both be the plan's `{id}`: rename one of them in the compose file"
                ),
            });
        }
        seen.push((name.clone(), id.clone()));
        estate.units.push(translate(&given.join(" + "), &absolute, name, id, svc, &mut estate.untranslated));
    }
    Ok(estate)
}

/// `under` with `over`'s keys: mappings (`depends_on` in either form, `healthcheck`,
/// `environment`) merged an entry at a time, `!reset` removing and `!override` replacing,
/// anything else replaced.
fn overlay(mut under: Mapping, over: Mapping) -> Mapping {
    for (k, v) in over {
        if let Value::Tagged(t) = &v {
            match t.tag.to_string().trim_start_matches('!') {
                "reset" => {
                    under.remove(&k);
                    continue;
                }
                "override" => {
                    under.insert(k, t.value.clone());
                    continue;
                }
                _ => {}
            }
        }
        let merged = match (under.get(&k).map(|b| as_map(&k, b)), as_map(&k, &v)) {
            (Some(Value::Mapping(base)), Value::Mapping(top)) => Value::Mapping(overlay(base, top)),
            (_, v) => v,
        };
        under.insert(k, merged);
    }
    under
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
    let own: Mapping = own.into_iter().filter(|(k, _)| k.as_str() != Some("extends")).collect();
    base = overlay(base, own);
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
                d.insert("required".into(), true.into());
                m.insert(name.into(), Value::Mapping(d));
            }
            Value::Mapping(m)
        }
        v => v.clone(),
    }
}

/// One service, as the merged files say it.
fn translate(
    shown: &str,
    files: &[String],
    name: &str,
    id: String,
    svc: &Mapping,
    untranslated: &mut Vec<String>,
) -> Unit {
    let mut notes = Vec::new();
    if let Some(p) = svc.get("profiles") {
        notes.push(format!(
            "compose profiles: {} (compose starts it only with --profile; `up SVC` starts it)",
            strings(Some(p)).join(", ")
        ));
    }
    let secrets = secret_values(svc);
    let (check, check_from, restore_timeout) = healthcheck((shown, files), name, svc, &secrets, untranslated);
    Unit {
        id,
        name: name.to_owned(),
        source: format!("{shown}: services.{name}"),
        deps: depends_on(svc.get("depends_on")),
        check,
        check_from,
        restore: Some(compose_argv(files, &["up", "-d", "--no-deps", name])),
        restore_timeout,
        manual: None,
        notes,
    }
}

fn compose_argv(files: &[String], rest: &[&str]) -> Vec<String> {
    let mut argv = vec!["docker".to_owned(), "compose".to_owned()];
    for f in files {
        argv.extend(["-f".to_owned(), f.clone()]);
    }
    argv.extend(rest.iter().map(|s| (*s).to_owned()));
    argv
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
    let secret = super::secret_name;
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
    (shown, files): (&str, &[String]),
    name: &str,
    svc: &Mapping,
    secrets: &[(String, String)],
    untranslated: &mut Vec<String>,
) -> Check {
    let running = || {
        let ps = compose_argv(files, &["ps", "--status", "running", "--quiet", name]).join(" ");
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
    let mut fallback = |why: String, from: &str| {
        untranslated.push(format!("{shown}: services.{name}: {why}; checked by whether its container runs"));
        (Some(running()), format!("{from}: whether its container runs"), None)
    };
    let inner: Vec<String> = match test.first().map(String::as_str) {
        _ if disabled => return fallback("healthcheck disabled".into(), "healthcheck disabled"),
        Some("CMD") if test.len() > 1 && !test[1].trim().is_empty() => test[1..].to_vec(),
        Some("CMD-SHELL") if !test[1..].join(" ").trim().is_empty() => {
            vec!["sh".into(), "-c".into(), test[1..].join(" ")]
        }
        Some("CMD" | "CMD-SHELL") => {
            return fallback("healthcheck.test runs nothing".into(), "healthcheck empty");
        }
        _ => {
            let why = format!("healthcheck.test `{}` is not CMD, CMD-SHELL or NONE", test.join(" "));
            return fallback(why, "healthcheck not understood");
        }
    };
    let mut argv = compose_argv(files, &["exec", "-T", name]);
    let upper = super::id_of(name).replace('-', "_").to_ascii_uppercase();
    // `-pX` is a password to mysql's tools (to others, often a port).
    let mysql = inner.iter().any(|a| a.contains("mysql") || a.contains("mariadb"));
    for a in &inner {
        let (arg, literal) = password_flag(&placeholders(a, secrets), &upper, mysql);
        if literal {
            untranslated.push(format!(
                "{shown}: services.{name}: a password written in healthcheck.test is `${{env:{upper}_PASSWORD}}` in the plan: set it for the run"
            ));
        }
        argv.push(arg);
    }
    let text = |k: &str| hc.get(k).and_then(scalar);
    let length = |k: &str, untranslated: &mut Vec<String>| {
        let t = text(k)?;
        let d = duration(&t);
        if d.is_none() {
            untranslated.push(format!("{shown}: services.{name}: healthcheck.{k} `{t}` is not a duration; the plan's default is used"));
        }
        d
    };
    let interval = length("interval", untranslated);
    let timeout = length("timeout", untranslated);
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

/// A password given literally as a flag (`--password=X`, `-pX` of mysql tools) as a placeholder,
/// and whether there was one.
fn password_flag(arg: &str, upper: &str, mysql: bool) -> (String, bool) {
    let placeholder = format!("${{env:{upper}_PASSWORD}}");
    let literal = |v: &str| !v.is_empty() && !v.starts_with('$');
    let mut words = Vec::new();
    let mut found = false;
    for w in arg.split(' ') {
        let replaced = if w.strip_prefix("--password=").is_some_and(literal) {
            format!("--password={placeholder}")
        } else if mysql && w.strip_prefix("-p").is_some_and(literal) {
            format!("-p{placeholder}")
        } else {
            words.push(w.to_owned());
            continue;
        };
        found = true;
        words.push(replaced);
    }
    (words.join(" "), found)
}
