//! `restorectl announce approve|reject|drafts`: a person's review of the updates a live run
//! drafted (`[announce] publish = "review"`).

use std::path::{Path, PathBuf};

use crate::announce::review::{self, Draft};
use crate::cli::{AnnounceDirs, DraftArgs, ReportFormat, Review};
use crate::error::Error;
use crate::event::{Act, Event};
use crate::exit::Exit;
use crate::people::{Judge, Verdict};
use crate::state::{Confirmation, StateDir};

pub fn run(command: Review) -> Result<Exit, Error> {
    match command {
        Review::Approve { draft, texts } => approve(&draft, &texts),
        Review::Reject { draft, reason } => reject(&draft, reason),
        Review::Drafts { plan, dirs, format } => list(&plan, &dirs, format),
        Review::Deliver { plan, dirs } => deliver(&plan, &dirs),
    }
}

/// The announcements directory of the plan's live runs.
fn dir(plan: &Path, dirs: &AnnounceDirs) -> PathBuf {
    dirs.announce_dir
        .clone()
        .unwrap_or_else(|| StateDir::for_plan(plan, dirs.state.as_deref()).announcements())
}

/// The reviewer, named: a review is a person's decision, signed with their SSH key when
/// `allowed_signers` lists one (or `--key` is given), and judged as the run judges a sign-off
/// (where the plan separates duties, whoever started the incident's last run may not decide).
fn reviewer(d: &DraftArgs, loaded: &crate::loaded::Loaded, act: Act) -> Result<Confirmation, Error> {
    let by = d.by.trim();
    if by.is_empty() {
        return Err(Error::NoName);
    }
    let state = StateDir::for_plan(&d.plan, d.dirs.state.as_deref());
    let last = crate::state::last_run(&state, &loaded.plan, &d.plan).ok();
    let starter = last.as_ref().and_then(|l| {
        l.events.iter().find_map(|e| match e {
            Event::RunStarted { by: Some(by), .. } => Some((**by).clone()),
            _ => None,
        })
    });
    let incident = last.as_ref().map(|l| l.incident.as_str()).unwrap_or_default();
    let judge = Judge::new(loaded.signers.clone(), &loaded.plan.sha256, incident)
        .live()
        .separating(&loaded.plan, starter);
    let subject = format!("update {:04}", d.number);
    let mut who = Confirmation::new(by.to_owned());
    judge
        .sign_if_able((act, &subject), &mut who.who, d.key.as_deref(), false)
        .map_err(|why| Error::CannotSign { by: by.to_owned(), why })?;
    match judge.judge(act, &subject, &who.who, None) {
        Verdict::Refused(why) => {
            Err(Error::Refused { act: act.as_str(), subject, by: by.to_owned(), reason: why.to_string() })
        }
        _ => Ok(who),
    }
}

fn approve(d: &DraftArgs, texts: &[String]) -> Result<Exit, Error> {
    let loaded = super::open(&d.plan)?;
    let mut edits = Vec::new();
    for t in texts {
        let Some((locale, file)) = t.split_once('=') else {
            return Err(Error::flag(
                format!("--text {t}"),
                "write it as LOCALE=FILE, e.g. `--text pl=0007.pl.md`",
            ));
        };
        let text = std::fs::read_to_string(file)
            .map_err(|e| Error::flag(format!("--text {t}"), format!("cannot read {file}: {e}")))?;
        edits.push((locale.to_owned(), text));
    }
    let who = reviewer(d, &loaded, Act::ApproveUpdate)?;
    // Every webhook's secrets, before anything is decided: an approval reaches every one of them.
    crate::secrets::Secrets::from_env(&loaded.plan).map_err(Error::MissingVars)?;
    let hooks = loaded.plan.announce.webhooks.len();
    let (_, accepted) =
        review::approve(&loaded.plan, &loaded.templates, &dir(&d.plan, &d.dirs), d.number, who, edits)?;
    if accepted == hooks {
        println!("update {:04} approved by {} and sent to {hooks} webhook(s)", d.number, d.by.trim());
        return Ok(Exit::Ok);
    }
    println!(
        "update {:04} approved by {}; {accepted} of {hooks} webhook(s) accepted it, the rest stay queued for the next run",
        d.number,
        d.by.trim()
    );
    Ok(Exit::Failures)
}

fn reject(d: &DraftArgs, reason: Option<String>) -> Result<Exit, Error> {
    let loaded = super::open(&d.plan)?;
    let who = reviewer(d, &loaded, Act::RejectUpdate)?;
    review::reject(&dir(&d.plan, &d.dirs), d.number, who, reason)?;
    println!("update {:04} rejected by {}: it will not be sent", d.number, d.by.trim());
    Ok(Exit::Ok)
}

fn list(plan: &Path, dirs: &AnnounceDirs, format: ReportFormat) -> Result<Exit, Error> {
    let loaded = super::open(plan)?;
    // A webhook by its format and host: its path and query may hold a token.
    let hooks: Vec<String> = loaded
        .plan
        .announce
        .webhooks
        .iter()
        .map(|h| {
            let host = url::Url::parse(h.url.raw()).ok().and_then(|u| u.host_str().map(str::to_owned));
            format!("{:?} at {}", h.format, host.unwrap_or_else(|| "its address".into())).to_lowercase()
        })
        .collect();
    let drafts: Vec<Draft> = review::drafts(&dir(plan, dirs), &hooks);
    match format {
        ReportFormat::Json => println!("{:#}", serde_json::json!({ "drafts": drafts })),
        _ if drafts.is_empty() => println!("no drafted updates"),
        _ => {
            for d in &drafts {
                let by = match (&d.by, &d.at) {
                    (Some(by), Some(at)) => format!(" by {by} at {at}"),
                    _ => String::new(),
                };
                println!("{:04}  {:<16} {}{by}", d.number, d.state, d.about);
                if d.state != "awaiting review" {
                    continue;
                }
                for line in &d.outdated {
                    println!("      warning: outdated: {line}");
                }
                println!("      languages: {}", d.languages.join(", "));
                println!("      goes to: {}", d.to.join("; "));
                for line in d.text.lines() {
                    println!("      | {line}");
                }
            }
        }
    }
    Ok(Exit::Ok)
}

/// `announce deliver`: what earlier runs left undelivered, sent now.
fn deliver(plan: &Path, dirs: &AnnounceDirs) -> Result<Exit, Error> {
    let loaded = super::open(plan)?;
    crate::secrets::Secrets::from_env(&loaded.plan).map_err(Error::MissingVars)?;
    // Never beside a run: it delivers what is queued itself.
    let state = StateDir::for_plan(plan, dirs.state.as_deref());
    let _held = crate::state::journal::lock(&state)?;
    let command =
        crate::announce::Commands::new(plan, dirs.state.as_deref(), dirs.announce_dir.as_deref()).deliver();
    let dir = dir(plan, dirs);
    let left = crate::announce::webhook::deliver_pending(loaded.plan.clone(), &dir, command);
    let refused = crate::announce::webhook::refused(&dir);
    if refused > 0 {
        eprintln!(
            "note: {refused} deliveries were refused for good (a 4xx answer); see {}",
            dir.join(crate::announce::webhook::LOG).display()
        );
    }
    match left {
        0 => {
            println!("every update queued is delivered");
            Ok(Exit::Ok)
        }
        _ => Ok(Exit::Failures),
    }
}
