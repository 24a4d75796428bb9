//! The evidence pack (`restorectl report`): one run or drill of a plan, as auditors and
//! regulators ask for it — scope, objectives against actuals, the timeline, who confirmed,
//! approved or skipped what, the verify gates' evidence, failures and deviations, what was and
//! was not executed, and whether the journal it all comes from is intact. Built only from the
//! journal, the evidence files and the plan; rendered as JSON (this model), Markdown or HTML.

mod clocks;
mod evidence;
mod headings;
mod integrity;
mod notices;
mod pack;
mod people;
mod render;

use crate::event::{Event, Secs};
use crate::graph::Graph;
use crate::plan::Plan;
use crate::stamp::Stamp;
use crate::state::StateDir;
use crate::state::runlog::RunLog;
use crate::tally::{Rto, State, Tally};

pub use notices::decisions as review_decisions;
pub use pack::*;
pub use render::{html, markdown};

/// What the report is made of.
pub struct Inputs<'a> {
    pub plan: &'a Plan,
    pub graph: &'a Graph,
    pub plan_path: &'a std::path::Path,
    /// The state directory the run used (a drill's own, for a dry run).
    pub state: &'a StateDir,
    /// Where the run wrote its customer updates.
    pub announcements: std::path::PathBuf,
    pub log: RunLog,
    /// `--verify-key`: the key the runs' end signatures are checked against.
    pub key: Option<&'a ed25519_dalek::VerifyingKey>,
    /// Who holds which SSH key: people's signatures are checked against it.
    pub signers: Option<&'a std::sync::Arc<crate::people::AllowedSigners>>,
}

/// Up to this many services, the report draws the timeline; beyond, the objectives table holds
/// each service's times.
pub const CHART_ROWS: usize = 300;

pub fn build(inputs: Inputs<'_>) -> Pack {
    let Inputs { plan, graph, plan_path, state, announcements, log, key, signers } = inputs;
    let index = plan.ids();
    let of = |e: &Event| e.service().and_then(|s| index.get(&**s).copied());
    let mut tally = Tally::new(plan);
    let mut jobs = 0;
    for (_, e) in &log.events {
        match (of(e), e) {
            (Some(i), _) => tally.service_event(i, e),
            (None, Event::RunStarted { jobs: j, .. }) => jobs = *j,
            (None, _) => tally.event(e),
        }
    }
    let start = log.first().clock_start.as_deref().unwrap_or(&log.first().started);
    let start = start.parse::<jiff::Timestamp>().unwrap_or_else(|_| jiff::Timestamp::now());
    let zone = jiff::tz::TimeZone::get(&plan.timezone).unwrap_or(jiff::tz::TimeZone::UTC);
    let stamp = Stamp { start: start.to_zoned_datetime(zone), with_date: true };
    let when = |at: Secs| stamp.format(at);
    let outcome =
        tally.outcome.map_or(if log.end().is_some() { "ended" } else { "unfinished" }, |o| o.as_str());
    // A bar per service: beyond a few hundred rows nobody can read or print it.
    let charted = plan.services.len() <= CHART_ROWS;
    let timeline_svg = if charted {
        crate::report::timeline::Timeline::new(plan, graph, std::path::PathBuf::new(), stamp.clone())
            .svg(&tally)
    } else {
        String::new()
    };
    let timeline_text =
        if charted { crate::report::gantt::render(plan, graph, &tally) } else { String::new() };
    let evidence = evidence::collect(&log, state, &when);
    let mut journal = integrity::journal_check(&log, plan_path, state, key);
    journal.evidence_intact = evidence.iter().all(|e| e.matches_journal != Some(false));
    let second = |t: jiff::Timestamp| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
    let ended = tally.outcome.map(|_| second(stamp.zoned(tally.finished_at).timestamp()));
    // In scope: what any run covered worked on (not left outside its selection).
    let mut worked = vec![false; plan.services.len()];
    for (_, e) in &log.events {
        if let Some(i) = of(e).filter(|_| !matches!(e, Event::Skipped { by: None, .. })) {
            worked[i] = true;
        }
    }
    let critical = graph.critical_path(plan).length.as_secs_f64();
    let deviations = deviations(plan, &log, &tally, &when, (jobs, critical));
    Pack {
        simulated: log.dry_run,
        generated: jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
        headings: headings::Headings::for_locales(&plan.locales),
        scope: scope(plan, plan_path, &log),
        run: RunInfo {
            id: log.id.clone(),
            incident: log.incident.clone(),
            started: second(start),
            ended,
            outcome: outcome.to_owned(),
            jobs,
            command: shell_words(&log.first().command),
            version: log.first().version.clone(),
            account: log.first().user.clone(),
            host: log.first().host.clone(),
            in_scope: worked.iter().filter(|&&w| w).count(),
            runs_in_journal: log.runs.clone(),
            covered: log
                .parts
                .iter()
                .map(|p| RunLine {
                    id: p.id.clone(),
                    started: p.started.clone(),
                    command: shell_words(&p.command),
                    account: p.user.clone(),
                    host: p.host.clone(),
                    ended: p.end.is_some(),
                })
                .collect(),
        },
        regulatory_clocks: clocks::clocks(
            plan,
            &log,
            &stamp,
            if log.dry_run { stamp.zoned(tally.finished_at).timestamp() } else { jiff::Timestamp::now() },
        ),
        objectives: objectives(plan, graph, &tally),
        approvals_required: people::required(plan),
        people: people::acts(&log, &when, (plan, signers)),
        retries: people::retries(&log, &when),
        evidence,
        deviations,
        customer_updates: notices::reviewed(
            notices::updates(
                &announcements,
                log.dry_run,
                (start, tally.outcome.map(|_| stamp.zoned(tally.finished_at).timestamp())),
            ),
            &announcements,
            (plan, signers, &log.incident),
        ),
        alerts: log.parts.iter().flat_map(|p| notices::alerts(state, &p.id)).collect(),
        steps: steps(plan, &tally),
        journal,
        timeline_svg,
        timeline_text,
    }
}

