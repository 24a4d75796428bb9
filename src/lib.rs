//! `restorectl` brings IT services back after a major outage, in dependency order.
//!
//! Data flows plan → graph → scheduler → executor → events → reporters.

pub mod app;
pub mod check;
pub mod cli;
pub mod exit;
pub mod graph;
pub mod loaded;
pub mod plan;
pub mod process;
pub mod report;
pub mod schema;
pub mod secrets;
pub mod status;
pub mod suggest;
pub mod term;
