//! The live executor: real checks, real restore actions. A `command` runs in its own process group
//! with its output in the state directory and is killed whole at its timeout; an `http` action
//! calls an automation API; a `manual` step shows the instruction and waits for the checks, or for
//! an operator's `restorectl confirm`. After a crash, a restore that is still running is waited
//! for, never started a second time.

use std::collections::HashSet;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use tokio::sync::broadcast;
use tokio::time::Instant;

use crate::check::Prober;
use crate::event::Event;
use crate::journal::{self, Replay};
use crate::plan::{Action, Plan};
use crate::process;
use crate::report::human_duration;
use crate::runner::{Emitter, Executor};

/// How long to wait for checks when a service has no restore action to bound it.
const DEFAULT_VERIFY: Duration = Duration::from_secs(30 * 60);
const POLL: Duration = Duration::from_millis(200);

pub struct LiveExecutor {
    plan: Arc<Plan>,
    prober: Prober,
    state: PathBuf,
    replay: Mutex<Replay>,
    /// Process groups of the actions running now.
    running: Mutex<HashSet<u32>>,
    /// Lines typed on the terminal, for confirming manual steps there.
    typed: OnceLock<broadcast::Sender<String>>,
}

impl LiveExecutor {
    pub fn new(plan: Arc<Plan>, prober: Prober, state: &Path, replay: Replay) -> Self {
        Self {
            plan,
            prober,
            state: state.to_path_buf(),
            replay: Mutex::new(replay),
            running: Mutex::default(),
            typed: OnceLock::new(),
        }
    }

    /// Lines typed on our terminal (none when stdin is not one). One reader thread serves every
    /// manual step waiting at the same time.
    fn terminal_lines(&self) -> Option<broadcast::Receiver<String>> {
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

    fn replay(&self) -> std::sync::MutexGuard<'_, Replay> {
        self.replay.lock().unwrap_or_else(|e| e.into_inner())
    }

    async fn run_command(&self, service: usize, attempt: u32, em: &Emitter) -> Result<(), String> {
        let s = &self.plan.services[service];
        let Some(r) = &s.restore else { return Ok(()) };
        let Action::Command(spec) = &r.action else { return Ok(()) };
        let secrets = self.prober.secrets();
        let mut cmd = process::build(spec, secrets)?;
        let logs = self.state.join("logs");
        std::fs::create_dir_all(&logs).map_err(|e| format!("cannot create {}: {e}", logs.display()))?;
        let log_path = logs.join(format!("{}.{attempt}.log", s.id));
        let log = std::fs::File::create(&log_path)
            .map_err(|e| format!("cannot create {}: {e}", log_path.display()))?;
        let err = log.try_clone().map_err(|e| e.to_string())?;
        // Output goes to a file, not a pipe: the action must outlive a crash of restorectl.
        cmd.stdout(Stdio::from(log)).stderr(Stdio::from(err));
        if let Ok(exe) = std::env::current_exe() {
            cmd.env("RESTORECTL", &exe);
            if let Some(dir) = exe.parent() {
                let path = std::env::var_os("PATH").unwrap_or_default();
                let mut dirs = vec![dir.to_path_buf()];
                dirs.extend(std::env::split_paths(&path));
                if let Ok(joined) = std::env::join_paths(dirs) {
                    cmd.env("PATH", joined);
                }
            }
        }
        let program = spec.argv[0].raw();
        let mut child = cmd.spawn().map_err(|e| format!("cannot run `{program}`: {e}"))?;
        let pid = child.id().unwrap_or_default();
        self.running.lock().unwrap_or_else(|e| e.into_inner()).insert(pid);
        em.record(Event::ProcessSpawned {
            service: s.id.clone(),
            attempt,
            at: em.at(),
            pid,
            start_ticks: process::start_ticks(pid),
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
                let code = st.code().map_or_else(|| "killed by a signal".to_owned(), |c| format!("exit {c}"));
                Err(if last.is_empty() { code } else { format!("{code}: {last}") })
            }
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => {
                process::kill_group(pid);
                let _ = child.wait().await;
                Err(format!("timed out after {} (process group killed)", human_duration(r.timeout)))
            }
        }
    }

    async fn call(&self, service: usize) -> Result<(), String> {
        let s = &self.plan.services[service];
        let Some(r) = &s.restore else { return Ok(()) };
        let Action::Http(req) = &r.action else { return Ok(()) };
        let attempt = async {
            let resp = crate::check::send_request(&self.prober, req).await?;
            let status = resp.status().as_u16();
            if crate::check::status_ok(&req.expect_status, status) {
                Ok(())
            } else {
                Err(format!("{} {} answered HTTP {status}", req.method, req.url.raw()))
            }
        };
        tokio::time::timeout(r.timeout, attempt)
            .await
            .unwrap_or_else(|_| Err(format!("timed out after {}", human_duration(r.timeout))))
    }

