//! The validated restore plan: what every later stage (graph, scheduler, checks, announcements) reads.

use std::time::Duration;

use regex::Regex;
use toml::Spanned;

pub use super::contact::{Channel, Contact};

pub use super::choices::{AlertKind, ComponentStatus, OnFailure, Publish};
use super::source::Span;
use super::text::Text;

#[derive(Debug, Clone)]
pub struct Plan {
    pub name: String,
    /// The SHA-256 (hex) of the plan file as it was read: names the exact plan a run followed.
    pub sha256: String,
    pub organization: Option<String>,
    /// Announcement languages; the first is the primary one. Never empty.
    pub locales: Vec<String>,
    /// IANA time zone name for dates in announcements.
    pub timezone: String,
    /// A phase starts only when every earlier phase is online.
    pub phase_gates: bool,
    /// What a critical service's failure does to the rest of the run.
    pub on_failure: OnFailure,
    pub contact: Contact,
    pub phases: Vec<Phase>,
    pub services: Vec<Service>,
    pub announce: Announce,
    /// `[[notify]]`: the operators' alerts.
    pub notify: Vec<Notify>,
    /// `[approvers]`: the people of each role, by role.
    pub approvers: Vec<Role>,
    /// `[plan] allowed_signers`: who holds which SSH key, resolved against the plan's folder
    /// (`None`: `allowed_signers` beside the plan, if there is one).
    pub allowed_signers: Option<Spanned<std::path::PathBuf>>,
    /// `[plan] separate_duties`: whoever started a run may not sign off its services.
    pub separate_duties: bool,
    /// A service not back when this fraction of its RTO has passed is at risk (an alert).
    pub rto_risk_at: f64,
    /// `[plan.regulation]`: the reporting clocks an incident starts.
    pub regulation: Vec<Clock>,
}

/// A regulatory clock: `within` this long of the incident's start, `met_by` must be done.
#[derive(Debug, Clone)]
pub struct Clock {
    pub name: String,
    /// As written (`24h`, `1 month`).
    pub within: String,
    /// The same, as a span (a month is a calendar month).
    pub span: jiff::Span,
    /// The service (usually a manual step) whose confirmation or restore meets it.
    pub met_by: Spanned<String>,
}

/// One `[[notify]]` target: where alerts go, and which (empty: all).
#[derive(Debug, Clone)]
pub struct Notify {
    pub target: NotifyTarget,
    pub events: Vec<AlertKind>,
}

#[derive(Debug, Clone)]
pub enum NotifyTarget {
    /// A JSON endpoint or a Slack incoming webhook.
    Http { url: Text, format: WebhookFormat, headers: Vec<(String, Text)> },
    /// A command, given the alert as JSON on its standard input.
    Command(CommandSpec),
}

/// A verify gate: a command or an HTTP request that must succeed after the restore (a malware
/// scan of the restored data, a check that credentials were rotated, the restore point used).
#[derive(Debug, Clone)]
pub struct Gate {
    pub name: String,
    pub step: GateStep,
    pub timeout: Duration,
    /// How long it takes in a dry run.
    pub duration: Duration,
    /// `evidence = "restore_point"`: its output is the service's restore point.
    pub restore_point: bool,
}

#[derive(Debug, Clone)]
pub enum GateStep {
    Command { command: CommandSpec, expect_exit: i32 },
    Http(HttpRequest),
}

/// `approval = { role, count }`.
#[derive(Debug, Clone)]
pub struct Approval {
    pub role: Spanned<String>,
    pub count: u32,
}

/// A role of `[approvers]`.
#[derive(Debug, Clone)]
pub struct Role {
    pub name: String,
    pub people: Vec<String>,
    /// Its sign-offs must be signed with a key `allowed_signers` gives the person.
    pub require_signature: bool,
}

