//! The static status page: every customer-facing service with its state, the updates feed, and a
//! language switch; one self-contained HTML file (no external assets).

use std::collections::BTreeMap;

use jiff::ZonedDateTime;
use pulldown_cmark::{Event as Md, Parser, html};
use serde::Serialize;
use serde_json::json;

use super::locale;
use crate::event::Event;
use crate::plan::Plan;

/// What customers see next to a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ServiceState {
    Operational,
    Restoring,
    Unavailable,
}

impl ServiceState {
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceState::Operational => "operational",
            ServiceState::Restoring => "restoring",
            ServiceState::Unavailable => "unavailable",
        }
    }
}

/// What customers see of each service, following the run's events: the one place for these rules.
#[derive(Debug, Clone)]
pub struct Board {
    pub online: Vec<bool>,
    pub states: Vec<ServiceState>,
}

impl Board {
    pub fn new(services: usize) -> Self {
        Self { online: vec![false; services], states: vec![ServiceState::Unavailable; services] }
    }

    /// Applies an event about service `i`.
    pub fn observe(&mut self, e: &Event, i: usize) {
        match e {
            Event::Online { .. } | Event::AlreadyOnline { .. } => {
                self.online[i] = true;
                self.states[i] = ServiceState::Operational;
            }
            Event::ActionStarted { .. } | Event::Verifying { .. } => self.states[i] = ServiceState::Restoring,
            Event::Failed { .. } | Event::Blocked { .. } => self.states[i] = ServiceState::Unavailable,
            _ => {}
        }
    }
}

/// Markdown → HTML; raw HTML in the text is shown as text, never interpreted.
pub fn markdown(text: &str) -> String {
    let events = Parser::new(text).map(|e| match e {
        Md::Html(raw) | Md::InlineHtml(raw) => Md::Text(raw),
        other => other,
    });
    let mut out = String::new();
    html::push_html(&mut out, events);
    out
}

pub fn context(
    plan: &Plan,
    when: &ZonedDateTime,
    states: &[ServiceState],
    feeds: &BTreeMap<String, Vec<String>>,
) -> serde_json::Value {
    let pages: Vec<_> = plan
        .locales
        .iter()
        .map(|l| {
            let services: Vec<_> = plan
                .services
                .iter()
                .zip(states)
                .filter(|(s, _)| s.customer_facing)
                .map(|(s, st)| json!({ "name": s.display_name(l), "state": st.as_str() }))
                .collect();
            let updates: Vec<String> = feeds.get(l).into_iter().flatten().map(|u| markdown(u)).collect();
            json!({ "locale": l, "date": locale::date(l, when), "time": locale::time(when), "services": services, "updates": updates })
        })
        .collect();
    json!({ "org": plan.organization(), "pages": pages })
}
