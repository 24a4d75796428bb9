//! Why a command could not do its job, as one enum a caller can match on: each kind says its exit
//! code. The library's own errors (the state directory, reporters, plan lookups) convert into it;
//! only `app` prints it.

use crate::bus::WriteError;
use crate::exit::Exit;
use crate::plan::UnknownService;
use crate::state::StateError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    State(#[from] StateError),
    #[error(transparent)]
    Write(#[from] WriteError),
    /// An id names no service of the plan.
    #[error(transparent)]
    NoSuchService(#[from] UnknownService),
    /// `confirm` of a service that is not a manual step without checks.
    #[error("`{0}` is not a manual step without checks; restorectl confirms it by its checks")]
    NotConfirmable(String),
    /// `confirm` with no run going on.
    #[error("no run is waiting for `{id}`: no restorectl run is going on in {}", dir.display())]
    NoRunWaiting { id: String, dir: std::path::PathBuf },
    /// `confirm --run` of another run than the one going on.
    #[error("run {given} is not the run going on now (that is run {current}); nothing confirmed")]
    OtherRun { given: String, current: String },
    /// A sign-off by someone who is not one of the role's approvers.
    #[error("`{by}` is not among the approvers of `{role}` ({}); nothing signed", members.join(", "))]
    NotAnApprover { by: String, role: String, members: Vec<String> },
    /// The shared state (`--state postgres://…`) cannot be used.
    #[error("{0}")]
    Shared(#[from] crate::shared::SharedError),
    /// A person's decision that was refused (and journaled where a run could take it).
    #[error("the {act} of `{subject}` by {by} is refused: {reason}")]
    Refused { act: &'static str, subject: String, by: String, reason: String },
    /// A decision that had to be signed and could not be.
    #[error("cannot sign as {by}: {why}")]
    CannotSign { by: String, why: crate::people::SignError },
    /// `confirm` of a step the run is not waiting for.
    #[error("run {run} is not waiting for `{id}` now; nothing confirmed")]
    NotWaiting { run: String, id: String },
    /// `confirm` whose decision the waiting run did not take (it died, or its pid is another
    /// process's now): withdrawn.
    #[error(
        "run {run} did not take the decision on `{id}` within {seconds}s (it is not running, or hangs); nothing confirmed"
    )]
    NotTaken { run: String, id: String, seconds: u64 },
    /// A review by someone who is not one of the reviewers' role (`[announce] reviewers`).
    #[error("`{by}` is not among the reviewers of updates, role `{role}` ({}); nothing decided", members.join(", "))]
    NotAReviewer { by: String, role: String, members: Vec<String> },
    /// A review made with another version of the plan than the incident follows.
    #[error(
        "{} is not the plan run {run} follows (its SHA-256 {then}, this copy's {now}): review with the incident's plan, whose reviewers and keys decide",
        plan.display()
    )]
    ReviewOtherPlan { plan: std::path::PathBuf, run: String, then: String, now: String },
    /// A review given through the shared state that the run holding the incident refused.
    #[error("{0}")]
    ReviewRefused(String),
    /// A review given through the shared state that no run took in time: withdrawn.
    #[error(
        "the run holding the incident did not take the review of update {number:04} within {seconds}s (it stopped, or hangs); nothing decided"
    )]
    ReviewNotTaken { number: u32, seconds: u64 },
    /// `logs` of a service, run or attempt that left none.
    #[error("no log of `{id}`{}{}", run.as_ref().map(|r| format!(" in run {r}")).unwrap_or_default(), attempt.map(|a| format!(", attempt {a}")).unwrap_or_default())]
    NoLog { id: String, run: Option<String>, attempt: Option<u32> },
    /// A flag names a service the plan does not have.
    #[error("`{flag}`: {unknown}")]
    UnknownService { flag: String, unknown: UnknownService },
    /// A flag's value is not what it takes.
    #[error("`{flag}`: {why}")]
    Flag { flag: String, why: String },
    /// The plan's time zone is not one this machine knows.
    #[error("the time zone `{zone}` is unknown here: {why}")]
    TimeZone { zone: String, why: String },
    /// The run's report could not be written to stdout.
    #[error("cannot write the report: {0}")]
    Report(std::io::Error),
    /// `import` could not read or translate its sources.
    #[error("{0}")]
    Import(String),
    /// `estimate` with no real run in the journals.
    #[error("{0}")]
    NoHistory(String),
    /// `estimate --write` could not rewrite the plan.
    #[error("nothing written: {0}")]
    NotWritten(String),
    /// The plan does not load: its diagnostics say why (printed with their excerpts).
    #[error("{} is not a valid plan", .0.source.path().display())]
    Rejected(Box<crate::loaded::Rejected>),
    /// An error, and what the person may do about it (a second line).
    #[error("{error}")]
    Hinted { error: Box<Error>, hint: &'static str },
    /// `${env:…}` variables the plan names are not set.
    #[error("{0}")]
    MissingVars(crate::secrets::MissingVars),
    /// A webhook's URL is not one once its variables are filled in.
    #[error(
        "the url of webhook {n} of [announce] (`{raw}`) is not an http:// or https:// URL once its variables are filled in"
    )]
    WebhookUrl { n: usize, raw: String },
    /// A webhook's header value cannot be sent once its variables are filled in.
    #[error(
        "header `{name}` of webhook {n} of [announce] (`{raw}`) holds a character a header cannot carry once its variables are filled in (a line break from a file?)"
    )]
    WebhookHeader { name: String, n: usize, raw: String },
    /// The HTTP clients could not be set up.
    #[error("cannot set up HTTP: {0}")]
    Http(#[from] reqwest::Error),
    /// A public key file (`--verify-key`) cannot be read.
    #[error("cannot read {}: {source}", path.display())]
    KeyUnreadable { path: std::path::PathBuf, source: std::io::Error },
    /// A public key file (`--verify-key`) holds no Ed25519 public key.
    #[error("{} is not an Ed25519 public key in PEM: {why}", path.display())]
    NotAKey { path: std::path::PathBuf, why: String },
    /// The journal cannot be read at all.
    #[error("cannot read the journal {}: {source}", path.display())]
    JournalUnreadable { path: std::path::PathBuf, source: std::io::Error },
    /// An update's text cannot be rendered.
    #[error("{0}")]
    Render(#[from] crate::announce::context::RenderError),
    /// The update of one language cannot be printed.
    #[error("the {locale} update is not printed: {why}")]
    NotPrinted { locale: String, why: crate::announce::context::RenderError },
    /// What a command prints could not be written to stdout.
    #[error("{0}")]
    Print(std::io::Error),
    /// The manual page cannot be rendered.
    #[error("cannot render the manual page: {0}")]
    Manual(std::io::Error),
    /// `demo-service`: its port is taken.
    #[error("port {0} is in use")]
    PortInUse(u16),
    /// `demo-service` could not start.
    #[error("cannot start the demo service: {0}")]
    Demo(std::io::Error),
    /// `report` over a journal of another plan.
    #[error("the journal in {} is of the plan `{found}`, not `{expected}`; give its own state directory with --state", dir.display())]
    JournalOfOtherPlan { dir: std::path::PathBuf, found: String, expected: String },
    /// `report` of a plan changed since the run it reports on.
    #[error(
        "{} has changed since run {run} (its SHA-256 then {then}, now {now}); the report must read the plan the run followed: take that version from version control (e.g. `git show REV:{}`) and report on it",
        plan.display(),
        plan.display()
    )]
    PlanChanged { plan: std::path::PathBuf, run: String, then: String, now: String },
    /// The evidence report could not be rendered.
    #[error("cannot write the report: {0}")]
    Evidence(#[from] minijinja::Error),
    /// A report could not be written to standard output.
    #[error("cannot write the report to standard output: {0}")]
    Stdout(std::io::Error),
    /// An update's review could not be taken.
    #[error(transparent)]
    Review(#[from] crate::announce::review::ReviewError),
    /// A decision without the name of who decides.
    #[error("`--by` needs the name of the person deciding")]
    NoName,
    /// Ctrl-C cannot be listened for.
    #[error("cannot listen for Ctrl-C: {0}")]
    Signals(std::io::Error),
    /// The runtime (threads, timers) could not be started.
    #[error("cannot start the runtime: {0}")]
    Runtime(std::io::Error),
    /// A reporter's thread panicked: what it wrote may be incomplete.
    #[error("a reporter failed; its files may be incomplete")]
    Reporter,
}

impl Error {
    /// The exit code a command ends with on this error.
    pub fn exit(&self) -> Exit {
        match self {
            // Input that cannot be used, or a state or file that cannot be: nothing was done.
            Error::State(_)
            | Error::NoSuchService(_)
            | Error::NotConfirmable(_)
            | Error::NotAnApprover { .. }
            | Error::Refused { .. }
            | Error::Shared(_)
            | Error::CannotSign { .. }
            | Error::NoRunWaiting { .. }
            | Error::OtherRun { .. }
            | Error::NotWaiting { .. }
            | Error::NotTaken { .. }
            | Error::ReviewRefused(_)
            | Error::ReviewOtherPlan { .. }
            | Error::NotAReviewer { .. }
            | Error::ReviewNotTaken { .. }
            | Error::NoLog { .. }
            | Error::UnknownService { .. }
            | Error::Flag { .. }
            | Error::TimeZone { .. }
            | Error::NoHistory(_)
            | Error::Import(_)
            | Error::NotWritten(_)
            | Error::Rejected(_)
            | Error::MissingVars(_)
            | Error::WebhookUrl { .. }
            | Error::WebhookHeader { .. }
            | Error::Http(_)
            | Error::KeyUnreadable { .. }
            | Error::NotAKey { .. }
            | Error::JournalUnreadable { .. }
            | Error::Render(_)
            | Error::NotPrinted { .. }
            | Error::Print(_)
            | Error::Manual(_)
            | Error::Review(_)
            | Error::Signals(_)
            | Error::JournalOfOtherPlan { .. }
            | Error::PlanChanged { .. }
            | Error::Evidence(_)
            | Error::Stdout(_)
            | Error::NoName => Exit::Invalid,
            Error::Hinted { error, .. } => error.exit(),
            // The demo's own trouble: the service is not there.
            Error::PortInUse(_) | Error::Demo(_) => Exit::Failures,
            // The work may be done; its record is not whole.
            Error::Write(_) | Error::Report(_) | Error::Reporter | Error::Runtime(_) => Exit::Invalid,
        }
    }

    pub fn flag(flag: impl Into<String>, why: impl Into<String>) -> Self {
        Error::Flag { flag: flag.into(), why: why.into() }
    }

    /// This error, with a second line saying what to do.
    pub fn hint(self, hint: &'static str) -> Self {
        Error::Hinted { error: Box::new(self), hint }
    }
}
