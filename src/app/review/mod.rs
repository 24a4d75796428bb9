//! `restorectl announce approve|reject|drafts`: a person's review of the updates a live run
//! drafted (`[announce] publish = "review"`).

mod decide;

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::announce::review::{self, Draft};
use crate::announce::screen::Screen;
use crate::cli::{AnnounceDirs, DraftArgs, ReportFormat, Review};
use crate::error::Error;
use crate::event::Event;
use crate::exit::Exit;
use crate::loaded::Loaded;
use crate::people::Judge;
use crate::shared::{Shared, SharedError, Snapshot};
use crate::state::{Confirmation, StateDir};
pub(super) use decide::{Decision, Reviewing};

pub fn run(command: Review) -> Result<Exit, Error> {
    match command {
        Review::Approve { draft, texts } => {
            let edits = edits(&texts)?;
            let approve = |who| Decision {
                number: draft.number,
                approve: true,
                who,
                edits,
                reason: None,
                incident: String::new(),
            };
            decide(&draft, approve)
        }
        Review::Reject { draft, reason } => {
            let reject = |who| Decision {
                number: draft.number,
                approve: false,
                who,
                edits: vec![],
                reason,
                incident: String::new(),
            };
            decide(&draft, reject)
        }
        Review::Drafts { plan, dirs, format } => list(&plan, &dirs, format),
        Review::Deliver { plan, dirs } => deliver(&plan, &dirs),
    }
}

/// The announcements directory of the plan's live runs on this machine.
fn dir(plan: &Path, dirs: &AnnounceDirs) -> PathBuf {
    dirs.announce_dir
        .clone()
        .unwrap_or_else(|| StateDir::for_plan(plan, dirs.state.as_deref()).announcements())
}

/// `--text LOCALE=FILE`, read.
fn edits(texts: &[String]) -> Result<Vec<(String, String)>, Error> {
    texts
        .iter()
        .map(|t| {
            let Some((locale, file)) = t.split_once('=') else {
                return Err(Error::flag(
                    format!("--text {t}"),
                    "write it as LOCALE=FILE, e.g. `--text pl=0007.pl.md`",
                ));
            };
            // No more than an update can be (the approval says so): `/dev/zero` is not read to the end.
            let mut text = String::new();
            std::fs::File::open(file)
                .and_then(|f| {
                    std::io::Read::read_to_string(
                        &mut std::io::Read::take(f, crate::announce::screen::MAX_TEXT as u64 + 1),
                        &mut text,
                    )
                })
                .map_err(|e| Error::flag(format!("--text {t}"), format!("cannot read {file}: {e}")))?;
            Ok((locale.to_owned(), text))
        })
        .collect()
}

/// The reviewer's decision, named and signed — a review is a person's decision, signed with their
/// SSH key when `allowed_signers` lists one (or `--key` is given) over the update, the corrected
/// texts if any, the plan and the incident — and its judge (as the run judges a sign-off: where
/// the plan separates duties, whoever started the incident's last run may not decide), its
/// incident. `state`: where the incident's journal is; the plan must be the one it follows.
fn reviewer(
    d: &DraftArgs,
    loaded: &Loaded,
    state: &StateDir,
    make: impl FnOnce(Confirmation) -> Decision,
) -> Result<(Decision, Judge), Error> {
    let by = d.by.trim();
    if by.is_empty() {
        return Err(Error::NoName);
    }
    let last = crate::state::last_run(state, &loaded.plan, &d.plan).ok();
    let followed = last.as_ref().and_then(|l| Some((&l.id, l.plan_sha256.as_ref()?)));
    if let Some((run, then)) = followed.filter(|(_, then)| **then != loaded.plan.sha256) {
        let (plan, run, then, now) = (d.plan.clone(), run.clone(), then.clone(), loaded.plan.sha256.clone());
        return Err(Error::ReviewOtherPlan { plan, run, then, now });
    }
    let starter = last.as_ref().and_then(|l| {
        l.events.iter().find_map(|e| match e {
            Event::RunStarted { by: Some(by), .. } => Some((**by).clone()),
            _ => None,
        })
    });
    let incident = last.as_ref().map(|l| l.incident.clone()).unwrap_or_default();
    let judge = Judge::new(loaded.signers.clone(), &loaded.plan.sha256, &incident)
        .live()
        .separating(&loaded.plan, starter);
    let mut decision = make(Confirmation::new(by.to_owned()));
    decision.incident = incident;
    judge
        .sign_if_able(
            (decision.act(), &decision.subject()),
            &mut decision.who.who,
            d.key.as_deref(),
            must_sign(&loaded.plan),
        )
        .map_err(|why| Error::CannotSign { by: by.to_owned(), why })?;
    Ok((decision, judge))
}

