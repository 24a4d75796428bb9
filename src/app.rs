//! Dispatch: turns the parsed command line into calls of the commands, and their results into an
//! exit code.

use crate::cli::{Cli, Command};
use crate::error::Error;
use crate::exit::Exit;

mod announce;
mod confirm;
mod demo;
mod estimate;
mod graph;
mod help;
mod history;
mod import;
mod journal;
mod logs;
mod preview;
mod readiness;
mod report;
mod review;
mod run;
mod schema;
mod status;
mod validate;

/// Runs the command; its exit code, with any error told.
pub fn run(cli: Cli) -> Exit {
    finish(command(cli))
}

fn command(cli: Cli) -> Result<Exit, Error> {
    match cli.command {
        Command::Validate { plan, format, env_check, require_ready, max_age, verify_key } => {
            let ready = require_ready.then(|| readiness::Request {
                plan: plan.clone(),
                state: None,
                max_age,
                verify_key,
                format,
            });
            validate::run(&plan, format, env_check, ready.as_ref())
        }
        Command::Readiness { plan, max_age, state, verify_key, format } => {
            readiness::run(&readiness::Request { plan, state, max_age, verify_key, format })
        }
        Command::Graph { plan, format } => graph::run(&plan, format),
        Command::Status { plan, jobs, only, format, watch, state } => {
            status::run(&status::Options { plan, jobs: jobs as usize, only, format, watch, state })
        }
        Command::Run(args) => run::run(*args),
        Command::Preview { plan, jobs, format, state } => {
            preview::run(&plan, jobs as usize, format, state.as_deref())
        }
        Command::Confirm { plan, id, run, by, key, state } => {
            confirm::run(&confirm::Request { plan, id, run, by, state, key })
        }
        Command::DemoService { port, detach, warmup, lifetime, .. } => {
            demo::run(port, detach, warmup, lifetime)
        }
        Command::Demo { action: crate::cli::DemoAction::Stop } => demo::stop(),
        Command::Announce { review: Some(command), .. } => review::run(command),
        Command::Announce { review: None, plan, state, locale, format, dry_run } => match plan {
            Some(plan) => announce::run(&plan, (state.as_deref(), dry_run), locale.as_deref(), format),
            None => Ok(Exit::Invalid),
        },
        Command::Schema => schema::run(),
        Command::Import { source } => import::run(&source),
        Command::Estimate { plan, from, write, format } => {
            estimate::run(&estimate::Request { plan, from, write, format })
        }
        Command::History { plan, state, format } => history::run(&plan, state.as_deref(), format),
        Command::Journal { action: crate::cli::JournalAction::Verify { plan, state, head, verify_key } } => {
            journal::verify(&plan, state.as_deref(), head.as_deref(), verify_key.as_deref())
        }
        Command::Logs { plan, id, run, attempt, follow, state } => {
            logs::run(&logs::Request { plan, id, run, attempt, follow, state })
        }
        Command::Report { plan, state, run, dry_run, announce_dir, format, output, verify_key } => {
            let request =
                report::Request { plan, state, run, dry_run, announce_dir, format, output, verify_key };
            report::run(&request)
        }
        Command::Completions { shell } => help::completions(shell),
        Command::Man => help::man(),
    }
}

/// The exit code of a command's result. The one place an error is told: a plan that does not
/// load with its diagnostics, any other as `error: …` (and what to do about it, when known).
fn finish(result: Result<Exit, Error>) -> Exit {
    result.unwrap_or_else(|e| {
        match &e {
            Error::Rejected(rejected) => crate::report::diagnostics::eprint_rejected(rejected),
            Error::Hinted { error, hint } => eprintln!("error: {error}\n  {hint}"),
            _ => eprintln!("error: {e}"),
        }
        e.exit()
    })
}

/// Loads a plan for a command.
/// The state a reader reads: the state directory, or a snapshot of the shared state on PostgreSQL
/// (`--state postgres://…`; kept while the second value lives). The plan names the journal.
fn reader_state(
    plan: &crate::plan::Plan,
    plan_path: &std::path::Path,
    given: Option<&std::path::Path>,
) -> Result<(crate::state::StateDir, Option<crate::shared::Snapshot>), Error> {
    match crate::shared::url(given) {
        None => Ok((crate::state::StateDir::for_plan(plan_path, given), None)),
        Some(url) => {
            let snapshot = crate::shared::Snapshot::take(&url, &plan.name)?;
            // The updates approved are published wherever they were approved.
            let believed = crate::announce::screen::Screen::default();
            crate::announce::review::restore_approved(&snapshot.state.announcements(), &believed, None)?;
            Ok((snapshot.state.clone(), Some(snapshot)))
        }
    }
}

fn open(path: &std::path::Path) -> Result<crate::loaded::Loaded, Error> {
    crate::loaded::load(path).map_err(|rejected| Error::Rejected(Box::new(rejected)))
}

/// Service indices named by `--only` (all when empty); unknown ids are input errors.
fn select(loaded: &crate::loaded::Loaded, only: &[String]) -> Result<Vec<usize>, Error> {
    only.iter()
        .map(|id| {
            loaded
                .plan
                .index_of(id)
                .map_err(|unknown| Error::UnknownService { flag: format!("--only {id}"), unknown })
        })
        .collect()
}

/// Resolves `${env:…}` placeholders (`scope`: those of the checks and restores, or all) and sets
/// up the checkers.
fn prober(
    loaded: &crate::loaded::Loaded,
    scope: crate::secrets::Scope,
) -> Result<crate::check::Prober, Error> {
    let secrets = crate::secrets::Secrets::resolve_plan(&loaded.plan, scope, |n| std::env::var(n).ok())
        .map_err(Error::MissingVars)?;
    if scope == crate::secrets::Scope::All {
        for (n, w) in loaded.plan.announce.webhooks.iter().enumerate() {
            let url = secrets.resolve(&w.url).unwrap_or_default();
            let ok = url::Url::parse(&url).is_ok_and(|u| {
                matches!(u.scheme(), "http" | "https") && u.host_str().is_some_and(|h| !h.is_empty())
            });
            if !ok {
                return Err(Error::WebhookUrl { n: n + 1, raw: w.url.raw().to_owned() });
            }
            for (name, value) in &w.headers {
                let resolved = secrets.resolve(value).unwrap_or_default();
                if reqwest::header::HeaderValue::from_str(&resolved).is_err() {
                    return Err(Error::WebhookHeader {
                        name: name.clone(),
                        n: n + 1,
                        raw: value.raw().to_owned(),
                    });
                }
            }
        }
    }
    Ok(crate::check::Prober::new(secrets)?)
}

fn runtime() -> Result<tokio::runtime::Runtime, Error> {
    crate::runtime::live().map_err(Error::Runtime)
}
