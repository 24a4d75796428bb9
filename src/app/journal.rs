//! `restorectl journal verify`: is the journal as the runs wrote it? Its hash chain shows an
//! edited, removed or reordered record at the line after it; the head a run printed shows a
//! journal cut short.

use std::path::Path;

use crate::exit::Exit;
use crate::state::StateDir;
use crate::state::chain::{self, Break};

pub fn verify(plan: &Path, state: Option<&Path>, head: Option<&str>, key: Option<&Path>) -> Exit {
    if let Some(h) = head.filter(|h| h.len() != 64 || !h.chars().all(|c| c.is_ascii_hexdigit())) {
        eprintln!("error: `--head {h}`: a head is 64 hexadecimal digits, as the run reported it");
        return Exit::Invalid;
    }
    let key = match key.map(read_key).transpose() {
        Ok(k) => k,
        Err(e) => {
            eprintln!("error: {e}");
            return Exit::Invalid;
        }
    };
    let path = StateDir::for_plan(plan, state).journal();
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: cannot read the journal {}: {e}", path.display());
            return Exit::Invalid;
        }
    };
    match chain::verify(&bytes, head) {
        Ok(lines) => {
            let ended = if head.is_some() { ", ending at the head given" } else { "" };
            let signed = match key.as_ref().map(|k| chain::verify_signatures(&bytes, k)) {
                None => String::new(),
                Some(Ok(runs)) => format!(", every run's end signed by the key given ({runs})"),
                Some(Err(line)) => {
                    println!(
                        "journal {}: line {line} is not part of a run closed by an end signed with the key given",
                        path.display()
                    );
                    return Exit::Failures;
                }
            };
            println!("journal {}: intact, {lines} records{ended}{signed}", path.display());
            Exit::Ok
        }
        Err(Break::Link { line: 1 }) => {
            println!(
                "journal {}: line 1 does not begin the chain: it was edited, or lines before it removed or moved",
                path.display()
            );
            Exit::Failures
        }
        Err(Break::Link { line }) => {
            println!(
                "journal {}: line {line} does not follow line {}: line {} was edited, or lines were removed or moved between them",
                path.display(),
                line - 1,
                line - 1
            );
            Exit::Failures
        }
        Err(Break::Head { lines, found }) => {
            println!(
                "journal {}: ends at line {lines} (hash {found}), not at the head given: it was cut short, or its last line edited",
                path.display()
            );
            Exit::Failures
        }
    }
}

/// An Ed25519 public key from a PEM file (`openssl pkey -pubout`).
fn read_key(path: &Path) -> Result<ed25519_dalek::VerifyingKey, String> {
    use ed25519_dalek::pkcs8::DecodePublicKey;
    let pem = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    ed25519_dalek::VerifyingKey::from_public_key_pem(&pem)
        .map_err(|e| format!("{} is not an Ed25519 public key in PEM: {e}", path.display()))
}