/// Whether reviews must be signed: the reviewers' role requires it.
fn must_sign(plan: &crate::plan::Plan) -> bool {
    plan.reviewers().is_some_and(|r| r.require_signature)
}

/// How long a review given through the shared state waits for the run holding the incident to
/// decide it (an approval waits for every webhook's answer).
const RUN_DECIDES: Duration = Duration::from_secs(120);

/// Takes a review decision where the announcements are: here; or on a shared state, by the run
/// that holds the incident — or, with none, here, holding the incident meanwhile.
fn decide(d: &DraftArgs, make: impl FnOnce(Confirmation) -> Decision) -> Result<Exit, Error> {
    let loaded = super::open(&d.plan)?;
    let here = |judge, incident: &str, dir| Reviewing {
        plan: loaded.plan.clone(),
        templates: loaded.templates.clone(),
        judge,
        incident: incident.to_owned(),
        screen: screen(&loaded, incident),
        dir,
    };
    let Some(url) = crate::shared::url(d.dirs.state.as_deref()) else {
        let state = StateDir::for_plan(&d.plan, d.dirs.state.as_deref());
        let (decision, judge) = reviewer(d, &loaded, &state, make)?;
        return here(judge, &decision.incident.clone(), dir(&d.plan, &d.dirs)).decide(decision)?.told();
    };
    let snapshot = Snapshot::take(&url, &loaded.plan.name)?;
    let (decision, judge) = reviewer(d, &loaded, &snapshot.state, make)?;
    let incident = decision.incident.clone();
    let mut shared = Shared::connect(&url, &loaded.plan.name)?;
    match shared.lock() {
        Ok(()) => {
            let dir = hold(&mut shared, (&url, &loaded, &incident), (&d.plan, &d.dirs))?;
            here(judge, &incident, dir).decide(decision)?.told()
        }
        Err(SharedError::Held { .. }) => {
            let id = shared.give_review(d.number, &serde_json::to_string(&decision).unwrap_or_default())?;
            let until = std::time::Instant::now() + RUN_DECIDES;
            loop {
                if let Some(outcome) = shared.outcome(id, LOOK)? {
                    return serde_json::from_str::<decide::Outcome>(&outcome)
                        .map_err(|e| Error::ReviewRefused(format!("the run's answer cannot be read: {e}")))?
                        .told();
                }
                // The lock was another review's, not a run's (or the run ended): decided here.
                if shared.lock().is_ok() && shared.withdraw_review(id)? {
                    let dir = hold(&mut shared, (&url, &loaded, &incident), (&d.plan, &d.dirs))?;
                    return here(judge, &incident, dir).decide(decision)?.told();
                }
                if std::time::Instant::now() >= until && shared.withdraw_review(id)? {
                    return Err(Error::ReviewNotTaken { number: d.number, seconds: RUN_DECIDES.as_secs() });
                }
            }
        }
        Err(e) => Err(e.into()),
    }
}

/// How often a review waiting for the run holding the incident looks whether the lock was another
/// review's.
const LOOK: Duration = Duration::from_secs(1);

