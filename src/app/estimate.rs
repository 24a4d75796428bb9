//! `restorectl estimate`: per service, how long its restores, verify gates and sign-offs took in
//! real runs (count, p50, p90); with `--write`, those durations put into the plan.

use std::fmt::Write;
use std::path::{Path, PathBuf};

use serde_json::json;

use crate::cli::ReportFormat;
use crate::error::Error;
use crate::exit::Exit;
use crate::human::human_duration;
use crate::learned::{self, Estimates};
use crate::loaded::Loaded;
use crate::plan::Plan;
use crate::sim::trials::Percentiles;
use crate::state::StateDir;

pub struct Request {
    pub plan: PathBuf,
    pub from: Vec<PathBuf>,
    pub write: bool,
    pub format: ReportFormat,
}

pub fn run(request: &Request) -> Result<Exit, Error> {
    let loaded = super::open(&request.plan)?;
    let estimates = history(&loaded, &request.plan, &request.from)?;
    if estimates.runs == 0 {
        let dirs: Vec<String> = estimates.journals.iter().map(|p| p.display().to_string()).collect();
        let read = if dirs.is_empty() {
            "no journal was found".to_owned()
        } else {
            format!("read {}", dirs.join(", "))
        };
        return Err(Error::NoHistory(format!(
            "no real run of the plan is journaled ({read}); a dry run's durations are the plan's own"
        )));
    }
    let text = match request.format {
        ReportFormat::Json => format!("{:#}\n", json(&loaded.plan, &estimates)),
        ReportFormat::Human => human(&loaded.plan, &estimates),
    };
    crate::term::print_report(&text).map_err(Error::Report)?;
    if request.write {
        write(&loaded, &request.plan, &estimates)?;
    }
    Ok(Exit::Ok)
}

/// What the journals of `from` (default: the plan's state directory) say.
pub fn history(loaded: &Loaded, plan: &Path, from: &[PathBuf]) -> Result<Estimates, Error> {
    let dirs: Vec<StateDir> = if from.is_empty() {
        vec![StateDir::for_plan(plan, None)]
    } else {
        from.iter().map(|d| StateDir::for_plan(plan, Some(d))).collect()
    };
    let journals = crate::state::durations::journals(&dirs)?;
    let observed = crate::state::durations::observed(journals)?;
    Ok(learned::estimate(&loaded.plan, &observed))
}

fn write(loaded: &Loaded, path: &Path, estimates: &Estimates) -> Result<(), Error> {
    let (text, changed) = learned::write::rewrite(&loaded.source.text, &loaded.plan, estimates)
        .map_err(|e| Error::NotWritten(e.to_string()))?;
    if changed == 0 {
        eprintln!("note: the plan's durations already are what the runs took; {} unchanged", path.display());
        return Ok(());
    }
    // What is written must still be a plan that runs.
    if let Err(rejected) = crate::loaded::check(path, text.clone().into_bytes()) {
        crate::report::diagnostics::eprint_rejected(&rejected);
        return Err(Error::NotWritten("the plan with the learned durations would not be valid".into()));
    }
    crate::state::files::write(path, text.as_bytes())
        .map_err(|e| Error::NotWritten(format!("cannot write {}: {e}", path.display())))?;
    eprintln!(
        "wrote the durations of {} into {} (duration = p50, duration_p90 = p90)",
        crate::human::count(changed, "service", "services"),
        path.display()
    );
    Ok(())
}

fn pair(p: &Option<Percentiles>) -> String {
    p.as_ref().map_or_else(|| "-".to_owned(), |p| format!("{} / {}", secs(p.p50), secs(p.p90)))
}

fn secs(s: f64) -> String {
    human_duration(std::time::Duration::from_secs_f64(s.max(0.0)))
}

fn human(plan: &Plan, e: &Estimates) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Durations seen in {} ({}), p50 / p90:",
        crate::human::count(e.runs, "real run", "real runs"),
        crate::human::count(e.journals.len(), "journal", "journals")
    );
    let width = e.services.iter().map(|s| plan.services[s.service].id.len()).max().unwrap_or(7).max(7);
    let _ = writeln!(
        out,
        "{:<width$}  {:>4}  {:<17}  {:<17}  {:<17}  PLANNED",
        "SERVICE", "SEEN", "RESTORE", "GATES", "SIGN-OFF"
    );
    for s in &e.services {
        let service = &plan.services[s.service];
        let planned = match service.duration_p90 {
            Some(p90) => format!("{} / {}", human_duration(service.duration), human_duration(p90)),
            None => human_duration(service.duration),
        };
        let _ = writeln!(
            out,
            "{:<width$}  {:>4}  {:<17}  {:<17}  {:<17}  {planned}",
            crate::term::printable(&service.id, true),
            s.count,
            pair(&Some(s.restore.clone())),
            pair(&s.gates),
            pair(&s.sign_off),
        );
    }
    if !e.no_history.is_empty() {
        let _ = writeln!(out, "No history: {}", learned::listed(plan, &e.no_history, 20));
    }
    out
}

fn json(plan: &Plan, e: &Estimates) -> serde_json::Value {
    let p = |p: &Option<Percentiles>| p.as_ref().map(|p| json!({ "p50": p.p50, "p90": p.p90 }));
    json!({
        "plan": plan.name,
        "runs": e.runs,
        "journals": e.journals,
        "services": e.services.iter().map(|s| {
            let service = &plan.services[s.service];
            json!({
                "id": service.id,
                "count": s.count,
                "restore": p(&Some(s.restore.clone())),
                "gates": p(&s.gates),
                "sign_off": p(&s.sign_off),
                "planned": { "duration": service.duration.as_secs_f64(), "duration_p90": service.duration_p90.map(|d| d.as_secs_f64()) },
            })
        }).collect::<Vec<_>>(),
        "no_history": e.no_history.iter().map(|&i| &plan.services[i].id).collect::<Vec<_>>(),
    })
}