fn scope(plan: &Plan, plan_path: &std::path::Path, log: &RunLog) -> Scope {
    let mut per_phase = vec![0; plan.phases.len()];
    for s in &plan.services {
        if let Some(p) = s.phase {
            per_phase[p] += 1;
        }
    }
    let locale = plan.locales.first().map_or("en", String::as_str);
    Scope {
        plan: plan.name.clone(),
        file: plan_path.display().to_string(),
        sha256_at_run: log.parts.last().and_then(|p| p.plan_sha256.clone()),
        sha256_now: plan.sha256.clone(),
        services: plan.services.len(),
        phases: plan
            .phases
            .iter()
            .zip(per_phase)
            .map(|(p, n)| PhaseScope {
                id: p.id.clone(),
                name: p.name.get(locale).unwrap_or(&p.id).to_owned(),
                services: n,
            })
            .collect(),
        locales: plan.locales.clone(),
    }
}

fn human(seconds: f64) -> String {
    crate::human::human_duration(Secs(seconds.abs()).duration())
}

fn objectives(plan: &Plan, graph: &Graph, tally: &Tally) -> Objectives {
    let critical = graph.critical_path(plan);
    let (mut met, mut missed, mut open, mut not_restored, mut without_rto) = (0, 0, 0, 0, 0);
    let services = plan
        .services
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let r = &tally.records[i];
            let rto = s.rto.map(|d| d.as_secs_f64());
            // Back at the end: when it (first) came back. Not back at the end: not "online after".
            let online = r.online_at.filter(|_| r.state.is_online()).map(|t| t.0);
            let gone = matches!(r.state, State::Failed | State::Blocked | State::Skipped);
            let (verdict, margin) = match tally.rto(i, s.rto) {
                None => {
                    without_rto += 1;
                    ("none", None)
                }
                // Not coming back in this run: its RTO is not met, whatever time is left.
                Some(Rto::Open { .. }) if gone => {
                    not_restored += 1;
                    ("not restored", Some(r.state.as_str().to_owned()))
                }
                Some(Rto::Met) => {
                    met += 1;
                    ("met", rto.zip(online).map(|(rto, at)| format!("{} early", human(rto - at))))
                }
                Some(Rto::Missed { late_by }) => {
                    missed += 1;
                    (
                        "missed",
                        Some(late_by.map_or("not online".to_owned(), |l| format!("{} late", human(l)))),
                    )
                }
                Some(Rto::Open { left }) => {
                    open += 1;
                    ("open", Some(format!("{} left when the run ended", human(left.as_secs_f64()))))
                }
            };
            ServiceObjective {
                id: s.id.clone(),
                name: s.name.get(&plan.locales[0]).unwrap_or(&s.id).to_owned(),
                state: r.state.as_str(),
                rto: rto.map(human),
                rto_seconds: rto,
                online_after: online.map(human),
                online_after_seconds: online,
                verdict,
                margin,
            }
        })
        .collect();
    let makespan = tally.makespan().0;
    Objectives {
        makespan_seconds: makespan,
        makespan: human(makespan),
        critical_path_seconds: critical.length.as_secs_f64(),
        critical_path: human(critical.length.as_secs_f64()),
        critical_path_services: critical.services.iter().map(|&i| plan.services[i].id.clone()).collect(),
        met,
        missed,
        not_restored,
        open,
        without_rto,
        services,
    }
}

