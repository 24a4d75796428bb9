//! Waiting for people and for what earlier runs left running: a manual step's confirmation (from
//! `restorectl confirm` or typed on the terminal), a restore taken over from a run that died,
//! and the reminders that keep every wait from being silent.

use std::io::IsTerminal;
use std::path::Path;
use std::sync::OnceLock;
use std::time::Duration;

use tokio::sync::broadcast;
use tokio::time::Instant;

use crate::event::{Act, Event, FailKind, Failure, Secs, Signer, Svc, WaitOn};
use crate::human::human_duration;
use crate::people::{Judge, Refusal, Verdict};
use crate::process;
use crate::runner::Emitter;
use crate::state::Confirmation;

/// How often a wait looks again.
pub(super) const POLL: Duration = Duration::from_millis(200);

/// Says when a wait is due to be mentioned again.
pub(super) struct Reminder {
    pub(super) since: Secs,
    every: Duration,
    next: Instant,
}

impl Reminder {
    pub(super) fn new(em: &Emitter, every: Duration) -> Self {
        Self { since: em.at(), every, next: Instant::now() + every }
    }

    /// Emits a `Waiting` event when `every` has passed since the last one.
    pub(super) fn tick(&mut self, em: &Emitter, service: &Svc, on: WaitOn, detail: impl FnOnce() -> String) {
        if Instant::now() >= self.next {
            self.next = Instant::now() + self.every;
            em.emit(Event::Waiting {
                service: service.clone(),
                at: em.at(),
                on,
                since: self.since,
                detail: detail(),
            });
        }
    }
}

/// Lines typed on our terminal. One reader thread serves every manual step waiting at once.
#[derive(Default)]
pub(super) struct Terminal {
    typed: OnceLock<broadcast::Sender<String>>,
}

impl Terminal {
    /// The lines typed from now on (none when stdin is not a terminal).
    fn lines(&self) -> Option<broadcast::Receiver<String>> {
        if !std::io::stdin().is_terminal() {
            return None;
        }
        let tx = self.typed.get_or_init(|| {
            let (tx, _) = broadcast::channel(16);
            let sender = tx.clone();
            std::thread::spawn(move || {
                for line in std::io::stdin().lines().map_while(Result::ok) {
                    let _ = sender.send(line);
                }
            });
            tx
        });
        Some(tx.subscribe())
    }
}

/// A manual step without checks, waiting for its person.
pub(super) struct Step<'a> {
    pub service: Svc,
    pub instruction: &'a str,
    /// The command that confirms it (`restorectl confirm PLAN ID --run RUN --by NAME`).
    pub confirm: &'a str,
    /// Where that command drops the confirmation.
    pub confirmation: &'a Path,
    pub run: &'a str,
    /// How long a person may take (`wait_timeout`); no limit when the plan gives none.
    pub timeout: Option<Duration>,
    /// When the wait began (before it was said): a confirmation stamped earlier is not for it.
    pub since: jiff::Timestamp,
    pub remind_every: Duration,
    pub judge: &'a Judge,
}