/// With the incident's lock held and no run: its records downloaded into this machine's folders,
/// every line appended from now on shared, and the approved updates' files restored. Returns the
/// announcements folder.
fn hold(
    shared: &mut Shared,
    (url, loaded, incident): (&str, &Loaded, &str),
    (plan, dirs): (&Path, &AnnounceDirs),
) -> Result<PathBuf, Error> {
    let dir = dir(plan, dirs);
    take_records(shared, (url, loaded, incident), (StateDir::for_plan(plan, None).root(), &dir))?;
    Ok(dir)
}

/// Whoever holds the incident (a run, or a review or delivery without one) takes its records:
/// downloaded into its folders (`root`, the state directory; `dir`, the announcements), every
/// line appended from now on shared, and the updates approved elsewhere published here too.
pub(super) fn take_records(
    shared: &mut Shared,
    (url, loaded, incident): (&str, &Loaded, &str),
    (root, dir): (&Path, &Path),
) -> Result<(), Error> {
    let files = crate::shared::record_files(root, dir);
    shared.download_records(&files, true)?;
    // A folder kept aside (another incident's) or none yet: this incident's starts here.
    std::fs::create_dir_all(dir).map_err(crate::state::StateError::io("create", dir))?;
    crate::shared::Records::mirror(url, &loaded.plan.name, &files)?;
    let outputs = Some((&*loaded.plan, &*loaded.templates));
    review::restore_approved(dir, &screen(loaded, incident), outputs)?;
    Ok(())
}

/// How the approvals already journaled for `incident` are judged before anything is done with
/// them: by the plan's reviewers and their keys (see `announce::screen`).
pub(super) fn screen(loaded: &Loaded, incident: &str) -> Screen {
    Screen::new(loaded.plan.clone(), Judge::new(loaded.signers.clone(), &loaded.plan.sha256, incident))
}

/// The incident of the latest run in `state`, if there is one.
pub(super) fn incident_in(state: &StateDir, loaded: &Loaded, plan: &Path) -> String {
    crate::state::last_run(state, &loaded.plan, plan).map(|l| l.incident).unwrap_or_default()
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
    let snapshot = crate::shared::url(dirs.state.as_deref())
        .map(|url| Snapshot::take(&url, &loaded.plan.name))
        .transpose()?;
    let dir = snapshot.as_ref().map_or_else(|| dir(plan, dirs), |s| s.state.announcements());
    let state = snapshot
        .as_ref()
        .map_or_else(|| StateDir::for_plan(plan, dirs.state.as_deref()), |s| s.state.clone());
    let drafts: Vec<Draft> =
        review::drafts(&dir, &hooks, &screen(&loaded, &incident_in(&state, &loaded, plan)));
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
                for line in &d.refused {
                    println!("      refused: {line}");
                }
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
    let (_held, dir, incident) = match crate::shared::url(dirs.state.as_deref()) {
        None => {
            let incident = incident_in(&StateDir::for_plan(plan, dirs.state.as_deref()), &loaded, plan);
            (None, dir(plan, dirs), incident)
        }
        Some(url) => {
            let snapshot = Snapshot::take(&url, &loaded.plan.name)?;
            let incident = incident_in(&snapshot.state, &loaded, plan);
            let mut shared = Shared::connect(&url, &loaded.plan.name)?;
            shared.lock()?;
            let dir = hold(&mut shared, (&url, &loaded, &incident), (plan, dirs))?;
            (Some(shared), dir, incident)
        }
    };
    let _local = crate::state::journal::lock(&StateDir::for_plan(plan, dirs.state.as_deref()))?;
    let command =
        crate::announce::Commands::new(plan, dirs.state.as_deref(), dirs.announce_dir.as_deref()).deliver();
    let screen = screen(&loaded, &incident);
    let left =
        crate::announce::webhook::deliver_pending(loaded.plan.clone(), &dir, command, screen.approved(&dir));
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
