//! The dry run's executor: nothing runs, nothing is probed. Every service starts down (or, for
//! `preview`, as the live probes found it); its restore
//! takes its planned `duration` (scaled by `--slow`, drawn around it with `--jitter`) on the
//! virtual clock, fails as `--fail` says, and its checks pass as soon as it is restored.

pub mod trials;

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use rand::{RngExt, SeedableRng};

use crate::event::{FailKind, Failure};
use crate::plan::Plan;
use crate::runner::{Emitter, Executor, Resumed};

/// How `--fail` makes a service's restore fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Injected {
    /// Every attempt fails.
    Always,
    /// The first N attempts fail, then it succeeds.
    Times(u32),
}

/// Failure injection and uncertainty for a dry run.
#[derive(Debug, Clone, Default)]
pub struct Scenario {
    pub fail: HashMap<usize, Injected>,
    pub slow: HashMap<usize, f64>,
    /// Each duration is drawn uniformly from `d × [1 − jitter, 1 + jitter]`.
    pub jitter: f64,
    pub seed: u64,
    /// Services found healthy already (`preview`: the live state): left alone.
    pub healthy: std::collections::HashSet<usize>,
    /// `--fall-back ID:AFTER`: watched, the service falls back this long after it came online
    /// (once).
    pub fall_back: HashMap<usize, Duration>,
    /// Trials: where each service's restore time is drawn from (none: the plan's durations).
    pub draws: Option<std::sync::Arc<Vec<Draw>>>,
}

/// Where a trial draws a service's restore time from.
#[derive(Debug, Clone, PartialEq)]
pub enum Draw {
    /// The plan's `duration` (with `--jitter`).
    Planned,
    /// One of the restore times real runs took (seconds), each as likely.
    Seen(Vec<f64>),
    /// A log-normal through the plan's `duration` (its median) and `duration_p90`: `ln` of the
    /// time in seconds is normal with this mean and deviation.
    LogNormal { mu: f64, sigma: f64 },
}

pub struct SimExecutor {
    durations: Vec<Duration>,
    healthy: std::collections::HashSet<usize>,
    fail: HashMap<usize, Injected>,
    /// Failed attempts so far, per service.
    failures: Mutex<HashMap<usize, u32>>,
    fall_back: HashMap<usize, Duration>,
    /// Services that fell back already (each falls back once).
    fallen: Mutex<std::collections::HashSet<usize>>,
}

impl SimExecutor {
    pub fn new(plan: &Plan, scenario: &Scenario, trial: u64) -> Self {
        Self {
            durations: durations(plan, scenario, trial),
            healthy: scenario.healthy.clone(),
            fail: scenario.fail.clone(),
            failures: Mutex::default(),
            fall_back: scenario.fall_back.clone(),
            fallen: Mutex::default(),
        }
    }
}

/// Every service's simulated restore time for one trial: planned, slowed, jittered, in whole ms
/// (the virtual clock's resolution, so sums stay exact).
pub fn durations(plan: &Plan, scenario: &Scenario, trial: u64) -> Vec<Duration> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(
        scenario.seed.wrapping_add(trial.wrapping_mul(0x9E37_79B9_7F4A_7C15)),
    );
    plan.services
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let slow = scenario.slow.get(&i).copied().unwrap_or(1.0);
            let drawn = scenario.draws.as_ref().map_or(&Draw::Planned, |d| &d[i]);
            let ms = match drawn {
                Draw::Planned => {
                    let mut ms = s.duration.as_millis() as f64 * slow;
                    if scenario.jitter > 0.0 {
                        ms *= 1.0 + rng.random_range(-scenario.jitter..=scenario.jitter);
                    }
                    ms
                }
                Draw::Seen(samples) => samples[rng.random_range(0..samples.len())] * 1000.0 * slow,
                Draw::LogNormal { mu, sigma } => {
                    use rand_distr::Distribution;
                    let normal = rand_distr::Normal::new(*mu, *sigma).unwrap_or_else(|_| {
                        rand_distr::Normal::new(*mu, 0.0).expect("a normal of deviation 0")
                    });
                    normal.sample(&mut rng).exp() * 1000.0 * slow
                }
            };
            Duration::from_millis(ms.round().clamp(0.0, 1e15) as u64)
        })
        .collect()
}

impl Executor for SimExecutor {
    async fn resume(&self, _service: usize, _em: &Emitter) -> Option<Resumed> {
        // A rehearsal starts from nothing.
        None
    }

    fn held(&self, _service: usize) -> Option<String> {
        // A rehearsal starts from nothing (a preview leaves a quarantined service down).
        None
    }

    async fn probe(&self, service: usize, _em: &Emitter) -> Option<bool> {
        // A dry run rehearses the whole restoration: everything starts down (but what a preview
        // found healthy).
        Some(self.healthy.contains(&service))
    }

    async fn restore(&self, service: usize, _attempt: u32, _em: &Emitter) -> Result<(), Failure> {
        tokio::time::sleep(self.durations[service]).await;
        let failed_before = *self.failures.lock().expect("not poisoned").get(&service).unwrap_or(&0);
        let fails = match self.fail.get(&service) {
            Some(Injected::Always) => true,
            Some(Injected::Times(n)) => failed_before < *n,
            None => false,
        };
        if fails {
            *self.failures.lock().expect("not poisoned").entry(service).or_default() += 1;
            Err(Failure::new(FailKind::Simulated, "injected failure (--fail)"))
        } else {
            Ok(())
        }
    }

    async fn verify(&self, _service: usize, _em: &Emitter) -> Result<(), Failure> {
        Ok(())
    }

    /// A rehearsal's gates pass, each taking its `duration`.
    async fn gates(&self, service: usize, attempt: u32, em: &Emitter) -> Result<(), Failure> {
        for g in &em.plan.services[service].gates {
            tokio::time::sleep(g.duration).await;
            em.emit(crate::event::Event::VerifyStep {
                service: em.id(service),
                at: em.at(),
                attempt,
                name: g.name.clone(),
                ok: true,
                detail: "simulated, not run".into(),
                restore_point: None,
                took: Some(g.duration.into()),
            });
        }
        Ok(())
    }

    /// A rehearsal takes the sign-offs as given.
    /// A rehearsal takes the sign-offs as given, and says so (nobody is named).
    async fn approve(&self, service: usize, em: &Emitter) -> Result<(), Failure> {
        if em.plan.services[service].approval.is_some() {
            em.emit(crate::event::Event::Approved {
                service: em.id(service),
                at: em.at(),
                by: Vec::new(),
                signers: Vec::new(),
            });
        }
        Ok(())
    }

    /// A rehearsal's services stay up (the watch takes its time on the virtual clock), but for
    /// one that `--fall-back` makes fall back, once.
    async fn watch(&self, service: usize, until: tokio::time::Instant, em: &Emitter) -> Result<(), Failure> {
        let now = tokio::time::Instant::now();
        let falls = self.fall_back.get(&service).copied().filter(|after| now + *after < until);
        if let Some(after) = falls
            && self.fallen.lock().expect("not poisoned").insert(service)
        {
            em.sleep_unless_stopped(after).await;
            if !em.stopping() {
                return Err(Failure::new(FailKind::Simulated, "simulated by --fall-back"));
            }
            return Ok(());
        }
        em.sleep_unless_stopped(until.saturating_duration_since(now)).await;
        Ok(())
    }

    fn log(&self, _service: usize, _attempt: u32) -> Option<String> {
        None
    }

    fn kill_all(&self) -> Vec<(usize, u32)> {
        Vec::new()
    }
}
