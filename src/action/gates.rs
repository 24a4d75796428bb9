//! The live run's verify gates: each step run in order after the service is healthy; its exit
//! status or HTTP status, duration, and the SHA-256 and first 4 KiB of its stdout and stderr kept
//! as evidence in `evidence/<run>/<service>.<attempt>.json` (secrets redacted); a step with
//! `evidence = "restore_point"` names the service's restore point.

use serde_json::json;

use crate::check::Prober;
use crate::event::{Event, FailKind, Failure};
use crate::plan::Service;
use crate::runner::Emitter;
use crate::state::StateDir;
use crate::state::chain::{hash, hex};

/// How much of each output the evidence keeps in clear.
const HEAD: usize = 4096;

pub(super) async fn run(
    prober: &Prober,
    state: &StateDir,
    run: &str,
    (i, s, attempt): (usize, &Service, u32),
    em: &Emitter,
) -> Result<(), Failure> {
    let secrets = prober.secrets();
    let mut steps = Vec::new();
    let mut failed = None;
    for g in &s.gates {
        let out = prober.gate(g).await;
        let head = |text: &str| secrets.redact(&text.chars().take(HEAD).collect::<String>());
        let restore_point = (g.restore_point && out.ok).then(|| secrets.redact(out.stdout.trim()));
        steps.push(json!({
            "name": g.name,
            "ok": out.ok,
            "detail": secrets.redact(&out.detail),
            "code": out.code,
            "seconds": out.took.as_secs_f64(),
            "stdout_sha256": hex(&hash(out.stdout.as_bytes())),
            "stderr_sha256": hex(&hash(out.stderr.as_bytes())),
            "stdout_head": head(&out.stdout),
            "stderr_head": head(&out.stderr),
            "restore_point": restore_point,
        }));
        em.emit(Event::VerifyStep {
            service: em.id(i),
            at: em.at(),
            attempt,
            name: g.name.clone(),
            ok: out.ok,
            detail: secrets.redact(&out.detail),
            restore_point,
            took: Some(out.took.into()),
        });
        if !out.ok {
            let said = secrets.redact(&first_lines(&out.stdout, &out.stderr));
            let said = if said.is_empty() { String::new() } else { format!(": {said}") };
            failed =
                Some(format!("verify step `{}` did not pass: {}{said}", g.name, secrets.redact(&out.detail)));
            break;
        }
    }
    let path = state.evidence(run, &s.id, attempt);
    let record = json!({ "v": 1, "run": run, "service": s.id, "attempt": attempt, "steps": steps });
    let text = format!("{record:#}\n");
    let written = path
        .parent()
        .map_or(Ok(()), std::fs::create_dir_all)
        .and_then(|()| crate::state::files::write(&path, text.as_bytes()));
    if let Err(e) = written {
        // No evidence, no sign of a clean restore: the gate does not pass.
        return Err(Failure::new(
            FailKind::Gate,
            format!("cannot keep the evidence in {}: {e}", path.display()),
        ));
    }
    // Its hash in the journal's chain: the file can be checked against it later (`report`).
    em.emit(Event::EvidenceKept {
        service: em.id(i),
        at: em.at(),
        attempt,
        file: path.display().to_string(),
        sha256: hex(&hash(text.as_bytes())),
    });
    failed.map_or(Ok(()), |detail| Err(Failure::new(FailKind::Gate, detail)))
}

/// What a gate printed, in a line: its first lines with something on them (stdout, then
/// stderr), at most `LINES` of them and `CHARS` characters.
fn first_lines(stdout: &str, stderr: &str) -> String {
    const LINES: usize = 3;
    const CHARS: usize = 300;
    let lines: Vec<&str> =
        stdout.lines().chain(stderr.lines()).map(str::trim).filter(|l| !l.is_empty()).take(LINES).collect();
    let text = lines.join(" / ");
    if text.chars().count() > CHARS {
        format!("{}…", text.chars().take(CHARS).collect::<String>())
    } else {
        text
    }
}
