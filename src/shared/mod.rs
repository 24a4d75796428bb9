//! Shared incident state on PostgreSQL (`--state postgres://…`, or `RESTORECTL_STATE`): several
//! operators on several machines work one incident. The database holds each plan's journal, line
//! by line with the same hash chain, and the decisions people give from anywhere; the run holds
//! the incident's advisory lock (a second run is refused). A run mirrors the journal into its local
//! state directory (its logs, evidence and confirmations stay there) and appends every record to
//! the database before anything acts on it; a decision given from another machine reaches the run
//! through LISTEN/NOTIFY, and the actions' output is shipped for `logs --follow`. Readers (`confirm`, `report`, `journal verify`, `history`) read a
//! snapshot of the journal. Migrations are versioned in `migrations/`.

mod db;
mod inbox;
mod journal;
mod logs;
mod snapshot;

pub use db::SharedError;
pub use inbox::Inbox;
pub use journal::{Shared, Sink, ship};
pub use logs::Logs;
pub use snapshot::Snapshot;

pub use crate::state::location::url;
