//! What customers were told: the "told" half of the policy's model, kept by the updates
//! published (in this run, and by earlier runs on the same announcements directory).

use std::collections::HashSet;

use super::update::{Kind, Update};
use crate::announce::board::Status;

/// What customers were told: by earlier runs on the same announcements directory, and by this
/// run so far. The "told" half of the model.
#[derive(Debug, Default, Clone)]
pub struct Memory {
    pub number: u32,
    pub started: bool,
    pub restored: bool,
    /// Customer-facing services whose restore had begun: a later run that finds them online
    /// still owes customers the news.
    pub restoring: HashSet<usize>,
    pub online: HashSet<usize>,
    pub late: HashSet<usize>,
    pub failed: HashSet<usize>,
    pub paused: HashSet<usize>,
    pub phases: HashSet<usize>,
    /// The incident's id, once one was recorded.
    pub incident: Option<String>,
}

impl Memory {
    /// What customers were last told of service `i`.
    pub fn told(&self, i: usize) -> Status {
        if self.online.contains(&i) {
            Status::Back
        } else if self.failed.contains(&i) {
            Status::Failed
        } else if self.paused.contains(&i) {
            Status::Paused
        } else {
            Status::Working
        }
    }

    /// Takes in an update that was published.
    pub fn remember(&mut self, u: &Update) {
        self.number = self.number.max(u.number);
        match u.kind {
            Kind::Start => self.started = true,
            Kind::Restored | Kind::Online => {
                self.restored |= u.kind == Kind::Restored;
                for s in &u.services {
                    self.online.insert(*s);
                    self.failed.remove(s);
                    self.paused.remove(s);
                    self.late.remove(s);
                }
                self.phases.extend(&u.phases);
            }
            Kind::Late => self.late.extend(&u.services),
            Kind::Failed => {
                for s in &u.services {
                    self.online.remove(s);
                    self.late.remove(s);
                    if u.paused.contains(s) { &mut self.paused } else { &mut self.failed }.insert(*s);
                }
            }
            // Told it is down again: when it is back, that is news again.
            Kind::Unavailable => {
                for s in &u.services {
                    self.online.remove(s);
                    self.failed.remove(s);
                    self.paused.remove(s);
                    self.late.remove(s);
                }
                self.restored = false;
            }
            Kind::Phase => self.phases.extend(&u.phases),
            Kind::Progress => {}
        }
    }

    /// Work on service `i` goes on again after it was told failed or paused: what customers see
    /// next is that it is being worked on (the standing lists of every later update say so).
    pub(super) fn resumed(&mut self, i: usize) {
        self.failed.remove(&i);
        self.paused.remove(&i);
    }
}
