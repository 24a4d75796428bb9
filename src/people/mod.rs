//! Who people are: the SSH keys `allowed_signers` gives them (the format git uses for SSH commit
//! signing), their decisions signed with those keys (SSHSIG, namespace `restorectl`, the format
//! `ssh-keygen -Y sign|verify` reads and writes), and the verdict on a decision: verified,
//! unsigned, or refused and why (a key outside the role, a signature over another decision, a
//! self-approval where the plan separates duties).

mod allowed;
mod decision;
mod journaled;
mod sign;
mod verdict;

pub use allowed::{AllowedError, AllowedSigners, LineError, for_plan};
pub use decision::{Decision, NAMESPACE};
pub use journaled::{Decided, decisions_in, reverify};
pub use sign::SignError;
pub use verdict::{Judge, Refusal, Verdict};
