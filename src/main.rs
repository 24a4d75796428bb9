//! `restorectl`: parse the command line, run the command, exit with its code.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = restorectl::cli::Cli::parse();
    restorectl::app::run(cli).into()
}
