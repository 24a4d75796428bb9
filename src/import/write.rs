//! The imported estate as a plan: TOML in a stable order (by layer of the graph, then id), each
//! service with a comment saying where it came from, what was not translated listed at the top.

use std::fmt::Write;

use super::{Estate, Probe};

fn q(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

fn list(items: &[String]) -> String {
    format!("[{}]", items.iter().map(|s| q(s)).collect::<Vec<_>>().join(", "))
}

/// `# …` lines of `text`, each line of it a comment.
fn comment(out: &mut String, indent: &str, text: &str) {
    for line in text.lines() {
        let _ = writeln!(out, "{indent}# {line}");
    }
}

/// The plan `restorectl import KIND SOURCES` writes.
pub fn plan(estate: &Estate, command: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Written by `{command}` from:");
    for s in &estate.sources {
        let _ = writeln!(out, "#   {s}");
    }
    out += "# Review it before an incident needs it: give customer-facing services their names per locale,\n# `customer_facing = true`, RTOs and durations (`restorectl estimate` learns them from real runs).\n";
    if !estate.untranslated.is_empty() {
        out += "#\n# Not translated:\n";
        for u in &estate.untranslated {
            let _ = writeln!(out, "#   - {}", u.replace('\n', " "));
        }
    }
    let title = estate.sources.join(", ");
    let _ = writeln!(out, "\n[plan]\nname = {}", q(&format!("Imported: {title}")));
    out += "# The phases are the graph's layers (what needs nothing, what needs only those, …): a\n# service starts once what it needs is up, whatever its phase.\nphase_gates = false\n";
    out += "\n[defaults]\n# Imported services are internal until the plan says otherwise: they are never named to customers.\ncustomer_facing = false\n";
    let layers = estate.layers();
    let deepest = layers.values().copied().max().unwrap_or(0);
    for l in 0..=deepest {
        let _ = writeln!(out, "\n[[phase]]\nid = \"layer-{}\"\nname = \"Layer {}\"", l + 1, l + 1);
    }
    let mut units: Vec<&super::Unit> = estate.units.iter().collect();
    units.sort_by(|a, b| (layers.get(&a.id), &a.id).cmp(&(layers.get(&b.id), &b.id)));
    for u in units {
        out += "\n[[service]]\n";
        let _ = writeln!(out, "# from {}", u.source);
        for n in &u.notes {
            comment(&mut out, "", n);
        }
        let _ = writeln!(out, "id = {}\nname = {}", q(&u.id), q(&u.name));
        let _ = writeln!(out, "phase = \"layer-{}\"", layers.get(&u.id).copied().unwrap_or(0) + 1);
        for (optional, key) in [(false, "depends_on"), (true, "optional_depends_on")] {
            let mut deps: Vec<&super::Dep> = u.deps.iter().filter(|d| d.optional == optional).collect();
            deps.sort_by(|a, b| a.on.cmp(&b.on));
            if deps.is_empty() {
                continue;
            }
            let why: Vec<String> = deps.iter().map(|d| format!("{}: {}", d.on, d.why)).collect();
            let ids: Vec<String> = deps.iter().map(|d| d.on.clone()).collect();
            let _ = writeln!(out, "{key} = {}  # {}", list(&ids), why.join("; "));
        }
        if let Some(check) = &u.check {
            out += "[[service.check]]\n";
            comment(&mut out, "", &u.check_from);
            let (interval, timeout) = match check {
                Probe::Command { argv, interval, timeout } => {
                    let _ = writeln!(out, "command = {}", list(argv));
                    (interval, timeout)
                }
                Probe::Http { url, interval, timeout } => {
                    let _ = writeln!(out, "http = {}", q(url));
                    (interval, timeout)
                }
                Probe::Tcp { target, interval, timeout } => {
                    let _ = writeln!(out, "tcp = {}", q(target));
                    (interval, timeout)
                }
            };
            if let Some(i) = interval {
                let _ = writeln!(out, "interval = {}", q(i));
            }
            if let Some(t) = timeout {
                let _ = writeln!(out, "timeout = {}", q(t));
            }
        }
        match (&u.restore, &u.manual) {
            (Some(argv), _) => {
                let _ = writeln!(out, "[service.restore]\ncommand = {}", list(argv));
                if let Some(t) = &u.restore_timeout {
                    let _ = writeln!(out, "timeout = {}", q(t));
                }
            }
            (None, Some(text)) => {
                let _ = writeln!(out, "[service.restore]\nmanual = {}", q(text));
            }
            (None, None) => {}
        }
    }
    out
}
