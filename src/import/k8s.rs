//! Kubernetes manifests (files or folders of `.yaml`/`.yml`, several documents each): each
//! Deployment, StatefulSet and DaemonSet a service, each Secret and ConfigMap one too; a
//! workload depends on the Secrets and ConfigMaps its env and volumes name, and on the workload
//! behind a Service that its env values or init containers name as a host (when that Service
//! selects exactly one other workload). Its readiness probe is its check (http and tcp through
//! its Service where one exposes the port, exec and the rest through `kubectl exec`); `kubectl
//! rollout restart` its restore.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_yaml_ng::Value;

use super::yaml::{documents, hosts, scalar, strings_in};
use super::{Dep, Estate, Ids, ImportError, Probe, Unit};

struct Object {
    kind: String,
    name: String,
    namespace: String,
    doc: Value,
    file: PathBuf,
}

pub fn import(paths: &[PathBuf]) -> Result<Estate, ImportError> {
    let files = super::files(paths, &["yaml", "yml"])?;
    let mut objects = Vec::new();
    let mut skipped = Vec::new();
    for file in &files {
        for doc in documents(file)? {
            let items = match doc.get("kind").and_then(Value::as_str) {
                Some("List") => doc.get("items").and_then(Value::as_sequence).cloned().unwrap_or_default(),
                _ => vec![doc],
            };
            for doc in items {
                let text = |v: Option<&Value>| v.and_then(scalar).unwrap_or_default();
                let meta = doc.get("metadata");
                if doc.get("kind").is_none() || doc.get("apiVersion").is_none() {
                    return Err(ImportError::Invalid {
                        path: file.clone(),
                        why: "a document without `apiVersion` and `kind`: not a Kubernetes manifest".into(),
                    });
                }
                if text(meta.and_then(|m| m.get("name"))).is_empty() {
                    skipped.push(format!(
                        "{}: a {} without metadata.name is not imported",
                        file.display(),
                        text(doc.get("kind"))
                    ));
                    continue;
                }
                objects.push(Object {
                    kind: text(doc.get("kind")),
                    name: text(meta.and_then(|m| m.get("name"))),
                    namespace: meta
                        .and_then(|m| m.get("namespace"))
                        .and_then(scalar)
                        .unwrap_or_else(|| "default".into()),
                    doc,
                    file: file.clone(),
                });
            }
        }
    }
    let mut estate = Estate {
        sources: paths.iter().map(|p| format!("k8s {}", p.display())).collect(),
        untranslated: skipped,
        ..Estate::default()
    };
    // Names repeat across namespaces (`api` in prod and in staging): ids then carry theirs.
    let spaces: std::collections::BTreeSet<&str> = objects
        .iter()
        .filter(|o| {
            matches!(o.kind.as_str(), "Deployment" | "StatefulSet" | "DaemonSet" | "Secret" | "ConfigMap")
        })
        .map(|o| o.namespace.as_str())
        .collect();
    let ids = Ids { qualified: spaces.len() > 1 };
    let workloads: Vec<&Object> = objects
        .iter()
        .filter(|o| matches!(o.kind.as_str(), "Deployment" | "StatefulSet" | "DaemonSet"))
        .collect();
    let services: Vec<&Object> = objects.iter().filter(|o| o.kind == "Service").collect();
    // Each Service → the one workload it selects (in its namespace).
    let mut behind: BTreeMap<(String, String), &Object> = BTreeMap::new();
    for s in &services {
        let selector = s.doc.get("spec").and_then(|sp| sp.get("selector")).and_then(Value::as_mapping);
        let Some(selector) = selector.filter(|m| !m.is_empty()) else { continue };
        let selected: Vec<&&Object> = workloads
            .iter()
            .filter(|w| w.namespace == s.namespace)
            .filter(|w| {
                let labels = pod(&w.doc)
                    .and_then(|_| w.doc.get("spec")?.get("template")?.get("metadata")?.get("labels"));
                selector.iter().all(|(k, v)| labels.and_then(|l| l.get(k)) == Some(v))
            })
            .collect();
        match selected.as_slice() {
            [one] => {
                behind.insert((s.namespace.clone(), s.name.clone()), one);
            }
            [] => estate.untranslated.push(format!(
                "{}: Service {}/{} selects no workload of the manifests",
                s.file.display(),
                s.namespace,
                s.name
            )),
            _ => estate.untranslated.push(format!(
                "{}: Service {}/{} selects several workloads: not used as a dependency",
                s.file.display(),
                s.namespace,
                s.name
            )),
        }
    }
    for o in &objects {
        match o.kind.as_str() {
            "Deployment" | "StatefulSet" | "DaemonSet" => {
                estate.units.push(workload(o, (&services, &behind), &ids, &mut estate.untranslated))
            }
            "Secret" | "ConfigMap" => estate.units.push(config(o, &ids)),
            "Service" => {}
            other => estate.untranslated.push(format!(
                "{}: {other} {}/{} is not imported (only workloads, Secrets and ConfigMaps)",
                o.file.display(),
                o.namespace,
                o.name
            )),
        }
    }
    Ok(estate)
}

