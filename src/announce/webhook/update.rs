//! What goes to the webhooks: an update in every locale, and one delivery of it to one webhook.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::announce::board::ServiceState;

/// One update, in every locale: what every kind of webhook's payload is made from.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Update {
    pub key: String,
    pub event: String,
    pub at: String,
    pub services: Vec<String>,
    /// (locale, Markdown), the plan's primary locale first.
    pub texts: Vec<(String, String)>,
    /// The states of the services a Statuspage webhook maps to components, by id.
    #[serde(default)]
    pub components: BTreeMap<String, ServiceState>,
}

impl Update {
    /// Replaces the texts of the locales `edits` gives.
    pub fn edit(&mut self, edits: &[(String, String)]) {
        for (locale, text) in edits {
            for (_, t) in self.texts.iter_mut().filter(|(l, _)| l == locale) {
                t.clone_from(text);
            }
        }
    }
}

/// One update's delivery to one webhook: `webhook` is its place in the plan now, `hook` what it
/// is (so that a journal outlives the plan's webhooks being reordered).
pub struct Delivery {
    pub key: String,
    pub webhook: usize,
    pub hook: String,
    pub body: serde_json::Value,
}
