//! What a run is told on its command line beyond the plan: `--start` (a dry run's date and
//! time), and `--fail`, `--slow` and `--timeline`, checked against the plan.

use jiff::ZonedDateTime;
use jiff::tz::TimeZone;

use crate::cli::RunArgs;
use crate::error::Error;
use crate::event::Event;
use crate::loaded::Loaded;
use crate::report;
use crate::runner::Selection;
use crate::sim::{Injected, Scenario};
use crate::state::StateDir;

pub(super) fn parse_start(s: &str, tz: &TimeZone) -> Result<ZonedDateTime, Error> {
    if let Ok(ts) = s.parse::<jiff::Timestamp>() {
        return Ok(ts.to_zoned_datetime(tz.clone()));
    }
    let civil = s
        .parse::<jiff::civil::DateTime>()
        .or_else(|_| s.parse::<jiff::civil::Date>().map(|d| d.to_datetime(jiff::civil::Time::midnight())))
        .map_err(|_| {
            Error::flag(
                format!("--start {s}"),
                "not a date and time; use e.g. 2022-07-25T08:00 or 2022-07-25T08:00:00Z",
            )
        })?;
    civil.to_zoned_datetime(tz.clone()).map_err(|e| Error::flag(format!("--start {s}"), e.to_string()))
}

/// `--fail` and `--slow`, checked against the plan's ids (and `--timeline`'s file name).
pub(super) fn scenario(loaded: &Loaded, args: &RunArgs) -> Result<Scenario, Error> {
    let find = |id: &str, flag: &str| {
        loaded
            .plan
            .index_of(id)
            .map_err(|unknown| Error::UnknownService { flag: format!("{flag} {id}"), unknown })
    };
    if let Some(path) = args.timeline.as_ref().filter(|p| !report::timeline::Timeline::writes(p)) {
        return Err(Error::flag(
            format!("--timeline {}", path.display()),
            "the file must end in .svg or .html",
        ));
    }
    let mut sc = Scenario { jitter: args.jitter, seed: args.seed, ..Scenario::default() };
    for f in &args.fail {
        let (id, mode) = match f.split_once(':') {
            Some((id, n)) => {
                let n: u32 = n.parse().map_err(|_| {
                    Error::flag(format!("--fail {f}"), format!("`{n}` is not a number of attempts"))
                })?;
                (id, Injected::Times(n))
            }
            None => (f.as_str(), Injected::Always),
        };
        sc.fail.insert(find(id, "--fail")?, mode);
    }
    for s in &args.slow {
        let (id, factor) = s
            .split_once(':')
            .ok_or_else(|| Error::flag(format!("--slow {s}"), "write it as ID:FACTOR, e.g. email:2"))?;
        let factor: f64 = factor
            .parse()
            .ok()
            .filter(|f: &f64| f.is_finite() && *f > 0.0 && *f <= 1000.0)
            .ok_or_else(|| {
                Error::flag(format!("--slow {s}"), format!("`{factor}` is not a factor between 0 and 1000"))
            })?;
        sc.slow.insert(find(id, "--slow")?, factor);
    }
    for f in &args.fall_back {
        let flag = format!("--fall-back {f}");
        let (id, after) =
            f.split_once(':').ok_or_else(|| Error::flag(&flag, "write it as ID:AFTER, e.g. email:2h"))?;
        let after = crate::human::parse_duration(after)
            .map_err(|e| Error::flag(&flag, format!("`{after}` is not a duration: {e}")))?;
        let i = find(id, "--fall-back")?;
        if loaded.plan.services[i].checks.is_empty() {
            return Err(Error::flag(
                flag,
                format!("`{id}` has no checks: nothing would tell that it fell back"),
            ));
        }
        let Some(window) = loaded.plan.services[i].watch.or(args.watch) else {
            let why = format!("`{id}` is not watched: give it `watch` in the plan, or run with --watch");
            return Err(Error::flag(flag, why));
        };
        if after >= window {
            let (after, window) = (crate::human::human_duration(after), crate::human::human_duration(window));
            return Err(Error::flag(flag, format!("{after} is not within its watch of {window}")));
        }
        if sc.fall_back.insert(i, after).is_some() {
            return Err(Error::flag(flag, format!("`{id}` is given twice (it falls back once)")));
        }
    }
    Ok(sc)
}

