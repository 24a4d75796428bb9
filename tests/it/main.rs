//! Integration tests: the built `restorectl` binary against real files, processes and servers.

mod support;

mod announce;
mod dry_run;
mod graph;
mod robustness;
mod run;
mod server;
mod status;
mod validate;