    async fn manual(&self, service: usize, instruction: &str, em: &Emitter) -> Result<(), String> {
        let s = &self.plan.services[service];
        let needs_confirmation = s.checks.is_empty();
        em.emit(Event::WaitingForOperator {
            service: s.id.clone(),
            at: em.at(),
            instruction: instruction.to_owned(),
            needs_confirmation,
        });
        if !needs_confirmation {
            return Ok(()); // verification waits for the checks
        }
        let path = journal::confirmation_path(&self.state, &s.id);
        let timeout = s.restore.as_ref().map_or(DEFAULT_VERIFY, |r| r.timeout);
        let deadline = Instant::now() + timeout;
        let mut typed = self.terminal_lines();
        if typed.is_some() {
            eprintln!(
                "{}: when done, type `{}` and press Enter (or run `restorectl confirm` from another shell)",
                s.id, s.id
            );
        }
        loop {
            let at_terminal = typed
                .as_mut()
                .is_some_and(|rx| std::iter::from_fn(|| rx.try_recv().ok()).any(|line| line.trim() == s.id));
            let from_file = std::fs::read_to_string(&path).ok();
            if at_terminal || from_file.is_some() {
                let by = from_file
                    .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
                    .and_then(|v| v["by"].as_str().map(str::to_owned))
                    .or_else(|| std::env::var("USER").ok().filter(|_| at_terminal))
                    .unwrap_or_else(|| "an operator".into());
                let _ = std::fs::remove_file(&path);
                em.record(Event::Confirmed { service: s.id.clone(), at: em.at(), by }).await;
                self.replay().confirmed.insert(s.id.clone());
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(format!("no confirmation within {}", human_duration(timeout)));
            }
            tokio::time::sleep(POLL).await;
        }
    }
}

impl Executor for LiveExecutor {
    async fn probe(&self, service: usize, _em: &Emitter) -> Option<bool> {
        let s = &self.plan.services[service];
        // A restore left running by a crashed run: wait for it rather than start another.
        let in_flight = self.replay().in_flight.remove(&s.id);
        if let Some((pid, ticks)) = in_flight {
            while process::alive(pid, ticks) {
                tokio::time::sleep(POLL).await;
            }
        }
        if s.checks.is_empty() {
            // Nothing to probe: trust what the journal says an operator confirmed.
            let known = { self.replay().confirmed.contains(&s.id) };
            return known.then_some(true);
        }
        self.prober.probe_all(&s.checks).await.healthy
    }

    async fn restore(&self, service: usize, attempt: u32, em: &Emitter) -> Result<(), String> {
        let result = match self.plan.services[service].restore.as_ref().map(|r| &r.action) {
            None => Ok(()),
            Some(Action::Command(_)) => self.run_command(service, attempt, em).await,
            Some(Action::Http(_)) => self.call(service).await,
            Some(Action::Manual(text)) => self.manual(service, text, em).await,
        };
        result.map_err(|e| self.prober.secrets().redact(&e))
    }

    async fn verify(&self, service: usize, _em: &Emitter) -> Result<(), String> {
        let s = &self.plan.services[service];
        if s.checks.is_empty() {
            return Ok(());
        }
        let timeout = s.restore.as_ref().map_or(DEFAULT_VERIFY, |r| r.timeout);
        let deadline = Instant::now() + timeout;
        let interval = s.checks.iter().map(|c| c.interval).min().unwrap_or(POLL);
        let needed = s.checks.iter().map(|c| c.healthy_after).max().unwrap_or(1);
        let mut streak = 0;
        loop {
            let health = self.prober.probe_all(&s.checks).await;
            if health.healthy == Some(true) {
                streak += 1;
                if streak >= needed {
                    return Ok(());
                }
            } else {
                streak = 0;
            }
            if Instant::now() + interval > deadline {
                let why = s
                    .checks
                    .iter()
                    .zip(&health.checks)
                    .find(|(_, o)| !o.ok)
                    .map(|(c, o)| format!(": {}: {}", crate::check::target(c), o.detail))
                    .unwrap_or_default();
                return Err(format!("not healthy within {}{why}", human_duration(timeout)));
            }
            tokio::time::sleep(interval).await;
        }
    }

    fn kill_all(&self) {
        for pid in self.running.lock().unwrap_or_else(|e| e.into_inner()).drain() {
            process::kill_group(pid);
        }
    }
}
