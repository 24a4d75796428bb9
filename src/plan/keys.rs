//! The keys each table of the plan format accepts. The decoder rejects anything else, and a test
//! checks that the JSON Schema documents exactly these keys.

pub const TOP: &[&str] = &["plan", "defaults", "announce", "notify", "approvers", "phase", "service"];
/// `[[service.verify]]`: a verify gate.
pub const VERIFY: &[&str] = &[
    "name",
    "command",
    "http",
    "shell",
    "env",
    "inherit_env",
    "cwd",
    "expect_exit",
    "method",
    "headers",
    "body",
    "expect_status",
    "timeout",
    "duration",
    "evidence",
];
/// `approval = { … }` of a service.
pub const APPROVAL: &[&str] = &["role", "count"];
/// `[[notify]]`: an operators' alert target.
pub const NOTIFY: &[&str] =
    &["url", "format", "headers", "command", "shell", "env", "inherit_env", "cwd", "events"];
pub const PLAN: &[&str] = &[
    "name",
    "organization",
    "locales",
    "timezone",
    "phase_gates",
    "on_failure",
    "rto_risk_at",
    "contact",
    "regulation",
    "allowed_signers",
    "separate_duties",
];
/// `role = { people, require_signature }` in `[approvers]`.
pub const ROLE: &[&str] = &["people", "require_signature"];
/// `[plan.regulation]` and each of its `[[plan.regulation.clock]]`.
pub const REGULATION: &[&str] = &["clock"];
pub const CLOCK: &[&str] = &["name", "within", "met_by"];
pub const CONTACT: &[&str] = &["phone", "email", "form", "post"];
pub const CHANNEL: &[&str] = &["address", "service"];
pub const DEFAULTS: &[&str] = &["check", "restore", "duration", "rto", "customer_facing", "wait_timeout"];
pub const CHECK_DEFAULTS: &[&str] = &["timeout", "interval", "healthy_after"];
pub const RESTORE_DEFAULTS: &[&str] = &["timeout", "retries", "backoff"];
/// A service's name in one locale, written as its grammatical forms.
pub const NAME_FORMS: &[&str] = &["nom", "gen", "plural", "label"];
pub const PHASE: &[&str] = &["id", "name"];
pub const SERVICE: &[&str] = &[
    "id",
    "name",
    "phase",
    "depends_on",
    "optional_depends_on",
    "critical",
    "limited",
    "approval",
    "verify",
    "duration",
    "duration_p90",
    "rto",
    "watch",
    "customer_facing",
    "wait_timeout",
    "summary",
    "workaround",
    "after_restore",
    "check",
    "restore",
];
pub const CHECK: &[&str] = &[
    "http",
    "tcp",
    "command",
    "timeout",
    "interval",
    "healthy_after",
    "method",
    "headers",
    "expect_status",
    "body_contains",
    "body_regex",
    "max_latency",
    "insecure_tls",
    "shell",
    "env",
    "inherit_env",
    "cwd",
    "expect_exit",
    "stdout_contains",
];
/// Keys of `[[service.check]]` that belong to one kind only.
pub const CHECK_HTTP_ONLY: &[&str] =
    &["method", "headers", "expect_status", "body_contains", "body_regex", "max_latency", "insecure_tls"];
pub const CHECK_COMMAND_ONLY: &[&str] =
    &["shell", "env", "inherit_env", "cwd", "expect_exit", "stdout_contains"];
pub const RESTORE: &[&str] =
    &["command", "http", "manual", "timeout", "retries", "backoff", "shell", "env", "inherit_env", "cwd"];
pub const RESTORE_COMMAND_ONLY: &[&str] = &["shell", "env", "inherit_env", "cwd"];
pub const HTTP_ACTION: &[&str] = &["url", "method", "headers", "body", "expect_status"];
pub const ANNOUNCE: &[&str] = &[
    "templates",
    "batch_window",
    "cadence",
    "publish_eta",
    "publish",
    "publish_hours",
    "reviewers",
    "webhook",
    "outage",
];
/// `[announce.outage]`: what the outage notice tells besides what is down, in this order.
pub const OUTAGE: &[&str] = &[
    "headline",
    "cause",
    "still_working",
    "data_safety",
    "personal_data",
    "authorities",
    "phishing",
    "passwords",
];
pub const WEBHOOK: &[&str] =
    &["url", "format", "headers", "components", "locales", "pace", "restoring", "deliver_notifications"];
