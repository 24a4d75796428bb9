//! `restorectl import`'s arguments: the kind of source, its files, other sources merged in, and
//! the drift check against a committed plan.

use std::path::PathBuf;

use super::format::ReportFormat;

#[derive(Debug, clap::Subcommand)]
pub enum ImportSource {
    /// docker compose files (raw, or as `docker compose config` prints them); several are
    /// overlays, as `docker compose -f a.yml -f b.yml`.
    Compose(ImportArgs),
    /// systemd units: folders of `.service` files, or the files.
    Systemd(ImportArgs),
    /// Kubernetes manifests: files (several documents each) or folders of them.
    K8s(ImportArgs),
    /// Backstage catalogues (`catalog-info.yaml`).
    Backstage(ImportArgs),
}

impl ImportSource {
    pub fn parts(&self) -> (&'static str, &ImportArgs) {
        match self {
            ImportSource::Compose(a) => ("compose", a),
            ImportSource::Systemd(a) => ("systemd", a),
            ImportSource::K8s(a) => ("k8s", a),
            ImportSource::Backstage(a) => ("backstage", a),
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The source files or folders.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Another source merged into the same plan, as KIND:PATH (`systemd:units/`,
    /// `k8s:deploy.yaml`, `backstage:catalog-info.yaml`, `compose:compose.yml`); repeatable. One
    /// id is one service (dependencies joined); a check or restore two sources give differently
    /// is reported, the first kept.
    #[arg(long, value_name = "KIND:PATH")]
    pub merge: Vec<String>,
    /// Write the plan to FILE (default: standard output).
    #[arg(long, short, value_name = "FILE", conflicts_with_all = ["check", "update"])]
    pub output: Option<PathBuf>,
    /// Compare the estate with this committed plan: services or dependencies on one side only,
    /// changed checks or restores. Exit 1 on drift.
    #[arg(long, value_name = "PLAN", conflicts_with = "update")]
    pub check: Option<PathBuf>,
    /// Bring this committed plan up to date with the estate: only what changed is rewritten
    /// (names, RTOs, customer texts, gates and comments stay).
    #[arg(long, value_name = "PLAN")]
    pub update: Option<PathBuf>,
    /// The drift report's format (--check, --update).
    #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
    pub format: ReportFormat,
}
