//! The live display on a terminal: an overall bar (online/total, elapsed, ETA from the planned
//! durations) and a spinner per active service with its step; finished services scroll above.

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

use crate::bus::Reporter;
use crate::event::{Event, RunMode, Secs};
use crate::graph::Graph;
use crate::human::human_duration;
use crate::plan::Plan;
use crate::report::eta::{Estimate, Eta};
use crate::report::log::describe;

/// How a run shows its progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The live bar.
    Bar,
    /// One timestamped line per event.
    Plain,
    /// Nothing but the final report.
    None,
}

/// What decides how a run shows its progress.
pub struct Display {
    /// What was asked for; `None` lets the situation decide.
    pub asked: Option<Mode>,
    pub json: bool,
    /// stderr is a terminal.
    pub terminal: bool,
    pub ci: bool,
    pub mode: RunMode,
}

impl Display {
    /// Left to decide: a bar only for a live run on a terminal outside CI; plain lines
    /// elsewhere; nothing next to JSON. What was asked for, otherwise.
    pub fn choose(&self) -> Mode {
        match self.asked {
            Some(mode) => mode,
            None if self.json => Mode::None,
            None if self.terminal && !self.ci && !self.mode.is_dry() => Mode::Bar,
            None => Mode::Plain,
        }
    }
}

pub struct Bar {
    multi: MultiProgress,
    overall: ProgressBar,
    active: HashMap<String, ProgressBar>,
    /// Planned seconds per service (at least 1, so instant services still move the bar).
    weight: HashMap<String, u64>,
    online: usize,
    total: usize,
    eta: Eta,
    /// Services in a wait (checks failing, an operator, an earlier run's restore), by name.
    waiting: BTreeSet<String>,
    /// The last estimate and when it was made: a large plan's is not redone for every event.
    estimate: (std::time::Instant, Estimate),
}

