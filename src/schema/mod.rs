//! The plan format as JSON Schema types: documentation for editors (taplo / Even Better TOML).
//! The decoder in `plan` is the authority; a test keeps these types in step with its key lists.

use std::collections::BTreeMap;

use schemars::JsonSchema;

/// A restore plan for `restorectl`.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields, title = "restorectl restore plan")]
pub struct PlanFile {
    /// The plan itself.
    pub plan: PlanTable,
    /// Defaults applied to every service that does not say otherwise.
    pub defaults: Option<Defaults>,
    /// Customer announcements: template overrides, batching, webhooks.
    pub announce: Option<Announce>,
    /// Alerts for the operators (not the customers).
    pub notify: Option<Vec<NotifyTable>>,
    /// The people of each role who may sign services off (`role = ["name", …]`, or
    /// `role = { people = [...], require_signature = true }`).
    pub approvers: Option<BTreeMap<String, Role>>,
    /// Phases, restored in the order written.
    pub phase: Option<Vec<Phase>>,
    /// The services to restore.
    pub service: Vec<Service>,
}

/// `[plan]`
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct PlanTable {
    /// Name of the plan, e.g. "Example Co. IT restoration".
    pub name: String,
    /// Organisation name used in announcements.
    pub organization: Option<String>,
    /// Announcement languages; the first is the primary one.
    pub locales: Option<Vec<String>>,
    /// IANA time zone for dates in announcements, e.g. "Europe/Warsaw".
    pub timezone: Option<String>,
    /// A phase starts only when every earlier phase is online.
    pub phase_gates: Option<bool>,
    /// After a critical service failed for good: "continue" with what does not wait for it, or
    /// "halt" (start nothing new, let what runs finish, exit 1).
    pub on_failure: Option<String>,
    /// A service not back when this fraction of its RTO has passed is at risk (an alert).
    pub rto_risk_at: Option<f64>,
    /// How customers can reach the organisation; rendered into announcements.
    pub contact: Option<Contact>,
    /// The reporting clocks an incident starts: the evidence report says whether each was met.
    pub regulation: Option<regulation::Regulation>,
    /// Who holds which SSH key, in git's `allowed_signers` format, relative to the plan
    /// (default: `allowed_signers` beside the plan, if there is one).
    pub allowed_signers: Option<String>,
    /// Whoever started a run may not sign off its services nor decide on its customer updates.
    pub separate_duties: Option<bool>,
}

/// `[announce]`
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Announce {
    /// Directory of template overrides, `EVENT.LOCALE.md.j2` (events: start, online, phase, restored,
    /// late, failed, progress, status), relative to the plan.
    pub templates: Option<String>,
    /// Services online (or late) within this window of the run's clock share one update ("0s":
    /// one update each). Without it: the default, or for a restoration expected to take longer
    /// than about ten days, a thousandth of its expected length.
    pub batch_window: Option<HumanDuration>,
    /// With nothing else to tell for this long, a short progress update goes out; every update
    /// says when the next one comes at the latest (e.g. "7d").
    pub cadence: Option<HumanDuration>,
    /// Late updates give a new date, and the status page the date each service is expected
    /// back, from the schedule of what remains (the plan's durations); without it, no date is
    /// promised.
    pub publish_eta: Option<bool>,
    /// "review": updates reach the webhooks only once a person approved them (`restorectl
    /// announce approve PLAN NUMBER --by NAME`); "auto": as soon as written. Files are written
    /// either way; dry runs never publish.
    pub publish: Option<PublishMode>,
    /// "HH:MM-HH:MM" in the plan's time zone (e.g. "08:00-20:00"): good news (services back, a
    /// stage complete) waits for these hours; bad news and promised updates never wait.
    pub publish_hours: Option<String>,
    /// A role of `[approvers]`: only its people approve or reject updates (signed where it has
    /// `require_signature = true`).
    pub reviewers: Option<String>,
    /// Where each update is posted.
    pub webhook: Option<Vec<WebhookTable>>,
    /// What the outage notice says besides what is down.
    pub outage: Option<Outage>,
}

/// `[announce] publish`
#[derive(JsonSchema)]
#[schemars(rename_all = "lowercase")]
pub enum PublishMode {
    Auto,
    Review,
}

