//! The live executor: real checks, real restore actions. A `command` runs in its own process group
//! with its output in the state directory (`logs/<run>/<service>.<attempt>.log`) and is killed
//! whole at its timeout; an `http` action calls an automation API; a `manual` step shows the
//! instruction and waits for the checks, or for an operator's `restorectl confirm --run`. After a
//! crash, a restore that is still running is waited for and verified, never started a second time.
//! Every wait says so when it starts and again every `--remind-every` while it lasts.

use std::collections::HashMap;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

use waits::{POLL, Reminder, Step, Terminal};

use crate::check::Prober;
use crate::event::{Event, FailKind, Failure, WaitOn};
use crate::human::human_duration;
use crate::plan::{Action, Plan};
use crate::process;
use crate::runner::{Emitter, Executor, Resumed};
use crate::state::{Replay, StateDir};

mod gates;
mod takeover;
mod waits;
mod watch;

/// Where a live run works: its state directory, its id, and how people reach it.
pub struct Workplace {
    pub state: StateDir,
    /// This run's id.
    pub run: String,
    /// `restorectl confirm PLAN` (with `--state DIR` when it is not the default), for messages.
    pub confirm: String,
    /// How often a wait that goes on is mentioned again.
    pub remind_every: Duration,
    /// Judges the decisions people send the run (confirmations, sign-offs).
    pub judge: Arc<crate::people::Judge>,
}

pub struct LiveExecutor {
    plan: Arc<Plan>,
    prober: Prober,
    place: Workplace,
    replay: Mutex<Replay>,
    /// The actions running now: process group → (service, attempt).
    running: Mutex<HashMap<u32, (usize, u32)>>,
    /// Attempts taken over from an earlier run: (service, attempt) → that run's id.
    adopted: Mutex<HashMap<(usize, u32), String>>,
    /// Lines typed on the terminal, for confirming manual steps there.
    terminal: Terminal,
    /// `logs/<run>/pids`, opened for appending on the first spawn.
    pids: Mutex<Option<Arc<std::fs::File>>>,
}

impl LiveExecutor {
    pub fn new(plan: Arc<Plan>, prober: Prober, place: Workplace, replay: Replay) -> Self {
        Self {
            plan,
            prober,
            place,
            replay: Mutex::new(replay),
            running: Mutex::default(),
            adopted: Mutex::default(),
            terminal: Terminal::default(),
            pids: Mutex::default(),
        }
    }

    /// This run's `pids` file, with its header: without it, an action killed before its pid is
    /// journaled could be started a second time, so an action does not start without it.
    fn pids(&self) -> Result<Arc<std::fs::File>, Failure> {
        use std::io::Write;
        let mut pids = self.pids.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(file) = pids.as_ref() {
            return Ok(file.clone());
        }
        let path = self.place.state.pids(&self.place.run);
        let cannot = |e: std::io::Error| {
            Failure::new(FailKind::Spawn, format!("cannot write {}: {e}", path.display()))
        };
        let mut file = crate::state::files::append(&path).map_err(cannot)?;
        if file.metadata().is_ok_and(|m| m.len() == 0) {
            file.write_all(process::PIDS_HEADER.as_bytes()).map_err(cannot)?;
        }
        Ok(pids.insert(Arc::new(file)).clone())
    }

