//! The readiness stamp: what a drill proved, kept beside the plan (`PLAN.readiness.json`,
//! reviewed in git) so that CI can tell readiness without the state directory — the plan's
//! SHA-256 and shape, the drill's verdict, signed with the drill's `--sign-key` (Ed25519) over
//! everything else it holds.

use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signer, Verifier};
use serde::{Deserialize, Serialize};

use super::shape::Shape;

/// The stamp format's version.
pub const VERSION: u32 = 1;
/// What a signature covers is prefixed with this: a stamp's signature is never another's.
const CONTEXT: &[u8] = b"restorectl readiness stamp v1\n";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Stamp {
    pub version: u32,
    /// The plan's name and file name.
    pub plan: String,
    pub plan_file: String,
    pub plan_sha256: String,
    pub shape: Shape,
    pub drill: Drill,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<Signature>,
}

/// What the drill found.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Drill {
    /// When it ran (UTC), and the simulated start it rehearsed.
    pub ran: String,
    pub start: String,
    /// With `--trials`: how many; RTOs are then judged by each service's p90.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trials: Option<u32>,
    pub services: usize,
    pub restored: usize,
    /// Services that did not come back (failed or blocked), and those past their RTO.
    pub not_restored: Vec<String>,
    pub rto_missed: Vec<String>,
    pub restorectl: String,
}

impl Drill {
    pub fn passed(&self) -> bool {
        self.not_restored.is_empty() && self.rto_missed.is_empty()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Signature {
    /// The Ed25519 public key (base64 of its 32 bytes).
    pub key: String,
    /// The signature (base64) of the stamp without this field.
    pub value: String,
}

/// Why a stamp cannot be believed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Untrusted {
    #[error("it is not signed")]
    Unsigned,
    #[error("its signature does not match what it says (edited after it was signed)")]
    Mismatch,
    #[error("it is signed by another key than the one given (--verify-key)")]
    OtherKey,
    #[error("its signature cannot be read")]
    Unreadable,
}

/// Where a plan's stamp lives: `plans/ista.toml` → `plans/ista.readiness.json`.
pub fn path_for(plan: &Path) -> PathBuf {
    let stem = plan.file_stem().map_or_else(|| "plan".into(), |s| s.to_string_lossy().into_owned());
    plan.with_file_name(format!("{stem}.readiness.json"))
}

impl Stamp {
    fn signed_bytes(&self) -> Vec<u8> {
        let unsigned = Stamp { signature: None, ..self.clone() };
        let mut bytes = CONTEXT.to_vec();
        bytes.extend(serde_json::to_vec(&unsigned).unwrap_or_default());
        bytes
    }

    pub fn sign(&mut self, key: &ed25519_dalek::SigningKey) {
        let value = key.sign(&self.signed_bytes());
        self.signature = Some(Signature {
            key: STANDARD.encode(key.verifying_key().as_bytes()),
            value: STANDARD.encode(value.to_bytes()),
        });
    }

    /// Whether the stamp is as its signer wrote it (and, given `trusted`, signed by that key).
    pub fn check(&self, trusted: Option<&ed25519_dalek::VerifyingKey>) -> Result<(), Untrusted> {
        let sig = self.signature.as_ref().ok_or(Untrusted::Unsigned)?;
        let key: [u8; 32] =
            STANDARD.decode(&sig.key).ok().and_then(|k| k.try_into().ok()).ok_or(Untrusted::Unreadable)?;
        let key = ed25519_dalek::VerifyingKey::from_bytes(&key).map_err(|_| Untrusted::Unreadable)?;
        let value = STANDARD.decode(&sig.value).map_err(|_| Untrusted::Unreadable)?;
        let value = ed25519_dalek::Signature::from_slice(&value).map_err(|_| Untrusted::Unreadable)?;
        key.verify(&self.signed_bytes(), &value).map_err(|_| Untrusted::Mismatch)?;
        match trusted {
            Some(t) if *t != key => Err(Untrusted::OtherKey),
            _ => Ok(()),
        }
    }

    /// The stamp beside `plan`, if there is one.
    pub fn read(plan: &Path) -> Result<Option<Stamp>, String> {
        let path = path_for(plan);
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| format!("{} is not a readiness stamp: {e}", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(format!("cannot read {}: {e}", path.display())),
        }
    }

    /// Writes the stamp beside `plan` (replacing the last one at once).
    pub fn write(&self, plan: &Path) -> std::io::Result<PathBuf> {
        let path = path_for(plan);
        let mut text = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        text.push('\n');
        crate::state::files::write(&path, text.as_bytes())?;
        Ok(path)
    }
}
