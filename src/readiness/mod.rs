//! Whether a plan is ready, as a regulator asks it: the last drill and the last real run of
//! exactly this plan (its SHA-256), their verdicts (everything restored, every RTO met — by the
//! p90 for a drill of many trials), their age, and what changed in the plan since. A drill run
//! with `--sign-key` leaves a signed stamp beside the plan (`stamp`) so that CI can tell without
//! the state directory.

pub mod shape;
pub mod stamp;

use crate::plan::Plan;
use crate::tally::Tally;
use stamp::{Drill, Untrusted};

/// A drill or a real run, as readiness weighs it.
#[derive(Debug, Clone)]
pub struct Evidence {
    /// `dry` for a drill, the run's id for a real run.
    pub run: String,
    pub when: jiff::Timestamp,
    pub plan_sha256: String,
    pub drill: Drill,
    /// Where it was read: the stamp's path, or the journal's.
    pub source: String,
}

/// What a run's events say: how many services came back, which did not, which missed their RTO.
pub fn findings(plan: &Plan, tally: &Tally) -> (usize, Vec<String>, Vec<String>) {
    let ids = |v: Vec<usize>| v.into_iter().map(|i| plan.services[i].id.clone()).collect::<Vec<_>>();
    let restored = (0..plan.services.len()).filter(|&i| tally.records[i].state.is_online()).count();
    let not_restored =
        ids((0..plan.services.len()).filter(|&i| !tally.records[i].state.is_online()).collect());
    let missed = ids(tally.rto_misses(plan).into_iter().map(|(i, _)| i).collect());
    (restored, not_restored, missed)
}

/// The verdict and its exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// A drill (or real run) of this very plan restored everything in time, recently enough.
    Ready,
    /// The plan changed since, or its proof is older than allowed, or the stamp is not believed.
    Stale,
    /// The latest drill or run of this plan did not restore everything in time.
    Failed,
    /// No drill or run of any version of the plan is known.
    NeverDrilled,
}

impl Verdict {
    pub fn exit(self) -> crate::exit::Exit {
        use crate::exit::Exit;
        match self {
            Verdict::Ready => Exit::Ok,
            Verdict::Stale | Verdict::Failed => Exit::Failures,
            Verdict::NeverDrilled => Exit::Invalid,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Ready => "ready",
            Verdict::Stale => "stale",
            Verdict::Failed => "failed",
            Verdict::NeverDrilled => "never drilled",
        }
    }
}

/// What is known of the plan's readiness.
#[derive(Debug)]
pub struct Readiness {
    pub verdict: Verdict,
    /// Why, a sentence each.
    pub reasons: Vec<String>,
    /// The latest drill and real run found (of any version of the plan).
    pub drill: Option<Evidence>,
    pub run: Option<Evidence>,
    /// What changed in the plan since the stamp (empty without one, or when it is this plan's).
    pub changes: Vec<String>,
    /// The stamp's trust: `None` without a stamp.
    pub stamp: Option<Result<(), Untrusted>>,
}

/// What readiness weighs.
pub struct Known {
    pub plan_sha256: String,
    pub now: jiff::Timestamp,
    pub max_age: std::time::Duration,
    /// From the stamp, with its trust and what changed since.
    pub stamped: Option<(Evidence, Result<(), Untrusted>, Vec<String>)>,
    /// From the state directory's journals.
    pub journal_drill: Option<Evidence>,
    pub journal_run: Option<Evidence>,
}

pub fn assess(k: Known) -> Readiness {
    let mut reasons = Vec::new();
    let trust = k.stamped.as_ref().map(|(_, t, _)| t.clone());
    let changes = k.stamped.as_ref().map(|(_, _, c)| c.clone()).unwrap_or_default();
    if let Some((e, Err(why), _)) = &k.stamped {
        reasons.push(format!("the stamp {} is not believed: {why}", e.source));
    }
    // A stamp of this plan whose templates changed since proves the plan, not what it now says.
    let inputs_changed =
        k.stamped.as_ref().is_some_and(|(e, _, c)| e.plan_sha256 == k.plan_sha256 && !c.is_empty());
    let believed = k.stamped.as_ref().filter(|(_, t, _)| t.is_ok()).map(|(e, _, _)| e.clone());
    if inputs_changed {
        reasons.push(format!("what the plan reads changed since its last drill: {}", changes.join(", ")));
    }
    let latest = |a: Option<Evidence>, b: Option<Evidence>| match (a, b) {
        (Some(a), Some(b)) => Some(if b.when > a.when { b } else { a }),
        (a, b) => a.or(b),
    };
    let drill = latest(believed, k.journal_drill.clone());
    let run = k.journal_run.clone();
    let this = |e: &Option<Evidence>| e.clone().filter(|e| e.plan_sha256 == k.plan_sha256);
    // The stamp's drill proves nothing of templates that changed after it.
    let stamp_drill = |e: &Evidence| k.stamped.as_ref().is_some_and(|(s, _, _)| s.source == e.source);
    let proof = latest(this(&drill).filter(|e| !(inputs_changed && stamp_drill(e))), this(&run));
    let verdict = match &proof {
        None if drill.is_none() && run.is_none() && k.stamped.is_none() => {
            reasons.push(
                "no drill or run of this plan is known: run `restorectl run --dry-run PLAN --sign-key KEY`"
                    .into(),
            );
            Verdict::NeverDrilled
        }
        None if inputs_changed => Verdict::Stale,
        None => {
            match drill.as_ref().or(run.as_ref()) {
                Some(e) => reasons.push(format!(
                    "the plan changed since its last drill ({}): its SHA-256 is {}, the drill's {}",
                    e.when.strftime("%Y-%m-%d %H:%M UTC"),
                    short(&k.plan_sha256),
                    short(&e.plan_sha256)
                )),
                None => reasons.push("no drill of this plan is believed".into()),
            }
            Verdict::Stale
        }
        Some(e) if !e.drill.passed() => {
            let mut why = Vec::new();
            if !e.drill.not_restored.is_empty() {
                why.push(format!("not restored: {}", e.drill.not_restored.join(", ")));
            }
            if !e.drill.rto_missed.is_empty() {
                why.push(format!("RTO missed: {}", e.drill.rto_missed.join(", ")));
            }
            reasons.push(format!("its latest {} failed ({})", what(e), why.join("; ")));
            Verdict::Failed
        }
        Some(e) => {
            let age = k.now.duration_since(e.when).unsigned_abs();
            if age > k.max_age {
                reasons.push(format!(
                    "its latest {} is {} old, older than the {} allowed (--max-age)",
                    what(e),
                    crate::human::human_duration(age),
                    crate::human::human_duration(k.max_age)
                ));
                Verdict::Stale
            } else if trust.as_ref().is_some_and(Result::is_err) {
                Verdict::Stale
            } else {
                Verdict::Ready
            }
        }
    };
    Readiness { verdict, reasons, drill, run, changes, stamp: trust }
}

fn what(e: &Evidence) -> &'static str {
    if e.run == "dry" { "drill" } else { "real run" }
}

fn short(sha: &str) -> &str {
    sha.get(..12).unwrap_or(sha)
}