/// `[[announce.webhook]]`
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct WebhookTable {
    pub url: String,
    /// "json" (default), "slack" or "statuspage".
    pub format: Option<String>,
    pub headers: Option<BTreeMap<String, String>>,
    /// statuspage: customer-facing service id → Statuspage component id.
    pub components: Option<BTreeMap<String, String>>,
    /// The languages each message carries (default: every locale of the plan; statuspage: the
    /// first).
    pub locales: Option<Vec<String>>,
    /// At least this long between two posts (default: slack and statuspage "1s", json "0s").
    pub pace: Option<HumanDuration>,
    /// statuspage: what a component shows while its service is restored: "partial_outage"
    /// (default), "major_outage" or "under_maintenance".
    pub restoring: Option<String>,
    /// statuspage: notify the page's subscribers of each update (default true).
    pub deliver_notifications: Option<bool>,
}

/// A duration: "90s", "5m", "4h", "1h 30m", "3d", "2 weeks" (a day is 24 hours; no months or years).
#[derive(JsonSchema)]
#[schemars(transparent)]
pub struct HumanDuration(
    #[schemars(regex(pattern = r"^\s*\d+\s*[a-zA-Zµ]+(\s*\d+\s*[a-zA-Zµ]+)*\s*$"))] pub String,
);

/// `[defaults]`
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Defaults {
    pub check: Option<CheckDefaults>,
    pub restore: Option<RestoreDefaults>,
    pub duration: Option<HumanDuration>,
    pub rto: Option<HumanDuration>,
    pub customer_facing: Option<bool>,
    /// How long a service without a restore action waits for its checks.
    pub wait_timeout: Option<HumanDuration>,
}

#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct CheckDefaults {
    /// Hard deadline of one probe.
    pub timeout: Option<HumanDuration>,
    /// Time between probes while waiting for health.
    pub interval: Option<HumanDuration>,
    /// Consecutive successes before a service counts as healthy.
    #[schemars(range(min = 1, max = 100))]
    pub healthy_after: Option<u32>,
}

#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RestoreDefaults {
    /// Deadline of one attempt.
    pub timeout: Option<HumanDuration>,
    /// Attempts after the first.
    #[schemars(range(max = 100))]
    pub retries: Option<u32>,
    /// First wait before a retry; doubles each time.
    pub backoff: Option<HumanDuration>,
}

/// `[[phase]]`
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Phase {
    #[schemars(regex(pattern = r"^[a-z0-9_-]+$"))]
    pub id: String,
    pub name: Option<Localized>,
}

/// One string for every language, or a table with one string per language.
#[derive(JsonSchema)]
#[schemars(untagged)]
pub enum Localized {
    All(String),
    PerLocale(BTreeMap<String, String>),
}

/// `[[service]]`
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Service {
    /// Unique id: lowercase letters, digits, `_` and `-`.
    #[schemars(regex(pattern = r"^[a-z0-9_-]+$"))]
    pub id: String,
    /// Customer-facing name per locale, optionally with its grammatical forms.
    pub name: Option<Name>,
    /// Id of a `[[phase]]`.
    pub phase: Option<String>,
    /// Ids of the services this one needs.
    pub depends_on: Option<Vec<String>>,
    /// Ids of services this one waits for, but whose failure does not block it.
    pub optional_depends_on: Option<Vec<String>>,
    /// A non-critical service's failure is reported, and the run can still succeed.
    pub critical: Option<bool>,
    /// Customers can still use it in a limited way while it is down (e.g. installations that go
    /// on at a smaller scale): the status page shows it as "limited", not as an outage.
    pub limited: Option<bool>,
    /// Named people who must sign it off before it counts as online.
    pub approval: Option<ApprovalTable>,
    /// Steps that must pass after the restore before it counts as online (a scan, …).
    pub verify: Option<Vec<VerifyTable>>,
    /// Expected restore time, used by the dry run (the median, when `duration_p90` is given).
    pub duration: Option<HumanDuration>,
    /// Nine restores in ten take at most this long: trials draw from a log-normal through both.
    pub duration_p90: Option<HumanDuration>,
    /// Recovery-time objective, counted from the run's start.
    pub rto: Option<HumanDuration>,
    /// Once online, keep probing it this long; if it falls back, restore it again (and tell
    /// customers it is unavailable again if they were told it was back).
    pub watch: Option<HumanDuration>,
    /// Internal services are never named in announcements.
    pub customer_facing: Option<bool>,
    /// How long to wait for the checks when there is no restore action to bound the wait; then
    /// the service fails (or `[defaults] wait_timeout`).
    pub wait_timeout: Option<HumanDuration>,
    /// What customers can do again, per locale.
    pub summary: Option<Localized>,
    /// What customers can do meanwhile, per locale: told if the service's restore fails.
    pub workaround: Option<Localized>,
    /// What customers should do once it is back (e.g. change a password), per locale.
    pub after_restore: Option<Localized>,
    /// Health checks; all must pass.
    pub check: Option<Vec<Check>>,
    /// How to restore the service; without it restorectl waits for the checks.
    pub restore: Option<Restore>,
}