/// What `--only`, `--retry-failed` and `--skip` leave out of the run. `--only` and
/// `--retry-failed` keep the services named and everything they depend on (a run finds what of
/// that is healthy and leaves it alone); `--retry-failed` names what failed or was blocked in the
/// last run of `state`.
pub(super) fn selection(loaded: &Loaded, args: &RunArgs, state: &StateDir) -> Result<Selection, Error> {
    let plan = &loaded.plan;
    let find = |id: &str, flag: &str| {
        plan.index_of(id).map_err(|unknown| Error::UnknownService { flag: format!("{flag} {id}"), unknown })
    };
    let mut wanted: Vec<usize> = Vec::new();
    for id in &args.only {
        wanted.push(find(id, "--only")?);
    }
    if args.retry_failed {
        let last = crate::state::last_run(state, plan, &args.plan)
            .map_err(|e| Error::flag("--retry-failed", e.to_string()))?;
        // What it did not bring back: failed, blocked, or left pending (halted, interrupted, killed)
        // — not what it found or brought online, nor what it left out. (A journaled event names
        // its service by id.)
        let mut done = vec![false; plan.services.len()];
        let ids = plan.ids();
        for e in &last.events {
            let Some(&i) = e.service().and_then(|s| ids.get(&**s)) else { continue };
            match e {
                Event::Online { .. } | Event::AlreadyOnline { .. } | Event::Skipped { .. } => done[i] = true,
                // Back once, then down again and not back (`watch`).
                Event::FellBack { .. } | Event::Failed { .. } | Event::Blocked { .. } => done[i] = false,
                _ => {}
            }
        }
        wanted.extend((0..plan.services.len()).filter(|&i| !done[i]));
        if wanted.is_empty() {
            return Err(Error::flag(
                "--retry-failed",
                format!(
                    "the last run ({}) left nothing to retry: every service it worked on is online",
                    last.id
                ),
            ));
        }
    }
    let mut out = Vec::new();
    if !wanted.is_empty() {
        // The services wanted and, transitively, what they depend on.
        let mut keep = vec![false; plan.services.len()];
        while let Some(i) = wanted.pop() {
            if !std::mem::replace(&mut keep[i], true) {
                wanted.extend(loaded.graph.service_dependencies(i));
            }
        }
        out = keep.into_iter().map(|k| !k).collect();
    }
    let mut skipped = Vec::new();
    for id in &args.skip {
        let i = find(id, "--skip")?;
        skipped.push((i, args.assume_online.iter().any(|a| a == id)));
    }
    if let Some(id) = args.assume_online.iter().find(|a| !args.skip.contains(a)) {
        find(id, "--assume-online")?;
        return Err(Error::flag(
            format!("--assume-online {id}"),
            "only a service given to --skip can be assumed online",
        ));
    }
    let by = args.by.clone().or_else(|| std::env::var("USER").ok()).or_else(|| Some("an operator".into()));
    // Signed (live runs) once the run's id is known: `who::sign_skips`.
    let signers = skipped
        .iter()
        .filter_map(|_| by.clone().map(|b| crate::state::Confirmation::new(b).into()))
        .collect();
    Ok(Selection { out, skipped, reason: args.reason.clone().unwrap_or_default(), by, signers })
}

/// `--sign-key`: an Ed25519 private key in PKCS#8 PEM.
pub(super) fn signing_key(path: &std::path::Path) -> Result<ed25519_dalek::SigningKey, Error> {
    use ed25519_dalek::pkcs8::DecodePrivateKey;
    let flag = format!("--sign-key {}", path.display());
    let pem = std::fs::read_to_string(path)
        .map_err(|e| Error::flag(flag.clone(), format!("cannot read it: {e}")))?;
    ed25519_dalek::SigningKey::from_pkcs8_pem(&pem)
        .map_err(|e| Error::flag(flag, format!("not an Ed25519 private key in PKCS#8 PEM: {e}")))
}

/// Where `--trials` draw each restore time from: what real runs of the plan took (the journals
/// of `state`), a log-normal where the plan gives `duration_p90`, the plan's `duration` for the
/// rest; and the sentence saying so.
pub(super) fn trial_draws(
    loaded: &Loaded,
    state: &StateDir,
) -> Result<(Option<Vec<crate::sim::Draw>>, serde_json::Value, String), Error> {
    use crate::sim::Draw;
    let journals = crate::state::durations::journals(std::slice::from_ref(state))?;
    let observed = crate::state::durations::observed(journals)?;
    let plan = &loaded.plan;
    let draws = crate::learned::draw::draws(plan, &observed);
    let of = |f: fn(&Draw) -> bool| (0..draws.len()).filter(|&i| f(&draws[i])).collect::<Vec<usize>>();
    let seen = of(|d| matches!(d, Draw::Seen(_)));
    let lognormal = of(|d| matches!(d, Draw::LogNormal { .. }));
    let planned = of(|d| matches!(d, Draw::Planned));
    let count = |n: usize| crate::human::count(n, "service", "services");
    let mut text = if observed.runs == 0 {
        "Durations: no real run is journaled to learn from".to_owned()
    } else {
        format!(
            "Durations: what {} took for {}",
            crate::human::count(observed.runs, "real run", "real runs"),
            count(seen.len())
        )
    };
    if !lognormal.is_empty() {
        text += &format!("; a log-normal through duration and duration_p90 for {}", count(lognormal.len()));
    }
    if observed.runs == 0 && lognormal.is_empty() {
        text = "Durations: the plan's, for every service (no real run is journaled to learn from)".into();
    } else if !planned.is_empty() {
        text += &format!(
            "; the plan's duration for {} without history: {}",
            count(planned.len()),
            crate::learned::listed(plan, &planned, 10)
        );
    }
    text += "\n";
    let ids = |v: &[usize]| v.iter().map(|&i| plan.services[i].id.clone()).collect::<Vec<_>>();
    let json = serde_json::json!({
        "runs": observed.runs,
        "from_history": ids(&seen),
        "lognormal": ids(&lognormal),
        "no_history": ids(&planned),
    });
    let used = (seen.len() + lognormal.len() > 0).then_some(draws);
    Ok((used, json, text))
}
