//! `restorectl history`: the runs in the journal, grouped by incident, for people and for machines.

use std::fmt::Write;
use std::path::Path;

use crate::cli::ReportFormat;
use crate::error::Error;
use crate::exit::Exit;
use crate::state;

pub fn run(plan_path: &Path, state: Option<&Path>, format: ReportFormat) -> Result<Exit, Error> {
    let loaded = super::open(plan_path)?;
    let (dir, _snapshot) = super::reader_state(&loaded.plan, plan_path, state)?;
    let runs = state::history(&dir, plan_path)?;
    let text = match format {
        ReportFormat::Json => {
            format!("{:#}\n", serde_json::json!({ "plan": loaded.plan.name, "runs": runs }))
        }
        ReportFormat::Human => {
            let mut out = String::new();
            let _ = writeln!(
                out,
                "{:<6} {:<20} {:<20} {:<12} {:>8} {:>6} {:>9}  CONFIRMED",
                "RUN", "STARTED (UTC)", "LAST RECORD", "OUTCOME", "RESTORED", "FAILED", "FELL BACK"
            );
            for (n, r) in runs.iter().enumerate() {
                let when = |t: &str| t.get(..19).unwrap_or(t).replace('T', " ");
                // Runs grouped by incident, each group under a line of its own.
                if n == 0 || runs[n - 1].incident != r.incident {
                    let count = runs.iter().filter(|o| o.incident == r.incident).count();
                    let runs = crate::human::count(count, "run", "runs");
                    let _ = writeln!(out, "incident {} ({runs}, begun {})", r.incident, when(&r.started));
                }
                let id = if r.dry_run { format!("{} (dry)", r.id) } else { r.id.clone() };
                let confirmed: Vec<String> =
                    r.confirmations.iter().map(|c| format!("{} by {}", c.service, c.by)).collect();
                let _ = writeln!(
                    out,
                    "{id:<6} {:<20} {:<20} {:<12} {:>8} {:>6} {:>9}  {}",
                    when(&r.started),
                    when(&r.last_record),
                    r.outcome,
                    r.restored,
                    r.failed.len(),
                    r.fell_back.len(),
                    confirmed.join(", ")
                );
            }
            out
        }
    };
    crate::term::print_report(&text).map_err(Error::Print)?;
    Ok(Exit::Ok)
}
