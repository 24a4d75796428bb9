//! `restorectl announce`: the customer update for the current state, from the journal, for a press
//! officer to copy; nothing is run or probed.

use std::collections::BTreeMap;
use std::path::Path;

use crate::announce::board::Board;
use crate::announce::templates::{self, PAGE};
use crate::announce::{context, page};
use crate::cli::AnnounceFormat;
use crate::error::Error;
use crate::exit::Exit;
use crate::plan::LeakGuard;

/// `dry_run`: from the latest drill's journal, at the end of its simulated clock.
pub fn run(
    plan_path: &Path,
    (state, dry_run): (Option<&Path>, bool),
    only: Option<&str>,
    format: AnnounceFormat,
) -> Result<Exit, Error> {
    let loaded = super::open(plan_path)?;
    let plan = &loaded.plan;
    if let Some(l) = only.filter(|l| !plan.locales.iter().any(|p| p == l)) {
        return Err(Error::flag(
            format!("--locale {l}"),
            format!("the plan's locales are {}", plan.locales.join(", ")),
        ));
    }
    let (live, _snapshot) = super::reader_state(plan, plan_path, state)?;
    let state = if dry_run { live.dry_run() } else { live.clone() };
    let (events, clock_start) = match crate::state::last_run(&state, plan, plan_path) {
        Ok(last) => (last.events, last.clock_start),
        Err(e) if !dry_run && live.dry_run().journal().is_file() => {
            return Err(Error::from(e).hint("a dry run's journal is there: `--dry-run` announces from it"));
        }
        Err(e) => return Err(e.into()),
    };
    let mut board = Board::new(plan);
    let ids = plan.ids();
    for e in &events {
        if let Some(&i) = e.service().and_then(|id| ids.get(&**id)) {
            board.observe(e, i);
        }
    }
    let tz = jiff::tz::TimeZone::get(&plan.timezone).unwrap_or(jiff::tz::TimeZone::UTC);
    // A drill's state is told as of its simulated clock, when its last event happened.
    let now = match clock_start.filter(|_| dry_run) {
        Some(start) => {
            let last = events.last().map_or(0.0, |e| e.at().0);
            start.checked_add(jiff::SignedDuration::from_secs_f64(last)).unwrap_or(start)
        }
        None => jiff::Timestamp::now(),
    };
    let now = now.to_zoned_datetime(tz.clone());
    let started = clock_start.map_or_else(|| now.clone(), |s| s.to_zoned_datetime(tz));
    let when = context::When { now: now.clone(), started };
    let locales: Vec<&String> =
        plan.locales.iter().filter(|l| only.is_none_or(|o| o == l.as_str())).collect();
    let mut texts = BTreeMap::new();
    let guard = LeakGuard::new(plan);
    for locale in &locales {
        let ctx = context::common(plan, &board, locale, &when);
        match loaded.templates.render_checked(guard.as_ref(), &templates::name("status", locale), &ctx) {
            Ok(t) => {
                texts.insert(locale.to_string(), t);
            }
            Err(why) => return Err(Error::NotPrinted { locale: locale.to_string(), why }),
        }
    }
    let out = match format {
        AnnounceFormat::Md => texts.values().map(String::as_str).collect::<Vec<_>>().join("\n---\n\n"),
        AnnounceFormat::Json => {
            let services: Vec<_> = plan
                .services
                .iter()
                .zip(&board.states)
                .filter(|(s, _)| s.customer_facing)
                .map(|(s, st)| serde_json::json!({ "id": s.id, "state": st.as_str() }))
                .collect();
            let out = serde_json::json!({ "plan": plan.name, "texts": texts, "services": services });
            format!("{out:#}\n")
        }
        AnnounceFormat::Html => {
            let mut feeds = crate::announce::feed::Feeds::new(&plan.locales);
            for (l, text) in &texts {
                let item = crate::announce::feed::Item { number: 1, at: now.timestamp(), text: text.clone() };
                feeds.push(l, item);
            }
            let ctx = page::context(plan, &now, &board, None, &feeds);
            loaded.templates.render(PAGE, &ctx)?
        }
    };
    print!("{}", crate::term::printable(&out, false));
    Ok(Exit::Ok)
}
