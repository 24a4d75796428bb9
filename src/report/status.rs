//! `status` output: a table grouped by phase for people, a JSON document for machines.

use std::fmt::Write;
use std::time::Duration;

use owo_colors::OwoColorize;
use serde_json::json;

use crate::check;
use crate::plan::Plan;
use crate::status::{Condition, ServiceStatus, Snapshot};

pub fn latency(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{}ms", d.as_millis())
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}

fn state_text(plan: &Plan, s: &ServiceStatus) -> String {
    match (s.state, s.down_dependency) {
        (Condition::Down, Some(d)) => {
            let how = if s.dependency_quarantined { "quarantined" } else { "down" };
            format!("down (dependency {} is {how})", plan.services[d].id)
        }
        (state, _) => state.as_str().to_owned(),
    }
}

fn detail(plan: &Plan, s: &ServiceStatus) -> String {
    if let Some(why) = &s.quarantined {
        return format!("quarantined: {why}");
    }
    let service = &plan.services[s.index];
    if s.health.checks.is_empty() {
        return "no checks".into();
    }
    let failing = service.checks.iter().zip(&s.health.checks).find(|(_, o)| !o.ok);
    match failing {
        Some((c, o)) => format!("{}: {}", check::target(c), o.detail),
        None => s.health.checks.iter().map(|o| o.detail.as_str()).collect::<Vec<_>>().join("; "),
    }
}

pub fn human(plan: &Plan, snap: &Snapshot, color: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", crate::term::printable(&plan.name, true));
    let unknown = snap.count(Condition::Unknown);
    let _ = writeln!(
        out,
        "{} healthy, {} down{}{} · {} probed in {}",
        snap.count(Condition::Healthy),
        snap.count(Condition::Down),
        match snap.count(Condition::Quarantined) {
            0 => String::new(),
            n => format!(", {n} quarantined"),
        },
        if unknown > 0 { format!(", {unknown} without checks") } else { String::new() },
        crate::human::count(snap.services.len(), "service", "services"),
        latency(snap.elapsed)
    );
    let id_w =
        snap.services.iter().map(|s| plan.services[s.index].id.chars().count()).max().unwrap_or(0).max(7);
    let state_w = snap.services.iter().map(|s| state_text(plan, s).chars().count()).max().unwrap_or(0).max(5);
    let mut groups: Vec<(Option<usize>, Vec<&ServiceStatus>)> = Vec::new();
    for s in &snap.services {
        let phase = plan.services[s.index].phase;
        match groups.iter_mut().find(|(p, _)| *p == phase) {
            Some((_, members)) => members.push(s),
            None => groups.push((phase, vec![s])),
        }
    }
    groups.sort_by_key(|(p, _)| p.unwrap_or(usize::MAX));
    let header = format!("  {:<id_w$}  {:<state_w$}  {:>7}  DETAIL", "SERVICE", "STATE", "LATENCY");
    let _ = writeln!(out, "\n{}", if color { header.dimmed().to_string() } else { header });
    for (phase, members) in groups {
        let title = match phase {
            Some(p) => {
                let ph = &plan.phases[p];
                match ph.name.get(&plan.locales[0]) {
                    Some(n) => format!("{}: {n}", ph.id),
                    None => ph.id.clone(),
                }
            }
            None if plan.phases.is_empty() => "services".into(),
            None => "no phase".into(),
        };
        let _ = writeln!(out, "\n{}", if color { title.bold().to_string() } else { title });
        for s in members {
            let id = &plan.services[s.index].id;
            let state = format!("{:<state_w$}", state_text(plan, s));
            let state = match (color, s.state, s.down_dependency) {
                (false, ..) => state,
                (true, Condition::Healthy, _) => state.green().to_string(),
                (true, Condition::Down | Condition::Quarantined, None) => state.red().bold().to_string(),
                (true, Condition::Down | Condition::Quarantined, Some(_)) => state.yellow().to_string(),
                (true, Condition::Unknown, _) => state.dimmed().to_string(),
            };
            let lat = if s.health.checks.is_empty() { String::new() } else { latency(s.health.latency) };
            let line = format!(
                "  {id:<id_w$}  {state}  {lat:>7}  {}",
                crate::term::printable(&detail(plan, s), true)
            );
            let _ = writeln!(out, "{}", line.trim_end());
        }
    }
    if !snap.root_causes.is_empty() {
        let names: Vec<&str> = snap.root_causes.iter().map(|&i| plan.services[i].id.as_str()).collect();
        let affected = snap.services.iter().filter(|s| s.down_dependency.is_some()).count();
        let line = format!(
            "\nroot cause{}: {}{}",
            if names.len() == 1 { "" } else { "s" },
            names.join(", "),
            if affected > 0 { format!(" ({affected} more down because of them)") } else { String::new() }
        );
        let _ = writeln!(out, "{}", if color { line.red().bold().to_string() } else { line });
    }
    out
}

pub fn json(plan: &Plan, snap: &Snapshot) -> serde_json::Value {
    let services: Vec<_> = snap
        .services
        .iter()
        .map(|s| {
            let service = &plan.services[s.index];
            let checks: Vec<_> = service
                .checks
                .iter()
                .zip(&s.health.checks)
                .map(|(c, o)| {
                    json!({
                        "kind": check::kind(c),
                        "target": check::target(c),
                        "ok": o.ok,
                        "latency_ms": o.latency.as_millis() as u64,
                        "detail": o.detail,
                    })
                })
                .collect();
            json!({
                "id": service.id,
                "phase": service.phase.map(|p| plan.phases[p].id.clone()),
                "healthy": s.state == Condition::Healthy,
                "state": s.state.as_str(),
                "down_because_of": s.down_dependency.map(|d| plan.services[d].id.clone()),
                "quarantined_because": s.quarantined,
                "latency_ms": s.health.latency.as_millis() as u64,
                "checks": checks,
                "detail": detail(plan, s),
            })
        })
        .collect();
    json!({
        "plan": plan.name,
        "healthy": snap.unhealthy() == 0,
        "counts": {
            "healthy": snap.count(Condition::Healthy),
            "down": snap.count(Condition::Down),
            "quarantined": snap.count(Condition::Quarantined),
            "unknown": snap.count(Condition::Unknown),
        },
        "root_causes": snap.root_causes.iter().map(|&i| plan.services[i].id.clone()).collect::<Vec<_>>(),
        "elapsed_ms": snap.elapsed.as_millis() as u64,
        "services": services,
    })
}
