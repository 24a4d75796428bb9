//! `[[service.verify]]` in the schema.

use std::collections::BTreeMap;

use schemars::JsonSchema;

/// A verify gate: one of `command` or `http`, which must succeed after the restore before the
/// service counts as online.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct VerifyTable {
    /// What it checks, for people and the evidence (default "verify N").
    pub name: Option<String>,
    /// argv (or a script with `shell = true`), e.g. ["clamscan", "-r", "/srv/restored"].
    pub command: Option<Vec<String>>,
    pub shell: Option<bool>,
    pub env: Option<BTreeMap<String, String>>,
    /// Pass the whole environment on (default: only the basics and the variables it names).
    pub inherit_env: Option<bool>,
    pub cwd: Option<String>,
    /// Default 0.
    pub expect_exit: Option<i64>,
    /// A URL (an EDR API), requested with `method` (default GET).
    pub http: Option<String>,
    pub method: Option<String>,
    pub headers: Option<BTreeMap<String, String>>,
    pub body: Option<String>,
    pub expect_status: Option<Vec<u16>>,
    /// Default "30m".
    pub timeout: Option<String>,
    /// How long it takes in a dry run (default "0s").
    pub duration: Option<String>,
    /// "restore_point": its output is the service's restore point.
    pub evidence: Option<String>,
}
