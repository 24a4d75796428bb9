//! `restorectl completions SHELL` and `restorectl man`: shell completions and the manual page,
//! generated from the command line's own definition, so they never drift from it.

use clap::CommandFactory;

use crate::cli::Cli;
use crate::exit::Exit;

pub fn completions(shell: clap_complete::Shell) -> Exit {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "restorectl", &mut out);
    print(&out)
}

pub fn man() -> Exit {
    let mut out = Vec::new();
    match clap_mangen::Man::new(Cli::command()).render(&mut out) {
        Ok(()) => print(&out),
        Err(e) => {
            eprintln!("error: cannot render the manual page: {e}");
            Exit::Invalid
        }
    }
}

fn print(bytes: &[u8]) -> Exit {
    match crate::term::print_report(&String::from_utf8_lossy(bytes)) {
        Ok(()) => Exit::Ok,
        Err(e) => {
            eprintln!("error: {e}");
            Exit::Invalid
        }
    }
}
