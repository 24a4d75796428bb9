//! The evidence pack's model: everything the report says, in the order it says it. `--format
//! json` prints it as it is; the Markdown and HTML templates read it.

use serde::Serialize;

pub use super::evidence::ServiceEvidence;
use super::headings::Headings;
pub use super::notices::{Alert, CustomerUpdate};
pub use super::people::{PersonAct, Required, Retry};

/// Everything the report says, in the order it says it.
#[derive(Debug, Serialize)]
pub struct Pack {
    /// A dry run: nothing was executed; every time is on the simulated clock.
    pub simulated: bool,
    pub generated: String,
    pub headings: Headings,
    pub scope: Scope,
    pub run: RunInfo,
    pub objectives: Objectives,
    /// `[plan.regulation]`'s clocks: due, and met or not.
    pub regulatory_clocks: Vec<super::clocks::ClockLine>,
    /// The sign-offs the plan requires (`approval`), and from whom.
    pub approvals_required: Vec<Required>,
    pub people: Vec<PersonAct>,
    pub retries: Vec<Retry>,
    pub evidence: Vec<ServiceEvidence>,
    pub deviations: Vec<Deviation>,
    /// What the run told customers and operators.
    pub customer_updates: Vec<CustomerUpdate>,
    pub alerts: Vec<Alert>,
    pub steps: Steps,
    pub journal: JournalCheck,
    /// The Gantt chart (HTML only).
    #[serde(skip)]
    pub timeline_svg: String,
    /// The text Gantt chart (Markdown only).
    #[serde(skip)]
    pub timeline_text: String,
}

#[derive(Debug, Serialize)]
pub struct Scope {
    pub plan: String,
    pub file: String,
    /// The SHA-256 of the plan file the run followed (journaled), and of the file now.
    pub sha256_at_run: Option<String>,
    pub sha256_now: String,
    pub services: usize,
    pub phases: Vec<PhaseScope>,
    pub locales: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct PhaseScope {
    pub id: String,
    pub name: String,
    pub services: usize,
}

#[derive(Debug, Serialize)]
pub struct RunInfo {
    /// The last run covered.
    pub id: String,
    /// The incident the runs covered belong to (the id of its first run).
    pub incident: String,
    /// The runs the report covers, oldest first: every run of the incident, or the one `--run`
    /// names.
    pub covered: Vec<RunLine>,
    /// UTC, to the second; a drill's on its simulated clock.
    pub started: String,
    /// When it ended (its `run_finished`), or `null` when it did not.
    pub ended: Option<String>,
    pub outcome: String,
    pub jobs: usize,
    /// How it was started: the command line, restorectl's version, the account and host.
    pub command: String,
    pub version: Option<String>,
    pub account: Option<String>,
    pub host: Option<String>,
    /// Services worked on in this run (the others were outside `--only` / `--retry-failed`).
    pub in_scope: usize,
    /// Every run in the journal, oldest first.
    pub runs_in_journal: Vec<String>,
}

/// One run the report covers.
#[derive(Debug, Serialize)]
pub struct RunLine {
    pub id: String,
    /// When its header was written (UTC).
    pub started: String,
    pub command: String,
    pub account: Option<String>,
    pub host: Option<String>,
    /// It wrote its end record (it was not killed).
    pub ended: bool,
}

#[derive(Debug, Serialize)]
pub struct Objectives {
    pub makespan_seconds: f64,
    pub makespan: String,
    pub critical_path_seconds: f64,
    pub critical_path: String,
    pub critical_path_services: Vec<String>,
    pub met: usize,
    pub missed: usize,
    /// Failed, blocked or skipped: not back, whatever their RTO.
    pub not_restored: usize,
    pub open: usize,
    pub without_rto: usize,
    pub services: Vec<ServiceObjective>,
}

#[derive(Debug, Serialize)]
pub struct ServiceObjective {
    pub id: String,
    pub name: String,
    pub state: &'static str,
    pub rto: Option<String>,
    pub rto_seconds: Option<f64>,
    pub online_after: Option<String>,
    pub online_after_seconds: Option<f64>,
    /// `met`, `missed`, `not restored` (failed, blocked or skipped), `open` (not online, RTO
    /// not passed when the run ended) or `none` (no RTO).
    pub verdict: &'static str,
    /// How early (positive) or late (negative) against the RTO, for people.
    pub margin: Option<String>,
}

/// Something that did not go as the plan says.
#[derive(Debug, Serialize)]
pub struct Deviation {
    pub kind: &'static str,
    pub service: Option<String>,
    pub at: String,
    pub text: String,
}

#[derive(Debug, Serialize)]
pub struct Steps {
    pub executed: Vec<Step>,
    pub not_executed: Vec<Step>,
}

#[derive(Debug, Serialize)]
pub struct Step {
    pub service: String,
    /// `restored after N attempt(s)`, `failed after N`, `already online: nothing to do`, ….
    pub what: String,
}

#[derive(Debug, Serialize)]
pub struct JournalCheck {
    pub path: String,
    pub records: Option<usize>,
    pub intact: bool,
    pub problem: Option<String>,
    /// The head the run ended with (its `end` record), and whether it is signed.
    pub head: Option<String>,
    /// The last run's end carries a signature (checked or not).
    pub signed: bool,
    /// With `--verify-key`: whether every run covered ended signed by that key (`null`: not
    /// checked). A report says "signed by the key" only when this is true.
    pub signature_checked: Option<bool>,
    pub verify_command: String,
    /// Every evidence file matches the SHA-256 the journal holds for it.
    pub evidence_intact: bool,
}
