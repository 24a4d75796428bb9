//! `restorectl import`: the estate read, merged, written as a plan that validates; or compared
//! with a committed plan (`--check`), or that plan brought up to date (`--update`).

use std::fmt::Write;
use std::path::{Path, PathBuf};

use crate::cli::{ImportSource, ReportFormat};
use crate::error::Error;
use crate::exit::Exit;
use crate::import::{self, Estate, ImportError, drift};

fn read(kind: &str, paths: &[PathBuf]) -> Result<Estate, ImportError> {
    match kind {
        "compose" => import::compose::import(paths),
        "systemd" => import::systemd::import(paths),
        "k8s" => import::k8s::import(paths),
        "backstage" => import::backstage::import(paths),
        other => Err(ImportError::Nothing(format!(
            "`{other}` is not a kind of source: compose, systemd, k8s or backstage"
        ))),
    }
}

pub fn run(source: &ImportSource) -> Result<Exit, Error> {
    let (kind, args) = source.parts();
    if let Some(out) = &args.output {
        let same = |p: &Path| p.canonicalize().ok().is_some_and(|p| Some(p) == out.canonicalize().ok());
        let inputs = args
            .paths
            .iter()
            .map(PathBuf::as_path)
            .chain(args.merge.iter().filter_map(|m| m.split_once(':')).map(|(_, p)| Path::new(p)));
        if let Some(input) = inputs.into_iter().find(|p| same(p)) {
            return Err(Error::flag(
                format!("-o {}", out.display()),
                format!("it is a source being read ({}); nothing written", input.display()),
            ));
        }
    }
    let failed = |e: ImportError| Error::Import(e.to_string());
    let mut estate = read(kind, &args.paths).map_err(failed)?;
    let mut command = format!("restorectl import {kind}");
    for p in &args.paths {
        let _ = write!(command, " {}", p.display());
    }
    for m in &args.merge {
        let Some((other, path)) = m.split_once(':') else {
            return Err(Error::flag(format!("--merge {m}"), "give it as KIND:PATH, e.g. systemd:units/"));
        };
        estate.merge(
            read(other, &[PathBuf::from(path)])
                .map_err(|e| Error::flag(format!("--merge {m}"), e.to_string()))?,
        );
        let _ = write!(command, " --merge {m}");
    }
    estate.drop_dangling();
    if estate.units.is_empty() {
        return Err(Error::Import("the sources describe no service".into()));
    }
    for u in &estate.untranslated {
        eprintln!("note: not translated: {u}");
    }
    let text = import::write::plan(&estate, &command);
    let at = args.output.clone().unwrap_or_else(|| PathBuf::from("imported.toml"));
    let imported = match crate::loaded::check(&at, text.clone().into_bytes()) {
        Ok(loaded) => loaded,
        Err(rejected) => {
            crate::report::diagnostics::eprint_rejected(&rejected);
            return Err(Error::Import("the imported plan does not validate (above); nothing written".into()));
        }
    };
    let committed = args.check.as_ref().or(args.update.as_ref());
    let Some(plan_path) = committed else {
        match &args.output {
            Some(path) => {
                crate::state::files::write(path, text.as_bytes())
                    .map_err(|e| Error::NotWritten(format!("cannot write {}: {e}", path.display())))?;
                eprintln!(
                    "wrote {} ({})",
                    path.display(),
                    crate::human::count(estate.units.len(), "service", "services")
                );
            }
            None => crate::term::print_report(&text).map_err(Error::Report)?,
        }
        return Ok(Exit::Ok);
    };
    let plan = super::open(plan_path)?;
    let changes = drift::compare(&plan.plan, &imported.plan);
    let report = match args.format {
        ReportFormat::Json => format!(
            "{:#}\n",
            serde_json::json!({ "plan": plan_path.display().to_string(), "drift": !changes.is_empty(), "changes": changes })
        ),
        ReportFormat::Human => human(plan_path, &changes),
    };
    crate::term::print_report(&report).map_err(Error::Report)?;
    if args.check.is_some() {
        return Ok(if changes.is_empty() { Exit::Ok } else { Exit::Failures });
    }
    update(plan_path, &plan.source.text, &changes, &text)?;
    Ok(Exit::Ok)
}

fn human(plan: &Path, changes: &[drift::Change]) -> String {
    if changes.is_empty() {
        return format!("{}: no drift: the plan and the estate agree\n", plan.display());
    }
    let mut out = format!(
        "{}: {} between the plan and the estate\n",
        plan.display(),
        crate::human::count(changes.len(), "difference", "differences")
    );
    for c in changes {
        let _ = writeln!(out, "  {:<18} {:<20} {}", c.kind, c.service, c.detail);
    }
    out
}

fn update(path: &Path, text: &str, changes: &[drift::Change], imported: &str) -> Result<(), Error> {
    if changes.is_empty() {
        return Ok(());
    }
    let updated = drift::update(text, changes, imported).map_err(|e| Error::NotWritten(e.to_string()))?;
    if let Err(rejected) = crate::loaded::check(path, updated.clone().into_bytes()) {
        crate::report::diagnostics::eprint_rejected(&rejected);
        return Err(Error::NotWritten(format!("{} brought up to date would not validate", path.display())));
    }
    crate::state::files::write(path, updated.as_bytes())
        .map_err(|e| Error::NotWritten(format!("cannot write {}: {e}", path.display())))?;
    let kept = changes.iter().filter(|c| c.kind == "only_in_plan").count();
    let mut said = format!("updated {}", path.display());
    if kept > 0 {
        let _ = write!(
            said,
            "; {} only in the plan kept (remove them by hand if they are gone)",
            crate::human::count(kept, "service", "services")
        );
    }
    eprintln!("{said}");
    Ok(())
}
