//! A text Gantt chart of a run, by phase: one bar per service from its start to online, the
//! critical path marked, and each RTO that was missed called out.

use std::fmt::Write;

use crate::graph::Graph;
use crate::human::human_duration;
use crate::plan::Plan;
use crate::tally::{State, Tally};

const WIDTH: usize = 60;

pub fn render(plan: &Plan, graph: &Graph, tally: &Tally) -> String {
    let end = tally.makespan().0.max(1.0);
    let per_col = end / WIDTH as f64;
    let critical = graph.critical_path(plan).services;
    let id_w = plan.services.iter().map(|s| s.id.chars().count()).max().unwrap_or(0).max(8);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:id_w$}    0{:>w$}",
        "timeline",
        human_duration(std::time::Duration::from_secs_f64(end)),
        w = WIDTH + 1
    );
    let mut order: Vec<usize> = (0..plan.services.len()).collect();
    order.sort_by_key(|&i| plan.services[i].phase.unwrap_or(usize::MAX));
    let mut header: Option<Option<usize>> = None;
    for i in order {
        let s = &plan.services[i];
        let r = &tally.records[i];
        if header != Some(s.phase) && !plan.phases.is_empty() {
            let title = s.phase.map_or_else(|| "(no phase)".to_owned(), |p| plan.phases[p].id.clone());
            let _ = writeln!(out, "{title}");
        }
        header = Some(s.phase);
        let mut bar = vec![' '; WIDTH];
        let col = |t: f64| ((t / per_col).floor() as usize).min(WIDTH - 1);
        let mark = match r.state {
            State::Online | State::AlreadyOnline => '█',
            State::Failed => 'x',
            _ => ' ',
        };
        if let (Some(start), Some(stop)) = (
            r.started_at,
            r.online_at.or(if r.state == State::Failed { Some(tally.finished_at) } else { None }),
        ) {
            for c in bar.iter_mut().take(col(stop.0).max(col(start.0)) + 1).skip(col(start.0)) {
                *c = mark;
            }
        }
        if let Some(rto) = s.rto {
            let c = col(rto.as_secs_f64());
            if rto.as_secs_f64() <= end && bar[c] == ' ' {
                bar[c] = '|';
            }
        }
        let bar: String = bar.into_iter().collect();
        let star = if critical.contains(&i) { '*' } else { ' ' };
        let note = match r.state {
            State::Online | State::AlreadyOnline => match tally.late_by(i, s.rto).zip(s.rto) {
                Some((late, rto)) => format!(
                    "{}  LATE by {} (RTO {})",
                    r.online_at.map(|t| human_duration(t.duration())).unwrap_or_default(),
                    human_duration(std::time::Duration::from_secs_f64(late)),
                    human_duration(rto)
                ),
                None => r.online_at.map(|t| human_duration(t.duration())).unwrap_or_default(),
            },
            State::Failed => "failed".into(),
            State::Blocked => format!("blocked by {}", r.blocked_by.as_deref().unwrap_or("?")),
            State::Pending => "pending".into(),
            State::Skipped => "skipped".into(),
        };
        let _ = writeln!(out, "{star} {:<id_w$} |{bar}| {note}", s.id);
    }
    let _ = writeln!(
        out,
        "(* critical path, | RTO, █ restoring, x failed; times are when each service is online)"
    );
    out
}
