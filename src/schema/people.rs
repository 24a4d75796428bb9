//! The people side of the plan in the schema: the operators' alerts and the sign-offs services
//! need.

use std::collections::BTreeMap;

use schemars::JsonSchema;

/// `[[notify]]`: one of `url` or `command`.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct NotifyTable {
    /// A JSON endpoint or a Slack incoming webhook (`${env:…}` allowed, also as the whole URL).
    pub url: Option<String>,
    /// "json" (default) or "slack".
    pub format: Option<String>,
    pub headers: Option<BTreeMap<String, String>>,
    /// A command (argv), given the alert as JSON on its standard input.
    pub command: Option<Vec<String>>,
    pub shell: Option<bool>,
    pub env: Option<BTreeMap<String, String>>,
    /// Pass the whole environment on (default: only the basics and the variables it names).
    pub inherit_env: Option<bool>,
    pub cwd: Option<String>,
    /// Which alerts (default all): "manual_waiting" (a manual step or sign-off waits for people,
    /// when it begins and at each reminder), "restore_failed", "rto_at_risk", "fell_back", "run_finished".
    pub events: Option<Vec<String>>,
}

/// `approval = { role, count }`: `count` distinct people of `[approvers]`'s `role` sign the service
/// off (`restorectl confirm PLAN ID --by NAME`) before it counts as online.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct ApprovalTable {
    pub role: String,
    /// Default 1.
    pub count: Option<u32>,
}

/// The people of a role: a list of names, or with whether their sign-offs must be signed.
#[derive(JsonSchema)]
#[serde(untagged)]
pub enum Role {
    People(Vec<String>),
    Table(RoleTable),
}

/// `role = { people = [...], require_signature = true }`
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RoleTable {
    /// The names of the people, as `allowed_signers` names them.
    pub people: Vec<String>,
    /// A sign-off must be signed with one of the person's keys in `allowed_signers`.
    pub require_signature: Option<bool>,
}
