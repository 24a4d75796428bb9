//! One webhook's deliveries, in order, by their own task: a slow or failing endpoint delays no
//! other. Paced (at least `pace` between two posts); retried only when the answer says a retry
//! can succeed — 429 (after its `Retry-After`), 5xx, a network error — and refused for good on any
//! other 4xx, with the answer journaled and shown to the operators. Statuspage: the first update
//! creates the incident (carrying our incident's id in its metadata), whose id is journaled; every
//! later one updates it (`PATCH`). Before creating one, the page's incidents are looked up by that
//! id: a run killed while its create was in flight never opens a second.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::{Method, StatusCode};
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::log::{Log, Record};
use super::update::Delivery;
use crate::bus::notices;
use crate::event::Level;
use crate::plan::{Text, WebhookFormat};
use crate::secrets::Secrets;

/// Attempts per delivery in one run; what is left stays queued for the next.
const ATTEMPTS: u32 = 8;
const FIRST_BACKOFF: Duration = Duration::from_millis(500);
const MAX_BACKOFF: Duration = Duration::from_secs(60);
const TIMEOUT: Duration = Duration::from_secs(10);
/// How much of a refusal's answer is kept.
const BODY: usize = 2048;

/// Where one webhook's deliveries go, its secrets resolved.
pub struct Target {
    pub index: usize,
    /// "webhook 2 (statuspage, api.statuspage.io)", for people.
    pub name: String,
    pub format: WebhookFormat,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub pace: Duration,
}

impl Target {
    /// Resolves the URL's and headers' `${env:…}` references; `name` makes its name from the
    /// URL's host (redacted afterwards). `None` when a variable is missing.
    pub fn resolve(
        index: usize,
        name: impl FnOnce(&str) -> String,
        format: WebhookFormat,
        url: &Text,
        headers: &[(String, Text)],
        pace: Duration,
        secrets: &Secrets,
    ) -> Option<Self> {
        let url = secrets.resolve(url).ok()?;
        let headers = headers
            .iter()
            .map(|(name, value)| Some((name.clone(), secrets.resolve(value).ok()?)))
            .collect::<Option<Vec<_>>>()?;
        let host =
            url::Url::parse(&url).ok().and_then(|u| u.host_str().map(str::to_owned)).unwrap_or_default();
        let name = secrets.redact(&name(&host));
        Some(Self { index, name, format, url, headers, pace })
    }
}

/// How far a webhook's task has got: deliveries waiting or in flight, and when the last one
/// ended (delivered, refused, or given up for this run).
#[derive(Debug)]
pub struct Progress {
    pub pending: AtomicUsize,
    pub last: Mutex<std::time::Instant>,
}

impl Progress {
    pub fn new() -> Arc<Self> {
        Arc::new(Self { pending: AtomicUsize::new(0), last: Mutex::new(std::time::Instant::now()) })
    }

    /// One more delivery to make: the clock of `settled` starts again.
    pub fn queued(&self) {
        self.pending.fetch_add(1, Ordering::SeqCst);
        if let Ok(mut l) = self.last.lock() {
            *l = std::time::Instant::now();
        }
    }

    /// Nothing waits, or nothing was queued or has ended for `stall`: no point waiting longer.
    pub fn settled(&self, stall: Duration) -> bool {
        self.pending.load(Ordering::SeqCst) == 0 || self.last.lock().map_or(true, |l| l.elapsed() > stall)
    }
}

