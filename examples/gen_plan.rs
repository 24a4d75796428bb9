//! Generates large synthetic restore plans for the benchmarks, friendly and adversarial.
//!
//! `cargo run --release --example gen_plan -- SERVICES [--phases N] [--shape random|chain|fan]
//! [--customer all|none|EVERY] [--no-checks] [--http-port PORT] [--restore CMD] [--touch DIR]
//! [--no-gates] [--makefile] [--default-interval]`
//!
//! - `--shape`: `random` (default: each service depends on up to three earlier ones of its own or
//!   an earlier phase), `chain` (each on the one before: the deepest graph), `fan` (all on the
//!   first: the widest), `window` (each on up to three of the 50 before it: wide and shallow).
//! - `--customer`: which services are customer-facing: `all`, `none`, or every EVERY-th (default
//!   100, like estates where most services are internal).
//! - `--no-checks`: services without checks (validate warns about each one).
//! - `--touch DIR`: spawn-bound live runs: each service is checked by `test -f DIR/sN` and restored
//!   by `touch DIR/sN` (checked every 10 ms; `--default-interval` leaves the plan's default).
//! - `--makefile`: the same graph as a Makefile (one target per service: probe, restore, probe),
//!   for comparing `restorectl run` with `make -j`.
//!
//! Deterministic: the same arguments always give the same plan; durations vary between 5 minutes
//! and 8 hours.

use std::fmt::Write;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let services: usize = args.first().and_then(|n| n.parse().ok()).unwrap_or_else(|| {
        eprintln!("usage: gen_plan SERVICES [--phases N] [--http-port PORT] [--restore CMD] [--no-gates]");
        std::process::exit(2)
    });
    let phases: usize = flag("--phases").and_then(|n| n.parse().ok()).unwrap_or(4).max(1);
    let port = flag("--http-port");
    let restore = flag("--restore");
    let gates = !args.iter().any(|a| a == "--no-gates");
    let makefile = args.iter().any(|a| a == "--makefile");
    let checks = !args.iter().any(|a| a == "--no-checks");
    let shape = flag("--shape").unwrap_or_else(|| "random".into());
    let default_interval = args.iter().any(|a| a == "--default-interval");
    let touch = flag("--touch");
    let customer = |i: usize| match flag("--customer").as_deref() {
        Some("all") => true,
        Some("none") => false,
        every => i.is_multiple_of(every.and_then(|n| n.parse().ok()).unwrap_or(100usize).max(1)),
    };

    let mut rng = 0x2545_F491_4F6C_DD1Du64;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let mut out = String::with_capacity(services * 200);
    let mut make = String::from(".PHONY: all\n");
    let _ = writeln!(make, "all: {}", (0..services).map(|i| format!("s{i}")).collect::<Vec<_>>().join(" "));
    let _ = writeln!(
        out,
        "[plan]\nname = \"generated {services}\"\nlocales = [\"pl\", \"en\"]\nphase_gates = {gates}\n"
    );
    for p in 0..phases {
        let _ =
            writeln!(out, "[[phase]]\nid = \"p{p}\"\nname = {{ pl = \"Faza {p}\", en = \"Phase {p}\" }}\n");
    }
    let per_phase = services.div_ceil(phases);
    for i in 0..services {
        let phase = i / per_phase;
        let first_of_phase = phase * per_phase;
        let mut deps: Vec<usize> = Vec::new();
        if i > 0 && shape == "chain" {
            deps.push(i - 1);
        } else if i > 0 && shape == "fan" {
            deps.push(0);
        } else if i > 0 && shape == "window" {
            for _ in 0..(next() % 4) {
                let lo = i.saturating_sub(50);
                let d = lo + (next() as usize) % (i - lo);
                if !deps.contains(&d) {
                    deps.push(d);
                }
            }
        } else if i > 0 {
            for _ in 0..(next() % 4) {
                // Mostly within the phase, sometimes from anywhere earlier.
                let lo = if next() % 4 == 0 { 0 } else { first_of_phase };
                if i > lo {
                    let d = lo + (next() as usize) % (i - lo);
                    if !deps.contains(&d) {
                        deps.push(d);
                    }
                }
            }
        }
        let (probe, verify, action) = match (&touch, &port) {
            (Some(dir), _) => (
                format!("/usr/bin/test -f {dir}/s{i}"),
                format!("/usr/bin/test -f {dir}/s{i}"),
                format!("touch {dir}/s{i}"),
            ),
            (None, Some(p)) => (
                format!("curl -s -o /dev/null http://127.0.0.1:{p}/health/s{i}"),
                format!("curl -sf -o /dev/null http://127.0.0.1:{p}/health/s{i}"),
                restore.clone().unwrap_or_else(|| "true".into()),
            ),
            (None, None) => (String::new(), String::new(), restore.clone().unwrap_or_else(|| "true".into())),
        };
        let _ = writeln!(
            make,
            ".PHONY: s{i}\ns{i}: {}\n\t@{probe}; {action}; {verify}",
            deps.iter().map(|d| format!("s{d}")).collect::<Vec<_>>().join(" "),
        );
        let deps: Vec<String> = deps.iter().map(|d| format!("\"s{d}\"")).collect();
        let minutes = 5 + next() % 475;
        let _ = writeln!(
            out,
            "[[service]]\nid = \"s{i}\"\nname = {{ pl = \"usługa {i}\", en = \"service {i}\" }}\nphase = \"p{phase}\"\nduration = \"{minutes}m\"\ndepends_on = [{}]\ncustomer_facing = {}",
            deps.join(", "),
            customer(i)
        );
        match (&touch, &port) {
            _ if !checks => {}
            (Some(dir), _) => {
                let _ = writeln!(
                    out,
                    "[[service.check]]\ncommand = [\"test\", \"-f\", \"{dir}/s{i}\"]{}",
                    if default_interval { "" } else { "\ninterval = \"10ms\"" }
                );
            }
            (None, Some(port)) => {
                let _ = writeln!(out, "[[service.check]]\nhttp = \"http://127.0.0.1:{port}/health/s{i}\"");
            }
            (None, None) => {
                let _ = writeln!(out, "[[service.check]]\ntcp = \"127.0.0.1:9\"");
            }
        }
        if let Some(dir) = &touch {
            let _ = writeln!(out, "[service.restore]\ncommand = [\"touch\", \"{dir}/s{i}\"]");
        } else if let Some(cmd) = &restore {
            let argv: Vec<String> = cmd.split_whitespace().map(|w| format!("\"{w}\"")).collect();
            let _ = writeln!(out, "[service.restore]\ncommand = [{}]", argv.join(", "));
        }
        out.push('\n');
    }
    print!("{}", if makefile { make } else { out });
}