    fn replay(&self) -> std::sync::MutexGuard<'_, Replay> {
        self.replay.lock().unwrap_or_else(|e| e.into_inner())
    }

    async fn manual(&self, service: usize, instruction: &str, em: &Emitter) -> Result<(), Failure> {
        let s = &self.plan.services[service];
        let needs_confirmation = s.needs_confirmation();
        let confirm = format!("{} {} --run {} --by NAME", self.place.confirm, s.id, self.place.run);
        let since = waits::given_since();
        em.emit(Event::WaitingForOperator {
            service: em.id(service),
            at: em.at(),
            instruction: instruction.to_owned(),
            needs_confirmation,
            confirm: needs_confirmation.then(|| confirm.clone()),
        });
        if !needs_confirmation {
            return Ok(()); // verification waits for the checks
        }
        let step = Step {
            service: em.id(service),
            instruction,
            confirm: &confirm,
            confirmation: &self.place.state.confirmation(&self.place.run, &s.id),
            run: &self.place.run,
            timeout: s.people_timeout,
            since,
            remind_every: self.place.remind_every,
            judge: &self.place.judge,
        };
        waits::confirmation(&step, &self.terminal, em).await
    }

    async fn run_command(&self, service: usize, attempt: u32, em: &Emitter) -> Result<(), Failure> {
        let s = &self.plan.services[service];
        let Some(r) = &s.restore else { return Ok(()) };
        let Action::Command(spec) = &r.action else { return Ok(()) };
        let secrets = self.prober.secrets();
        let spawn = |detail: String| Failure::new(FailKind::Spawn, detail);
        let mut cmd = process::build(spec, secrets).map_err(|e| spawn(e.to_string()))?;
        let log_path = self.place.state.log(&self.place.run, &s.id, attempt);
        if let Some(dir) = log_path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| spawn(format!("cannot create {}: {e}", dir.display())))?;
        }
        let log = crate::state::files::open(
            std::fs::OpenOptions::new().write(true).create(true).truncate(true),
            &log_path,
        )
        .map_err(|e| spawn(format!("cannot create {}: {e}", log_path.display())))?;
        let err = log.try_clone().map_err(|e| spawn(e.to_string()))?;
        // Output goes to a file, not a pipe: the action must outlive a crash of restorectl.
        cmd.stdout(Stdio::from(log)).stderr(Stdio::from(err));
        cmd.env(process::ACTION_MARKER, self.place.state.action_marker(&self.place.run, &s.id, attempt));
        let program = spec.argv[0].raw();
        let pids = self.pids()?;
        let mut child = cmd.spawn().map_err(|e| spawn(format!("cannot run `{program}`: {e}")))?;
        let pid = child.id().unwrap_or_default();
        let ticks = process::start_ticks(pid);
        // Noted at once, before the journal holds it: a kill in between still leaves it behind.
        if let Err(e) = process::note_pid(&pids, &format!("{}/{attempt}", s.id), pid, ticks) {
            let text = format!("{}: its pid could not be noted ({e}); the journal alone holds it", s.id);
            em.emit(Event::Notice { at: em.at(), level: crate::event::Level::Warning, text });
        }
        self.running.lock().unwrap_or_else(|e| e.into_inner()).insert(pid, (service, attempt));
        em.record(Event::ProcessSpawned {
            service: em.id(service),
            attempt,
            at: em.at(),
            pid,
            start_ticks: ticks,
        })
        .await;
        let status = tokio::time::timeout(r.timeout, child.wait()).await;
        self.running.lock().unwrap_or_else(|e| e.into_inner()).remove(&pid);
        match status {
            Ok(Ok(st)) if st.success() => Ok(()),
            Ok(Ok(st)) => {
                let tail = std::fs::read_to_string(&log_path).unwrap_or_default();
                let last = tail
                    .lines()
                    .rev()
                    .find(|l| !l.trim().is_empty())
                    .map(str::trim)
                    .unwrap_or_default()
                    .to_owned();
                let (kind, code) = match st.code() {
                    Some(c) => (FailKind::Exit, format!("exit {c}")),
                    None => (FailKind::Signal, "killed by a signal".to_owned()),
                };
                Err(Failure::new(kind, if last.is_empty() { code } else { format!("{code}: {last}") }))
            }
            Ok(Err(e)) => Err(Failure::new(FailKind::Exit, e.to_string())),
            Err(_) => {
                process::kill_group(pid);
                let _ = child.wait().await;
                let detail = format!("timed out after {} (process group killed)", human_duration(r.timeout));
                Err(Failure::new(FailKind::Timeout, detail))
            }
        }
    }

    async fn call(&self, service: usize) -> Result<(), Failure> {
        let s = &self.plan.services[service];
        let Some(r) = &s.restore else { return Ok(()) };
        let Action::Http(req) = &r.action else { return Ok(()) };
        let attempt = async {
            let resp = crate::check::send_request(&self.prober, req)
                .await
                .map_err(|e| Failure::new(FailKind::Http, e.to_string()))?;
            let status = resp.status().as_u16();
            if crate::check::status_ok(&req.expect_status, status) {
                Ok(())
            } else {
                Err(Failure::new(
                    FailKind::Http,
                    format!("{} {} answered HTTP {status}", req.method, req.url.raw()),
                ))
            }
        };
        tokio::time::timeout(r.timeout, attempt).await.unwrap_or_else(|_| {
            Err(Failure::new(FailKind::Timeout, format!("timed out after {}", human_duration(r.timeout))))
        })
    }
}

impl LiveExecutor {
    async fn sign_offs(&self, service: usize, em: &Emitter) -> Result<(), Failure> {
        let s = &self.plan.services[service];
        let Some(a) = &s.approval else { return Ok(()) };
        let people = self.plan.approvers_of(a.role.get_ref());
        let dir = self.place.state.approvals(&self.place.run, &s.id);
        let confirm = format!("{} {} --run {} --by NAME", self.place.confirm, s.id, self.place.run);
        let signed = self.plan.role(a.role.get_ref()).is_some_and(|r| r.require_signature);
        let approval = waits::Approval { role: a.role.get_ref(), count: a.count, people, signed };
        let limits = (s.people_timeout, self.place.remind_every);
        waits::approvals(em, &em.id(service), approval, (&dir, &self.place.judge), confirm, limits).await
    }
}