/// `[announce]`: how customer updates are written and published.
/// (`publish_eta` is false and `publish` review unless the plan says otherwise.)
#[derive(Debug, Clone, Default)]
pub struct Announce {
    /// A directory of template overrides (`EVENT.LOCALE.md.j2`), resolved against the plan's folder.
    pub templates: Option<Spanned<std::path::PathBuf>>,
    /// Services online (or late) within this window of the run's clock share one update (zero:
    /// one update per service); `None`: chosen for the plan (see `announce::batch_window`).
    pub batch_window: Option<Duration>,
    /// With nothing else to tell for this long, customers get a short progress update; every
    /// update says when the next one comes at the latest.
    pub cadence: Option<Duration>,
    /// Late updates and the status page give the dates the schedule of what remains expects.
    pub publish_eta: bool,
    /// Whether an update goes out to the webhooks as written, or only once a person approved it.
    pub publish: Publish,
    /// Good news goes out only within these hours of the day (the plan's zone): from, to.
    pub publish_hours: Option<(jiff::civil::Time, jiff::civil::Time)>,
    /// The role of `[approvers]` whose people alone approve or reject updates under review
    /// (signed where the role requires signatures); `None`: anyone named.
    pub reviewers: Option<Spanned<String>>,
    pub webhooks: Vec<Webhook>,
    /// `[announce.outage]`: the outage notice's texts by key (`cause`, `still_working`,
    /// `data_safety`, `personal_data`, `authorities`, `phishing`, `passwords`), in the order of
    /// `keys::OUTAGE`.
    pub outage: Vec<(&'static str, Localized)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookFormat {
    Json,
    Slack,
    Statuspage,
}

#[derive(Debug, Clone)]
pub struct Webhook {
    pub url: Text,
    pub format: WebhookFormat,
    pub headers: Vec<(String, Text)>,
    /// Statuspage: service id (as written) → component id.
    pub components: Vec<(Spanned<String>, String)>,
    /// The languages each message carries (empty: every locale of the plan; Statuspage: the
    /// first of them).
    pub locales: Vec<Spanned<String>>,
    /// At least this long between two posts to it.
    pub pace: Duration,
    /// Statuspage: what a component shows while its service is being restored.
    pub restoring: ComponentStatus,
    /// Statuspage: whether subscribers are notified of the incident's updates.
    pub deliver_notifications: bool,
}

#[derive(Debug, Clone)]
pub struct Phase {
    pub id: String,
    pub span: Span,
    pub name: Localized,
}

/// A customer-facing text: one string for every locale, or one per locale. A name may give, per
/// locale, the grammatical forms sentences need besides the base (nominative) one.
#[derive(Debug, Clone, Default)]
pub struct Localized {
    pub all: Option<Spanned<String>>,
    pub by_locale: Vec<(Spanned<String>, Spanned<String>)>,
    /// Forms by locale, for names written as `pl = { nom = "…", gen = "…" }`.
    pub forms: Vec<(String, Forms)>,
}

/// What a sentence needs of a name besides its base form: `gen` (`genitive`) (Polish genitive: "przywróciliśmy
/// działanie poczty e-mail") and whether it is plural ("contact forms are").
#[derive(Debug, Clone, Default)]
pub struct Forms {
    pub genitive: Option<Spanned<String>>,
    pub plural: bool,
    /// What the status page shows beside the state ("Phone hotline" for "our phone hotline").
    pub label: Option<Spanned<String>>,
}

impl Localized {
    pub fn get(&self, locale: &str) -> Option<&str> {
        self.by_locale
            .iter()
            .find(|(l, _)| l.get_ref() == locale)
            .map(|(_, t)| t.get_ref().as_str())
            .or_else(|| self.all.as_ref().map(|t| t.get_ref().as_str()))
    }

    /// The forms given for `locale`, if the name was written as a table of forms there.
    pub fn forms(&self, locale: &str) -> Option<&Forms> {
        self.forms.iter().find(|(l, _)| l == locale).map(|(_, f)| f)
    }

    /// Every text with its span (for the infrastructure-leak check).
    pub fn texts(&self) -> impl Iterator<Item = &Spanned<String>> {
        self.all
            .iter()
            .chain(self.by_locale.iter().map(|(_, t)| t))
            .chain(self.forms.iter().flat_map(|(_, f)| f.genitive.iter().chain(&f.label)))
    }
}

#[derive(Debug, Clone)]
pub struct Service {
    pub id: String,
    /// Span of the `id` value.
    pub span: Span,
    pub name: Localized,
    /// Index into `Plan::phases`.
    pub phase: Option<usize>,
    /// Ids as written; resolved to graph edges by `graph`.
    pub depends_on: Vec<Spanned<String>>,
    /// Services this one waits for, but whose failure does not block it.
    pub optional_depends_on: Vec<Spanned<String>>,
    /// Its failure fails the run (and, with `on_failure = "halt"`, stops new starts); a
    /// non-critical one's failure is reported and the run can still succeed.
    pub critical: bool,
    /// Customers can still use it in a limited way while it is down (the status page says
    /// "limited", a Statuspage component a partial outage).
    pub limited: bool,
    /// Named people who must sign it off (`restorectl confirm … --by NAME`) before it counts as
    /// online: `count` distinct people of `role`.
    pub approval: Option<Approval>,
    /// `[[service.verify]]`: steps that must pass after the restore, before it counts as online.
    pub gates: Vec<Gate>,
    /// Expected restore time, used by the dry run and the critical path.
    pub duration: Duration,
    /// `duration_p90`: nine restores in ten take at most this long (the plan's `duration` is then
    /// the median); dry-run trials draw from a log-normal through both.
    pub duration_p90: Option<Duration>,
    pub rto: Option<Duration>,
    /// `watch`: once online, the run keeps probing it this long, and restores it again if it
    /// falls back (`run --watch` gives it to services without their own).
    pub watch: Option<Duration>,
    pub customer_facing: bool,
    /// How long to wait for the checks when no restore action bounds the wait.
    pub wait_timeout: Duration,
    /// How long to wait for people (a manual step's confirmation, sign-offs): the `wait_timeout`
    /// the plan gives (the service's or `[defaults]`'), or no limit.
    pub people_timeout: Option<Duration>,
    pub summary: Option<Localized>,
    /// What customers can do meanwhile, told if the service's restore fails.
    pub workaround: Option<Localized>,
    /// What customers should do once it is back (e.g. change a password), told when it is.
    pub after_restore: Option<Localized>,
    pub checks: Vec<Check>,
    pub restore: Option<Restore>,
}

impl Service {
    /// A manual step with no checks: only a person's confirmation can tell it is done.
    pub fn needs_confirmation(&self) -> bool {
        self.checks.is_empty() && matches!(self.restore.as_ref().map(|r| &r.action), Some(Action::Manual(_)))
    }

