//! `restorectl import`: plans from real-world-shaped sources in `tests/import/` — a compose stack
//! (every `depends_on` form, anchors, profiles, extends, a secret), systemd units, a
//! multi-document Kubernetes manifest, a Backstage catalogue — each validated, its graph's edges
//! compared with the source's, its dry run run; sources merged; drift checked and updated.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::support::*;

type Edges = BTreeSet<(String, String, bool)>;

fn import(args: &[&str], out: &Path) -> assert_cmd::assert::Assert {
    restorectl().current_dir(repo("tests/import")).arg("import").args(args).arg("-o").arg(out).assert()
}

/// The edges of the plan's graph: (service, what it needs, optional).
fn edges(plan: &Path) -> Edges {
    let a = restorectl().args(["graph", "--format", "json"]).arg(plan).assert().code(0);
    let graph = json(&a.get_output().stdout);
    let mut out = Edges::new();
    for s in graph["services"].as_array().unwrap() {
        let id = s["id"].as_str().unwrap().to_owned();
        let optional: BTreeSet<&str> =
            s["optional_depends_on"].as_array().unwrap().iter().map(|d| d.as_str().unwrap()).collect();
        for d in
            s["depends_on"].as_array().unwrap().iter().chain(s["optional_depends_on"].as_array().unwrap())
        {
            let d = d.as_str().unwrap();
            out.insert((id.clone(), d.to_owned(), optional.contains(d)));
        }
    }
    out
}

fn edge_set(list: &[(&str, &str, bool)]) -> Edges {
    list.iter().map(|(a, b, o)| ((*a).to_owned(), (*b).to_owned(), *o)).collect()
}

/// Imports, validates, compares the edges, and rehearses the plan.
fn imports_to(args: &[&str], expected: &[(&str, &str, bool)]) -> (String, String) {
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("plan.toml");
    let a = import(args, &plan).code(0);
    let stderr = String::from_utf8_lossy(&a.get_output().stderr).into_owned();
    restorectl().arg("validate").arg(&plan).assert().code(0);
    assert_eq!(edges(&plan), edge_set(expected), "{args:?}");
    restorectl().args(["run", "--dry-run", "--progress", "none"]).arg(&plan).assert().code(0);
    (std::fs::read_to_string(&plan).unwrap(), stderr)
}

const COMPOSE: &[(&str, &str, bool)] = &[
    ("migrate", "postgres", false),
    ("api", "migrate", false),
    ("api", "redis", false),
    ("api", "rabbitmq", true),
    ("worker", "migrate", false),
    ("worker", "redis", false),
    ("worker", "rabbitmq", false),
    ("worker", "postgres", false),
    ("web", "api", false),
    ("admin", "api", false),
    ("reports", "postgres", false),
];

