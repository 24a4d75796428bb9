//! The regulatory clocks of the evidence report (`[plan.regulation]`): each deadline's due date
//! from the incident's start (a calendar month in the plan's time zone) and whether the incident
//! record shows it met; and the plan errors of a clock.

use crate::support::*;

fn stdout(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&a.get_output().stdout).into_owned()
}

const CLOCKS: &str = r#"[plan]
name = "Clock test"
timezone = "Europe/Warsaw"

[plan.regulation]
[[plan.regulation.clock]]
name = "NIS2 early warning"
within = "24h"
met_by = "notify-early"

[[plan.regulation.clock]]
name = "NIS2 incident notification"
within = "72h"
met_by = "notify-full"

[[plan.regulation.clock]]
name = "NIS2 final report"
within = "1 month"
met_by = "final-report"

[[service]]
id = "notify-early"
name = "Early warning"
[service.restore]
manual = "Send the early warning to CSIRT"

[[service]]
id = "notify-full"
name = "Notification"
[service.restore]
manual = "Send the incident notification"

[[service]]
id = "final-report"
name = "Final report"
[service.restore]
manual = "Send the final report"
"#;

/// The evidence report's clocks of an incident begun 2025-03-01 08:00 UTC in which each step of
/// `done` was confirmed that many seconds in.
fn clocks_of(done: &[(&str, f64)]) -> serde_json::Value {
    let p = plan_file(CLOCKS);
    let header = r#"{"v":1,"time":"2025-03-01T08:00:00Z","run":{"id":"0001","plan":"Clock test","pid":1,"dry_run":false,"fingerprints":{},"clock_start":"2025-03-01T08:00:00Z","incident":"0001","incident_start":"2025-03-01T08:00:00Z"}}"#;
    let mut records = vec![header.to_owned()];
    for (id, at) in done {
        records.push(format!(
            r#"{{"v":1,"time":"2025-03-01T08:00:00Z","event":"confirmed","service":"{id}","at":{at},"by":"ann","run":"0001"}}"#
        ));
        records.push(format!(r#"{{"v":1,"time":"2025-03-01T08:00:00Z","event":"online","service":"{id}","at":{at},"attempts":1}}"#));
    }
    write_journal(&p.path().join(".restorectl/plan/journal.jsonl"), &[records]);
    let a = restorectl().args(["report", "--format", "json"]).arg(&p.plan).assert().code(0);
    let md = restorectl().arg("report").arg(&p.plan).assert().code(0);
    assert!(stdout(&md).contains("## Regulatory reporting deadlines\n"), "{}", stdout(&md));
    json(&a.get_output().stdout)["regulatory_clocks"].clone()
}

fn verdicts(clocks: &serde_json::Value) -> Vec<String> {
    clocks
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            format!(
                "{}: due {}, {} ({})",
                c["name"].as_str().unwrap(),
                c["due"].as_str().unwrap(),
                c["verdict"].as_str().unwrap(),
                c["margin"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn the_report_shows_the_nis2_clocks_met() {
    let clocks =
        clocks_of(&[("notify-early", 3_600.0), ("notify-full", 100_000.0), ("final-report", 2_000_000.0)]);
    assert_eq!(
        verdicts(&clocks),
        [
            "NIS2 early warning: due 2025-03-02 08:00:00 UTC, met (23h before it was due)",
            "NIS2 incident notification: due 2025-03-04 08:00:00 UTC, met (1d 20h before it was due)",
            // A calendar month in the plan's time zone: 09:00 CET on 1 March, 09:00 CEST on 1 April.
            "NIS2 final report: due 2025-04-01 07:00:00 UTC, met (7d 19h before it was due)",
        ]
    );
    assert_eq!(clocks[0]["done"], "2025-03-01 09:00:00 UTC");
}

#[test]
fn the_report_shows_the_nis2_clocks_missed() {
    let clocks = clocks_of(&[("notify-early", 72_000.0), ("notify-full", 288_000.0)]);
    let lines = verdicts(&clocks);
    assert_eq!(lines[0], "NIS2 early warning: due 2025-03-02 08:00:00 UTC, met (4h before it was due)");
    assert_eq!(lines[1], "NIS2 incident notification: due 2025-03-04 08:00:00 UTC, missed (8h late)");
    assert!(
        lines[2].starts_with("NIS2 final report: due 2025-04-01 07:00:00 UTC, missed (not done; "),
        "{}",
        lines[2]
    );
    assert_eq!(clocks[2]["done"], serde_json::Value::Null);
}

#[test]
fn a_clock_met_by_no_service_or_without_a_length_is_refused() {
    let bad = plan_file(
        &CLOCKS
            .replace("met_by = \"final-report\"", "met_by = \"final-reprot\"")
            .replace("within = \"72h\"", "within = \"soon\""),
    );
    let a = restorectl().args(["validate", "--format", "json"]).arg(&bad.plan).assert().code(2);
    assert_eq!(
        diagnostic_lines(&json(&a.get_output().stdout)),
        [
            "error 13:10 bad-value: `within` of `soon` is not a length of time after the incident's start",
            "error 19:10 unknown-clock-service: regulatory clock `NIS2 final report` is met by unknown service `final-reprot`",
        ]
    );
}
