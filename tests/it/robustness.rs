//! No input makes `restorectl` panic: truncated and byte-mutated plans end in exit 0 or 2.

use std::path::Path;

use proptest::prelude::*;

use crate::support::*;

fn bundled_plans() -> Vec<Vec<u8>> {
    let mut plans: Vec<Vec<u8>> = std::fs::read_dir(repo("plans"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    plans.sort();
    plans
}

/// Cheap and deterministic: a xorshift generator, so a failure can be replayed.
fn xorshift(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

fn mutate(plan: &[u8], seed: u64) -> Vec<u8> {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut bytes = plan.to_vec();
    let edits = 1 + xorshift(&mut s) % 8;
    for _ in 0..edits {
        if bytes.is_empty() {
            break;
        }
        let at = (xorshift(&mut s) as usize) % bytes.len();
        match xorshift(&mut s) % 4 {
            0 => bytes[at] = xorshift(&mut s) as u8,
            1 => {
                bytes.remove(at);
            }
            2 => bytes.insert(at, b"[]{}=\"'\n,#.\\"[(xorshift(&mut s) % 12) as usize]),
            _ => bytes.truncate(at),
        }
    }
    bytes
}

#[test]
fn truncated_and_mutated_plans_never_panic_in_process() {
    for plan in bundled_plans() {
        for cut in (0..plan.len()).step_by(7) {
            let _ = restorectl::loaded::check(Path::new("cut.toml"), plan[..cut].to_vec());
        }
        for seed in 0..2_000 {
            let _ = restorectl::loaded::check(Path::new("mutated.toml"), mutate(&plan, seed));
        }
    }
}

#[test]
fn the_binary_exits_cleanly_on_mutated_plans() {
    let dir = tempfile::tempdir().unwrap();
    for (n, plan) in bundled_plans().iter().enumerate() {
        for seed in 0..40 {
            let path = dir.path().join(format!("p{n}-{seed}.toml"));
            let bytes = if seed % 2 == 0 {
                mutate(plan, seed)
            } else {
                plan[..plan.len() * seed as usize / 40].to_vec()
            };
            std::fs::write(&path, bytes).unwrap();
            for cmd in ["validate", "graph"] {
                let out = restorectl().arg(cmd).arg(&path).output().unwrap();
                let code = out.status.code();
                assert!(
                    matches!(code, Some(0) | Some(2)),
                    "{cmd} {} exited {code:?}: {}",
                    path.display(),
                    String::from_utf8_lossy(&out.stderr)
                );
                assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = restorectl::loaded::check(Path::new("random.toml"), bytes);
    }

    #[test]
    fn arbitrary_toml_like_text_never_panics(text in "(\\[\\[?(plan|service|phase|service\\.check|service\\.restore)\\]\\]?\n|[a-z_]{1,12} = (\"[a-z0-9:/.${}-]{0,20}\"|[0-9-]{1,4}|true|\\[\"[a-z]{1,4}\"\\])\n){0,30}") {
        let _ = restorectl::loaded::check(Path::new("random.toml"), text.into_bytes());
    }
}

/// Diagnostics as comparable lines: code, span, message.
fn summary(result: Result<restorectl::loaded::Loaded, restorectl::loaded::Rejected>) -> Vec<String> {
    let diags = match result {
        Ok(l) => l.warnings,
        Err(r) => r.diagnostics,
    };
    diags.iter().map(|d| format!("{} {:?} {:?} {}", d.code, d.span, d.related, d.message)).collect()
}

/// Large plans are decoded one `[[service]]` at a time. A `'''` in a trailing comment makes the
/// splitter give up, so the same text goes the whole-document way: both must say the same.
#[test]
fn service_by_service_decoding_matches_whole_document_decoding() {
    let mut inputs: Vec<Vec<u8>> = bundled_plans();
    for entry in std::fs::read_dir(repo("tests/invalid")).unwrap() {
        inputs.push(std::fs::read(entry.unwrap().path()).unwrap());
    }
    let originals = inputs.clone();
    for plan in &originals {
        for seed in 0..300 {
            inputs.push(mutate(plan, seed));
        }
    }
    let mut compared = 0;
    for bytes in inputs {
        let Ok(text) = String::from_utf8(bytes) else { continue };
        let whole = format!("{text}\n# '''\n");
        let split = format!("{text}\n# ---\n");
        let a = summary(restorectl::loaded::check(Path::new("p.toml"), split.into_bytes()));
        let b = summary(restorectl::loaded::check(Path::new("p.toml"), whole.into_bytes()));
        assert_eq!(a, b, "for:\n{text}");
        compared += 1;
    }
    assert!(compared > 1000);
}
