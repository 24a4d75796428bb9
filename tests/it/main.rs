//! Integration tests: the built `restorectl` binary against real files, processes and servers.

mod support;

mod alerts;
mod announce;
mod approvals;
mod architecture;
mod confirm;
mod criticality;
mod dry_run;
mod failures;
mod fakes;
mod feeds;
mod gates;
mod graph;
mod help;
mod incident;
mod inputs;
mod journal_chain;
mod messages;
mod newcomer;
mod partial;
mod pipes;
mod preview;
mod publishing;
mod quarantine;
mod readme;
mod report;
mod resume;
mod review;
mod robustness;
mod run;
mod server;
mod status;
mod trust;
mod validate;
mod watch;