fn deviations(
    plan: &Plan,
    log: &RunLog,
    tally: &Tally,
    when: &dyn Fn(Secs) -> String,
    (jobs, critical): (usize, f64),
) -> Vec<Deviation> {
    let mut out = Vec::new();
    if let Some(at_run) = log.parts.iter().find_map(|p| p.plan_sha256.as_ref().filter(|h| **h != plan.sha256))
    {
        out.push(Deviation {
            kind: "plan_changed",
            service: None,
            at: String::new(),
            text: format!(
                "the plan file has changed since the run (SHA-256 then {at_run}, now {}): this report reads the services from the file as it is now",
                plan.sha256
            ),
        });
    }
    for (_, e) in &log.events {
        let service = e.service().map(ToString::to_string);
        let (kind, text) = match e {
            Event::Failed { attempts, reason, .. } => {
                ("failed", format!("failed after {attempts} attempt(s): {reason}"))
            }
            Event::Blocked { by, .. } => {
                ("blocked", format!("not restored: it depends on `{by}`, which is not online"))
            }
            Event::Skipped { reason, by, assumed_online, .. } => (
                "skipped",
                format!(
                    "skipped{}: {reason}{}",
                    by.as_ref().map(|b| format!(" by {b}")).unwrap_or_default(),
                    if *assumed_online { " (counted as online for what depends on it)" } else { "" }
                ),
            ),
            Event::FellBack { detail, .. } => (
                "fell_back",
                format!(
                    "fell back after it was online ({detail}); it was restored again under its plan (what came of it follows)"
                ),
            ),
            Event::RtoMissed { rto, .. } => {
                ("rto_missed", format!("not online within its RTO of {}", human(rto.0)))
            }
            Event::Retrying { attempt, of, reason, .. } => {
                ("retried", format!("attempt {attempt} of {of} failed ({reason}); tried again"))
            }
            Event::NotRetried { attempt, .. } => {
                ("not_retried", format!("attempt {attempt} was not started: the run stopped"))
            }
            Event::LeftUnverified { attempt, .. } => {
                ("not_verified", format!("the run stopped while attempt {attempt} waited for its checks"))
            }
            Event::Halting { by, .. } => (
                "halted",
                format!("`{by}` failed and the plan says on_failure = \"halt\": nothing new started"),
            ),
            Event::Interrupting { force, .. } => (
                "interrupted",
                if *force {
                    "interrupted twice: stopped at once".into()
                } else {
                    "interrupted: running work was let finish".into()
                },
            ),
            _ => continue,
        };
        out.push(Deviation { kind, service, at: when(e.at()), text });
    }
    // Longer than the plan's longest chain: services waited for something (a free slot, a retry,
    // a person, a slower restore than planned).
    let makespan = tally.makespan().0;
    if makespan > critical * 1.05 + 60.0 {
        out.push(Deviation {
            kind: "slower_than_planned",
            service: None,
            at: String::new(),
            text: format!(
                "everything was back after {}, against a critical path of {} (the plan's durations with unlimited workers; this run worked on {jobs} at a time)",
                human(makespan),
                human(critical)
            ),
        });
    }
    if tally.outcome.is_none() {
        out.push(Deviation {
            kind: "unfinished",
            service: None,
            at: String::new(),
            text: "the run has no end in the journal: it died, or it is still running".into(),
        });
    }
    out
}

fn steps(plan: &Plan, tally: &Tally) -> Steps {
    let (mut executed, mut not_executed) = (Vec::new(), Vec::new());
    for (s, r) in plan.services.iter().zip(&tally.records) {
        let attempts = |n: u32| if n == 1 { "1 attempt".to_owned() } else { format!("{n} attempts") };
        let (done, what) = match r.state {
            State::Online => (true, format!("restored ({})", attempts(r.attempts.max(1)))),
            State::Failed => {
                (true, format!("failed ({}): {}", attempts(r.attempts), r.reason.as_deref().unwrap_or("")))
            }
            State::AlreadyOnline => (false, "already online: nothing to do".to_owned()),
            State::Blocked => (false, format!("blocked by {}", r.blocked_by.as_deref().unwrap_or("?"))),
            State::Skipped => (false, format!("skipped: {}", r.reason.as_deref().unwrap_or(""))),
            State::Pending if r.attempts > 0 => (true, format!("left unfinished ({})", attempts(r.attempts))),
            State::Pending => (false, "never started".to_owned()),
        };
        let step = Step { service: s.id.clone(), what };
        if done { executed.push(step) } else { not_executed.push(step) }
    }
    Steps { executed, not_executed }
}

/// A command line as a shell would take it back: words with spaces or quotes single-quoted.
fn shell_words(argv: &[String]) -> String {
    let word = |a: &String| {
        let plain = !a.is_empty() && a.chars().all(|c| c.is_ascii_alphanumeric() || "-_./=:,@%+".contains(c));
        if plain { a.clone() } else { format!("'{}'", a.replace('\'', "'\\''")) }
    };
    argv.iter().map(word).collect::<Vec<_>>().join(" ")
}
