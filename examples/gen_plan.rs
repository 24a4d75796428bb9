//! Generates large synthetic restore plans for the benchmarks.
//!
//! `cargo run --release --example gen_plan -- SERVICES [--phases N] [--http-port PORT] [--restore CMD]
//! [--no-gates] [--makefile]`
//!
//! With `--makefile`, prints the same graph as a Makefile instead (one target per service: probe,
//! run the restore command, probe again), for comparing `restorectl run` with `make -j`.
//!
//! Deterministic: the same arguments always give the same plan. Each service depends on up to three
//! earlier services of its own or an earlier phase; durations vary between 5 minutes and 8 hours.

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
        if i > 0 {
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
        let probe = port
            .as_ref()
            .map(|p| format!("curl -s -o /dev/null http://127.0.0.1:{p}/health/s{i}"))
            .unwrap_or_default();
        let _ = writeln!(
            make,
            ".PHONY: s{i}\ns{i}: {}\n\t@{probe}; {}; {}",
            deps.iter().map(|d| format!("s{d}")).collect::<Vec<_>>().join(" "),
            restore.as_deref().unwrap_or("true"),
            probe.replace("-s -o", "-sf -o")
        );
        let deps: Vec<String> = deps.iter().map(|d| format!("\"s{d}\"")).collect();
        let minutes = 5 + next() % 475;
        let _ = writeln!(
            out,
            "[[service]]\nid = \"s{i}\"\nname = {{ pl = \"usługa {i}\", en = \"service {i}\" }}\nphase = \"p{phase}\"\nduration = \"{minutes}m\"\ndepends_on = [{}]\ncustomer_facing = {}",
            deps.join(", "),
            // Like real estates: most services are internal, one in a hundred is named to customers.
            i % 100 == 0
        );
        match &port {
            Some(port) => {
                let _ = writeln!(out, "[[service.check]]\nhttp = \"http://127.0.0.1:{port}/health/s{i}\"");
            }
            None => {
                let _ = writeln!(out, "[[service.check]]\ntcp = \"127.0.0.1:9\"");
            }
        }
        if let Some(cmd) = &restore {
            let argv: Vec<String> = cmd.split_whitespace().map(|w| format!("\"{w}\"")).collect();
            let _ = writeln!(out, "[service.restore]\ncommand = [{}]", argv.join(", "));
        }
        out.push('\n');
    }
    print!("{}", if makefile { make } else { out });
}
