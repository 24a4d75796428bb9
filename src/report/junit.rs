//! `--junit FILE`: one test case per service, so CI systems show a run (or a dry run) natively.

use std::path::PathBuf;
use std::time::Duration;

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use crate::bus::{Reporter, WriteError};
use crate::event::Event;
use crate::event::RunMode;
use crate::plan::Plan;
use crate::tally::{State, Tally};

pub struct Junit {
    path: PathBuf,
    suite: String,
    ids: Vec<String>,
    rtos: Vec<Option<Duration>>,
}

impl Junit {
    pub fn new(plan: &Plan, path: PathBuf, mode: RunMode) -> Self {
        let suite = if mode.is_dry() { format!("{} (dry run)", plan.name) } else { plan.name.clone() };
        Self {
            path,
            suite,
            ids: plan.services.iter().map(|s| s.id.clone()).collect(),
            rtos: plan.services.iter().map(|s| s.rto).collect(),
        }
    }
}

impl Reporter for Junit {
    fn event(&mut self, _: &Event) {}

    fn finish(&mut self, tally: &Tally) -> Result<(), WriteError> {
        let mut suite = TestSuite::new(self.suite.as_str());
        for (i, ((id, rto), r)) in self.ids.iter().zip(&self.rtos).zip(&tally.records).enumerate() {
            let late = tally.late_by(i, *rto).filter(|_| r.online_at.is_some()).zip(*rto);
            let status = match (r.state, late) {
                (State::Online | State::AlreadyOnline, None) => TestCaseStatus::success(),
                (State::Online | State::AlreadyOnline, Some((late, rto))) => {
                    let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                    s.set_message(format!("online {late:.0}s past its RTO of {}s", rto.as_secs()))
                        .set_type("rto");
                    s
                }
                (State::Failed, _) => {
                    let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                    s.set_message(r.reason.clone().unwrap_or_default()).set_type("failed");
                    s
                }
                (State::Blocked, _) => {
                    let mut s = TestCaseStatus::skipped();
                    s.set_message(format!(
                        "blocked: dependency {} failed",
                        r.blocked_by.as_deref().unwrap_or("?")
                    ));
                    s
                }
                (State::Pending, _) => {
                    let mut s = TestCaseStatus::skipped();
                    s.set_message("not started (the run was interrupted)");
                    s
                }
                (State::Skipped, _) => {
                    let mut s = TestCaseStatus::skipped();
                    s.set_message(format!("left out of the run: {}", r.reason.as_deref().unwrap_or("")));
                    s
                }
            };
            let mut case = TestCase::new(id.as_str(), status);
            case.set_classname(self.suite.as_str());
            if let (Some(start), Some(end)) = (r.started_at, r.online_at) {
                case.set_time(end.duration().saturating_sub(start.duration()));
            }
            suite.add_test_case(case);
        }
        let mut report = Report::new("restorectl");
        report.add_test_suite(suite);
        let xml = report
            .to_string()
            .map_err(|e| WriteError { path: self.path.clone(), source: std::io::Error::other(e) })?;
        std::fs::write(&self.path, xml).map_err(WriteError::at(&self.path))
    }
}
