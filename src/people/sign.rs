//! Signing a decision with a person's SSH key, as `ssh-keygen -Y sign -n restorectl` would: with a
//! private key file (unencrypted), or through `ssh-agent` (`$SSH_AUTH_SOCK`) with the first of the
//! person's keys in `allowed_signers` it holds, or the one whose public key file is given.

use std::path::{Path, PathBuf};

use ssh_key::{HashAlg, LineEnding, PrivateKey, PublicKey, SshSig};

use super::decision::{Decision, NAMESPACE};

/// A decision signed: the key's fingerprint (`SHA256:…`) and the armored SSHSIG.
#[derive(Debug, Clone)]
pub struct Signed {
    pub key: String,
    pub signature: String,
}

/// Why a decision could not be signed.
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    #[error("cannot read the key {}: {why}", path.display())]
    KeyFile { path: PathBuf, why: String },
    #[error("the key {} is protected by a passphrase: add it to ssh-agent (`ssh-add {}`) and give its .pub", path.display(), path.display())]
    Encrypted { path: PathBuf },
    #[error("ssh-agent: {0}")]
    Agent(String),
    #[error("ssh-agent holds none of {by}'s keys in {allowed}")]
    NotInAgent { by: String, allowed: String },
    #[error("no ssh-agent ($SSH_AUTH_SOCK is not set) and no --key given")]
    NoAgent,
    #[error("{} is a public key and no ssh-agent ($SSH_AUTH_SOCK is not set) holds its private half: add it (`ssh-add`), or give the private key", path.display())]
    PublicWithoutAgent { path: PathBuf },
    #[error("{} is an RSA key, which restorectl cannot sign with from a file: add it to ssh-agent (`ssh-add {}`), or use an Ed25519 or ECDSA key", path.display(), path.display())]
    RsaFile { path: PathBuf },
    #[error("cannot sign: {0}")]
    Signing(String),
}

/// Signs `decision` with `key_file` (a private key, or a public key whose private half the agent
/// holds), or else with the first of `theirs` the agent holds.
pub fn sign(decision: &Decision, key_file: Option<&Path>, theirs: &[PublicKey]) -> Result<Signed, SignError> {
    let message = decision.message();
    let sig = match key_file {
        Some(path) => {
            let read = |why: String| SignError::KeyFile { path: path.to_path_buf(), why };
            let text = read_small(path).map_err(|e| read(e.to_string()))?;
            if text.trim_start().starts_with("-----BEGIN") {
                let key = PrivateKey::from_openssh(&text).map_err(|e| read(e.to_string()))?;
                if key.is_encrypted() {
                    return Err(SignError::Encrypted { path: path.to_path_buf() });
                }
                // ssh-key 0.6 builds RSA private keys wrongly (its signing fails); the agent signs.
                if matches!(key.algorithm(), ssh_key::Algorithm::Rsa { .. }) {
                    return Err(SignError::RsaFile { path: path.to_path_buf() });
                }
                key.sign(NAMESPACE, HashAlg::Sha512, message.as_bytes())
                    .map_err(|e| SignError::Signing(e.to_string()))?
            } else {
                let public = PublicKey::from_openssh(text.trim()).map_err(|e| read(e.to_string()))?;
                if std::env::var_os("SSH_AUTH_SOCK").is_none() {
                    return Err(SignError::PublicWithoutAgent { path: path.to_path_buf() });
                }
                with_agent(&message, std::slice::from_ref(&public), decision.by, path)?
            }
        }
        None => with_agent(&message, theirs, decision.by, Path::new("allowed_signers"))?,
    };
    let key = PublicKey::from(sig.public_key().clone()).fingerprint(HashAlg::Sha256).to_string();
    let signature = sig.to_pem(LineEnding::LF).map_err(|e| SignError::Signing(e.to_string()))?;
    Ok(Signed { key, signature })
}

/// A key file's text, read up to 64 KiB (a key is a few KiB; `/dev/zero` is not one).
fn read_small(path: &Path) -> std::io::Result<String> {
    use std::io::Read;
    let mut text = String::new();
    std::fs::File::open(path)?.take(64 << 10).read_to_string(&mut text)?;
    Ok(text)
}

/// Signs through the agent with the first of `wanted` it holds.
fn with_agent(message: &str, wanted: &[PublicKey], by: &str, allowed: &Path) -> Result<SshSig, SignError> {
    let socket = std::env::var_os("SSH_AUTH_SOCK").ok_or(SignError::NoAgent)?;
    let agent = |e: ssh_agent_client_rs::Error| SignError::Agent(e.to_string());
    let mut client = ssh_agent_client_rs::Client::connect(Path::new(&socket)).map_err(agent)?;
    let held = client.list_all_identities().map_err(agent)?;
    let key = held.iter().find_map(|h| match h {
        ssh_agent_client_rs::Identity::PublicKey(k) => {
            wanted.iter().any(|w| w.key_data() == k.key_data()).then(|| k.as_ref().clone().into_owned())
        }
        // A certificate is not a key of allowed_signers.
        ssh_agent_client_rs::Identity::Certificate(_) => None,
    });
    let Some(key) = key else {
        return Err(SignError::NotInAgent { by: by.to_owned(), allowed: allowed.display().to_string() });
    };
    let data = SshSig::signed_data(NAMESPACE, HashAlg::Sha512, message.as_bytes())
        .map_err(|e| SignError::Signing(e.to_string()))?;
    let signature = client.sign(&key, &data).map_err(agent)?;
    SshSig::new(key.key_data().clone(), NAMESPACE, HashAlg::Sha512, signature)
        .map_err(|e| SignError::Signing(e.to_string()))
}
