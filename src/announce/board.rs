//! What customers see of each service, following the run's events: the one place for these
//! rules. Kept up to date per event in O(log n), so an update can say what is back and what is
//! still being worked on without walking every service.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::event::{Event, Secs};
use crate::plan::Plan;

/// What customers see next to a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ServiceState {
    Available,
    Restoring,
    /// Still not back when its RTO passed (and not failed).
    Delayed,
    Unavailable,
}

impl ServiceState {
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceState::Available => "available",
            ServiceState::Restoring => "restoring",
            ServiceState::Delayed => "delayed",
            ServiceState::Unavailable => "unavailable",
        }
    }
}

/// What the board knows of one service beyond its state: for dates on the status page and the
/// expected times of what remains.
#[derive(Debug, Clone, Copy, Default)]
pub struct Seen {
    /// When it came back (this run's clock).
    pub since: Option<Secs>,
    /// When its current restore attempt began.
    pub started: Option<Secs>,
    /// Its RTO passed before it was back.
    pub late: bool,
    /// Its restore failed for good, or it waits for one that did...
    pub failed: bool,
    /// ...the latter.
    pub blocked: bool,
}

/// What is true of a customer-facing service, as customers would be told it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Not back: being restored, or waiting for what it needs (which is being restored).
    #[default]
    Working,
    /// Back online.
    Back,
    /// Its restore failed for good.
    Failed,
    /// Work on it is paused: it needs a service whose restore failed.
    Paused,
}

/// How many of the customer-facing services the board remembers by name.
const FIRST: usize = 16;

#[derive(Debug, Clone)]
pub struct Board {
    pub states: Vec<ServiceState>,
    pub seen: Vec<Seen>,
    customer: Vec<bool>,
    /// Customer-facing services online; being worked on; failed; paused: in plan order.
    back: BTreeSet<usize>,
    pending: BTreeSet<usize>,
    failed: BTreeSet<usize>,
    paused: BTreeSet<usize>,
    /// How many services are customer-facing, and the first few of them.
    customers: (usize, Vec<usize>),
    /// Each contact channel (`phone`, `email`, `form`) and the service it needs, if any.
    channels: Vec<(&'static str, Option<usize>)>,
}

impl Board {
    pub fn new(plan: &Plan) -> Self {
        let customer: Vec<bool> = plan.services.iter().map(|s| s.customer_facing).collect();
        let pending: BTreeSet<usize> =
            customer.iter().enumerate().filter(|(_, c)| **c).map(|(i, _)| i).collect();
        let customers = (pending.len(), pending.iter().take(FIRST).copied().collect());
        let channels = plan
            .contact
            .channels()
            .map(|(key, c)| {
                let needs = c
                    .service
                    .as_ref()
                    .and_then(|id| plan.services.iter().position(|s| s.id == *id.get_ref()));
                (key, needs)
            })
            .collect();
        Self {
            customers,
            channels,
            states: vec![ServiceState::Unavailable; plan.services.len()],
            seen: vec![Seen::default(); plan.services.len()],
            customer,
            back: BTreeSet::new(),
            pending,
            failed: BTreeSet::new(),
            paused: BTreeSet::new(),
        }
    }

    /// A board with the first customer-facing services in each state (back since the start,
    /// restoring, delayed, failed), for test-rendering templates.
    pub fn sample(plan: &Plan) -> Self {
        use crate::event::Svc;
        let mut board = Self::new(plan);
        let at = Secs(0.0);
        let events: [fn(Svc, Secs) -> Event; 4] = [
            |service, at| Event::Online { service, at, attempts: 1 },
            |service, at| Event::ActionStarted { service, attempt: 1, at },
            |service, at| Event::RtoMissed { service, at, rto: at },
            |service, at| Event::Failed {
                service,
                at,
                attempts: 1,
                of: 1,
                reason: String::new(),
                log: None,
                kind: None,
            },
        ];
        let customers: Vec<usize> = (0..plan.services.len()).filter(|&i| board.customer[i]).take(4).collect();
        for (make, i) in events.iter().zip(customers) {
            board.observe(&make(Svc::new(i, ""), at), i);
        }
        board
    }

