//! The state directory (`.restorectl/` next to the plan, or `--state DIR`): its layout, and the
//! files in it, each typed and versioned.
//!
//! ```text
//! journal.jsonl                  every event of every run (journal.rs); journal.<time>.jsonl kept by --fresh
//! lock                           held by the run using the directory; holds its pid
//! logs/<run>/<service>.<n>.log   a restore action's output (logs.<time>/ kept by --fresh)
//! logs/<run>/pids                `<service>/<n> <pid> <start ticks>`, noted as each action is spawned
//! confirm/<run>/<service>.json   an operator's confirmation of a manual step, for one run
//! confirm/<run>/<service>.approvals/<hex name>.json   one person's sign-off (`approval`)
//! notify.jsonl                   the operators' alerts ([[notify]]): queued, delivered, refused
//! evidence/<run>/<service>.<n>.json   what each verify gate of attempt n did
//! announcements/                 customer updates (announce::writer); announced.jsonl and
//!                                webhooks.jsonl there remember what was told and delivered
//! dry-run/                       a dry run's own state directory, never the live one
//! ```

pub mod chain;
pub mod confirmation;
mod dir;
pub mod durations;
mod error;
pub mod files;
pub mod history;
mod incident;
pub mod journal;
pub mod location;
pub mod mirrored;
mod records;
pub mod replay;
pub mod runlog;

pub use confirmation::Confirmation;
pub use dir::StateDir;
pub use error::StateError;
pub use history::history;
pub use journal::{Journal, Mirror};
pub use records::first_break;
pub use replay::{LastRun, Replay, Stage, last_run, quarantined};
