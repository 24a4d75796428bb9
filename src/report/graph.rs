//! The plan's graph as text, Graphviz DOT, Mermaid and JSON.

use std::fmt::Write;
use std::time::Duration;

use serde_json::json;

use crate::graph::Graph;
use crate::human::human_duration;
use crate::plan::Plan;

/// Service indices grouped by phase, in phase order; services without a phase come last.
fn by_phase(plan: &Plan) -> Vec<(Option<usize>, Vec<usize>)> {
    let mut groups: Vec<(Option<usize>, Vec<usize>)> =
        (0..plan.phases.len()).map(|p| (Some(p), Vec::new())).collect();
    let mut loose = Vec::new();
    for (i, s) in plan.services.iter().enumerate() {
        match s.phase {
            Some(p) => groups[p].1.push(i),
            None => loose.push(i),
        }
    }
    if !loose.is_empty() {
        groups.push((None, loose));
    }
    groups
}

/// Restored by a person (`restore.manual`): the run waits for them.
fn is_manual(s: &crate::plan::Service) -> bool {
    matches!(s.restore.as_ref().map(|r| &r.action), Some(crate::plan::Action::Manual(_)))
}

/// What a service waits for from people, and for how long at most, in words (`preview`,
/// `graph`): "a person (manual step), up to 30m", "2 sign-offs by `secops`, no time limit".
pub fn people_wait(s: &crate::plan::Service) -> Option<String> {
    let limit = |t: Option<Duration>| {
        t.map_or_else(|| "no time limit".to_owned(), |t| format!("up to {}", human_duration(t)))
    };
    let mut waits = Vec::new();
    if s.needs_confirmation() {
        waits.push(format!("a person's confirmation (manual step), {}", limit(s.people_timeout)));
    } else if is_manual(s) {
        // Its checks tell when the person is done, within the restore's timeout.
        waits.push(format!("a person (manual step), {}", limit(s.restore.as_ref().map(|r| r.timeout))));
    }
    if let Some(a) = &s.approval {
        let n = crate::human::count(a.count as usize, "sign-off", "sign-offs");
        waits.push(format!("{n} by `{}`, {}", a.role.get_ref(), limit(s.people_timeout)));
    }
    (!waits.is_empty()).then(|| waits.join(" and "))
}

fn phase_title(plan: &Plan, p: usize) -> String {
    let phase = &plan.phases[p];
    match phase.name.get(&plan.locales[0]) {
        Some(name) => format!("{}: {name}", phase.id),
        None => phase.id.clone(),
    }
}

pub fn text(plan: &Plan, graph: &Graph) -> String {
    let mut out = String::new();
    let gates = if plan.phase_gates && !plan.phases.is_empty() { ", phase gates on" } else { "" };
    let _ = writeln!(
        out,
        "{}: {} in {}{gates}",
        plan.name,
        crate::human::count(plan.services.len(), "service", "services"),
        crate::human::count(plan.phases.len(), "phase", "phases")
    );
    let width = plan.services.iter().map(|s| s.id.chars().count()).max().unwrap_or(0);
    let groups = by_phase(plan);
    for (n, (phase, members)) in groups.iter().enumerate() {
        let title = match phase {
            Some(p) => format!("phase {}/{} {}", p + 1, plan.phases.len(), phase_title(plan, *p)),
            None if plan.phases.is_empty() => "services".into(),
            None => "no phase".into(),
        };
        let _ = writeln!(out, "\n{title}");
        for &i in members {
            let s = &plan.services[i];
            let deps: Vec<&str> =
                graph.service_dependencies(i).into_iter().map(|d| plan.services[d].id.as_str()).collect();
            let mut line = format!(
                "  {:<width$}  {:>7}  {:<8}",
                s.id,
                human_duration(s.duration),
                if s.customer_facing { "customer" } else { "internal" }
            );
            if is_manual(s) {
                line.push_str("  manual step");
            }
            if s.approval.is_some() {
                line.push_str("  sign-off");
            }
            if !deps.is_empty() {
                let _ = write!(line, "  after {}", deps.join(", "));
            }
            let _ = writeln!(out, "{}", line.trim_end());
        }
        if n + 1 == groups.len() {
            break;
        }
    }
    let cp = graph.critical_path(plan);
    let mut chain = String::new();
    for (n, &i) in cp.services.iter().enumerate() {
        if n > 0 {
            let direct = graph.service_dependencies(i).contains(&cp.services[n - 1]);
            chain.push_str(if direct { " → " } else { " ⇒ " });
        }
        let _ = write!(chain, "{} ({})", plan.services[i].id, human_duration(plan.services[i].duration));
    }
    let _ = writeln!(out, "\ncritical path: {}\n  {chain}", human_duration(cp.length));
    if chain.contains('⇒') {
        let _ = writeln!(out, "  (⇒ waits for the previous phase to complete)");
    }
    // People set the pace where they stand on the critical path: say who and for how long.
    let people: Vec<String> = cp
        .services
        .iter()
        .filter_map(|&i| people_wait(&plan.services[i]).map(|w| format!("  {}: {w}", plan.services[i].id)))
        .collect();
    if !people.is_empty() {
        let _ = writeln!(out, "waits for people on the critical path:\n{}", people.join("\n"));
    }
    out
}

fn dot_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

