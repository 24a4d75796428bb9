//! `restorectl readiness` (and `validate --require-ready`): is this very plan proven by a recent
//! drill or real run — from its stamp beside it and the state directory's journals.

use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::json;

use crate::cli::ReportFormat;
use crate::error::Error;
use crate::exit::Exit;
use crate::loaded::Loaded;
use crate::readiness::shape::Shape;
use crate::readiness::stamp::{self, Drill, Stamp};
use crate::readiness::{self, Evidence, Known, Readiness};
use crate::state::StateDir;
use crate::tally::Tally;

pub struct Request {
    pub plan: PathBuf,
    pub state: Option<PathBuf>,
    pub max_age: Duration,
    pub verify_key: Option<PathBuf>,
    pub format: ReportFormat,
}

pub fn run(request: &Request) -> Result<Exit, Error> {
    let loaded = super::open(&request.plan)?;
    let (state, _snapshot) = super::reader_state(&loaded.plan, &request.plan, request.state.as_deref())?;
    let found = assess(&loaded, &request.plan, Some(&state), request)?;
    let text = match request.format {
        ReportFormat::Json => format!("{:#}\n", json(&loaded, &found)),
        ReportFormat::Human => human(&loaded, &request.plan, &found),
    };
    crate::term::print_report(&text).map_err(Error::Report)?;
    Ok(found.verdict.exit())
}

/// What is known of the plan's readiness: its stamp, and (given `state`) the journals.
pub fn assess(
    loaded: &Loaded,
    path: &Path,
    state: Option<&StateDir>,
    request: &Request,
) -> Result<Readiness, Error> {
    let key = request
        .verify_key
        .as_deref()
        .map(super::journal::read_key)
        .transpose()
        .map_err(|e| Error::flag("--verify-key", e.to_string()))?;
    let plan = &loaded.plan;
    let stamped = match Stamp::read(path)
        .map_err(|why| Error::flag(format!("the stamp of {}", path.display()), why))?
    {
        Some(s) => {
            let trust = s.check(key.as_ref());
            // The plan's own bytes are its SHA-256; the templates it reads are compared too.
            let now = Shape::of(plan, path, &loaded.source.text);
            let mut changes = now.changes(&s.shape);
            if s.plan_sha256 != plan.sha256 && changes.is_empty() {
                changes.push("only comments or layout".to_owned());
            }
            let evidence = Evidence {
                run: "dry".into(),
                when: s.drill.ran.parse().unwrap_or(jiff::Timestamp::UNIX_EPOCH),
                plan_sha256: s.plan_sha256.clone(),
                drill: s.drill.clone(),
                source: stamp::path_for(path).display().to_string(),
            };
            Some((evidence, trust, changes))
        }
        None => None,
    };
    // A key to check against asks for signed proof: the journals' drills and runs are not signed.
    let (journal_drill, journal_run) = match state {
        Some(state) if key.is_none() => {
            (from_journal(loaded, path, &state.dry_run()), from_journal(loaded, path, state))
        }
        _ => (None, None),
    };
    Ok(readiness::assess(Known {
        plan_sha256: plan.sha256.clone(),
        now: jiff::Timestamp::now(),
        max_age: request.max_age,
        stamped,
        journal_drill,
        journal_run,
    }))
}

