//! The live display on a terminal: an overall bar (online/total, elapsed, ETA from the planned
//! durations) and a spinner per active service with its step; finished services scroll above.

use std::collections::HashMap;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

use crate::cli::Progress;
use crate::event::Event;
use crate::plan::Plan;
use crate::report::Reporter;
use crate::report::log::describe;

/// What decides how a run shows its progress.
pub struct Display {
    pub flag: Progress,
    pub json: bool,
    /// stderr is a terminal.
    pub terminal: bool,
    pub ci: bool,
    pub dry_run: bool,
}

impl Display {
    /// A bar only for a live run on a terminal outside CI; plain lines elsewhere; nothing next to
    /// JSON unless asked. Never `Auto`.
    pub fn choose(&self) -> Progress {
        match self.flag {
            Progress::Auto if self.json => Progress::None,
            Progress::Auto if self.terminal && !self.ci && !self.dry_run => Progress::Bar,
            Progress::Auto => Progress::Plain,
            chosen => chosen,
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
}

impl Bar {
    pub fn new(plan: &Plan) -> Self {
        let weight: HashMap<String, u64> =
            plan.services.iter().map(|s| (s.id.clone(), s.duration.as_secs().max(1))).collect();
        let multi = MultiProgress::new();
        let overall = multi.add(ProgressBar::new(weight.values().sum()));
        overall.set_style(
            ProgressStyle::with_template(
                "{spinner:.green} [{elapsed_precise}] {wide_bar:.cyan/blue} {msg} (ETA {eta})",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        overall.enable_steady_tick(Duration::from_millis(120));
        let total = plan.services.len();
        overall.set_message(format!("0/{total} online"));
        Self { multi, overall, active: HashMap::new(), weight, online: 0, total }
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
}

impl Reporter for Bar {
    fn event(&mut self, e: &Event) {
        match e {
            Event::ServiceStarted { service, .. } => {
                let bar = self.multi.add(ProgressBar::new_spinner());
                bar.set_style(
                    ProgressStyle::with_template("  {spinner} {prefix:24} {msg} [{elapsed}]")
                        .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                );
                bar.set_prefix(service.clone());
                bar.set_message("probing");
                bar.enable_steady_tick(Duration::from_millis(120));
                self.active.insert(service.clone(), bar);
            }
            Event::ActionStarted { service, attempt, .. } => {
                self.step(service, &format!("restoring (attempt {attempt})"))
            }
            Event::Verifying { service, .. } => self.step(service, "verifying health"),
            Event::WaitingForOperator { service, .. } => self.step(service, "waiting for the operator"),
            Event::Retrying { service, after, .. } => self
                .step(service, &format!("retrying in {}", crate::report::human_duration(after.duration()))),
            Event::Online { service, .. } | Event::AlreadyOnline { service, .. } => {
                self.online += 1;
                self.done(service);
                self.overall.set_message(format!("{}/{} online", self.online, self.total));
            }
            Event::Failed { service, .. } | Event::Blocked { service, .. } => self.done(service),
            Event::RunFinished { .. } => self.overall.finish_and_clear(),
            _ => {}
        }
        if let Some(line) = describe(e) {
            let _ = self.multi.println(line);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_display_table() {
        use Progress::*;
        // (flag, json, terminal, ci, dry_run) → display
        let table = [
            (Auto, false, true, false, false, Bar),
            (Auto, false, true, true, false, Plain),
            (Auto, false, false, false, false, Plain),
            (Auto, false, true, false, true, Plain),
            (Auto, true, true, false, false, None),
            (Plain, true, true, false, false, Plain),
            (Bar, false, false, true, false, Bar),
            (None, false, true, false, false, None),
        ];
        for (flag, json, terminal, ci, dry_run, want) in table {
            let got = Display { flag, json, terminal, ci, dry_run }.choose();
            assert_eq!(got, want, "{flag:?} json={json} terminal={terminal} ci={ci} dry_run={dry_run}");
        }
    }
}
