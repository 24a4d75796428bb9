//! Dispatch: turns the parsed command line into calls of the commands, and their results into an
//! exit code.

use crate::cli::{Cli, Command};
use crate::exit::Exit;

mod graph;
mod schema;
mod validate;

pub fn run(cli: Cli) -> Exit {
    match cli.command {
        Command::Validate { plan, format } => validate::run(&plan, format),
        Command::Graph { plan, format } => graph::run(&plan, format),
        Command::Schema => schema::run(),
    }
}