#[test]
fn a_compose_stack_imports_with_every_form_of_depends_on() {
    let (plan, stderr) = imports_to(&["compose", "compose/compose.yml"], COMPOSE);
    assert_eq!(plan.matches("\n[[service]]\n").count(), 10);
    // The healthcheck runs in the container, with compose's timings; the restore's timeout
    // is how long compose waits before calling it unhealthy.
    // Commands name the file absolutely: they work wherever the plan is run from.
    let file = repo("tests/import/compose/compose.yml").canonicalize().unwrap().display().to_string();
    assert!(plan.contains(&format!(r#"command = ["docker", "compose", "-f", "{file}", "exec", "-T", "postgres", "sh", "-c", "pg_isready -U shop -h localhost"]
interval = "10s"
timeout = "5s"
[service.restore]
command = ["docker", "compose", "-f", "{file}", "up", "-d", "--no-deps", "postgres"]
timeout = "2m 45s""#)), "{plan}");
    assert!(plan.contains("interval = \"1m 30s\""), "{plan}");
    // The secret is a placeholder, never copied.
    assert!(!plan.contains("hunter2"), "{plan}");
    assert!(plan.contains("-uroot -p${env:MYSQL_ROOT_PASSWORD}"), "{plan}");
    assert!(plan.contains("# compose profiles: ops"), "{plan}");
    // What was not translated: on stderr and in the plan.
    let said =
        "compose/compose.yml: services.reports: healthcheck disabled; checked by whether its container runs";
    assert!(stderr.contains(&format!("note: not translated: {said}\n")), "{stderr}");
    assert!(plan.contains(&format!("#   - {said}\n")), "{plan}");
}

#[test]
fn the_compose_config_normalised_file_imports_the_same() {
    let (raw, _) = imports_to(&["compose", "compose/compose.yml"], COMPOSE);
    let (normalised, _) = imports_to(&["compose", "compose/normalised.yml"], COMPOSE);
    assert_eq!(
        raw.replace("compose/compose.yml", "FILE"),
        normalised.replace("compose/normalised.yml", "FILE")
    );
}

#[test]
fn systemd_units_import_with_requires_wants_and_after() {
    let (plan, stderr) = imports_to(
        &["systemd", "systemd"],
        &[
            ("backup", "postgresql", true),
            ("shop-api", "postgresql", false),
            ("shop-api", "redis", true),
            ("nginx", "shop-api", false),
            ("shop-worker", "postgresql", false),
            ("shop-worker", "shop-api", false),
        ],
    );
    assert!(
        plan.contains("command = [\"systemctl\", \"is-active\", \"--quiet\", \"nginx.service\"]"),
        "{plan}"
    );
    assert!(plan.contains("command = [\"systemctl\", \"start\", \"nginx.service\"]"), "{plan}");
    assert!(plan.contains("name = \"Shop API\""), "{plan}");
    assert!(stderr.contains("note: not translated: systemd/postgresql.service: Wants=network-online.target: not a service unit (targets, sockets and mounts are not imported)\n"), "{stderr}");
}

#[test]
fn a_kubernetes_manifest_imports_with_probes_and_references() {
    let (plan, stderr) = imports_to(
        &["k8s", "k8s/shop.yaml"],
        &[
            ("postgres", "secret-db-credentials", false),
            ("api", "configmap-api-config", false),
            ("api", "postgres", false),
            ("api", "redis", false),
            ("api", "secret-db-credentials", false),
            ("web", "api", false),
            ("web", "configmap-web-config", false),
        ],
    );
    assert!(
        plan.contains("http = \"http://api.shop.svc.cluster.local:80/healthz\"\ninterval = \"5s\""),
        "{plan}"
    );
    assert!(plan.contains("tcp = \"redis.shop.svc.cluster.local:6379\""), "{plan}");
    assert!(plan.contains(r#"command = ["kubectl", "-n", "shop", "exec", "statefulset/postgres", "--", "pg_isready", "-U", "postgres"]
interval = "10s"
timeout = "5s""#), "{plan}");
    assert!(
        plan.contains(r#"command = ["kubectl", "-n", "shop", "rollout", "restart", "deployment/api"]"#),
        "{plan}"
    );
    assert!(!plan.contains("never-copied-pw"), "{plan}");
    assert!(stderr.contains("note: not translated: k8s/shop.yaml: Ingress shop/shop is not imported (only workloads, Secrets and ConfigMaps)\n"), "{stderr}");
}

#[test]
fn a_backstage_catalogue_imports_as_manual_steps_for_their_owners() {
    let (plan, _) = imports_to(
        &["backstage", "backstage/catalog-info.yaml"],
        &[("api", "payments", false), ("api", "shop-db", false), ("web", "api", false)],
    );
    assert!(plan.contains("manual = \"Restore Payments (owner: team-pay), then confirm it\""), "{plan}");
    assert!(plan.contains("# owner: team-pay\n# lifecycle: production\n"), "{plan}");
}

#[test]
fn sources_merge_into_one_plan_with_conflicts_reported() {
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("plan.toml");
    let a = import(&["systemd", "systemd", "--merge", "k8s:k8s/shop.yaml"], &plan).code(0);
    let stderr = String::from_utf8_lossy(&a.get_output().stderr);
    assert!(stderr.contains("note: not translated: conflict: `redis` is checked by systemctl is-active in systemd/redis.service and by readinessProbe.tcpSocket, through its Service in k8s/shop.yaml: Deployment shop/redis; the first is kept\n"), "{stderr}");
    let text = std::fs::read_to_string(&plan).unwrap();
    assert_eq!(text.matches("\nid = \"redis\"\n").count(), 1, "{text}");
    restorectl().arg("validate").arg(&plan).assert().code(0);
    assert!(edges(&plan).contains(&("web".to_owned(), "api".to_owned(), false)));
}

#[test]
fn unreadable_or_foreign_sources_are_refused_with_their_reason() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("plan.toml");
    import(&["compose", "k8s/shop.yaml"], &out)
        .code(2)
        .stderr("error: k8s/shop.yaml: no `services:` mapping: not a compose file\n");
    import(&["compose", "missing.yml"], &out)
        .code(2)
        .stderr("error: cannot read missing.yml: No such file or directory (os error 2)\n");
    let bad = dir.path().join("bad.service");
    std::fs::write(&bad, "[Unit]\nDescription=x\nthis is not a key\n").unwrap();
    restorectl()
        .args(["import", "systemd"])
        .arg(&bad)
        .assert()
        .code(2)
        .stderr(format!("error: {}: line 3: not `[Section]` nor `Key=value`\n", bad.display()));
    import(&["systemd", "systemd", "--merge", "k8s"], &out)
        .code(2)
        .stderr("error: `--merge k8s`: give it as KIND:PATH, e.g. systemd:units/\n");
    assert!(!out.exists());
    // Never over a source; two services that would share an id are named.
    let compose = dir.path().join("c.yml");
    std::fs::write(&compose, "services:\n  Web: {image: a}\n  web: {image: b}\n").unwrap();
    restorectl().args(["import", "compose"]).arg(&compose).arg("-o").arg(&compose).assert().code(2).stderr(
        format!(
            "error: `-o {}`: it is a source being read ({}); nothing written\n",
            compose.display(),
            compose.display()
        ),
    );
    restorectl().args(["import", "compose"]).arg(&compose).assert().code(2).stderr(format!(
        "error: {}: services `Web` and `web` would both be the plan's `web`: rename one of them in the compose file\n",
        compose.display()
    ));
}

/// A copy of the compose stack in a folder of its own, imported there as `plan.toml`.
fn committed() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(repo("tests/import/compose/compose.yml"), dir.path().join("compose.yml")).unwrap();
    restorectl()
        .current_dir(dir.path())
        .args(["import", "compose", "compose.yml", "-o", "plan.toml"])
        .assert()
        .code(0);
    let plan = dir.path().join("plan.toml");
    // Hand-written since: a name for customers and an RTO.
    let text = std::fs::read_to_string(&plan).unwrap().replace(
        "id = \"web\"\nname = \"web\"",
        "id = \"web\"\nname = { en = \"Web shop\" }\nrto = \"4h\"\ncustomer_facing = true",
    );
    std::fs::write(&plan, text).unwrap();
    (dir, plan)
}

fn check(dir: &Path) -> assert_cmd::assert::Assert {
    restorectl()
        .current_dir(dir)
        .args(["import", "compose", "compose.yml", "--check", "plan.toml", "--format", "json"])
        .assert()
}

#[test]
fn drift_is_named_change_by_change_and_update_keeps_what_people_wrote() {
    let (dir, plan) = committed();
    let a = check(dir.path()).code(0);
    assert_eq!(json(&a.get_output().stdout)["drift"], false);
    let compose = dir.path().join("compose.yml");
    let text = std::fs::read_to_string(&compose)
        .unwrap()
        .replace(
            "depends_on: [postgres]\n    healthcheck:\n      disable: true",
            "depends_on: [postgres, redis]\n    healthcheck:\n      disable: true",
        )
        .replace(
            r#"test: ["CMD", "redis-cli", "ping"]"#,
            r#"test: ["CMD", "redis-cli", "-h", "127.0.0.1", "ping"]"#,
        )
        .replace("  admin:\n", "  backoffice:\n")
        + "\n  search:\n    image: opensearch:2\n    healthcheck:\n      test: [\"CMD\", \"curl\", \"-f\", \"http://localhost:9200/\"]\n";
    std::fs::write(&compose, text).unwrap();
    let a = check(dir.path()).code(1);
    let report = json(&a.get_output().stdout);
    let abs = dir.path().canonicalize().unwrap().join("compose.yml").display().to_string();
    let changes: Vec<String> = report["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            format!(
                "{} {}: {}",
                c["kind"].as_str().unwrap(),
                c["service"].as_str().unwrap(),
                c["detail"].as_str().unwrap().replace(&abs, "compose.yml")
            )
        })
        .collect();
    assert_eq!(
        changes,
        [
            "only_in_plan admin: in the plan, not in the estate",
            "only_in_estate backoffice: in the estate, not in the plan",
            "check_changed redis: plan: docker compose -f compose.yml exec -T redis redis-cli ping; estate: docker compose -f compose.yml exec -T redis redis-cli -h 127.0.0.1 ping",
            "dependency_added reports: dependency on `redis` in the estate, not in the plan",
            "only_in_estate search: in the estate, not in the plan",
        ]
    );
    restorectl()
        .current_dir(dir.path())
        .args(["import", "compose", "compose.yml", "--update", "plan.toml"])
        .assert()
        .code(0)
        .stderr(predicates::str::contains(
            "updated plan.toml; 1 service only in the plan kept (remove them by hand if they are gone)\n",
        ));
    let updated = std::fs::read_to_string(&plan).unwrap();
    assert!(
        updated.contains("id = \"web\"\nname = { en = \"Web shop\" }\nrto = \"4h\"\ncustomer_facing = true"),
        "{updated}"
    );
    assert!(updated.contains("\"redis-cli\", \"-h\", \"127.0.0.1\", \"ping\""), "{updated}");
    restorectl().arg("validate").arg(&plan).assert().code(0);
    let a = check(dir.path()).code(1);
    assert_eq!(json(&a.get_output().stdout)["changes"].as_array().unwrap().len(), 1, "only `admin`, kept");
}
