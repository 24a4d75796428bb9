//! Drift between a committed plan and the estate: services on one side only, dependencies
//! added or removed, checks and restore actions changed (`import … --check PLAN`); and the plan
//! brought up to date with only those changes, every hand-written field kept (`--update PLAN`:
//! names, RTOs, customer texts, gates, comments).

use std::collections::BTreeSet;

use serde::Serialize;

use crate::plan::{Action, Plan, Service};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// `only_in_estate`, `only_in_plan`, `dependency_added`, `dependency_removed`,
    /// `check_changed`, `restore_changed`.
    pub kind: &'static str,
    pub service: String,
    pub detail: String,
}

fn deps(s: &Service) -> BTreeSet<(String, bool)> {
    let of = |v: &[toml::Spanned<String>], optional| {
        v.iter().map(move |d| (d.get_ref().clone(), optional)).collect::<Vec<_>>()
    };
    of(&s.depends_on, false).into_iter().chain(of(&s.optional_depends_on, true)).collect()
}

fn checks(s: &Service) -> Vec<String> {
    s.checks.iter().map(crate::check::target).collect()
}

fn restore(s: &Service) -> String {
    match s.restore.as_ref().map(|r| &r.action) {
        Some(Action::Command(c)) => c.argv.iter().map(|a| a.raw()).collect::<Vec<_>>().join(" "),
        Some(Action::Http(h)) => format!("{} {}", h.method, h.url.raw()),
        Some(Action::Manual(text)) => format!("manual: {text}"),
        None => "none".into(),
    }
}

/// What differs between the committed `plan` and the `estate` (an imported plan).
pub fn compare(plan: &Plan, estate: &Plan) -> Vec<Change> {
    let mut out = Vec::new();
    let change = |kind, service: &str, detail: String| Change { kind, service: service.to_owned(), detail };
    for e in &estate.services {
        let Some(p) = plan.service(&e.id) else {
            out.push(change("only_in_estate", &e.id, "in the estate, not in the plan".into()));
            continue;
        };
        let (mine, theirs) = (deps(p), deps(e));
        for (on, optional) in theirs.difference(&mine) {
            let how = if *optional { "optional dependency" } else { "dependency" };
            out.push(change(
                "dependency_added",
                &e.id,
                format!("{how} on `{on}` in the estate, not in the plan"),
            ));
        }
        for (on, optional) in mine.difference(&theirs) {
            let how = if *optional { "optional dependency" } else { "dependency" };
            out.push(change(
                "dependency_removed",
                &e.id,
                format!("{how} on `{on}` in the plan, not in the estate"),
            ));
        }
        if checks(p) != checks(e) {
            out.push(change(
                "check_changed",
                &e.id,
                format!("plan: {}; estate: {}", checks(p).join(" | "), checks(e).join(" | ")),
            ));
        }
        if restore(p) != restore(e) {
            out.push(change(
                "restore_changed",
                &e.id,
                format!("plan: {}; estate: {}", restore(p), restore(e)),
            ));
        }
    }
    for p in plan.services.iter().filter(|p| estate.service(&p.id).is_none()) {
        out.push(change("only_in_plan", &p.id, "in the plan, not in the estate".into()));
    }
    // By service: a report that reads the same however the sources are ordered.
    out.sort_by(|a, b| a.service.cmp(&b.service));
    out
}

/// The committed plan's text with the estate's changes made: a service only in the estate added,
/// the dependencies, checks and restore of one that changed replaced; nothing else touched (a
/// service only in the plan is kept: removing it is for a person to decide).
pub fn update(text: &str, changes: &[Change], imported: &str) -> Result<String, toml_edit::TomlError> {
    let mut doc: toml_edit::DocumentMut = text.parse()?;
    let theirs: toml_edit::DocumentMut = imported.parse()?;
    let phases: BTreeSet<String> = doc
        .get("phase")
        .and_then(|p| p.as_array_of_tables())
        .into_iter()
        .flat_map(|a| a.iter().filter_map(|t| t.get("id")?.as_str().map(str::to_owned)))
        .collect();
    let find = |d: &toml_edit::DocumentMut, id: &str| -> Option<toml_edit::Table> {
        d.get("service")?
            .as_array_of_tables()?
            .iter()
            .find(|t| t.get("id").and_then(|v| v.as_str()) == Some(id))
            .cloned()
    };
    let Some(services) = doc.get_mut("service").and_then(|s| s.as_array_of_tables_mut()) else {
        return Ok(text.to_owned());
    };
    for c in changes {
        let Some(new) = find(&theirs, &c.service) else { continue };
        if c.kind == "only_in_estate" {
            let mut new = new;
            if new.get("phase").and_then(|p| p.as_str()).is_some_and(|p| !phases.contains(p)) {
                new.remove("phase");
            }
            // Internal until someone names it for customers, whatever the plan's defaults.
            new.insert("customer_facing", toml_edit::value(false));
            let mut item = toml_edit::Item::Table(new);
            unplace(&mut item);
            if let toml_edit::Item::Table(new) = item {
                services.push(new);
            }
            continue;
        }
        let Some(mine) =
            services.iter_mut().find(|t| t.get("id").and_then(|v| v.as_str()) == Some(c.service.as_str()))
        else {
            continue;
        };
        let keys: &[&str] = match c.kind {
            "dependency_added" | "dependency_removed" => &["depends_on", "optional_depends_on"],
            "check_changed" => &["check"],
            "restore_changed" => &["restore"],
            _ => &[],
        };
        for key in keys {
            match new.get(key) {
                Some(item) => {
                    let mut item = item.clone();
                    unplace(&mut item);
                    mine.insert(key, item);
                }
                None => {
                    mine.remove(key);
                }
            }
        }
    }
    Ok(doc.to_string())
}

/// Tables taken from the imported document lose their place in it: they are written where they
/// now belong (after the service that holds them).
fn unplace(item: &mut toml_edit::Item) {
    match item {
        toml_edit::Item::Table(t) => {
            t.set_position(None);
            for (_, v) in t.iter_mut() {
                unplace(v);
            }
        }
        toml_edit::Item::ArrayOfTables(a) => {
            for t in a.iter_mut() {
                t.set_position(None);
                for (_, v) in t.iter_mut() {
                    unplace(v);
                }
            }
        }
        _ => {}
    }
}