/// Program and arguments (no shell), or with `shell = true` a script for `sh -c`.
#[derive(JsonSchema)]
#[schemars(untagged)]
pub enum CommandLine {
    Argv(Vec<String>),
    Script(String),
}

/// `[[service.check]]`: exactly one of `http`, `tcp`, `command`.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Check {
    /// URL to request.
    pub http: Option<String>,
    /// "host:port" to connect to.
    pub tcp: Option<String>,
    /// Command whose exit code tells health.
    pub command: Option<CommandLine>,
    pub timeout: Option<HumanDuration>,
    pub interval: Option<HumanDuration>,
    #[schemars(range(min = 1, max = 100))]
    pub healthy_after: Option<u32>,
    /// http: request method.
    pub method: Option<String>,
    /// http: request headers.
    pub headers: Option<BTreeMap<String, String>>,
    /// http: accepted status codes. Default: any 2xx.
    pub expect_status: Option<Vec<u16>>,
    /// http: text the body must contain.
    pub body_contains: Option<String>,
    /// http: regular expression the body must match.
    pub body_regex: Option<String>,
    /// http: slowest acceptable answer.
    pub max_latency: Option<HumanDuration>,
    /// http: skip TLS certificate verification.
    pub insecure_tls: Option<bool>,
    /// command: run through `sh -c`.
    pub shell: Option<bool>,
    /// command: extra environment variables.
    pub env: Option<BTreeMap<String, String>>,
    /// command: pass the whole environment on (default: only the basics and the variables it
    /// names).
    pub inherit_env: Option<bool>,
    /// command: working directory.
    pub cwd: Option<String>,
    /// command: expected exit code.
    #[schemars(range(max = 255))]
    pub expect_exit: Option<u8>,
    /// command: text the standard output must contain.
    pub stdout_contains: Option<String>,
}

/// `[service.restore]`: exactly one of `command`, `http`, `manual`.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Restore {
    pub command: Option<CommandLine>,
    /// A request to an automation API (AWX, Rundeck, Jenkins, …).
    pub http: Option<HttpAction>,
    /// An instruction for the operator.
    pub manual: Option<String>,
    pub timeout: Option<HumanDuration>,
    #[schemars(range(max = 100))]
    pub retries: Option<u32>,
    pub backoff: Option<HumanDuration>,
    pub shell: Option<bool>,
    pub env: Option<BTreeMap<String, String>>,
    /// Pass the whole environment on (default: only the basics and the variables it names).
    pub inherit_env: Option<bool>,
    pub cwd: Option<String>,
}

#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct HttpAction {
    pub url: String,
    /// Request method.
    pub method: Option<String>,
    pub headers: Option<BTreeMap<String, String>>,
    pub body: Option<String>,
    /// Default: any 2xx.
    pub expect_status: Option<Vec<u16>>,
}

pub fn plan_schema() -> serde_json::Value {
    let mut schema = serde_json::to_value(schemars::schema_for!(PlanFile)).unwrap_or_default();
    drop_nulls(&mut schema);
    // The defaults come from the decoder's own table, not from prose.
    for d in crate::plan::defaults::documented() {
        for pointer in d.schema {
            if let Some(serde_json::Value::Object(property)) = schema.pointer_mut(pointer) {
                property.insert("default".into(), d.value.clone());
            }
        }
    }
    schema
}

/// TOML has no null: an optional key is simply left out, so `Option` must not admit `null`.
fn drop_nulls(v: &mut serde_json::Value) {
    use serde_json::Value;
    let Value::Object(map) = v else {
        if let Value::Array(items) = v {
            items.iter_mut().for_each(drop_nulls);
        }
        return;
    };
    if let Some(Value::Array(types)) = map.get_mut("type") {
        types.retain(|t| t != "null");
        if types.len() == 1 {
            let only = types.remove(0);
            map.insert("type".into(), only);
        }
    }
    if let Some(Value::Array(any)) = map.get_mut("anyOf") {
        any.retain(|s| s.get("type").is_none_or(|t| t != "null"));
        if any.len() == 1 {
            let only = any.remove(0);
            map.remove("anyOf");
            if let Value::Object(inner) = only {
                map.extend(inner);
            }
        }
    }
    map.values_mut().for_each(drop_nulls);
}

mod contact;
mod gates;
mod names;
mod outage;
mod people;
mod regulation;
#[cfg(test)]
mod tests;

pub use contact::{Channel, ChannelTable, Contact};
pub use gates::VerifyTable;
pub use names::{Name, NameForms, NameInLocale};
pub use outage::Outage;
pub use people::{ApprovalTable, NotifyTable, Role};
