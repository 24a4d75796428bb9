//! The connection to PostgreSQL: TLS (rustls, the system's roots, verified) as the URL's `sslmode` asks,
//! and the schema brought up to date from the migrations in `migrations/`, each applied once, in
//! order, under a lock so that two machines starting at once do not both apply one.

use std::path::PathBuf;

/// The migrations, in order: version, SQL.
const MIGRATIONS: &[(i32, &str)] = &[
    (1, include_str!("../../migrations/0001_shared_state.sql")),
    (2, include_str!("../../migrations/0002_logs.sql")),
    (3, include_str!("../../migrations/0003_records.sql")),
];

/// Why the shared state cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SharedError {
    #[error("PostgreSQL: {}", describe(.0))]
    Db(#[from] postgres::Error),
    #[error("another run holds this incident's lock in {url}: one run at a time")]
    Held { url: String },
    #[error("cannot write {}: {why}", path.display())]
    Local { path: PathBuf, why: std::io::Error },
    #[error("the state URL is not valid: {0}")]
    Url(String),
}

pub(super) fn connect(url: &str) -> Result<postgres::Client, SharedError> {
    let (url, root_cert) = take_param(url, "sslrootcert");
    let config: postgres::Config =
        url.parse().map_err(|e: postgres::Error| SharedError::Url(e.to_string()))?;
    // Verified always: against `sslrootcert` (a private CA's certificates, as libpq reads it), or
    // the system's roots as for webhooks; used when the URL's sslmode asks for TLS.
    let tls = match root_cert {
        Some(file) => {
            let bad = |why: String| SharedError::Url(format!("sslrootcert={file}: {why}"));
            let pem = std::fs::read(&file).map_err(|e| bad(e.to_string()))?;
            let mut roots = rustls::RootCertStore::empty();
            for cert in rustls::pki_types::pem::PemObject::pem_slice_iter(&pem) {
                roots.add(cert.map_err(|e| bad(e.to_string()))?).map_err(|e| bad(e.to_string()))?;
            }
            rustls::ClientConfig::builder().with_root_certificates(roots).with_no_client_auth()
        }
        None => {
            use rustls_platform_verifier::ConfigVerifierExt;
            rustls::ClientConfig::with_platform_verifier()
                .map_err(|e| SharedError::Url(format!("TLS: {e}")))?
        }
    };
    Ok(config.connect(tokio_postgres_rustls::MakeRustlsConnect::new(tls))?)
}

/// `url` without its query parameter `name`, and that parameter's value.
fn take_param(url: &str, name: &str) -> (String, Option<String>) {
    let Some((base, query)) = url.split_once('?') else { return (url.to_owned(), None) };
    let mut value = None;
    let kept: Vec<&str> = query
        .split('&')
        .filter(|p| match p.strip_prefix(name).and_then(|r| r.strip_prefix('=')) {
            Some(v) => {
                value = Some(v.to_owned());
                false
            }
            None => true,
        })
        .collect();
    let url = if kept.is_empty() { base.to_owned() } else { format!("{base}?{}", kept.join("&")) };
    (url, value)
}

/// What went wrong, as the server or the connection says it (the driver's own text is terse).
fn describe(e: &postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        return format!("{}: {}", db.severity(), db.message());
    }
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text += &format!(": {s}");
        source = s.source();
    }
    text
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

#[cfg(test)]
mod tests {
    #[test]
    fn sslrootcert_is_taken_out_of_the_url() {
        let (url, cert) = super::take_param(
            "postgres://u:p@h:5432/d?sslmode=require&sslrootcert=/etc/ca.pem",
            "sslrootcert",
        );
        assert_eq!(url, "postgres://u:p@h:5432/d?sslmode=require");
        assert_eq!(cert.as_deref(), Some("/etc/ca.pem"));
        assert!(url.parse::<postgres::Config>().is_ok());
    }
}
