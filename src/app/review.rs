//! `restorectl announce approve|reject|drafts`: a person's review of the updates a live run
//! drafted (`[announce] publish = "review"`).

use std::path::{Path, PathBuf};

use crate::announce::review::{self, Draft};
use crate::cli::{AnnounceDirs, DraftArgs, ReportFormat, Review};
use crate::exit::Exit;
use crate::state::{Confirmation, StateDir};

pub fn run(command: Review) -> Exit {
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

/// The reviewer, named: a review is a person's decision.
fn reviewer(d: &DraftArgs) -> Result<Confirmation, Exit> {
    if d.by.trim().is_empty() {
        eprintln!("error: `--by` needs the name of the person deciding");
        return Err(Exit::Invalid);
    }
    Ok(Confirmation::new(d.by.trim().to_owned()))
}

fn approve(d: &DraftArgs, texts: &[String]) -> Exit {
    let loaded = match super::open(&d.plan) {
        Ok(l) => l,
        Err(exit) => return exit,
    };
    let mut edits = Vec::new();
    for t in texts {
        let Some((locale, file)) = t.split_once('=') else {
            eprintln!("error: `--text {t}`: write it as LOCALE=FILE, e.g. `--text pl=0007.pl.md`");
            return Exit::Invalid;
        };
        match std::fs::read_to_string(file) {
            Ok(text) => edits.push((locale.to_owned(), text)),
            Err(e) => {
                eprintln!("error: `--text {t}`: cannot read {file}: {e}");
                return Exit::Invalid;
            }
        }
    }
    let who = match reviewer(d) {
        Ok(w) => w,
        Err(exit) => return exit,
    };
    // Every webhook's secrets, before anything is decided: an approval reaches every one of them.
    if let Err(missing) = crate::secrets::Secrets::from_env(&loaded.plan) {
        eprintln!("error: {missing}");
        return Exit::Invalid;
    }
    let hooks = loaded.plan.announce.webhooks.len();
    match review::approve(&loaded.plan, &loaded.templates, &dir(&d.plan, &d.dirs), d.number, who, edits) {
        Ok((_, accepted)) if accepted == hooks => {
            println!("update {:04} approved by {} and sent to {hooks} webhook(s)", d.number, d.by.trim());
            Exit::Ok
        }
        Ok((_, accepted)) => {
            println!(
                "update {:04} approved by {}; {accepted} of {hooks} webhook(s) accepted it, the rest stay queued for the next run",
                d.number,
                d.by.trim()
            );
            Exit::Failures
        }
        Err(e) => {
            eprintln!("error: {e}");
            Exit::Invalid
        }
    }
}

fn reject(d: &DraftArgs, reason: Option<String>) -> Exit {
    if let Err(exit) = super::open(&d.plan) {
        return exit;
    }
    let who = match reviewer(d) {
        Ok(w) => w,
        Err(exit) => return exit,
    };
    match review::reject(&dir(&d.plan, &d.dirs), d.number, who, reason) {
        Ok(()) => {
            println!("update {:04} rejected by {}: it will not be sent", d.number, d.by.trim());
            Exit::Ok
        }
        Err(e) => {
            eprintln!("error: {e}");
            Exit::Invalid
        }
    }
}

fn list(plan: &Path, dirs: &AnnounceDirs, format: ReportFormat) -> Exit {
    let loaded = match super::open(plan) {
        Ok(l) => l,
        Err(exit) => return exit,
    };
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
    Exit::Ok
}

/// `announce deliver`: what earlier runs left undelivered, sent now.
fn deliver(plan: &Path, dirs: &AnnounceDirs) -> Exit {
    let loaded = match super::open(plan) {
        Ok(l) => l,
        Err(exit) => return exit,
    };
    if let Err(missing) = crate::secrets::Secrets::from_env(&loaded.plan) {
        eprintln!("error: {missing}");
        return Exit::Invalid;
    }
    // Never beside a run: it delivers what is queued itself.
    let state = StateDir::for_plan(plan, dirs.state.as_deref());
    let _held = match crate::state::journal::lock(&state) {
        Ok(file) => file,
        Err(e) => {
            eprintln!("error: {e}");
            return Exit::Invalid;
        }
    };
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
            Exit::Ok
        }
        _ => Exit::Failures,
    }
}
