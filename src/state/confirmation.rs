//! `confirm/<run>/<service>.json`: an operator's confirmation of a manual step, for one run.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::event::Signer;

/// `confirm/<run>/<service>.json`: who confirmed a manual step, when, from which account and host
/// (`confirm` ran under, beside the name given), in a versioned file.
#[derive(Debug, Serialize, Deserialize)]
pub struct Confirmation {
    /// Version of the format.
    pub v: u32,
    #[serde(flatten)]
    pub who: Signer,
}

/// The operating-system account and host this process runs under.
pub fn account() -> (Option<String>, Option<String>) {
    // SAFETY: getuid has no preconditions.
    let user = std::env::var("USER").ok().or_else(|| Some(format!("uid {}", unsafe { libc::getuid() })));
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").ok().map(|h| h.trim().to_owned());
    (user, host)
}

impl From<Confirmation> for Signer {
    fn from(c: Confirmation) -> Self {
        c.who
    }
}

impl Confirmation {
    pub const VERSION: u32 = 1;

    pub fn new(by: String) -> Self {
        let (user, host) = account();
        Self {
            v: Self::VERSION,
            who: Signer {
                by,
                at: jiff::Timestamp::now().to_string(),
                user,
                host,
                key: None,
                signature: None,
            },
        }
    }

    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        super::files::write(path, &serde_json::to_vec(self).map_err(std::io::Error::other)?)
    }

    /// The confirmation at `path`, if there is one of a version this reader knows.
    pub fn read(path: &Path) -> Option<Self> {
        let c: Self = serde_json::from_slice(&std::fs::read(path).ok()?).ok()?;
        (c.v == Self::VERSION).then_some(c)
    }
}