/// Waits until every one of these queues is settled (see [`Progress::settled`]).
pub async fn settle(progress: &[Arc<Progress>], stall: Duration) {
    while !progress.iter().all(|p| p.settled(stall)) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub async fn run(
    target: Target,
    mut rx: mpsc::UnboundedReceiver<Delivery>,
    log: Arc<Log>,
    mut incident: Option<String>,
    secrets: Secrets,
    progress: Arc<Progress>,
) {
    let client =
        reqwest::Client::builder().timeout(TIMEOUT).redirect(reqwest::redirect::Policy::none()).build();
    let Ok(client) = client else { return };
    let mut last: Option<Instant> = None;
    while let Some(d) = rx.recv().await {
        deliver(&target, &d, &client, &log, &mut incident, &mut last, &secrets).await;
        progress.pending.fetch_sub(1, Ordering::SeqCst);
        if let Ok(mut l) = progress.last.lock() {
            *l = std::time::Instant::now();
        }
    }
}

/// The Statuspage incident that carries our incident's id in its metadata, if the page has one.
async fn existing_incident(t: &Target, client: &reqwest::Client, ours: &str) -> Option<String> {
    let mut req = client.get(&t.url);
    for (name, value) in &t.headers {
        req = req.header(name, value);
    }
    let answer = req.send().await.ok()?.error_for_status().ok()?;
    let incidents: Vec<serde_json::Value> = answer.json().await.ok()?;
    incidents.iter().find(|i| i["metadata"]["restorectl"]["incident"] == ours).and_then(|i| match &i["id"] {
        serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

async fn deliver(
    t: &Target,
    d: &Delivery,
    client: &reqwest::Client,
    log: &Log,
    incident: &mut Option<String>,
    last: &mut Option<Instant>,
    secrets: &Secrets,
) {
    let mut backoff = FIRST_BACKOFF;
    for _ in 0..ATTEMPTS {
        if let Some(l) = *last {
            tokio::time::sleep_until(l + t.pace).await;
        }
        *last = Some(Instant::now());
        // Before opening an incident: one a run killed mid-request may have opened already.
        if t.format == WebhookFormat::Statuspage
            && incident.is_none()
            && let Some(id) = existing_incident(t, client, super::payload::incident_of(&d.key)).await
        {
            log.append(&Record::incident(t.index, &d.hook, id.clone()));
            *incident = Some(id);
        }
        let (method, url) = match (t.format, incident.as_deref()) {
            (WebhookFormat::Statuspage, Some(id)) => {
                (Method::PATCH, format!("{}/{id}", t.url.trim_end_matches('/')))
            }
            _ => (Method::POST, t.url.clone()),
        };
        // The same key on every attempt and after a resume: receivers can drop a repeat.
        let mut req = client.request(method.clone(), &url).json(&d.body).header("Idempotency-Key", &d.key);
        for (name, value) in &t.headers {
            req = req.header(name, value);
        }
        let wait = match req.send().await {
            Ok(r) if r.status().is_success() => {
                if t.format == WebhookFormat::Statuspage && incident.is_none() {
                    let answer = r.json::<serde_json::Value>().await.ok();
                    let id = answer.as_ref().map(|v| &v["id"]).and_then(|id| match id {
                        serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
                        serde_json::Value::Number(n) => Some(n.to_string()),
                        _ => None,
                    });
                    match id {
                        Some(id) => {
                            log.append(&Record::incident(t.index, &d.hook, id.clone()));
                            *incident = Some(id);
                        }
                        None => notices::say(
                            Level::Error,
                            format!(
                                "{} accepted update {} but its answer names no incident id: each later update will open a new incident",
                                t.name, d.key
                            ),
                        ),
                    }
                }
                log.append(&Record::delivered(d));
                return;
            }
            Ok(r) if r.status() == StatusCode::TOO_MANY_REQUESTS => retry_after(&r).unwrap_or(backoff),
            Ok(r) if r.status().is_server_error() => backoff,
            // The incident is gone (deleted on the page): the next attempt opens a new one.
            Ok(r) if r.status() == StatusCode::NOT_FOUND && method == Method::PATCH => {
                *incident = None;
                Duration::ZERO
            }
            // A redirect is not followed (it would lose the body, or take a secret header to
            // another host): the webhook's URL must be its final one.
            Ok(r) if r.status().is_redirection() => {
                let to =
                    r.headers().get(reqwest::header::LOCATION).and_then(|l| l.to_str().ok()).unwrap_or("?");
                let why = secrets.redact(&format!("redirected to {to}: give the webhook its final URL"));
                notices::say(
                    Level::Error,
                    format!("{} refused update {}: {}: {why}", t.name, d.key, r.status()),
                );
                log.append(&Record::refused(d, r.status().as_u16(), why));
                return;
            }
            Ok(r) => {
                let status = r.status();
                let body = secrets.redact(r.text().await.unwrap_or_default().trim());
                let body: String = body.chars().take(BODY).collect();
                notices::say(Level::Error, format!("{} refused update {}: {status}: {body}", t.name, d.key));
                log.append(&Record::refused(d, status.as_u16(), body));
                return;
            }
            // A request that cannot even be made (a header with a control character): no retry
            // will make it.
            Err(e) if e.is_builder() => {
                let why = secrets.redact(&format!("the request cannot be made: {e}"));
                notices::say(Level::Error, format!("{} refused update {}: {why}", t.name, d.key));
                log.append(&Record::refused(d, 0, why));
                return;
            }
            Err(_) => backoff,
        };
        tokio::time::sleep(wait).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

/// How long a 429 answer asks to wait: `Retry-After` in seconds or as an HTTP date.
fn retry_after(r: &reqwest::Response) -> Option<Duration> {
    let value = r.headers().get(reqwest::header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs).min(MAX_BACKOFF));
    }
    let when = jiff::fmt::rfc2822::parse(value).ok()?.timestamp();
    let secs = when.duration_since(jiff::Timestamp::now()).as_secs_f64().max(0.0);
    Some(Duration::from_secs_f64(secs).min(MAX_BACKOFF))
}