/// The latest incident (or drill) of a journal, if it rehearsed or restored the whole plan
/// (a drill of `--fail`, `--only`, … rehearses a scenario: it proves nothing of the plan).
fn from_journal(loaded: &Loaded, path: &Path, state: &StateDir) -> Option<Evidence> {
    let log = crate::state::runlog::read(state, path, None).ok()?;
    let last = log.parts.last()?;
    const SCENARIOS: [&str; 7] =
        ["--fail", "--slow", "--fall-back", "--only", "--skip", "--retry-failed", "--assume-online"];
    if log.dry_run
        && last.command.iter().any(|a| SCENARIOS.iter().any(|s| a == s || a.starts_with(&format!("{s}="))))
    {
        return None;
    }
    let plan = &loaded.plan;
    let index = plan.ids();
    let mut tally = Tally::new(plan);
    for (_, e) in &log.events {
        match e.service().and_then(|s| index.get(&**s).copied()) {
            Some(i) => tally.service_event(i, e),
            None => tally.event(e),
        }
    }
    let (restored, not_restored, rto_missed) = readiness::findings(plan, &tally);
    Some(Evidence {
        run: if log.dry_run { "dry".into() } else { last.id.clone() },
        when: last.started.parse().ok()?,
        plan_sha256: last.plan_sha256.clone().unwrap_or_default(),
        drill: Drill {
            ran: last.started.clone(),
            start: last.clock_start.clone().unwrap_or_default(),
            trials: None,
            services: plan.services.len(),
            restored,
            not_restored,
            rto_missed,
            restorectl: last.version.clone().unwrap_or_default(),
        },
        source: state.journal().display().to_string(),
    })
}

fn line(e: &Option<Evidence>, sha: &str) -> String {
    let Some(e) = e else { return "none".into() };
    let age = jiff::Timestamp::now().duration_since(e.when).unsigned_abs();
    let age = crate::human::human_duration(Duration::from_secs(age.as_secs()));
    let d = &e.drill;
    let mut verdict = format!("{} of {} restored", d.restored, d.services);
    verdict += &match (&d.rto_missed[..], d.trials) {
        ([], Some(n)) => format!(", every RTO met at p90 of {n} trials"),
        ([], None) => ", every RTO met".to_owned(),
        (missed, _) => format!(", RTO missed: {}", missed.join(", ")),
    };
    if !d.not_restored.is_empty() {
        verdict += &format!("; not restored: {}", d.not_restored.join(", "));
    }
    let which = if e.plan_sha256 == sha {
        "this plan".to_owned()
    } else {
        format!("another version ({})", e.plan_sha256.get(..12).unwrap_or_default())
    };
    format!("{} ({age} ago), of {which}: {verdict}; from {}", e.when.strftime("%Y-%m-%d %H:%M UTC"), e.source)
}

fn human(loaded: &Loaded, path: &Path, r: &Readiness) -> String {
    let sha = &loaded.plan.sha256;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: {} (plan SHA-256 {})",
        path.display(),
        r.verdict.as_str(),
        sha.get(..12).unwrap_or(sha)
    );
    let _ = writeln!(out, "  last drill:     {}", line(&r.drill, sha));
    let _ = writeln!(out, "  last real run:  {}", line(&r.run, sha));
    if let Some(trust) = &r.stamp {
        let said = match trust {
            Ok(()) => "signature valid".to_owned(),
            Err(e) => format!("NOT BELIEVED: {e}"),
        };
        let _ = writeln!(out, "  stamp:          {} ({said})", stamp::path_for(path).display());
    }
    if !r.changes.is_empty() {
        let _ = writeln!(out, "  changed since the stamp: {}", r.changes.join(", "));
    }
    for why in &r.reasons {
        let _ = writeln!(out, "  {why}");
    }
    out
}

fn json(loaded: &Loaded, r: &Readiness) -> serde_json::Value {
    let evidence = |e: &Option<Evidence>| {
        e.as_ref().map(|e| {
            json!({
                "run": e.run,
                "when": e.when.to_string(),
                "plan_sha256": e.plan_sha256,
                "this_plan": e.plan_sha256 == loaded.plan.sha256,
                "passed": e.drill.passed(),
                "drill": e.drill,
                "source": e.source,
            })
        })
    };
    json!({
        "plan": loaded.plan.name,
        "plan_sha256": loaded.plan.sha256,
        "verdict": r.verdict,
        "reasons": r.reasons,
        "drill": evidence(&r.drill),
        "run": evidence(&r.run),
        "changes": r.changes,
        "stamp": r.stamp.as_ref().map(|t| match t { Ok(()) => "signature valid".to_owned(), Err(e) => e.to_string() }),
    })
}
