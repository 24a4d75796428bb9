//! HTTP checks: reqwest with rustls, TLS verified unless `insecure_tls`, redirects followed up to a
//! limit, the body read up to a cap, then status, body and latency compared with the plan.

use std::time::Instant;

use reqwest::{Client, Method, redirect};

use super::unhealthy::Unhealthy;
use crate::human::human_duration;
use crate::plan::{HttpProbe, HttpRequest};
use crate::secrets::Secrets;

/// A check never reads more of a body than this.
pub const BODY_CAP: usize = 1024 * 1024;
const MAX_REDIRECTS: usize = 5;

/// One client that verifies certificates and one that does not (`insecure_tls = true`).
#[derive(Clone)]
pub struct Clients {
    verified: Client,
    insecure: Client,
}

impl Clients {
    pub fn new() -> Result<Self, reqwest::Error> {
        let build = |insecure: bool| {
            Client::builder()
                .redirect(redirect::Policy::limited(MAX_REDIRECTS))
                .tls_danger_accept_invalid_certs(insecure)
                .pool_max_idle_per_host(256)
                .user_agent(concat!("restorectl/", env!("CARGO_PKG_VERSION")))
                .build()
        };
        Ok(Self { verified: build(false)?, insecure: build(true)? })
    }

    pub fn get(&self, insecure: bool) -> &Client {
        if insecure { &self.insecure } else { &self.verified }
    }
}

/// Sends a request built from the plan; shared by checks and `http` restore actions.
pub async fn send(
    client: &Client,
    req: &HttpRequest,
    secrets: &Secrets,
) -> Result<reqwest::Response, Unhealthy> {
    let url = secrets.resolve(&req.url)?;
    let method = Method::from_bytes(req.method.as_bytes()).map_err(|e| Unhealthy(e.to_string()))?;
    let mut builder = client.request(method, &url);
    for (name, value) in &req.headers {
        builder = builder.header(name, secrets.resolve(value)?);
    }
    if let Some(body) = &req.body {
        builder = builder.body(secrets.resolve(body)?);
    }
    builder.send().await.map_err(|e| Unhealthy(describe(&e)))
}

/// Whether `status` is what the plan expects (any 2xx when it names none).
pub fn status_ok(expect: &[u16], status: u16) -> bool {
    if expect.is_empty() { (200..300).contains(&status) } else { expect.contains(&status) }
}

pub async fn probe(clients: &Clients, h: &HttpProbe, secrets: &Secrets) -> Result<String, Unhealthy> {
    let start = Instant::now();
    let mut response = send(clients.get(h.insecure_tls), &h.request, secrets).await?;
    let status = response.status().as_u16();
    let mut body = Vec::new();
    while body.len() < BODY_CAP {
        match response.chunk().await {
            Ok(Some(chunk)) => body.extend_from_slice(&chunk[..chunk.len().min(BODY_CAP - body.len())]),
            Ok(None) => break,
            Err(e) => return Err(Unhealthy(format!("HTTP {status}, body unreadable: {}", describe(&e)))),
        }
    }
    let latency = start.elapsed();
    if !status_ok(&h.request.expect_status, status) {
        let expected = if h.request.expect_status.is_empty() {
            "2xx".to_owned()
        } else {
            h.request.expect_status.iter().map(u16::to_string).collect::<Vec<_>>().join(" or ")
        };
        return Err(Unhealthy(format!("HTTP {status} (expected {expected})")));
    }
    let text = String::from_utf8_lossy(&body);
    if let Some(want) = &h.body_contains {
        let want = secrets.resolve(want)?;
        if !text.contains(&want) {
            return Err(Unhealthy(format!("HTTP {status}, but the body does not contain `{want}`")));
        }
    }
    if let Some(re) = &h.body_regex
        && !re.is_match(&text)
    {
        return Err(Unhealthy(format!("HTTP {status}, but the body does not match `{re}`")));
    }
    if let Some(max) = h.max_latency
        && latency > max
    {
        return Err(Unhealthy(format!(
            "HTTP {status} in {}, slower than {}",
            human_duration(latency),
            human_duration(max)
        )));
    }
    Ok(format!("HTTP {status}"))
}

/// A short reason for a failed request: refused, TLS, DNS, too many redirects.
fn describe(e: &reqwest::Error) -> String {
    let chain = error_chain(e);
    if e.is_redirect() {
        return format!("more than {MAX_REDIRECTS} redirects");
    }
    if chain.contains("certificate") || chain.contains("UnknownIssuer") {
        return "TLS certificate not trusted (for a self-signed endpoint set `insecure_tls = true`)".into();
    }
    if chain.contains("Connection refused") {
        return "connection refused".into();
    }
    if chain.contains("dns error") || chain.contains("failed to lookup") {
        return "host name does not resolve".into();
    }
    // reqwest's top line repeats the URL; the causes say what went wrong.
    chain.split_once(": ").map_or(chain.clone(), |(_, rest)| rest.to_owned())
}

/// The most useful line of an error and its causes (reqwest nests the real reason deep).
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}
