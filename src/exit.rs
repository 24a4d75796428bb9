//! The process exit codes: one documented enum, so scripts and CI can rely on them.

/// How a command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Everything asked for is done / healthy / valid.
    Ok = 0,
    /// Some services failed, are blocked or unhealthy.
    Failures = 1,
    /// The input (plan, flags) was invalid.
    Invalid = 2,
    /// Interrupted by Ctrl-C.
    Interrupted = 130,
}

impl From<Exit> for std::process::ExitCode {
    fn from(e: Exit) -> Self {
        std::process::ExitCode::from(e as u8)
    }
}