fn pod(doc: &Value) -> Option<&Value> {
    doc.get("spec")?.get("template")?.get("spec")
}

/// A Secret or ConfigMap: applied again from its manifest (its data never copied).
fn config(o: &Object, ids: &Ids) -> Unit {
    let file = o.file.display().to_string();
    let absolute = super::absolute(&o.file);
    let kind = o.kind.to_ascii_lowercase();
    Unit {
        id: ids.of(&o.kind, &o.namespace, &o.name),
        name: format!("{} {}", o.kind, o.name),
        source: format!("{file}: {} {}/{}", o.kind, o.namespace, o.name),
        deps: Vec::new(),
        check: Some(Probe::Command {
            argv: ["kubectl", "-n", &o.namespace, "get", &kind, &o.name].map(str::to_owned).to_vec(),
            interval: None,
            timeout: None,
        }),
        check_from: format!("kubectl get {kind}"),
        restore: Some(["kubectl", "apply", "-f", &absolute].map(str::to_owned).to_vec()),
        restore_timeout: None,
        manual: None,
        notes: Vec::new(),
    }
}

fn workload(
    o: &Object,
    (services, behind): (&[&Object], &BTreeMap<(String, String), &Object>),
    ids: &Ids,
    untranslated: &mut Vec<String>,
) -> Unit {
    let file = o.file.display().to_string();
    let kind = o.kind.to_ascii_lowercase();
    let target = format!("{kind}/{}", o.name);
    let spec = pod(&o.doc).cloned().unwrap_or(Value::Null);
    let containers: Vec<Value> = ["initContainers", "containers"]
        .iter()
        .flat_map(|k| spec.get(*k).and_then(Value::as_sequence).cloned().unwrap_or_default())
        .collect();
    let mut deps: Vec<Dep> = Vec::new();
    let mut need = |on: String, why: String| {
        if !deps.iter().any(|d| d.on == on) {
            deps.push(Dep { on, optional: false, why });
        }
    };
    // Secrets and ConfigMaps named by env, envFrom and volumes.
    let mut refs: Vec<(&str, String, &str)> = Vec::new();
    for c in &containers {
        for e in c.get("env").and_then(Value::as_sequence).into_iter().flatten() {
            let from = e.get("valueFrom");
            if let Some(n) =
                from.and_then(|f| f.get("secretKeyRef")).and_then(|r| r.get("name")).and_then(scalar)
            {
                refs.push(("Secret", n, "env secretKeyRef"));
            }
            if let Some(n) =
                from.and_then(|f| f.get("configMapKeyRef")).and_then(|r| r.get("name")).and_then(scalar)
            {
                refs.push(("ConfigMap", n, "env configMapKeyRef"));
            }
        }
        for e in c.get("envFrom").and_then(Value::as_sequence).into_iter().flatten() {
            if let Some(n) = e.get("secretRef").and_then(|r| r.get("name")).and_then(scalar) {
                refs.push(("Secret", n, "envFrom secretRef"));
            }
            if let Some(n) = e.get("configMapRef").and_then(|r| r.get("name")).and_then(scalar) {
                refs.push(("ConfigMap", n, "envFrom configMapRef"));
            }
        }
    }
    for v in spec.get("volumes").and_then(Value::as_sequence).into_iter().flatten() {
        if let Some(n) = v.get("secret").and_then(|s| s.get("secretName")).and_then(scalar) {
            refs.push(("Secret", n, "volume secret"));
        }
        if let Some(n) = v.get("configMap").and_then(|s| s.get("name")).and_then(scalar) {
            refs.push(("ConfigMap", n, "volume configMap"));
        }
    }
    for (kind, name, why) in refs {
        need(ids.of(kind, &o.namespace, &name), format!("{why} {name}"));
    }
    // Services named as hosts in env values and init containers' commands.
    let mut texts = Vec::new();
    for c in &containers {
        for e in c.get("env").and_then(Value::as_sequence).into_iter().flatten() {
            if let Some(v) = e.get("value") {
                strings_in(v, &mut texts);
            }
        }
    }
    for c in spec.get("initContainers").and_then(Value::as_sequence).into_iter().flatten() {
        for k in ["command", "args"] {
            if let Some(v) = c.get(k) {
                strings_in(v, &mut texts);
            }
        }
    }
    for s in services.iter().filter(|s| s.namespace == o.namespace) {
        let names = [
            s.name.clone(),
            format!("{}.{}", s.name, s.namespace),
            format!("{}.{}.svc", s.name, s.namespace),
            format!("{}.{}.svc.cluster.local", s.name, s.namespace),
        ];
        let named = texts.iter().any(|t| hosts(t).iter().any(|h| names.iter().any(|n| n == h)));
        let Some(w) = behind.get(&(s.namespace.clone(), s.name.clone())) else { continue };
        if named && w.name != o.name {
            need(ids.of(&w.kind, &w.namespace, &w.name), format!("names Service {}", s.name));
        }
    }
    let (check, check_from) = probe(o, &spec, services, behind, &target, untranslated);
    // A secret's literal value (an env `value` under a secret-looking name) is never copied.
    let secrets: Vec<(String, String)> = containers
        .iter()
        .flat_map(|c| c.get("env").and_then(Value::as_sequence).cloned().unwrap_or_default())
        .filter_map(|e| Some((e.get("name").and_then(scalar)?, e.get("value").and_then(scalar)?)))
        .filter(|(n, v)| super::secret_name(n) && v.len() >= 4)
        .collect();
    let check = match check {
        Probe::Command { argv, interval, timeout } => Probe::Command {
            argv: argv.iter().map(|a| super::hide(a, &secrets)).collect(),
            interval,
            timeout,
        },
        Probe::Http { url, interval, timeout } => {
            Probe::Http { url: super::hide(&url, &secrets), interval, timeout }
        }
        tcp => tcp,
    };
    Unit {
        id: ids.of(&o.kind, &o.namespace, &o.name),
        name: o.name.clone(),
        source: format!("{file}: {} {}/{}", o.kind, o.namespace, o.name),
        deps,
        check: Some(check),
        check_from,
        restore: Some(
            ["kubectl", "-n", &o.namespace, "rollout", "restart", &target].map(str::to_owned).to_vec(),
        ),
        restore_timeout: None,
        manual: None,
        notes: Vec::new(),
    }
}

