//! The layering the README promises: no module of `src/` uses a name from a module that, directly
//! or through others, uses a name from it; and no file grows past 400 lines.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::support::repo;

type Module = Vec<String>;

/// Every module of `src/` (`a::b` for `src/a/b.rs` or `src/a/b/mod.rs`) and its text, tests (a
/// `#[cfg(test)]` part, a `tests.rs` module) and comments left out.
fn modules() -> BTreeMap<Module, String> {
    fn walk(dir: &Path, out: &mut BTreeMap<Module, String>, root: &Path, comment: &regex::Regex) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out, root, comment);
            } else if path.extension().is_some_and(|e| e == "rs")
                && path.file_name().is_some_and(|n| n != "tests.rs")
            {
                let rel = path.strip_prefix(root).unwrap().with_extension("");
                let mut parts: Module = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
                if parts.last().is_some_and(|p| p == "mod") {
                    parts.pop();
                }
                if parts == ["lib"] || parts == ["main"] {
                    parts.clear();
                }
                let text = std::fs::read_to_string(&path).unwrap();
                let code = text.split("#[cfg(test)]").next().unwrap_or_default();
                let code = comment.replace_all(code, "").into_owned();
                out.insert(parts, code);
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(&repo("src"), &mut out, &repo("src"), &regex::Regex::new(r"//[^\n]*").unwrap());
    out
}

/// The modules each module uses a name from.
fn uses(modules: &BTreeMap<Module, String>) -> BTreeMap<Module, BTreeSet<Module>> {
    let known: BTreeSet<&Module> = modules.keys().collect();
    let resolve = |path: Vec<String>| -> Option<Module> {
        (1..=path.len()).rev().map(|k| path[..k].to_vec()).find(|m| known.contains(m))
    };
    let crate_path = regex::Regex::new(r"crate::((?:[a-z_]+::)*[A-Za-z_]+)").unwrap();
    let grouped = regex::Regex::new(r"(crate|super)::\{([^}]*)\}").unwrap();
    let super_path = regex::Regex::new(r"\bsuper::((?:[a-z_]+::)*[A-Za-z_]+)").unwrap();
    let relative = regex::Regex::new(r"(?:^|[^:\w])([a-z_]+)::").unwrap();
    let mut edges = BTreeMap::new();
    for (m, code) in modules {
        let is_dir = m.is_empty() || repo("src").join(m.join("/")).join("mod.rs").exists();
        // `super::` is the enclosing module, whether this one is a file or a folder.
        let base = |kind: &str| -> Module {
            if kind == "crate" { Vec::new() } else { m[..m.len().saturating_sub(1)].to_vec() }
        };
        let mut used = BTreeSet::new();
        let split = |p: &str| p.split("::").map(str::to_owned).collect::<Vec<_>>();
        for c in crate_path.captures_iter(code) {
            used.extend(resolve(split(&c[1])));
        }
        for c in super_path.captures_iter(code) {
            used.extend(resolve([base("super"), split(&c[1])].concat()));
        }
        for c in grouped.captures_iter(code) {
            for item in c[2].split(',').map(|i| i.trim().split(" as ").next().unwrap_or_default()) {
                if !item.is_empty() && item != "self" {
                    used.extend(resolve([base(&c[1]), split(item)].concat()));
                }
            }
        }
        if is_dir {
            // A module file naming its own submodules: `writer::Writer`.
            for c in relative.captures_iter(code) {
                let child = [m.clone(), vec![c[1].to_owned()]].concat();
                if known.contains(&child) {
                    used.insert(child);
                }
            }
        }
        used.remove(m);
        edges.insert(m.clone(), used);
    }
    edges
}

#[test]
fn no_module_uses_one_that_uses_it_back() {
    let edges = uses(&modules());
    // Every module that can reach itself through what it uses.
    let reach = |from: &Module| -> BTreeSet<Module> {
        let mut seen = BTreeSet::new();
        let mut stack: Vec<Module> = edges[from].iter().cloned().collect();
        while let Some(m) = stack.pop() {
            if seen.insert(m.clone()) {
                stack.extend(edges.get(&m).into_iter().flatten().cloned());
            }
        }
        seen
    };
    let cyclic: Vec<String> = edges.keys().filter(|m| reach(m).contains(*m)).map(|m| m.join("::")).collect();
    assert!(cyclic.is_empty(), "modules in an import cycle: {cyclic:?}");
}

#[test]
fn no_source_file_is_over_400_lines() {
    let long: Vec<(Module, usize)> = modules()
        .into_keys()
        .filter_map(|m| {
            let name = if m.is_empty() { "lib".to_owned() } else { m.join("/") };
            let file = [repo("src").join(format!("{name}.rs")), repo("src").join(&name).join("mod.rs")]
                .into_iter()
                .find(|f| f.exists())?;
            let lines = std::fs::read_to_string(file).ok()?.lines().count();
            (lines > 400).then_some((m, lines))
        })
        .collect();
    assert!(long.is_empty(), "{long:?}");
}

/// The same, one level up: no top-level module (a folder such as `plan/` or `state/`, with all its
/// files) uses a name from one that, directly or through others, uses a name from it.
#[test]
fn no_folder_uses_one_that_uses_it_back() {
    let mut folders: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (m, used) in uses(&modules()) {
        let Some(top) = m.first() else { continue };
        let entry = folders.entry(top.clone()).or_default();
        entry.extend(used.iter().filter_map(|u| u.first()).filter(|u| *u != top).cloned());
    }
    let reach = |from: &String| -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut stack: Vec<String> = folders[from].iter().cloned().collect();
        while let Some(m) = stack.pop() {
            if seen.insert(m.clone()) {
                stack.extend(folders.get(&m).into_iter().flatten().cloned());
            }
        }
        seen
    };
    let cyclic: Vec<&String> = folders.keys().filter(|m| reach(m).contains(*m)).collect();
    assert!(cyclic.is_empty(), "top-level modules in an import cycle: {cyclic:?}");
}
