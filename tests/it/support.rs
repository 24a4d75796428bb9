//! Helpers shared by the integration tests: running the binary, writing plans, reading JSON.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

pub fn restorectl() -> Command {
    let mut cmd = Command::cargo_bin("restorectl").expect("binary built");
    cmd.env_remove("NO_COLOR").env("NO_COLOR", "1").env_remove("CI");
    cmd
}

pub fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// A temporary directory holding one plan file.
pub struct PlanDir {
    /// Kept alive: dropping it deletes the directory.
    pub dir: tempfile::TempDir,
    pub plan: PathBuf,
}

impl PlanDir {
    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

pub fn plan_file(toml: &str) -> PlanDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let plan = dir.path().join("plan.toml");
    std::fs::write(&plan, toml).expect("write plan");
    PlanDir { dir, plan }
}

pub fn json(out: &[u8]) -> serde_json::Value {
    serde_json::from_slice(out).unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(out)))
}

/// `severity line:col code: message` for each diagnostic of `validate --format json`.
pub fn diagnostic_lines(report: &serde_json::Value) -> Vec<String> {
    report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            let pos = |k: &str| d[k].as_u64().map_or("-".to_owned(), |n| n.to_string());
            format!(
                "{} {}:{} {}: {}",
                d["severity"].as_str().unwrap(),
                pos("line"),
                pos("column"),
                d["code"].as_str().unwrap(),
                d["message"].as_str().unwrap()
            )
        })
        .collect()
}
