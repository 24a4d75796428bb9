//! `restorectl` brings IT services back after a major outage, in dependency order.
//!
//! Data flows plan → graph → scheduler → executor → events → reporters.

pub mod action;
pub mod announce;
pub mod app;
pub mod audit;
pub mod bus;
pub mod check;
pub mod cli;
pub mod error;
pub mod event;
pub mod exit;
pub mod graph;
pub mod hex;
pub mod human;
pub mod import;
pub mod learned;
pub mod loaded;
pub mod notify;
pub mod plan;
pub mod process;
pub mod readiness;
pub mod report;
pub mod runner;
pub mod runtime;
pub mod schedule;
pub mod schema;
pub mod secrets;
pub mod signals;
pub mod sim;
pub mod stamp;
pub mod state;
pub mod status;
pub mod suggest;
pub mod tally;
pub mod term;
pub mod trials;