    /// How long any wait of this service may last: its restore's timeout, or without a restore
    /// action, its `wait_timeout`.
    pub fn wait_limit(&self) -> Duration {
        self.restore.as_ref().map_or(self.wait_timeout, |r| r.timeout)
    }

    /// The name customers see in `locale`, falling back to the id.
    pub fn display_name(&self, locale: &str) -> &str {
        self.name.get(locale).unwrap_or(&self.id)
    }

    /// The name as a label on its own (the status page): the plan's `label`, or the name with a
    /// capital first letter.
    pub fn label(&self, locale: &str) -> String {
        if let Some(label) = self.name.forms(locale).and_then(|f| f.label.as_ref()) {
            return label.get_ref().clone();
        }
        let name = self.display_name(locale);
        let mut chars = name.chars();
        chars.next().map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
    }
}

#[derive(Debug, Clone)]
pub struct Check {
    pub span: Span,
    pub probe: Probe,
    pub timeout: Duration,
    pub interval: Duration,
    /// Consecutive successes needed before a service counts as healthy.
    pub healthy_after: u32,
}

#[derive(Debug, Clone)]
pub enum Probe {
    Http(HttpProbe),
    Tcp { target: Text },
    Command(CommandProbe),
}

#[derive(Debug, Clone)]
pub struct HttpProbe {
    pub request: HttpRequest,
    pub body_contains: Option<Text>,
    pub body_regex: Option<Regex>,
    pub max_latency: Option<Duration>,
    pub insecure_tls: bool,
}

#[derive(Debug, Clone)]
pub struct HttpRequest {
    pub url: Text,
    pub method: String,
    pub headers: Vec<(String, Text)>,
    pub body: Option<Text>,
    /// Empty: any 2xx.
    pub expect_status: Vec<u16>,
}

#[derive(Debug, Clone)]
pub struct CommandSpec {
    pub argv: Vec<Text>,
    /// Run `argv` joined as one `sh -c` script instead of directly.
    pub shell: bool,
    pub env: Vec<(String, Text)>,
    pub cwd: Option<Text>,
    /// `inherit_env = true`: the whole environment of restorectl is passed on; otherwise only
    /// the basics (`HOME`, `USER`, `LANG`, …), `env` and the variables its `${env:…}` name.
    pub inherit_env: bool,
}

#[derive(Debug, Clone)]
pub struct CommandProbe {
    pub command: CommandSpec,
    pub expect_exit: i32,
    pub stdout_contains: Option<Text>,
}

#[derive(Debug, Clone)]
pub struct Restore {
    pub span: Span,
    pub action: Action,
    pub timeout: Duration,
    pub retries: u32,
    pub backoff: Duration,
}

#[derive(Debug, Clone)]
pub enum Action {
    Command(CommandSpec),
    Http(HttpRequest),
    /// An instruction for the operator.
    Manual(String),
}

impl Plan {
    pub fn service(&self, id: &str) -> Option<&Service> {
        self.services.iter().find(|s| s.id == id)
    }

    /// Every service's index by id, for matching many ids (a journal's events) in one pass.
    pub fn ids(&self) -> std::collections::HashMap<&str, usize> {
        self.services.iter().enumerate().map(|(i, s)| (s.id.as_str(), i)).collect()
    }

    /// The index of the service `id`, or an error that names the nearest id.
    pub fn index_of(&self, id: &str) -> Result<usize, UnknownService> {
        self.services.iter().position(|s| s.id == id).ok_or_else(|| UnknownService {
            id: id.to_owned(),
            nearest: crate::suggest::did_you_mean(id, self.services.iter().map(|s| s.id.as_str()))
                .map(str::to_owned),
        })
    }

    /// The organisation customers know, or the plan's name when it names none.
    pub fn organization(&self) -> &str {
        self.organization.as_deref().unwrap_or(&self.name)
    }
}

/// An id given on the command line that names no service of the plan.
#[derive(Debug, thiserror::Error)]
#[error("the plan has no service `{id}`{}", nearest.as_ref().map(|n| format!("; did you mean `{n}`?")).unwrap_or_default())]
pub struct UnknownService {
    pub id: String,
    pub nearest: Option<String>,
}
