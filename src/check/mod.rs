//! Health checks: one probe of one `[[service.check]]`, HTTP, TCP or command, always within its
//! timeout, reported as an outcome with latency and a short detail that is safe to print.

mod command;
pub mod gate;
mod http;
mod tcp;
mod unhealthy;

use std::time::{Duration, Instant};

use crate::human::human_duration;
use crate::plan::{Check, Probe};
use crate::secrets::Secrets;

/// The result of probing one check once.
#[derive(Debug, Clone)]
pub struct ProbeResult {
    pub ok: bool,
    pub latency: Duration,
    /// What happened, for people; secrets already redacted.
    pub detail: String,
    /// The check could not run at all (a command's program missing or not allowed to run): no
    /// wait will make it pass.
    pub cannot_run: bool,
}

/// Probes checks. Holds the HTTP clients so connections are reused across services.
#[derive(Clone)]
pub struct Prober {
    http: http::Clients,
    secrets: Secrets,
}

impl Prober {
    pub fn new(secrets: Secrets) -> Result<Self, reqwest::Error> {
        Ok(Self { http: http::Clients::new()?, secrets })
    }

    /// A prober with the same secrets and its own HTTP clients, for another runtime (pooled
    /// connections belong to the runtime that opened them).
    pub fn fresh(&self) -> Result<Self, reqwest::Error> {
        Ok(Self { http: http::Clients::new()?, secrets: self.secrets.clone() })
    }

    pub fn secrets(&self) -> &Secrets {
        &self.secrets
    }

    /// Runs one verify gate (TLS verified).
    pub async fn gate(&self, g: &crate::plan::Gate) -> gate::GateOutcome {
        gate::run(g, self.http.get(false), &self.secrets).await
    }

    /// Probes one check. The timeout is a hard deadline on everything (DNS, connect, TLS,
    /// headers, body, process).
    pub async fn probe(&self, check: &Check) -> ProbeResult {
        let start = Instant::now();
        let result = match &check.probe {
            Probe::Http(h) => self.within(check.timeout, http::probe(&self.http, h, &self.secrets)).await,
            Probe::Tcp { target } => self.within(check.timeout, tcp::probe(target, &self.secrets)).await,
            // A command gets its deadline inside, so its process group can be killed on time.
            Probe::Command(c) => match command::probe(c, check.timeout, &self.secrets).await {
                Err(command::Failed::CannotRun(detail)) => {
                    let detail = self.secrets.redact(&detail);
                    return ProbeResult { ok: false, latency: start.elapsed(), detail, cannot_run: true };
                }
                Err(command::Failed::Said(detail)) => Err(Unhealthy(detail)),
                Ok(detail) => Ok(detail),
            },
        };
        let latency = start.elapsed();
        let (ok, detail) = match result {
            Ok(detail) => (true, detail),
            Err(Unhealthy(detail)) => (false, detail),
        };
        ProbeResult { ok, latency, detail: self.secrets.redact(&detail), cannot_run: false }
    }

    async fn within(
        &self,
        timeout: Duration,
        probe: impl Future<Output = Result<String, Unhealthy>>,
    ) -> Result<String, Unhealthy> {
        tokio::time::timeout(timeout, probe)
            .await
            .unwrap_or_else(|_| Err(Unhealthy(format!("timed out after {}", human_duration(timeout)))))
    }
}

/// A short description of what a check probes, safe to print (placeholders as written).
pub fn target(check: &Check) -> String {
    match &check.probe {
        Probe::Http(h) => format!("{} {}", h.request.method, h.request.url.raw()),
        Probe::Tcp { target } => format!("tcp {}", target.raw()),
        Probe::Command(c) => {
            let argv: Vec<&str> = c.command.argv.iter().map(|a| a.raw()).collect();
            argv.join(" ")
        }
    }
}

pub fn kind(check: &Check) -> &'static str {
    match &check.probe {
        Probe::Http(_) => "http",
        Probe::Tcp { .. } => "tcp",
        Probe::Command(_) => "command",
    }
}

/// Every check of one service, probed in parallel.
#[derive(Debug, Clone)]
pub struct Health {
    /// `None` when the service has no checks: nobody can tell.
    pub healthy: Option<bool>,
    /// What each check found, in plan order.
    pub checks: Vec<ProbeResult>,
    /// The slowest check (they run side by side).
    pub latency: Duration,
}

impl Prober {
    pub async fn probe_all(&self, checks: &[Check]) -> Health {
        let outcomes = futures::future::join_all(checks.iter().map(|c| self.probe(c))).await;
        let healthy = (!outcomes.is_empty()).then(|| outcomes.iter().all(|o| o.ok));
        let latency = outcomes.iter().map(|o| o.latency).max().unwrap_or_default();
        Health { healthy, checks: outcomes, latency }
    }
}

pub use http::status_ok;
pub use unhealthy::Unhealthy;

/// Sends a plan's HTTP request (an `http` restore action) with TLS verified.
pub async fn send_request(
    prober: &Prober,
    req: &crate::plan::HttpRequest,
) -> Result<reqwest::Response, Unhealthy> {
    http::send(prober.http.get(false), req, &prober.secrets).await
}
