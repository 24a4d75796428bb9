//! `restorectl` brings IT services back after a major outage, in dependency order.
//!
//! Data flows plan → graph → scheduler → executor → events → reporters.

pub(crate) mod action;
pub mod announce;
pub mod app;
pub(crate) mod audit;
pub(crate) mod bus;
pub(crate) mod check;
pub mod cli;
pub(crate) mod error;
pub mod event;
pub mod exit;
pub mod graph;
pub(crate) mod hex;
pub(crate) mod human;
pub(crate) mod import;
pub(crate) mod learned;
pub mod loaded;
pub(crate) mod notify;
pub mod people;
pub mod plan;
pub mod process;
pub(crate) mod readiness;
pub(crate) mod report;
pub mod runner;
pub mod runtime;
pub(crate) mod schedule;
pub mod schema;
pub(crate) mod secrets;
pub(crate) mod shared;
pub mod sim;
pub(crate) mod stamp;
pub(crate) mod state;
pub(crate) mod status;
pub(crate) mod suggest;
pub mod tally;
pub mod term;
