//! Shared incident state on PostgreSQL (`--state postgres://…`, or `RESTORECTL_STATE`): several
//! operators on several machines work one incident. The database holds each plan's journal, line
//! by line with the same hash chain, and the decisions people give from anywhere; the run holds
//! the incident's advisory lock (a second run is refused). A run mirrors the journal into its local
//! state directory (its logs, evidence and confirmations stay there) and appends every record to
//! the database before anything acts on it; a decision given from another machine reaches the run
//! through LISTEN/NOTIFY, and the actions' output is shipped for `logs --follow`. The
//! announcements' records (drafts, approvals, the webhooks' delivery queue) and the operators'
//! alerts are shared line by line too (`records`), and a review given from another machine is
//! decided by the run that holds the incident (or, with none, by whoever gave it, holding the
//! incident meanwhile). Readers (`confirm`, `report`, `journal verify`, `history`, `announce
//! drafts`) read a snapshot. Migrations are versioned in `migrations/`.

mod db;
mod inbox;
mod journal;
mod logs;
mod records;
mod snapshot;

pub use db::SharedError;
pub use inbox::{Inbox, Reviewer};
pub use journal::{Shared, Sink, on_journal, ship};
pub use logs::Logs;
pub use records::{Records, files as record_files};
pub use snapshot::Snapshot;

pub use crate::state::location::url;