pub fn dot(plan: &Plan, graph: &Graph) -> String {
    let cp = graph.critical_path(plan);
    let on_path = |a: usize, b: usize| cp.services.windows(2).any(|w| w[0] == a && w[1] == b);
    let mut out = String::from(
        "digraph restore_plan {\n  rankdir=LR;\n  fontname=\"Helvetica\";\n  node [shape=box, style=\"rounded,filled\", fillcolor=\"#ffffff\", fontname=\"Helvetica\"];\n",
    );
    let _ = writeln!(
        out,
        "  label=\"{} (critical path {})\";\n  labelloc=t;",
        dot_escape(&plan.name),
        human_duration(cp.length)
    );
    for (n, (phase, members)) in by_phase(plan).iter().enumerate() {
        let indent = if phase.is_some() { "    " } else { "  " };
        if let Some(p) = phase {
            let _ = writeln!(
                out,
                "  subgraph cluster_{n} {{\n    label=\"{}\";\n    style=dashed;",
                dot_escape(&phase_title(plan, *p))
            );
        }
        for &i in members {
            let s = &plan.services[i];
            let fill =
                if cp.services.contains(&i) { ", fillcolor=\"#fde2e2\", color=\"#c62828\"" } else { "" };
            let shape = if s.customer_facing { "" } else { ", style=\"rounded,filled,dashed\"" };
            let _ = writeln!(
                out,
                "{indent}\"{}\" [label=\"{}\\n{}\"{shape}{fill}];",
                dot_escape(&s.id),
                dot_escape(&s.id),
                human_duration(s.duration)
            );
        }
        if phase.is_some() {
            out.push_str("  }\n");
        }
    }
    for (i, s) in plan.services.iter().enumerate() {
        for d in graph.service_dependencies(i) {
            let style = if on_path(d, i) { " [color=\"#c62828\", penwidth=2]" } else { "" };
            let _ = writeln!(
                out,
                "  \"{}\" -> \"{}\"{style};",
                dot_escape(&plan.services[d].id),
                dot_escape(&s.id)
            );
        }
    }
    // Phase gates as invisible edges between consecutive phases, so the clusters read in order.
    if plan.phase_gates {
        let firsts: Vec<&str> = by_phase(plan)
            .iter()
            .filter(|(p, _)| p.is_some())
            .filter_map(|(_, members)| members.first().map(|&i| plan.services[i].id.as_str()))
            .collect();
        for pair in firsts.windows(2) {
            let _ =
                writeln!(out, "  \"{}\" -> \"{}\" [style=invis];", dot_escape(pair[0]), dot_escape(pair[1]));
        }
    }
    out.push_str("}\n");
    out
}

fn mermaid_escape(s: &str) -> String {
    s.replace('"', "#quot;")
}

pub fn mermaid(plan: &Plan, graph: &Graph) -> String {
    let cp = graph.critical_path(plan);
    let mut out = String::from("flowchart LR\n");
    for (n, (phase, members)) in by_phase(plan).iter().enumerate() {
        let indent = if phase.is_some() { "    " } else { "  " };
        if let Some(p) = phase {
            let _ = writeln!(out, "  subgraph phase{n}[\"{}\"]", mermaid_escape(&phase_title(plan, *p)));
        }
        for &i in members {
            let s = &plan.services[i];
            let _ = writeln!(
                out,
                "{indent}s{i}[\"{}<br/>{}\"]",
                mermaid_escape(&s.id),
                human_duration(s.duration)
            );
        }
        if phase.is_some() {
            out.push_str("  end\n");
        }
    }
    for i in 0..plan.services.len() {
        for d in graph.service_dependencies(i) {
            let _ = writeln!(out, "  s{d} --> s{i}");
        }
    }
    if !cp.services.is_empty() {
        out.push_str("  classDef critical stroke:#c62828,stroke-width:3px\n");
        let ids: Vec<String> = cp.services.iter().map(|i| format!("s{i}")).collect();
        let _ = writeln!(out, "  class {} critical", ids.join(","));
    }
    out
}

pub fn json(plan: &Plan, graph: &Graph) -> String {
    let cp = graph.critical_path(plan);
    let secs = |d: Duration| d.as_secs();
    let services: Vec<_> = plan
        .services
        .iter()
        .enumerate()
        .map(|(i, s)| {
            json!({
                "id": s.id,
                "phase": s.phase.map(|p| plan.phases[p].id.clone()),
                "depends_on": graph.service_dependencies(i).into_iter().map(|d| plan.services[d].id.clone()).collect::<Vec<_>>(),
                "optional_depends_on": s.optional_depends_on.iter().map(|d| d.get_ref()).collect::<Vec<_>>(),
                "duration_seconds": secs(s.duration),
                "rto_seconds": s.rto.map(secs),
                "customer_facing": s.customer_facing,
                "critical": s.critical,
                "manual": is_manual(s),
                "waits_for_people": people_wait(s),
            })
        })
        .collect();
    let phases: Vec<_> = by_phase(plan)
        .into_iter()
        .filter_map(|(p, members)| {
            let p = p?;
            Some(json!({
                "id": plan.phases[p].id,
                "services": members.iter().map(|&i| plan.services[i].id.clone()).collect::<Vec<_>>(),
            }))
        })
        .collect();
    let out = json!({
        "plan": plan.name,
        "phase_gates": plan.phase_gates,
        "phases": phases,
        "services": services,
        "critical_path": {
            "seconds": secs(cp.length),
            "services": cp.services.iter().map(|&i| plan.services[i].id.clone()).collect::<Vec<_>>(),
        },
    });
    let mut s = serde_json::to_string_pretty(&out).unwrap_or_default();
    s.push('\n');
    s
}
