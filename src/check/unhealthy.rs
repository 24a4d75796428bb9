//! What a probe or a request found wrong, as a type of its own (every kind of check returns it).

/// What a probe or a request found wrong, for people (secrets not yet redacted).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct Unhealthy(pub String);

impl From<crate::secrets::Unset> for Unhealthy {
    fn from(unset: crate::secrets::Unset) -> Self {
        Unhealthy(unset.to_string())
    }
}
