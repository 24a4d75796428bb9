//! The connection to PostgreSQL: TLS (rustls, the system's roots, verified) as the URL's `sslmode` asks,
//! and the schema brought up to date from the migrations in `migrations/`, each applied once, in
//! order, under a lock so that two machines starting at once do not both apply one.

use std::path::PathBuf;

/// The migrations, in order: version, SQL.
const MIGRATIONS: &[(i32, &str)] = &[(1, include_str!("../../migrations/0001_shared_state.sql"))];

/// Why the shared state cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SharedError {
    #[error("PostgreSQL: {0}")]
    Db(#[from] postgres::Error),
    #[error("another run holds this incident's lock in {url}: one run at a time")]
    Held { url: String },
    #[error("cannot write {}: {why}", path.display())]
    Local { path: PathBuf, why: std::io::Error },
    #[error("the state URL is not valid: {0}")]
    Url(String),
}

pub(super) fn connect(url: &str) -> Result<postgres::Client, SharedError> {
    let config: postgres::Config =
        url.parse().map_err(|e: postgres::Error| SharedError::Url(e.to_string()))?;
    // The system's roots, as for webhooks; used when the URL's sslmode asks for TLS.
    use rustls_platform_verifier::ConfigVerifierExt;
    let tls =
        rustls::ClientConfig::with_platform_verifier().map_err(|e| SharedError::Url(format!("TLS: {e}")))?;
    Ok(config.connect(tokio_postgres_rustls::MakeRustlsConnect::new(tls))?)
}

/// Applies the migrations the database has not seen yet.
pub(super) fn migrate(client: &mut postgres::Client) -> Result<(), SharedError> {
    let mut tx = client.transaction()?;
    tx.batch_execute(
        "SELECT pg_advisory_xact_lock(hashtext('restorectl:migrations'));
         CREATE TABLE IF NOT EXISTS restorectl_schema (version integer PRIMARY KEY, applied timestamptz NOT NULL DEFAULT now());",
    )?;
    let done: Vec<i32> =
        tx.query("SELECT version FROM restorectl_schema", &[])?.iter().map(|r| r.get(0)).collect();
    for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| !done.contains(v)) {
        tx.batch_execute(sql)?;
        tx.execute("INSERT INTO restorectl_schema (version) VALUES ($1)", &[version])?;
    }
    tx.commit()?;
    Ok(())
}
