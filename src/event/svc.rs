//! `Svc`: how an event names its service, by index for reporters and by id for the journal.

use serde::{Deserialize, Serialize};

/// The service an event is about: its index in the plan (what every reporter works with) and its
/// id (what the journal keeps, so a later run can read it whatever the plan has become).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Svc {
    /// `Svc::UNKNOWN` for an event read back from a journal.
    pub index: usize,
    pub id: std::sync::Arc<str>,
}

impl Svc {
    /// The index of a service read from a journal: unknown until matched against a plan.
    pub const UNKNOWN: usize = usize::MAX;

    pub fn new(index: usize, id: impl Into<std::sync::Arc<str>>) -> Self {
        Self { index, id: id.into() }
    }

    /// The plan's index, for events of this run.
    pub fn index(&self) -> Option<usize> {
        (self.index != Self::UNKNOWN).then_some(self.index)
    }
}

impl std::ops::Deref for Svc {
    type Target = str;
    fn deref(&self) -> &str {
        &self.id
    }
}

impl std::fmt::Display for Svc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.id)
    }
}

impl Serialize for Svc {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.id)
    }
}

impl<'de> Deserialize<'de> for Svc {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(|id| Svc::new(Svc::UNKNOWN, id))
    }
}
