//! `--timeline FILE.svg|FILE.html`: the run as a chart people would rather look at than read — one
//! bar per service coloured by phase, the critical path outlined, RTOs marked, dates on the axis.

use std::fmt::Write;
use std::path::PathBuf;

use crate::bus::{Reporter, WriteError};
use crate::event::{Event, Secs};
use crate::graph::Graph;
use crate::plan::Plan;
use crate::stamp::Stamp;
use crate::tally::{State, Tally};

const PALETTE: &[&str] =
    &["#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#ff9da7", "#9c755f"];
const ROW: f64 = 22.0;
const LEFT: f64 = 190.0;
const WIDTH: f64 = 900.0;

pub struct Timeline {
    path: PathBuf,
    title: String,
    rows: Vec<(String, Option<usize>, Option<f64>, bool)>,
    phases: Vec<String>,
    stamp: Stamp,
}

impl Timeline {
    /// Whether a file of this name can hold a timeline (`.svg` or `.html`).
    pub fn writes(path: &std::path::Path) -> bool {
        matches!(path.extension().and_then(|e| e.to_str()), Some("svg" | "html"))
    }

    pub fn new(plan: &Plan, graph: &Graph, path: PathBuf, stamp: Stamp) -> Self {
        let critical = graph.critical_path(plan).services;
        let rows = plan
            .services
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.clone(), s.phase, s.rto.map(|r| r.as_secs_f64()), critical.contains(&i)))
            .collect();
        Self {
            path,
            title: plan.name.clone(),
            rows,
            phases: plan.phases.iter().map(|p| p.id.clone()).collect(),
            stamp,
        }
    }

    pub fn svg(&self, tally: &Tally) -> String {
        let end = self
            .rows
            .iter()
            .filter_map(|r| r.2)
            .fold(tally.makespan().0.max(tally.finished_at.0), f64::max)
            .max(1.0);
        let x = |t: f64| LEFT + t / end * (WIDTH - LEFT - 20.0);
        let height = 60.0 + ROW * self.rows.len() as f64 + 40.0;
        let mut s = String::new();
        let _ = write!(
            s,
            r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" font-family="system-ui, sans-serif" font-size="12" role="img" aria-label="{}">"#,
            esc(&self.title)
        );
        let _ = write!(
            s,
            r#"<title>{}</title><text x="10" y="22" font-size="15" font-weight="bold">{}</text>"#,
            esc(&self.title),
            esc(&self.title)
        );
        // Five dates: a date with its time zone is about 130 pixels wide.
        for k in 0..=4 {
            let t = end * f64::from(k) / 4.0;
            let _ = write!(
                s,
                r##"<line x1="{x:.1}" y1="40" x2="{x:.1}" y2="{y2:.1}" stroke="#ddd"/><text x="{x:.1}" y="{ly:.1}" text-anchor="middle" fill="#555">{}</text>"##,
                esc(&self.stamp.format(Secs(t))),
                x = x(t),
                y2 = height - 30.0,
                ly = height - 14.0
            );
        }
        for (row, ((id, phase, rto, critical), r)) in self.rows.iter().zip(&tally.records).enumerate() {
            let y = 50.0 + ROW * row as f64;
            let color = phase.map_or("#999", |p| PALETTE[p % PALETTE.len()]);
            let _ = write!(
                s,
                r#"<text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
                LEFT - 8.0,
                y + 14.0,
                esc(id)
            );
            let stop = r.online_at.or(if r.state == State::Failed { Some(tally.finished_at) } else { None });
            if let (Some(a), Some(b)) = (r.started_at, stop) {
                let (x0, x1) = (x(a.0), x(b.0).max(x(a.0) + 2.0));
                let stroke = if *critical { r##" stroke="#c62828" stroke-width="2.5""## } else { "" };
                let fill = if r.state == State::Failed { "#e15759" } else { color };
                let _ = write!(
                    s,
                    r#"<rect x="{x0:.1}" y="{:.1}" width="{:.1}" height="14" rx="3" fill="{fill}"{stroke}><title>{}: {}</title></rect>"#,
                    y + 3.0,
                    x1 - x0,
                    esc(id),
                    r.state.as_str()
                );
            }
            if let Some(rto) = rto {
                let rx = x(*rto);
                let _ = write!(
                    s,
                    r##"<line x1="{rx:.1}" y1="{:.1}" x2="{rx:.1}" y2="{:.1}" stroke="#222" stroke-width="2"><title>RTO</title></line>"##,
                    y + 1.0,
                    y + 19.0
                );
            }
        }
        let mut lx = LEFT;
        for (p, name) in self.phases.iter().enumerate() {
            let _ = write!(
                s,
                r#"<rect x="{lx:.1}" y="30" width="10" height="10" fill="{}"/><text x="{:.1}" y="39">{}</text>"#,
                PALETTE[p % PALETTE.len()],
                lx + 14.0,
                esc(name)
            );
            lx += 24.0 + 7.0 * name.chars().count() as f64;
        }
        let _ =
            write!(s, r##"<text x="{lx:.1}" y="39" fill="#c62828">▭ critical path   ┃ RTO</text></svg>"##);
        s
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

impl Reporter for Timeline {
    fn event(&mut self, _: &Event) {}

    fn finish(&mut self, tally: &Tally) -> Result<(), WriteError> {
        let svg = self.svg(tally);
        let body = if self.path.extension().is_some_and(|e| e == "html") {
            format!(
                "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{}</title><style>body{{margin:1rem;font-family:system-ui,sans-serif}}svg{{max-width:100%;height:auto}}</style></head><body>{svg}</body></html>\n",
                esc(&self.title)
            )
        } else {
            svg
        };
        std::fs::write(&self.path, body).map_err(WriteError::at(&self.path))
    }
}
