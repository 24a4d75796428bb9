//! `restorectl completions SHELL` and `restorectl man`: shell completions and the manual page,
//! generated from the command line's own definition, so they never drift from it.

use clap::CommandFactory;

use crate::cli::Cli;
use crate::error::Error;
use crate::exit::Exit;

pub fn completions(shell: clap_complete::Shell) -> Result<Exit, Error> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "restorectl", &mut out);
    print(&out)
}

pub fn man() -> Result<Exit, Error> {
    let mut out = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut out).map_err(Error::Manual)?;
    print(&out)
}

fn print(bytes: &[u8]) -> Result<Exit, Error> {
    crate::term::print_report(&String::from_utf8_lossy(bytes)).map_err(Error::Print)?;
    Ok(Exit::Ok)
}