/// Waits for the step's confirmation (by `restorectl confirm` for this run, or by typing the
/// step's id on the terminal), journals who gave it, or gives up at the step's timeout.
pub(super) async fn confirmation(step: &Step<'_>, terminal: &Terminal, em: &Emitter) -> Result<(), Failure> {
    let deadline = step.timeout.map(|t| Instant::now() + t);
    let since = step.since;
    let mut typed = terminal.lines();
    if typed.is_some() {
        let text = format!(
            "{}: when done, type `{}` and press Enter (or run `{}` from another shell)",
            step.service, step.service, step.confirm
        );
        em.emit(Event::Notice { at: em.at(), level: crate::event::Level::Info, text });
    }
    let mut reminder = Reminder::new(em, step.remind_every);
    loop {
        let at_terminal = typed.as_mut().is_some_and(|rx| {
            std::iter::from_fn(|| rx.try_recv().ok()).any(|line| line.trim() == &*step.service)
        });
        // Only a confirmation given during this wait: a file copied from another run is not one.
        let from_file = Confirmation::read(step.confirmation).filter(|c| given_after(&c.who, since));
        if at_terminal || from_file.is_some() {
            // Typed at the run's terminal: by the account that runs it.
            let mut signer: Signer = from_file
                .unwrap_or_else(|| {
                    Confirmation::new(std::env::var("USER").unwrap_or_else(|_| "an operator".into()))
                })
                .into();
            let _ = std::fs::remove_file(step.confirmation);
            match step.judge.judge(Act::Confirm, &step.service, &signer, None) {
                Verdict::Refused(why) => refused(em, Act::Confirm, &step.service, signer, why).await,
                verdict => {
                    signer.key = verdict.key();
                    let (service, run, by) = (step.service.clone(), step.run.to_owned(), signer.by.clone());
                    let signer = Some(Box::new(signer));
                    // Journaled before the run goes on: a crash in between must not lose it.
                    em.record(Event::Confirmed { service, at: em.at(), by, run, signer }).await;
                    return Ok(());
                }
            }
        }
        if let (Some(deadline), Some(limit)) = (deadline, step.timeout)
            && Instant::now() >= deadline
        {
            return Err(Failure::new(
                FailKind::Confirmation,
                format!("no confirmation within {}", human_duration(limit)),
            ));
        }
        reminder.tick(em, &step.service, WaitOn::Operator, || {
            format!("{} — confirm with `{}`", step.instruction, step.confirm)
        });
        tokio::time::sleep(POLL).await;
    }
}

/// Waits for a restore an earlier run left running (pid, start ticks) to end, up to `timeout`
/// (then its process group is killed and the attempt fails).
pub(super) async fn orphan(
    service: &Svc,
    pid: u32,
    ticks: Option<u64>,
    timeout: Duration,
    remind_every: Duration,
    em: &Emitter,
) -> Result<(), Failure> {
    let deadline = Instant::now() + timeout;
    let mut reminder = Reminder::new(em, remind_every);
    while process::alive(pid, ticks) {
        if Instant::now() >= deadline {
            process::kill_group(pid);
            return Err(Failure::new(
                FailKind::Timeout,
                format!(
                    "the restore left running by an earlier run (pid {pid}) was still running after {}; its process group was killed",
                    human_duration(timeout)
                ),
            ));
        }
        reminder.tick(em, service, WaitOn::EarlierRun { pid }, || "still running".into());
        tokio::time::sleep(POLL).await;
    }
    Ok(())
}

/// When a wait began, on the clock its decisions are stamped with (`confirm` runs on this
/// machine, and only once the run says it waits).
pub(super) fn given_since() -> jiff::Timestamp {
    jiff::Timestamp::now()
}

/// Whether a decision was given during the wait that began at `since` (not copied from before).
fn given_after(who: &Signer, since: jiff::Timestamp) -> bool {
    who.at.parse::<jiff::Timestamp>().is_ok_and(|at| at >= since)
}

/// Journals a decision the run does not take, and why.
async fn refused(em: &Emitter, act: Act, service: &Svc, signer: Signer, why: Refusal) {
    let (by, reason) = (signer.by.clone(), why.to_string());
    let subject = service.to_string();
    em.record(Event::Refused { at: em.at(), act, subject, by, reason, signer: Some(Box::new(signer)) }).await;
}

/// A service's sign-off: `count` of the role's `people`, each signed when the role says so.
pub(super) struct Approval<'a> {
    pub role: &'a str,
    pub count: u32,
    pub people: &'a [String],
    pub signed: bool,
}

