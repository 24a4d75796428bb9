//! `restorectl graph`: the dependency graph in a chosen format.

use std::path::Path;

use crate::cli::GraphFormat;
use crate::error::Error;
use crate::exit::Exit;
use crate::report::graph;

pub fn run(path: &Path, format: GraphFormat) -> Result<Exit, Error> {
    let loaded = super::open(path)?;
    // The plan's warnings (an RTO no run can meet, …), on stderr beside the graph.
    crate::report::diagnostics::eprint_all(&loaded.warnings, &loaded.source);
    let out = match format {
        GraphFormat::Text => graph::text(&loaded.plan, &loaded.graph),
        GraphFormat::Dot => graph::dot(&loaded.plan, &loaded.graph),
        GraphFormat::Mermaid => graph::mermaid(&loaded.plan, &loaded.graph),
        GraphFormat::Json => graph::json(&loaded.plan, &loaded.graph),
    };
    print!("{}", crate::term::printable(&out, false));
    Ok(Exit::Ok)
}
