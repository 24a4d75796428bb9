//! What the run told people: the customer updates published while it ran (from the
//! announcements directory: their files, when each went out, who approved it and whether their
//! signature holds) and the operators' alerts it
//! sent (from `notify.jsonl`: each queued alert of this run, and whether a target took it).

use serde::Serialize;

use crate::event::{Act, Signer};
use crate::state::StateDir;

#[derive(Debug, Serialize)]
pub struct CustomerUpdate {
    pub number: u32,
    /// `start`, `online`, `failed`, `unavailable`, … and what it is about (a service, a phase).
    pub kind: String,
    pub about: String,
    /// When it was published (UTC); `null` in a drill, where nothing is published.
    pub at: Option<String>,
    /// Under review (`publish = "review"`): `approved` or `rejected`, by whom, and their
    /// signature judged again (`verified: SHA256:…`, `unsigned`, `DOES NOT HOLD: why`).
    pub decision: Option<String>,
    pub decided_by: Option<String>,
    pub signature: Option<String>,
    /// Decisions on it that were refused (not a reviewer, a signature that does not hold,
    /// separate duties): whose, when, and why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub refused: Vec<String>,
}

/// The updates with who decided on each under review, their signatures judged again (a decision
/// belongs to the incident and the plan file it was made under).
pub fn reviewed(
    mut updates: Vec<CustomerUpdate>,
    dir: &std::path::Path,
    (plan, signers, incident): (
        &crate::plan::Plan,
        Option<&std::sync::Arc<crate::people::AllowedSigners>>,
        &str,
    ),
) -> Vec<CustomerUpdate> {
    let judge = crate::people::Judge::new(signers.cloned(), &plan.sha256, incident);
    for (number, said) in declined(dir) {
        if let Some(u) = updates.iter_mut().find(|u| u.number == number) {
            u.refused.push(said);
        }
    }
    for (number, decision, who, verdict) in decisions(dir, &judge, plan) {
        if let Some(u) = updates.iter_mut().find(|u| u.number == number) {
            u.decision = Some(decision.to_owned());
            u.decided_by = Some(who.by);
            u.signature = Some(verdict.said());
        }
    }
    updates
}

/// The refused decisions on the updates in `dir`, for people.
fn declined(dir: &std::path::Path) -> Vec<(u32, String)> {
    use crate::announce::webhook::log::{LOG, Record, read};
    read(&dir.join(LOG))
        .into_iter()
        .filter_map(|r| match r {
            Record::Declined { number, approve, who, reason, .. } => {
                Some((number, crate::announce::review::declined(approve, &who, &reason)))
            }
            _ => None,
        })
        .collect()
}

/// Who approved or rejected each reviewed update in `dir`, judged again as a review is (someone
/// outside the plan's reviewers, or unsigned where they must sign: refused).
pub fn decisions(
    dir: &std::path::Path,
    judge: &crate::people::Judge,
    plan: &crate::plan::Plan,
) -> Vec<(u32, &'static str, Signer, crate::people::Verdict)> {
    use crate::announce::webhook::log::{LOG, Record, read};
    read(&dir.join(LOG))
        .into_iter()
        .filter_map(|r| match r {
            Record::Approved { number, who, edits, .. } => {
                Some((number, "approved", Act::ApproveUpdate, who.who, edits))
            }
            Record::Rejected { number, who, .. } => {
                Some((number, "rejected", Act::RejectUpdate, who.who, Vec::new()))
            }
            _ => None,
        })
        .map(|(number, decision, act, who, edits)| {
            let verdict = crate::announce::screen::judged(plan, judge, (act, number, &edits), &who);
            (number, decision, who, verdict)
        })
        .collect()
}

#[derive(Debug, Serialize)]
pub struct Alert {
    pub kind: String,
    pub service: Option<String>,
    pub text: Option<String>,
    /// To how many targets it went, how many took it, how many refused it for good.
    pub targets: usize,
    pub delivered: usize,
    pub refused: usize,
}

/// The customer updates in `dir` of the run that ran within `window` (all of a drill's).
pub fn updates(
    dir: &std::path::Path,
    dry_run: bool,
    window: (jiff::Timestamp, Option<jiff::Timestamp>),
) -> Vec<CustomerUpdate> {
    let times = crate::announce::publication_times(dir);
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    // Its files `NNNN-kind-subject.locale.md`, and what the records say was published (on a
    // shared state, read elsewhere than where the files are).
    let files = entries.flatten().filter_map(|e| {
        let name = e.file_name().to_string_lossy().into_owned();
        name.strip_suffix(".md").and_then(|n| n.rsplit_once('.')).map(|(s, _)| s.to_owned())
    });
    // Published or not as the files say; the approvals are judged where they are listed.
    let unpublished = crate::announce::review::unpublished(dir, &Default::default());
    let recorded = crate::announce::published_stems(dir).into_iter().filter(|stem| {
        let number = stem.split('-').next().and_then(|n| n.parse::<u32>().ok());
        number.is_some_and(|n| !unpublished.contains(&n))
    });
    let mut seen = std::collections::BTreeMap::new();
    for stem in files.chain(recorded) {
        let mut parts = stem.splitn(3, '-');
        let (Some(number), Some(kind), about) =
            (parts.next().and_then(|n| n.parse::<u32>().ok()), parts.next(), parts.next())
        else {
            continue;
        };
        let at = times.get(&number).copied();
        let in_run = dry_run || at.is_none_or(|t| t >= window.0 && window.1.is_none_or(|end| t <= end));
        if in_run {
            seen.entry(number).or_insert_with(|| CustomerUpdate {
                number,
                kind: kind.to_owned(),
                about: about.unwrap_or_default().to_owned(),
                at: at.map(|t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()),
                decision: None,
                decided_by: None,
                signature: None,
                refused: Vec::new(),
            });
        }
    }
    seen.into_values().collect()
}

/// The operators' alerts run `run` queued, and what became of them.
pub fn alerts(state: &StateDir, run: &str) -> Vec<Alert> {
    let Ok(text) = std::fs::read_to_string(state.root().join("notify.jsonl")) else { return Vec::new() };
    let mine = format!("-{run}-");
    let mut alerts: Vec<(String, Alert)> = Vec::new();
    for record in text.lines().filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok()) {
        let Some(key) = record["key"].as_str().filter(|k| k.contains(&mine)) else { continue };
        let at = match alerts.iter().position(|(k, _)| k == key) {
            Some(at) => at,
            None => {
                let body = &record["body"];
                let kind = key.split_once(&mine).map_or(key, |(kind, _)| kind).to_owned();
                let alert = Alert {
                    kind,
                    service: body["service"].as_str().map(str::to_owned),
                    text: body["text"].as_str().map(str::to_owned),
                    targets: 0,
                    delivered: 0,
                    refused: 0,
                };
                alerts.push((key.to_owned(), alert));
                alerts.len() - 1
            }
        };
        let alert = &mut alerts[at].1;
        match record["state"].as_str() {
            Some("queued") => alert.targets += 1,
            Some("delivered") => alert.delivered += 1,
            Some("refused") => alert.refused += 1,
            _ => {}
        }
    }
    alerts.into_iter().map(|(_, a)| a).collect()
}