impl Bar {
    pub fn new(plan: &Plan, graph: &Graph) -> Self {
        let weight: HashMap<String, u64> =
            plan.services.iter().map(|s| (s.id.clone(), s.duration.as_secs().max(1))).collect();
        let multi = MultiProgress::new();
        let overall = multi.add(ProgressBar::new(weight.values().sum()));
        overall.set_style(
            ProgressStyle::with_template("{spinner:.green} [{elapsed_precise}] {wide_bar:.cyan/blue} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        overall.enable_steady_tick(Duration::from_millis(120));
        let total = plan.services.len();
        let mut bar = Self {
            multi,
            overall,
            active: HashMap::new(),
            weight,
            online: 0,
            total,
            eta: Eta::new(plan, graph),
            waiting: BTreeSet::new(),
            estimate: (std::time::Instant::now(), Estimate::Left(Duration::ZERO)),
        };
        bar.refresh(Secs(0.0), true);
        bar
    }

    fn step(&mut self, service: &str, step: &str) {
        if let Some(bar) = self.active.get(service) {
            bar.set_message(step.to_owned());
        }
    }

    fn done(&mut self, service: &str) {
        if let Some(bar) = self.active.remove(service) {
            bar.finish_and_clear();
            self.multi.remove(&bar);
        }
        self.overall.inc(self.weight.get(service).copied().unwrap_or(1));
    }

    fn refresh(&mut self, now: Secs, force: bool) {
        if force || self.estimate.0.elapsed() >= Duration::from_millis(250) {
            self.estimate = (std::time::Instant::now(), self.eta.estimate(now));
        }
        let message = summary(self.online, self.total, &self.estimate.1, &self.waiting);
        self.overall.set_message(message);
    }
}

/// The overall bar's text: `3/8 online · ETA 52m · waiting: db, web`.
pub fn summary(online: usize, total: usize, eta: &Estimate, waiting: &BTreeSet<String>) -> String {
    let eta = match eta {
        Estimate::Left(d) => format!("ETA {}", human_duration(Duration::from_secs(d.as_secs()))),
        Estimate::Unknown { waiting_for } => format!("ETA unknown (waiting for {})", waiting_for.join(", ")),
    };
    let waits = if waiting.is_empty() {
        String::new()
    } else {
        format!(" · waiting: {}", waiting.iter().map(String::as_str).collect::<Vec<_>>().join(", "))
    };
    format!("{online}/{total} online · {eta}{waits}")
}

impl Reporter for Bar {
    fn event(&mut self, e: &Event) {
        self.eta.event(e);
        match e {
            Event::ServiceStarted { service, .. } => {
                let bar = self.multi.add(ProgressBar::new_spinner());
                bar.set_style(
                    ProgressStyle::with_template("  {spinner} {prefix:24} {msg} [{elapsed}]")
                        .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                );
                bar.set_prefix(service.to_string());
                bar.set_message("probing");
                bar.enable_steady_tick(Duration::from_millis(120));
                self.active.insert(service.to_string(), bar);
            }
            Event::ActionStarted { service, attempt, .. } => {
                self.step(service, &format!("restoring (attempt {attempt})"))
            }
            Event::Verifying { service, .. } => self.step(service, "verifying health"),
            Event::Adopted { service, pid, .. } => {
                self.waiting.insert(service.to_string());
                self.step(service, &format!("waiting for an earlier run's restore (pid {pid})"));
            }
            Event::Waiting { service, .. } => {
                self.waiting.insert(service.to_string());
            }
            Event::WaitingForOperator { service, .. } => {
                self.waiting.insert(service.to_string());
                self.step(service, "waiting for the operator");
            }
            Event::Retrying { service, after, .. } => {
                self.waiting.remove(&**service);
                self.step(service, &format!("retrying in {}", human_duration(after.duration())))
            }
            Event::ActionFinished { service, .. } | Event::Confirmed { service, .. } => {
                self.waiting.remove(&**service);
            }
            Event::Online { service, .. } | Event::AlreadyOnline { service, .. } => {
                self.online += 1;
                self.waiting.remove(&**service);
                self.done(service);
            }
            Event::Failed { service, .. }
            | Event::Blocked { service, .. }
            | Event::NotRetried { service, .. }
            | Event::LeftUnverified { service, .. } => {
                self.waiting.remove(&**service);
                self.done(service);
            }
            Event::RunFinished { .. } => self.overall.finish_and_clear(),
            _ => {}
        }
        let people = matches!(e, Event::WaitingForOperator { .. } | Event::Confirmed { .. });
        self.refresh(e.at(), people);
        if let Some(line) = describe(e) {
            let line = crate::term::printable(&line, true);
            // A bar asked for where nothing draws it (stderr not a terminal) shows nothing; the
            // lines it prints above itself still go out, a line each.
            if self.multi.is_hidden() {
                eprintln!("{line}");
            } else {
                let _ = self.multi.println(line);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_display_table() {
        use Mode::*;
        use RunMode::{Dry, Live};
        // (asked, json, terminal, ci, mode) → display
        let table = [
            (Option::None, false, true, false, Live, Bar),
            (Option::None, false, true, true, Live, Plain),
            (Option::None, false, false, false, Live, Plain),
            (Option::None, false, true, false, Dry, Plain),
            (Option::None, true, true, false, Live, None),
            (Some(Plain), true, true, false, Live, Plain),
            (Some(Bar), false, false, true, Live, Bar),
            (Some(None), false, true, false, Live, None),
        ];
        for (asked, json, terminal, ci, mode, want) in table {
            let got = Display { asked, json, terminal, ci, mode }.choose();
            assert_eq!(got, want, "{asked:?} json={json} terminal={terminal} ci={ci} {mode:?}");
        }
    }

    #[test]
    fn the_bar_names_what_it_waits_for() {
        let waiting: BTreeSet<String> = ["db".to_owned(), "web".to_owned()].into();
        let left = Estimate::Left(Duration::from_secs(52 * 60));
        assert_eq!(summary(3, 8, &left, &BTreeSet::new()), "3/8 online · ETA 52m");
        assert_eq!(summary(3, 8, &left, &waiting), "3/8 online · ETA 52m · waiting: db, web");
        let people = Estimate::Unknown { waiting_for: vec!["signoff".into()] };
        assert_eq!(
            summary(3, 8, &people, &["signoff".to_owned()].into()),
            "3/8 online · ETA unknown (waiting for signoff) · waiting: signoff"
        );
    }
}