/// The first container's readiness probe, as a check from outside the cluster's pods.
fn probe(
    o: &Object,
    spec: &Value,
    services: &[&Object],
    behind: &BTreeMap<(String, String), &Object>,
    target: &str,
    untranslated: &mut Vec<String>,
) -> (Probe, String) {
    let ns = o.namespace.as_str();
    let rollout = Probe::Command {
        argv: ["kubectl", "-n", ns, "rollout", "status", target, "--timeout=10s"].map(str::to_owned).to_vec(),
        interval: None,
        timeout: None,
    };
    let container = spec
        .get("containers")
        .and_then(Value::as_sequence)
        .and_then(|c| c.first())
        .cloned()
        .unwrap_or(Value::Null);
    let Some(p) = container.get("readinessProbe") else {
        return (rollout, "no readiness probe: kubectl rollout status".into());
    };
    let secs = |k: &str| p.get(k).and_then(Value::as_u64).map(|s| format!("{s}s"));
    let (interval, timeout) = (secs("periodSeconds"), secs("timeoutSeconds"));
    // A container port by number or name.
    let port_of = |v: Option<&Value>| -> Option<u64> {
        let v = v?;
        v.as_u64().or_else(|| {
            let name = v.as_str()?;
            container
                .get("ports")?
                .as_sequence()?
                .iter()
                .find(|cp| cp.get("name").and_then(Value::as_str) == Some(name))?
                .get("containerPort")?
                .as_u64()
        })
    };
    // The Service in front of this workload exposing that port: its name and port.
    let through = |port: u64| {
        services
            .iter()
            .filter(|s| behind.get(&(s.namespace.clone(), s.name.clone())).is_some_and(|w| w.name == o.name))
            .find_map(|s| {
                let ports = s.doc.get("spec")?.get("ports")?.as_sequence()?;
                ports.iter().find_map(|sp| {
                    let target =
                        port_of(sp.get("targetPort")).or_else(|| sp.get("port").and_then(Value::as_u64))?;
                    (target == port).then(|| {
                        (
                            format!("{}.{}.svc.cluster.local", s.name, s.namespace),
                            sp.get("port").and_then(Value::as_u64).unwrap_or(port),
                        )
                    })
                })
            })
    };
    if let Some(h) = p.get("httpGet") {
        if h.get("httpHeaders").is_some() {
            untranslated.push(format!(
                "{}: {target}: readinessProbe.httpGet.httpHeaders are not translated: add them as the check's `headers`",
                o.file.display()
            ));
        }
        let path = h.get("path").and_then(scalar).unwrap_or_else(|| "/".into());
        let scheme = h.get("scheme").and_then(scalar).unwrap_or_else(|| "HTTP".into()).to_ascii_lowercase();
        if let Some((host, port)) = port_of(h.get("port")).and_then(through) {
            return (
                Probe::Http { url: format!("{scheme}://{host}:{port}{path}"), interval, timeout },
                "readinessProbe.httpGet, through its Service".into(),
            );
        }
        untranslated.push(format!("{}: {target}: readinessProbe.httpGet on a port no Service exposes; checked by kubectl rollout status", o.file.display()));
        return (rollout, "readinessProbe.httpGet (no Service exposes it): kubectl rollout status".into());
    }
    if let Some(t) = p.get("tcpSocket") {
        if let Some((host, port)) = port_of(t.get("port")).and_then(through) {
            return (
                Probe::Tcp { target: format!("{host}:{port}"), interval, timeout },
                "readinessProbe.tcpSocket, through its Service".into(),
            );
        }
        untranslated.push(format!("{}: {target}: readinessProbe.tcpSocket on a port no Service exposes; checked by kubectl rollout status", o.file.display()));
        return (rollout, "readinessProbe.tcpSocket (no Service exposes it): kubectl rollout status".into());
    }
    if let Some(cmd) = p.get("exec").and_then(|e| e.get("command")).and_then(Value::as_sequence) {
        let mut argv: Vec<String> = ["kubectl", "-n", ns, "exec", target, "--"].map(str::to_owned).to_vec();
        argv.extend(cmd.iter().filter_map(scalar));
        return (
            Probe::Command { argv, interval, timeout },
            "readinessProbe.exec, through kubectl exec".into(),
        );
    }
    untranslated.push(format!(
        "{}: {target}: readinessProbe of a kind not translated (grpc?); checked by kubectl rollout status",
        o.file.display()
    ));
    (rollout, "readinessProbe not translated: kubectl rollout status".into())
}