    /// Applies an event about service `i`.
    pub fn observe(&mut self, e: &Event, i: usize) {
        let seen = &mut self.seen[i];
        match e {
            Event::Online { at, .. } | Event::AlreadyOnline { at, .. } => {
                self.states[i] = ServiceState::Available;
                seen.since = Some(*at);
                seen.failed = false;
                seen.blocked = false;
                self.move_to(i, Status::Back);
            }
            Event::ActionStarted { at, .. } | Event::Verifying { at, .. } => {
                if seen.started.is_none() || matches!(e, Event::ActionStarted { .. }) {
                    seen.started = Some(*at);
                }
                seen.failed = false;
                seen.blocked = false;
                if !seen.late {
                    self.states[i] = ServiceState::Restoring;
                }
                self.move_to(i, Status::Working);
            }
            Event::RtoMissed { .. } if self.states[i] != ServiceState::Available && !seen.failed => {
                seen.late = true;
                self.states[i] = ServiceState::Delayed;
            }
            Event::FellBack { .. } => {
                self.states[i] = ServiceState::Unavailable;
                seen.since = None;
                self.move_to(i, Status::Working);
            }
            Event::Failed { .. } | Event::Blocked { .. } => {
                seen.failed = true;
                seen.blocked = matches!(e, Event::Blocked { .. });
                self.states[i] = ServiceState::Unavailable;
                let status = if seen.blocked { Status::Paused } else { Status::Failed };
                self.move_to(i, status);
            }
            _ => {}
        }
    }

    /// Files customer-facing service `i` under `status`.
    fn move_to(&mut self, i: usize, status: Status) {
        if !self.customer[i] {
            return;
        }
        for set in [&mut self.back, &mut self.pending, &mut self.failed, &mut self.paused] {
            set.remove(&i);
        }
        match status {
            Status::Back => &mut self.back,
            Status::Working => &mut self.pending,
            Status::Failed => &mut self.failed,
            Status::Paused => &mut self.paused,
        }
        .insert(i);
    }

    /// What is true of service `i` for its customers now.
    pub fn status(&self, i: usize) -> Status {
        let seen = &self.seen[i];
        match (self.states[i], seen.failed, seen.blocked) {
            (ServiceState::Available, ..) => Status::Back,
            (_, true, true) => Status::Paused,
            (_, true, false) => Status::Failed,
            _ => Status::Working,
        }
    }

    /// Customers see the state of service `i`: it is customer-facing, or a contact channel needs it.
    pub fn visible(&self, i: usize) -> bool {
        self.customer[i] || self.channels.iter().any(|&(_, needs)| needs == Some(i))
    }

    pub fn is_online(&self, i: usize) -> bool {
        self.states[i] == ServiceState::Available
    }

    /// Each contact channel, and whether customers can use it now (the service it needs is online).
    pub fn channels(&self) -> impl Iterator<Item = (&'static str, bool)> + '_ {
        self.channels.iter().map(|&(key, needs)| (key, needs.is_none_or(|i| self.is_online(i))))
    }

    /// Every customer-facing service is online.
    pub fn all_back(&self) -> bool {
        self.pending.is_empty() && self.failed.is_empty() && self.paused.is_empty()
    }

    /// Customer-facing services: how many, and the first `n` (at most 16) in plan order.
    pub fn customers(&self, n: usize) -> (usize, Vec<usize>) {
        (self.customers.0, self.customers.1.iter().take(n).copied().collect())
    }

    /// Customer-facing services still down and being worked on (neither failed nor paused): how
    /// many, and the first `n` in plan order.
    pub fn pending(&self, n: usize) -> (usize, Vec<usize>) {
        (self.pending.len(), self.pending.iter().take(n).copied().collect())
    }

    /// Customer-facing services whose restore failed: how many, and the first `n`.
    pub fn failed(&self, n: usize) -> (usize, Vec<usize>) {
        (self.failed.len(), self.failed.iter().take(n).copied().collect())
    }

    /// Customer-facing services paused by a failure they need: how many, and the first `n`.
    pub fn paused(&self, n: usize) -> (usize, Vec<usize>) {
        (self.paused.len(), self.paused.iter().take(n).copied().collect())
    }

    /// Customer-facing services online: how many, and the first `n` in plan order.
    pub fn back(&self, n: usize) -> (usize, Vec<usize>) {
        (self.back.len(), self.back.iter().take(n).copied().collect())
    }
}
