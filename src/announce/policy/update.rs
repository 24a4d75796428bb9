//! One update the policy decides on: its kind and what it is about.

use crate::event::Secs;
use crate::plan::Plan;

/// What an update is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// The outage notice.
    Start,
    /// Services back online.
    Online,
    /// A phase complete.
    Phase,
    /// Services still down when their RTO passed.
    Late,
    /// Services whose restore failed for good, or that wait for one that did.
    Failed,
    /// Services customers were told are back that fell back (`watch`).
    Unavailable,
    /// Nothing else was told for a whole cadence: work goes on.
    Progress,
    /// Everything is back (with the services that came back last, if they came back now).
    Restored,
}

impl Kind {
    /// The template (and file name) of this kind of update.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Start => "start",
            Kind::Online => "online",
            Kind::Phase => "phase",
            Kind::Late => "late",
            Kind::Failed => "failed",
            Kind::Unavailable => "unavailable",
            Kind::Progress => "progress",
            Kind::Restored => "restored",
        }
    }
}

/// One update to publish.
#[derive(Debug, Clone, PartialEq)]
pub struct Update {
    pub number: u32,
    pub kind: Kind,
    /// The services it is about (back, failed or paused, late, unavailable again).
    pub services: Vec<usize>,
    /// Of a failure notice's services, those paused because they need one that failed.
    pub paused: Vec<usize>,
    /// The phases it is about (completed within one window), the latest last.
    pub phases: Vec<usize>,
    /// For a delay notice: the date customers were given earlier, now passed unmet.
    pub missed: Option<Secs>,
    /// When customers will hear from us next at the latest (a progress update is owed by then),
    /// if one is owed.
    pub next: Option<Secs>,
    /// When customers were told something before this update, if ever (a progress update says
    /// nothing came back since then).
    pub since: Option<Secs>,
    pub at: Secs,
}

impl Update {
    pub(super) fn new(number: u32, kind: Kind, services: Vec<usize>, at: Secs) -> Self {
        Self {
            number,
            kind,
            services,
            paused: Vec::new(),
            phases: Vec::new(),
            missed: None,
            next: None,
            since: None,
            at,
        }
    }
}

impl Update {
    /// What an update is about, for the people reviewing it: "billing back online".
    pub fn about(&self, plan: &Plan) -> String {
        let u = self;
        let named = |services: &[usize]| match services {
            [] => String::new(),
            [one] => plan.services[*one].id.clone(),
            [first, rest @ ..] => format!("{} and {} more", plan.services[*first].id, rest.len()),
        };
        let ids = named(&u.services);
        match u.kind {
            Kind::Start => "the outage notice".into(),
            Kind::Online => format!("{ids} back online"),
            Kind::Restored if ids.is_empty() => "everything back".into(),
            Kind::Restored if u.services.len() == 1 => format!("{ids} back online, and with it everything"),
            Kind::Restored => format!("{ids} back online, and with them everything"),
            Kind::Late => format!("{ids} delayed"),
            // What waits for a failed service was paused, not failed.
            Kind::Failed => {
                let (paused, failed): (Vec<usize>, Vec<usize>) =
                    u.services.iter().partition(|i| u.paused.contains(i));
                match paused.as_slice() {
                    [] => format!("{ids} failed"),
                    _ if failed.is_empty() => format!("{} paused", named(&paused)),
                    _ => format!("{} failed, {} paused", named(&failed), named(&paused)),
                }
            }
            Kind::Unavailable => format!("{ids} unavailable again"),
            Kind::Progress => "work continues".into(),
            Kind::Phase => {
                let phase = u.phases.last().map_or("", |&p| plan.phases[p].id.as_str());
                format!("stage {phase} complete")
            }
        }
    }
}
