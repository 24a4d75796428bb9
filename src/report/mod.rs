//! Everything written for people or machines: diagnostics, graphs, reports.

pub mod diagnostics;
pub mod eta;
pub mod gantt;
pub mod graph;
pub mod json;
pub mod junit;
pub mod log;
pub mod progress;
pub mod rto;
pub mod status;
pub mod summary;
pub mod timeline;
pub mod trials;
