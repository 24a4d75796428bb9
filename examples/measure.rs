//! Runs a command and prints its wall time in milliseconds and its peak resident memory in MB
//! (`ru_maxrss` of the child), tab-separated, for the benchmark scripts:
//! `cargo run --release --example measure -- COMMAND [ARGS…]`. The command's output is discarded.

use std::process::{Command, Stdio};
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((program, rest)) = args.split_first() else {
        eprintln!("usage: measure COMMAND [ARGS…]");
        std::process::exit(2);
    };
    let start = Instant::now();
    let status = Command::new(program).args(rest).stdout(Stdio::null()).stderr(Stdio::null()).status();
    let ms = start.elapsed().as_millis();
    if let Err(e) = status {
        eprintln!("measure: cannot run {program}: {e}");
        std::process::exit(2);
    }
    // SAFETY: getrusage fills the struct we hand it; nothing else is touched.
    let usage = unsafe {
        let mut u: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_CHILDREN, &mut u);
        u
    };
    println!("{ms}\t{}", usage.ru_maxrss / 1024);
}
