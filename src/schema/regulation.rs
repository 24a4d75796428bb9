//! The schema of `[plan.regulation]`: the reporting clocks an incident starts.

use schemars::JsonSchema;

/// `[plan.regulation]`
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Regulation {
    /// One table per clock.
    pub clock: Option<Vec<RegulatoryClock>>,
}

/// `[[plan.regulation.clock]]`, e.g. NIS2's early warning within 24 hours.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RegulatoryClock {
    /// What is due, e.g. "NIS2 early warning to the CSIRT".
    pub name: String,
    /// How long after the incident's start: "24h", "72h", "1 month" (a calendar month).
    pub within: String,
    /// The service (usually a manual step someone confirms) whose completion meets it.
    pub met_by: String,
}
