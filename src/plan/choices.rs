//! The plan's small closed choices: what a failure does to a run, how updates are published,
//! what a Statuspage component shows, what the operators are alerted to.

/// `[plan] on_failure`: after a critical service failed for good.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnFailure {
    /// Go on with everything that does not wait for it.
    #[default]
    Continue,
    /// Start nothing new; let what runs finish.
    Halt,
}

/// `[announce] publish`: how customer updates reach external channels (webhooks).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Publish {
    /// Posted as soon as written.
    Auto,
    /// Written as a draft; posted only after `restorectl announce approve`.
    #[default]
    Review,
}

/// A Statuspage component's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComponentStatus {
    Operational,
    UnderMaintenance,
    PartialOutage,
    MajorOutage,
}

impl ComponentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ComponentStatus::Operational => "operational",
            ComponentStatus::UnderMaintenance => "under_maintenance",
            ComponentStatus::PartialOutage => "partial_outage",
            ComponentStatus::MajorOutage => "major_outage",
        }
    }
}

/// What the operators are alerted to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertKind {
    /// A person is awaited (a manual step, sign-offs): when the wait begins and at each reminder.
    ManualWaiting,
    /// A service's restore failed for good.
    RestoreFailed,
    /// A service is not back when `rto_risk_at` of its RTO has passed.
    RtoAtRisk,
    /// A watched service fell back after it was online (`watch`).
    FellBack,
    RunFinished,
}

impl AlertKind {
    pub const ALL: [AlertKind; 5] = [
        AlertKind::ManualWaiting,
        AlertKind::RestoreFailed,
        AlertKind::RtoAtRisk,
        AlertKind::FellBack,
        AlertKind::RunFinished,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AlertKind::ManualWaiting => "manual_waiting",
            AlertKind::RestoreFailed => "restore_failed",
            AlertKind::RtoAtRisk => "rto_at_risk",
            AlertKind::FellBack => "fell_back",
            AlertKind::RunFinished => "run_finished",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}
