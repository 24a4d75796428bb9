//! `restorectl report`: the evidence pack of a live run (sign-offs with account and host, a retry,
//! a skip, the verify gates' evidence tied to its files, the journal's head) and of a drill (the
//! ista dry run, SIMULATED on every section, opened in headless Chromium); a changed plan and an
//! edited journal show in it; a missing journal or run is an input error.

use sha2::Digest;

use crate::support::*;

fn sha256(bytes: &[u8]) -> String {
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

fn report(plan: &std::path::Path, extra: &[&str]) -> (Option<i32>, String, String) {
    let out = restorectl().arg("report").arg(plan).args(extra).output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_live_runs_report_names_who_signed_what_and_ties_the_evidence_to_its_files() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display();
    let vault = file_service(dir.path(), "vault", None).replacen(
        "\n[[service.check]]",
        "\napproval = { role = \"secops\", count = 2 }\nrto = \"1h\"\n[[service.check]]",
        1,
    ) + "[[service.verify]]\nname = \"malware scan\"\ncommand = [\"echo\", \"Infected files: 0\"]\n\
         [[service.verify]]\nname = \"restore point\"\ncommand = [\"echo\", \"snap-2022-07-24T23:00\"]\nevidence = \"restore_point\"\n";
    let flaky = file_service(
        dir.path(),
        "flaky",
        Some(&format!("if [ -f {d}/tried ]; then touch {d}/flaky.up; else touch {d}/tried; exit 3; fi")),
    ) + "retries = 1\nbackoff = \"10ms\"\n";
    let extra = file_service(dir.path(), "extra", None);
    let plan = plan_in(
        dir.path(),
        &format!("[approvers]\nsecops = [\"secops-lead\", \"secops-deputy\"]\n{vault}{flaky}{extra}"),
    );
    let child = spawn_run(&plan, &["--skip", "extra", "--reason", "decommissioned"]);
    let journal = dir.path().join(".restorectl/plan/journal.jsonl");
    wait_until("the wait for sign-offs", || {
        std::fs::read_to_string(&journal).unwrap_or_default().contains("waiting_for_approval")
    });
    for by in ["secops-lead", "secops-deputy"] {
        let out = restorectl().arg("confirm").arg(&plan).args(["vault", "--by", by]).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let head = json(&out.stdout)["journal_head"].as_str().unwrap().to_owned();

    let (code, text, err) = report(&plan, &["--format", "json"]);
    assert_eq!(code, Some(0), "{err}");
    let r = json(text.as_bytes());
    assert_eq!(r["simulated"], false);
    assert_eq!(r["scope"]["sha256_at_run"], sha256(&std::fs::read(&plan).unwrap()));
    assert_eq!(r["scope"]["sha256_now"], r["scope"]["sha256_at_run"]);
    assert_eq!(r["run"]["outcome"], "success");
    // Who signed off, from which account and host; who skipped what and why.
    let people = r["people"].as_array().unwrap();
    let acts: Vec<(&str, &str, &str)> = people
        .iter()
        .map(|p| (p["kind"].as_str().unwrap(), p["service"].as_str().unwrap(), p["by"].as_str().unwrap()))
        .collect();
    let user = std::env::var("USER").unwrap_or_else(|_| "an operator".into());
    assert_eq!(
        acts,
        [
            ("started", "run", user.as_str()),
            ("skipped", "extra", user.as_str()),
            ("approved", "vault", "secops-lead"),
            ("approved", "vault", "secops-deputy")
        ]
    );
    assert_eq!(people[0]["detail"], "started the run");
    assert_eq!(people[1]["detail"], "decommissioned");
    // In the order they signed, each with when, the account and the host, from the journal.
    assert_eq!(people[2]["detail"], "signed off (1 of 2)");
    assert_eq!(people[3]["detail"], "signed off (2 of 2)");
    // Nobody here has a key: every decision is said to be unsigned.
    assert!(people.iter().all(|p| p["signature"] == "unsigned"), "{people:#?}");
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    for p in people {
        assert_eq!(p["host"], host.trim(), "{p:#}");
        assert!(p["account"].as_str().is_some_and(|a| !a.is_empty()), "{p:#}");
        assert!(p["time"].as_str().unwrap().parse::<jiff::Timestamp>().is_ok(), "{p:#}");
    }
    assert_eq!(r["run"]["host"], host.trim());
    assert_eq!(r["run"]["version"], env!("CARGO_PKG_VERSION"));
    assert!(
        r["run"]["command"]
            .as_str()
            .unwrap()
            .ends_with(&format!("--skip extra --reason decommissioned {}", plan.display()))
    );
    // The retry, with why.
    assert_eq!(r["retries"].as_array().unwrap().len(), 1, "{:#}", r["retries"]);
    assert_eq!(r["retries"][0]["service"], "flaky");
    assert_eq!(r["retries"][0]["attempt"], 1);
    assert_eq!(r["retries"][0]["reason"], "exit 3");
    // The gates' evidence, tied to the file it was kept in.
    let ev = &r["evidence"][0];
    assert_eq!(ev["service"], "vault");
    assert_eq!(ev["restore_point"], "snap-2022-07-24T23:00");
    let file = ev["file"].as_str().unwrap();
    assert_eq!(ev["file_sha256"], sha256(&std::fs::read(file).unwrap()));
    assert_eq!(ev["matches_journal"], true);
    assert_eq!(ev["steps"][0]["stdout_sha256"], sha256(b"Infected files: 0\n"));
    assert_eq!(ev["steps"][0]["output"], "Infected files: 0");
    assert_eq!(ev["steps"][0]["code"], 0);
    // Objectives, deviations, steps, the journal.
    let vault = r["objectives"]["services"].as_array().unwrap().iter().find(|s| s["id"] == "vault").unwrap();
    assert_eq!(vault["verdict"], "met", "{vault:#}");
    let kinds: Vec<&str> =
        r["deviations"].as_array().unwrap().iter().map(|d| d["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["skipped", "retried"]);
    let executed: Vec<&str> =
        r["steps"]["executed"].as_array().unwrap().iter().map(|s| s["service"].as_str().unwrap()).collect();
    assert_eq!(executed, ["vault", "flaky"]);
    assert_eq!(r["steps"]["executed"][1]["what"], "restored (2 attempts)");
    assert_eq!(r["steps"]["not_executed"][0]["what"], "skipped: decommissioned");
    assert_eq!(r["journal"]["intact"], true);
    assert_eq!(r["journal"]["head"], head);

    // Markdown: every section, nothing SIMULATED about a live run.
    let (code, md, _) = report(&plan, &[]);
    assert_eq!(code, Some(0));
    for heading in [
        "## Scope",
        "## Objectives and actuals",
        "## Timeline",
        "## Confirmations, sign-offs and skipped services",
        "## Retries",
        "## Verification evidence",
        "## Failures and deviations",
        "## Steps executed and not executed",
        "## Customer updates and operators' alerts",
        "## Journal integrity",
    ] {
        assert!(md.contains(&format!("{heading}\n")), "{heading} missing:\n{md}");
    }
    assert!(!md.contains("SIMULATED"), "{md}");
    assert!(md.contains(&format!("--head {head}`")), "{md}");

    // Never written over the evidence or the plan, whatever the name it is given by.
    let link = dir.path().join("plan-link.toml");
    std::os::unix::fs::symlink(&plan, &link).unwrap();
    let hard = dir.path().join("journal-copy.jsonl");
    std::fs::hard_link(&journal, &hard).unwrap();
    for (out, why) in [
        (link, "that is the plan"),
        (hard, "that is the journal"),
        (dir.path().join(".restorectl/plan/journal.jsonl"), "that is the journal"),
        (
            dir.path().join(".restorectl/plan/report.md"),
            "that is inside the state directory, where the journal and the evidence are kept",
        ),
        (plan.clone(), "that is the plan"),
    ] {
        let (code, _, err) = report(&plan, &["-o", out.to_str().unwrap()]);
        assert_eq!(code, Some(2));
        assert_eq!(err, format!("error: `--output {}`: {why}; write the report elsewhere\n", out.display()));
    }

    // An evidence file edited since the run: the journal's hash of it tells, exit 1.
    let edited = std::fs::read_to_string(file).unwrap().replace("Infected files: 0", "Infected files: 9");
    std::fs::write(file, edited).unwrap();
    let (code, text, err) = report(&plan, &["--format", "json"]);
    assert_eq!(code, Some(1), "{err}");
    assert_eq!(
        err,
        "warning: an evidence file no longer matches the SHA-256 the journal holds for it (see the report)\n"
    );
    assert_eq!(json(text.as_bytes())["evidence"][0]["matches_journal"], false);

    // An edited journal: the report is still written, says so, and exits 1.
    let edited = std::fs::read_to_string(&journal).unwrap().replacen("secops-lead", "secops-leaf", 1);
    std::fs::write(&journal, edited).unwrap();
    let out_file = dir.path().join("report.md");
    let (code, _, err) = report(&plan, &["--output", out_file.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("warning: the journal is not intact: the hash chain breaks at line"), "{err}");
    assert!(std::fs::read_to_string(&out_file).unwrap().contains("**NOT intact**"));

    // A journal cut in the middle of its last line is not intact either.
    let bytes = std::fs::read(&journal).unwrap();
    std::fs::write(&journal, &bytes[..bytes.len() - 30]).unwrap();
    let (code, text, _) = report(&plan, &["--format", "json"]);
    assert_eq!(code, Some(1));
    let problem = json(text.as_bytes())["journal"]["problem"].as_str().unwrap().to_owned();
    assert!(
        problem
            .ends_with(", the last, is cut off: the journal was truncated, or a run died while writing it"),
        "{problem}"
    );

    // The plan changed since the run: the report refuses to read today's plan as the run's.
    std::fs::write(&plan, std::fs::read_to_string(&plan).unwrap() + "\n# edited\n").unwrap();
    let (code, _, err) = report(&plan, &[]);
    assert_eq!(code, Some(2));
    assert!(err.starts_with(&format!("error: {} has changed since run ", plan.display())), "{err}");
    assert!(err.contains("the report must read the plan the run followed: take that version from version control (e.g. `git show REV:"), "{err}");
}

#[test]
fn a_report_needs_a_journal_and_a_run_it_holds() {
    let dir = tempfile::tempdir().unwrap();
    let plan = plan_in(dir.path(), &file_service(dir.path(), "db", None));
    let (code, out, err) = report(&plan, &[]);
    assert_eq!((code, out.as_str()), (Some(2), ""));
    let state = dir.path().join(".restorectl/plan");
    assert_eq!(
        err,
        format!(
            "error: no journal in {}: nothing has been run yet (run `restorectl run {}` first)\n",
            state.display(),
            plan.display()
        )
    );
    // Only a drill so far: the error says where its report is.
    restorectl().args(["run", "--dry-run", "--progress", "none"]).arg(&plan).assert().code(0);
    let (code, _, err) = report(&plan, &[]);
    assert_eq!(code, Some(2));
    assert!(err.ends_with("\n  a dry run's journal is there: `--dry-run` reports on it\n"), "{err}");
    assert_eq!(report(&plan, &["--dry-run"]).0, Some(0));
    // A run the journal does not hold.
    restorectl().args(["run", "--progress", "none"]).arg(&plan).assert().code(0);
    let (code, _, err) = report(&plan, &["--run", "nope"]);
    assert_eq!(code, Some(2));
    assert!(
        err.starts_with(&format!("error: the journal in {} has no run `nope`; its runs: ", state.display())),
        "{err}"
    );
    let (code, _, err) = report(&plan, &["--run", "x", "--dry-run"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("cannot be used with"), "{err}");
}

/// The drill of the bundled plan, as an HTML page in a real browser: every section there, each
/// saying SIMULATED, the banner fixed on every printed page, nothing fetched, the chart drawn.
#[test]
fn the_drills_html_report_opens_in_a_browser_with_every_section_simulated() {
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("ista.toml");
    std::fs::copy(repo("plans/ista.toml"), &plan).unwrap();
    restorectl().args(["run", "--dry-run", "--progress", "none"]).arg(&plan).assert().code(0);
    let page = dir.path().join("report.html");
    let (code, _, err) = report(&plan, &["--dry-run", "--format", "html", "-o", page.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{err}");
    let probe = r##"<script>
window.__errors = [];
window.addEventListener("error", e => window.__errors.push(String(e.message)));
window.addEventListener("load", () => {
  const sections = [...document.querySelectorAll("section")].map(s => [s.id, s.querySelector("h2").textContent.includes("SIMULATED")]);
  const banner = document.querySelector(".banner");
  const out = document.createElement("pre");
  out.id = "probe";
  out.textContent = JSON.stringify({ errors: window.__errors, sections, title: document.title,
    banner: banner && banner.textContent, fixed: banner && getComputedStyle(banner).position,
    bars: document.querySelectorAll("#timeline svg rect").length,
    external: document.querySelectorAll("[src], link[href], img").length,
    evidence: [...document.querySelectorAll("#evidence h3")].map(h => h.textContent),
    required: [...document.querySelectorAll("#people li")].map(l => l.textContent) });
  document.body.appendChild(out);
});
</script>"##;
    let r = probe_in_browser(&page, probe, "", &[]);
    assert_eq!(r["errors"], serde_json::json!([]));
    let sections: Vec<(String, bool)> = serde_json::from_value(r["sections"].clone()).unwrap();
    let ids: Vec<&str> = sections.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "scope",
            "objectives",
            "timeline",
            "people",
            "retries",
            "evidence",
            "deviations",
            "steps",
            "notices",
            "journal"
        ]
    );
    assert!(sections.iter().all(|(_, simulated)| *simulated), "{sections:?}");
    assert!(r["title"].as_str().unwrap().starts_with("SIMULATED · "), "{r:#}");
    assert_eq!(r["fixed"], "fixed");
    assert!(r["banner"].as_str().unwrap().contains("SIMULATED: a drill, nothing was executed"), "{r:#}");
    assert_eq!(r["external"], 0);
    assert!(r["bars"].as_u64().unwrap() >= 15, "{r:#}");
    // The services the 2022 recovery needed gates and sign-offs for.
    let evidence: Vec<String> = serde_json::from_value(r["evidence"].clone()).unwrap();
    for id in ["identity", "backup-restore", "email", "ista24", "ista-connect"] {
        assert!(evidence.iter().any(|h| h.starts_with(id)), "{id}: {evidence:?}");
        assert!(
            r["required"].as_array().unwrap().iter().any(|l| l.as_str().unwrap().starts_with(id)),
            "{id}"
        );
    }
}

/// A drill where a restore fails: the failed service and what waits for it are "not restored"
/// (never "open"), the failure and the skip are deviations, and a reason with a `|` stays in its
/// Markdown table cell.
#[test]
fn a_drill_with_a_failure_counts_what_did_not_come_back_as_not_restored() {
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("ista.toml");
    std::fs::copy(repo("plans/ista.toml"), &plan).unwrap();
    restorectl()
        .args(["run", "--dry-run", "--progress", "none", "--fail", "email", "--skip", "phone-hotline"])
        .args(["--reason", "moved | to the new PBX"])
        .arg(&plan)
        .assert()
        .code(1);
    let (code, text, _) = report(&plan, &["--dry-run", "--format", "json"]);
    assert_eq!(code, Some(0));
    let r = json(text.as_bytes());
    let verdict = |id: &str| {
        r["objectives"]["services"].as_array().unwrap().iter().find(|s| s["id"] == id).unwrap()["verdict"]
            .clone()
    };
    assert_eq!(verdict("email"), "not restored");
    assert_eq!(verdict("phone-hotline"), "not restored");
    assert_eq!(r["objectives"]["open"], 0);
    let kinds: Vec<&str> =
        r["deviations"].as_array().unwrap().iter().map(|d| d["kind"].as_str().unwrap()).collect();
    assert!(kinds.contains(&"failed") && kinds.contains(&"skipped"), "{kinds:?}");
    let (_, md, _) = report(&plan, &["--dry-run"]);
    assert!(md.contains("| moved \\| to the new PBX |"), "{md}");
}

/// Customer updates written elsewhere (`run --announce-dir`) are found where `report` is told.
#[test]
fn the_customer_updates_are_read_where_the_run_wrote_them() {
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("ista.toml");
    std::fs::copy(repo("plans/ista.toml"), &plan).unwrap();
    let elsewhere = dir.path().join("published");
    restorectl()
        .args(["run", "--dry-run", "--progress", "none", "--announce-dir"])
        .arg(&elsewhere)
        .arg(&plan)
        .assert()
        .code(0);
    let updates = |extra: &[&str]| {
        let (code, text, _) = report(&plan, &[&["--dry-run", "--format", "json"][..], extra].concat());
        assert_eq!(code, Some(0));
        json(text.as_bytes())["customer_updates"].as_array().unwrap().len()
    };
    assert_eq!(updates(&[]), 0);
    let n = updates(&["--announce-dir", elsewhere.to_str().unwrap()]);
    assert!(n >= 5, "{n}");
}
