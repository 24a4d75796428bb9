//! `restorectl`: parse the command line, run the command, exit with its code.

use clap::Parser;

// Plans of 100,000 services allocate millions of small strings and nodes; mimalloc is much faster
// at that than the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let cli = restorectl::cli::Cli::parse();
    if !cli.command.is_live_run() {
        restorectl::term::die_quietly_on_closed_stdout();
    }
    restorectl::app::run(cli).into()
}
