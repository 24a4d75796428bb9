//! `restorectl announce`: the customer update for the current state, from the journal, for a press
//! officer to copy; nothing is run or probed.

use std::collections::BTreeMap;
use std::path::Path;

use crate::announce::page::{self, Board};
use crate::announce::render_checked;
use crate::announce::templates::{self, Templates};
use crate::cli::AnnounceFormat;
use crate::exit::Exit;
use crate::plan::LeakGuard;

pub fn run(plan_path: &Path, state: Option<&Path>, only: Option<&str>, format: AnnounceFormat) -> Exit {
    let loaded = match super::open(plan_path) {
        Ok(l) => l,
        Err(exit) => return exit,
    };
    let plan = &loaded.plan;
    if let Some(l) = only.filter(|l| !plan.locales.iter().any(|p| p == l)) {
        eprintln!("error: `--locale {l}`: the plan's locales are {}", plan.locales.join(", "));
        return Exit::Invalid;
    }
    let plan_dir = plan_path.parent().unwrap_or(Path::new("."));
    let Ok(templates) = Templates::load(plan, plan_dir) else { return Exit::Invalid };
    let state = super::run::state_dir(plan_path, state);
    let events = match crate::journal::last_run(&state, plan_path) {
        Ok(last) => last.events,
        Err(e) => {
            eprintln!("error: {e}");
            return Exit::Invalid;
        }
    };
    let mut board = Board::new(plan.services.len());
    for e in &events {
        if let Some(i) = e.service().and_then(|id| plan.services.iter().position(|s| s.id == id)) {
            board.observe(e, i);
        }
    }
    let tz = jiff::tz::TimeZone::get(&plan.timezone).unwrap_or(jiff::tz::TimeZone::UTC);
    let now = jiff::Timestamp::now().to_zoned_datetime(tz);
    let locales: Vec<&String> =
        plan.locales.iter().filter(|l| only.is_none_or(|o| o == l.as_str())).collect();
    let mut texts = BTreeMap::new();
    let guard = LeakGuard::new(plan);
    let customer = crate::announce::customer_facing(plan);
    for locale in &locales {
        let ctx = crate::announce::context(plan, &customer, locale, &now, &board.online);
        match render_checked(&templates, guard.as_ref(), &templates::name("status", locale), &ctx) {
            Ok(t) => {
                texts.insert(locale.to_string(), t);
            }
            Err(e) => {
                eprintln!("error: the {locale} update is not printed: {e}");
                return Exit::Invalid;
            }
        }
    }
    match format {
        AnnounceFormat::Md => {
            let all: Vec<&str> = texts.values().map(String::as_str).collect();
            print!("{}", all.join("\n---\n\n"));
        }
        AnnounceFormat::Json => {
            let services: Vec<_> = plan
                .services
                .iter()
                .zip(&board.states)
                .filter(|(s, _)| s.customer_facing)
                .map(|(s, st)| serde_json::json!({ "id": s.id, "state": st.as_str() }))
                .collect();
            let out = serde_json::json!({ "plan": plan.name, "texts": texts, "services": services });
            println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
        }
        AnnounceFormat::Html => {
            let feeds: BTreeMap<String, Vec<String>> =
                texts.iter().map(|(l, t)| (l.clone(), vec![t.clone()])).collect();
            match templates
                .render(templates::PAGE, &templates::value(&page::context(plan, &now, &board.states, &feeds)))
            {
                Ok(html) => print!("{html}"),
                Err(e) => {
                    eprintln!("error: {e}");
                    return Exit::Invalid;
                }
            }
        }
    }
    Exit::Ok
}
