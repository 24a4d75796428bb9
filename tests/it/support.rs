//! Helpers shared by the integration tests: running the binary, writing plans, reading JSON.

use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

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

/// A `[[service]]` table for a real run in `dir`: healthy once `dir/ID.up` exists, restored by
/// `restore` (a shell script; default: create that file).
pub fn file_service(dir: &Path, id: &str, restore: Option<&str>) -> String {
    let d = dir.display();
    let restore = restore.map_or_else(|| format!("touch {d}/{id}.up"), str::to_owned);
    format!(
        "[[service]]\nid = \"{id}\"\n[[service.check]]\ncommand = [\"test\", \"-f\", \"{d}/{id}.up\"]\ninterval = \"50ms\"\n\
         [service.restore]\ncommand = [\"sh\", \"-c\", {restore:?}]\n"
    )
}

/// Writes `plan.toml` in `dir`: a `[plan]` header and `body`.
pub fn plan_in(dir: &Path, body: &str) -> std::path::PathBuf {
    let path = dir.join("plan.toml");
    std::fs::write(&path, format!("[plan]\nname = \"Run test\"\n{body}")).unwrap();
    path
}

/// `restorectl run --format json PLAN EXTRA…`: its exit code and report.
pub fn run_json(plan: &Path, extra: &[&str]) -> (Option<i32>, serde_json::Value) {
    let out = restorectl().args(["run", "--format", "json"]).args(extra).arg(plan).output().unwrap();
    assert!(!out.stdout.is_empty(), "no report: {}", String::from_utf8_lossy(&out.stderr));
    (out.status.code(), json(&out.stdout))
}

/// A service's final state in a run's JSON report.
pub fn state_of<'a>(report: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    &report["services"].as_array().unwrap().iter().find(|s| s["id"] == id).unwrap()["state"]
}

/// A live run in the background, plain progress on stderr, the JSON report on stdout.
pub fn spawn_run(plan: &Path, extra: &[&str]) -> Child {
    std::process::Command::new(assert_cmd::cargo::cargo_bin("restorectl"))
        .args(["run", "--progress", "plain", "--format", "json"])
        .args(extra)
        .arg(plan)
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Sends `sig` to a child process.
pub fn signal(child: &Child, sig: i32) {
    // SAFETY: signalling our own child process.
    unsafe { libc::kill(child.id() as i32, sig) };
}

/// Waits (up to 15 s) until `done` holds.
pub fn wait_until(what: &str, done: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while !done() {
        assert!(Instant::now() < deadline, "waited too long for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Waits for a file to appear.
pub fn wait_for(path: &Path, what: &str) {
    wait_until(what, || path.exists());
}

/// Waits (up to 10 s) for a file to hold a pid, as a script writes it (`echo $! > FILE`).
pub fn read_pid(path: &Path) -> u32 {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(pid) = std::fs::read_to_string(path).ok().and_then(|t| t.trim().parse().ok()) {
            return pid;
        }
        assert!(Instant::now() < deadline, "no pid in {}", path.display());
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Opens `page` in headless Chromium (with `flags`, at its address plus `suffix`) with `probe`, a
/// `<script>` that leaves its findings as JSON in a `<pre id="probe">`, and returns them.
pub fn probe_in_browser(page: &Path, probe: &str, suffix: &str, flags: &[&str]) -> serde_json::Value {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "chromium".into());
    let html = std::fs::read_to_string(page).unwrap();
    let probed = page.with_file_name("probed.html");
    std::fs::write(&probed, html.replacen("<head>", &format!("<head>{probe}"), 1)).unwrap();
    let profile = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(&chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--virtual-time-budget=3000",
            "--dump-dom",
        ])
        .args(flags)
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("file://{}{suffix}", probed.display()))
        .stderr(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {chromium} ({e}); install Debian's chromium or set CHROMIUM"));
    let dom = String::from_utf8_lossy(&out.stdout);
    let start = dom.find("<pre id=\"probe\">").expect("the probe script ran") + "<pre id=\"probe\">".len();
    let end = dom[start..].find("</pre>").unwrap() + start;
    let text = dom[start..end]
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">");
    serde_json::from_str(&text).unwrap()
}

/// Journal records as a run writes them: each line begins with `"prev"`, the SHA-256 of the line
/// before it (zeros for the first), so a journal written by a test verifies.
pub fn chained(records: &[&str]) -> String {
    use sha2::Digest;
    let mut prev = "0".repeat(64);
    let mut out = String::new();
    for r in records {
        let line = format!("{{\"prev\":\"{prev}\",{}", r.strip_prefix('{').unwrap());
        prev = sha2::Sha256::digest(line.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
        out += &line;
        out.push('\n');
    }
    out
}

/// Writes `runs` (each a run's records, its header first) as one chained journal at `path`.
pub fn write_journal(path: &Path, runs: &[Vec<String>]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let records: Vec<&str> = runs.iter().flatten().map(String::as_str).collect();
    std::fs::write(path, chained(&records)).unwrap();
}