/// The sign-offs of `people` in `dir` since `since`, judged: those taken, in the order they
/// signed, each person once, by who signed, whatever the files are called (a copy of one
/// person's file is still one person, and a sign-off copied from another run is none); and those
/// refused, whose files are removed (they are journaled once).
fn signed(dir: &Path, a: &Approval, since: jiff::Timestamp, judge: &Judge, service: &Svc) -> Judged {
    let mut judged = Judged::default();
    let mut taken = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let Some(c) = Confirmation::read(&entry.path()) else { continue };
        if !a.people.contains(&c.who.by) || !given_after(&c.who, since) {
            continue;
        }
        let mut signer = Signer::from(c);
        match judge.judge(Act::SignOff, service, &signer, a.signed.then_some(a.role)) {
            Verdict::Refused(why) => {
                let _ = std::fs::remove_file(entry.path());
                judged.refused.push((signer, why));
            }
            verdict => {
                signer.key = verdict.key();
                taken.push((entry.path(), signer));
            }
        }
    }
    taken.sort_by_key(|(_, s)| s.at.parse::<jiff::Timestamp>().ok());
    let mut names = std::collections::HashSet::new();
    // One key is one person, whatever names allowed_signers gives it: a second name signing with
    // a key that already signed is refused.
    let mut keys: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    for (path, s) in taken {
        if !names.insert(s.by.clone()) {
            continue;
        }
        if let Some(key) = s.key.clone() {
            if let Some(first) = keys.get(&key) {
                let _ = std::fs::remove_file(path);
                let first = first.clone();
                judged.refused.push((s, Refusal::SameKey { key, first }));
                continue;
            }
            keys.insert(key, s.by.clone());
        }
        judged.taken.push(s);
    }
    judged
}

#[derive(Default)]
struct Judged {
    taken: Vec<Signer>,
    refused: Vec<(Signer, Refusal)>,
}

/// Waits until `count` distinct people of the service's approval role have signed it off in
/// `dir` (`restorectl confirm … --by NAME`), at most `limit` (none: as long as it takes); says so
/// as the sign-offs come, and again every `remind_every` while it waits. A sign-off the judge
/// refuses is journaled and does not count.
pub(super) async fn approvals(
    em: &Emitter,
    service: &Svc,
    a: Approval<'_>,
    (dir, judge): (&Path, &Judge),
    confirm: String,
    (limit, remind_every): (Option<Duration>, Duration),
) -> Result<(), Failure> {
    let (role, count) = (a.role, a.count);
    let deadline = limit.map(|l| Instant::now() + l);
    let since = given_since();
    let mut told: Option<Vec<String>> = None;
    let mut reminder = Reminder::new(em, remind_every);
    loop {
        let judged = signed(dir, &a, since, judge, service);
        for (signer, why) in judged.refused {
            refused(em, Act::SignOff, service, signer, why).await;
        }
        let signers = judged.taken;
        let mut have: Vec<String> = signers.iter().map(|s| s.by.clone()).collect();
        have.sort();
        if have.len() as u32 >= count {
            em.emit(Event::Approved { service: service.clone(), at: em.at(), by: have, signers });
            return Ok(());
        }
        // Said when the wait begins and whenever someone signs (a Ctrl-C stops it like any wait
        // for people).
        if told.as_ref() != Some(&have) {
            em.emit(Event::WaitingForApproval {
                service: service.clone(),
                at: em.at(),
                role: role.to_owned(),
                count,
                have: have.clone(),
                confirm: Some(confirm.clone()),
            });
            told = Some(have);
        }
        if let (Some(deadline), Some(limit)) = (deadline, limit)
            && Instant::now() >= deadline
        {
            let detail = format!("not signed off by {count} of `{role}` within {}", human_duration(limit));
            return Err(Failure::new(FailKind::SignOff, detail));
        }
        reminder.tick(em, service, WaitOn::Approval, || {
            let so_far = told.as_ref().filter(|h| !h.is_empty()).map_or_else(
                || format!("0 of {count} signed"),
                |h| format!("{} of {count} signed ({})", h.len(), h.join(", ")),
            );
            format!("{so_far} by `{role}` — sign with `{confirm}`")
        });
        tokio::time::sleep(POLL).await;
    }
}