impl Executor for LiveExecutor {
    async fn approve(&self, service: usize, em: &Emitter) -> Result<(), Failure> {
        self.sign_offs(service, em).await
    }

    async fn gates(&self, service: usize, attempt: u32, em: &Emitter) -> Result<(), Failure> {
        let s = &self.plan.services[service];
        gates::run(&self.prober, &self.place.state, &self.place.run, (service, s, attempt), em).await
    }

    async fn resume(&self, service: usize, em: &Emitter) -> Option<Resumed> {
        self.take_over(service, em).await
    }

    fn held(&self, service: usize) -> Option<String> {
        self.replay().quarantined.get(&self.plan.services[service].id).cloned()
    }

    async fn probe(&self, service: usize, _em: &Emitter) -> Option<bool> {
        let s = &self.plan.services[service];
        if s.checks.is_empty() {
            // Nothing to probe: trust what the journal says an operator confirmed.
            let known = { self.replay().confirmed.contains(&s.id) };
            return known.then_some(true);
        }
        self.prober.probe_all(&s.checks).await.healthy
    }

    async fn restore(&self, service: usize, attempt: u32, em: &Emitter) -> Result<(), Failure> {
        let result = match self.plan.services[service].restore.as_ref().map(|r| &r.action) {
            None => Ok(()),
            Some(Action::Command(_)) => self.run_command(service, attempt, em).await,
            Some(Action::Http(_)) => self.call(service).await,
            Some(Action::Manual(text)) => self.manual(service, text, em).await,
        };
        result.map_err(|f| Failure { detail: self.prober.secrets().redact(&f.detail), ..f })
    }

    async fn verify(&self, service: usize, em: &Emitter) -> Result<(), Failure> {
        let s = &self.plan.services[service];
        if s.checks.is_empty() {
            return Ok(());
        }
        let bounded = s.restore.as_ref().map(|r| r.timeout);
        let timeout = bounded.unwrap_or(s.wait_timeout);
        let deadline = Instant::now() + timeout;
        let interval = s.checks.iter().map(|c| c.interval).min().unwrap_or(POLL);
        let needed = s.checks.iter().map(|c| c.healthy_after).max().unwrap_or(1);
        let on = WaitOn::Checks { limit: timeout.into() };
        let mut streak = 0;
        let mut reminder: Option<Reminder> = None;
        loop {
            let health = self.prober.probe_all(&s.checks).await;
            // A check that cannot run at all never passes: say so now, not at the deadline.
            if let Some((c, o)) = s.checks.iter().zip(&health.checks).find(|(_, o)| o.cannot_run) {
                let detail = format!("a check cannot run ({}): {}", crate::check::target(c), o.detail);
                return Err(Failure::new(FailKind::Checks, detail));
            }
            let why = || self.failing(service, &health);
            if health.healthy == Some(true) {
                streak += 1;
                if streak >= needed {
                    return Ok(());
                }
            } else if em.stopping() {
                // Interrupted (Ctrl-C, SIGTERM): a wait for checks that fail ends at once, left
                // for the next run (a restore that just ended still gets its look).
                return Err(Failure::new(FailKind::Interrupted, "interrupted while waiting for its checks"));
            } else {
                streak = 0;
                match &mut reminder {
                    None => {
                        let first = Reminder::new(em, self.place.remind_every);
                        let since = first.since;
                        em.emit(Event::Waiting {
                            service: em.id(service),
                            at: since,
                            on,
                            since,
                            detail: why(),
                        });
                        reminder = Some(first);
                    }
                    Some(r) => r.tick(em, &em.id(service), on, why),
                }
            }
            let now = Instant::now();
            if now >= deadline {
                let why = why();
                return Err(Failure::new(
                    FailKind::Checks,
                    match bounded {
                        Some(_) => format!("not healthy within {}: {why}", human_duration(timeout)),
                        None => format!("checks still failing after {}: {why}", human_duration(timeout)),
                    },
                ));
            }
            // The last look is at the deadline itself, however long the interval.
            tokio::time::sleep(interval.min(deadline - now)).await;
        }
    }

    async fn watch(&self, service: usize, until: Instant, em: &Emitter) -> Result<(), Failure> {
        self.watch_checks(service, until, em).await
    }

    fn log(&self, service: usize, attempt: u32) -> Option<String> {
        let s = &self.plan.services[service];
        let adopted =
            self.adopted.lock().unwrap_or_else(|e| e.into_inner()).get(&(service, attempt)).cloned();
        let run = adopted.as_deref().unwrap_or(&self.place.run);
        matches!(s.restore.as_ref()?.action, Action::Command(_))
            .then(|| self.place.state.log(run, &s.id, attempt).display().to_string())
    }

    fn kill_all(&self) -> Vec<(usize, u32)> {
        let mut running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        running
            .drain()
            .map(|(pid, which)| {
                process::kill_group(pid);
                which
            })
            .collect()
    }
}
