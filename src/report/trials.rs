//! `run --dry-run --trials N`: percentiles and RTO probabilities, for people and for machines.

use std::fmt::Write;
use std::time::Duration;

use serde_json::json;

use crate::human::human_duration;
use crate::plan::Plan;
use crate::sim::trials::{Percentiles, Stats};

fn d(secs: f64) -> String {
    human_duration(Duration::from_secs_f64(secs.max(0.0)))
}

fn pct_json(p: &Percentiles) -> serde_json::Value {
    json!({ "p50": p.p50, "p90": p.p90, "p99": p.p99 })
}

/// Services whose p90 online time is past their RTO (or that never came online in some trial).
pub fn p90_past_rto(plan: &Plan, stats: &Stats) -> Vec<usize> {
    stats
        .services
        .iter()
        .filter(|s| {
            let rto = plan.services[s.service].rto.map(|r| r.as_secs_f64());
            matches!((rto, &s.online), (Some(rto), Some(p)) if p.p90 > rto)
                || (rto.is_some() && s.online.is_none())
        })
        .map(|s| s.service)
        .collect()
}

/// The statistics for machines.
pub fn json(plan: &Plan, stats: &Stats, late: &[usize]) -> serde_json::Value {
    let services: Vec<_> = stats
        .services
        .iter()
        .map(|s| {
            json!({
                "id": plan.services[s.service].id,
                "online_seconds": s.online.as_ref().map(pct_json),
                "rto_seconds": plan.services[s.service].rto.map(|r| r.as_secs()),
                "rto_probability": s.rto_met,
            })
        })
        .collect();
    json!({
        "plan": plan.name,
        "dry_run": true,
        "trials": stats.trials,
        "successes": stats.successes,
        "makespan_seconds": pct_json(&stats.makespan),
        "services": services,
        "rto_p90_missed": late.iter().map(|&i| plan.services[i].id.clone()).collect::<Vec<_>>(),
    })
}

/// The statistics for people: makespan and per-service percentiles, RTO probabilities.
pub fn human(plan: &Plan, stats: &Stats, late: &[usize]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}: {} trials, {} succeeded", plan.name, stats.trials, stats.successes);
    let m = &stats.makespan;
    let _ = writeln!(out, "makespan  p50 {}  p90 {}  p99 {}\n", d(m.p50), d(m.p90), d(m.p99));
    let w = stats.services.iter().map(|s| plan.services[s.service].id.len()).max().unwrap_or(0);
    let _ = writeln!(
        out,
        "{:w$}  {:>8}  {:>8}  {:>8}  {:>8}  {:>9}",
        "service", "p50", "p90", "p99", "RTO", "RTO met"
    );
    for s in &stats.services {
        let svc = &plan.services[s.service];
        let (p50, p90, p99) = s
            .online
            .as_ref()
            .map_or(("-".into(), "-".into(), "-".into()), |p| (d(p.p50), d(p.p90), d(p.p99)));
        let rto = svc.rto.map_or("-".to_owned(), human_duration);
        let met = s.rto_met.map_or("-".to_owned(), |p| format!("{:.1}%", p * 100.0));
        let _ = writeln!(out, "{:w$}  {p50:>8}  {p90:>8}  {p99:>8}  {rto:>8}  {met:>9}", svc.id);
    }
    if !late.is_empty() {
        let ids: Vec<&str> = late.iter().map(|&i| plan.services[i].id.as_str()).collect();
        let _ = writeln!(out, "\np90 past the RTO: {}", ids.join(", "));
    }
    out
}
