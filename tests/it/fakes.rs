//! Fakes of the services updates are published to, on 127.0.0.1, behaving like the real ones:
//! a Statuspage API that keeps incidents (created by POST, updated by PATCH, `OAuth` key
//! required) and can answer 429 with `Retry-After`; a Slack-like hook; a rate-limited hook (429
//! twice, then accepted), one that refuses (401), and one that drops the connection after
//! reading the request (twice, then accepts).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{patch, post};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A Statuspage incident as the fake keeps it.
#[derive(Debug, Clone)]
pub struct Incident {
    pub id: String,
    /// The `incident` object of the creating POST, then of each PATCH.
    pub updates: Vec<serde_json::Value>,
}

#[derive(Default)]
struct Book {
    incidents: Vec<Incident>,
    /// Bodies accepted per hook name, with their `Idempotency-Key`.
    posts: HashMap<String, Vec<(String, serde_json::Value)>>,
    /// Requests per hook name, accepted or not.
    hits: HashMap<String, usize>,
    /// Answer every Statuspage request with 429 while set.
    statuspage_limited: bool,
}

type Shared = Arc<Mutex<Book>>;

pub struct Fakes {
    pub addr: SocketAddr,
    /// Reads each request, then closes the connection without answering, twice; then answers 200.
    pub drop_addr: SocketAddr,
    book: Shared,
    _runtime: tokio::runtime::Runtime,
}

pub const STATUSPAGE_KEY: &str = "sp-k3y-0123456789";

impl Fakes {
    pub fn start() -> Self {
        let runtime =
            tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let book: Shared = Arc::default();
        let (addr, drop_addr) = runtime.block_on(async {
            let app = Router::new()
                .route("/v1/pages/{page}/incidents", post(create).get(list))
                .route("/v1/pages/{page}/incidents/{id}", patch(update))
                .route("/hook/{name}", post(hook))
                .with_state(book.clone());
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
            let dropper = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let drop_addr = dropper.local_addr().unwrap();
            let book2 = book.clone();
            tokio::spawn(async move {
                let mut n = 0;
                while let Ok((mut sock, _)) = dropper.accept().await {
                    n += 1;
                    let body = read_request(&mut sock).await;
                    *book2.lock().unwrap().hits.entry("drop".into()).or_default() += 1;
                    if n <= 2 {
                        drop(sock);
                        continue;
                    }
                    if let Ok(v) = serde_json::from_slice(&body) {
                        book2
                            .lock()
                            .unwrap()
                            .posts
                            .entry("drop".into())
                            .or_default()
                            .push((String::new(), v));
                    }
                    let _ = sock
                        .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok")
                        .await;
                }
            });
            (addr, drop_addr)
        });
        Self { addr, drop_addr, book, _runtime: runtime }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn incidents(&self) -> Vec<Incident> {
        self.book.lock().unwrap().incidents.clone()
    }

    /// The bodies hook `name` accepted, with their `Idempotency-Key`s.
    pub fn posts(&self, name: &str) -> Vec<(String, serde_json::Value)> {
        self.book.lock().unwrap().posts.get(name).cloned().unwrap_or_default()
    }

    pub fn hits(&self, name: &str) -> usize {
        self.book.lock().unwrap().hits.get(name).copied().unwrap_or(0)
    }

    pub fn limit_statuspage(&self, on: bool) {
        self.book.lock().unwrap().statuspage_limited = on;
    }
}

/// Reads one HTTP request (headers and a `content-length` body); returns the body.
async fn read_request(sock: &mut tokio::net::TcpStream) -> Vec<u8> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let Ok(n) = sock.read(&mut chunk).await else { return Vec::new() };
        if n == 0 {
            return Vec::new();
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:").map(|v| v.trim().parse().unwrap_or(0)))
                .unwrap_or(0);
            while buf.len() < end + 4 + len {
                let Ok(n) = sock.read(&mut chunk).await else { break };
                if n == 0 {
                    break;
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            return buf[end + 4..].to_vec();
        }
    }
}

fn authorized(headers: &HeaderMap) -> bool {
    headers.get("authorization").and_then(|v| v.to_str().ok()) == Some(&format!("OAuth {STATUSPAGE_KEY}"))
}

fn limited() -> axum::response::Response {
    (StatusCode::TOO_MANY_REQUESTS, [("retry-after", "1")], "rate limited").into_response()
}

/// What Statuspage answers before looking at the request: 429 while limited, 401 without the key.
fn gate(book: &mut Book, headers: &HeaderMap) -> Option<axum::response::Response> {
    *book.hits.entry("statuspage".into()).or_default() += 1;
    if book.statuspage_limited {
        return Some(limited());
    }
    (!authorized(headers)).then(|| (StatusCode::UNAUTHORIZED, "invalid api key").into_response())
}

/// Creates an incident. On the page `slow` the answer comes a second after the incident is kept: a
/// client killed meanwhile never learns its id.
async fn create(
    State(book): State<Shared>,
    Path(page): Path<String>,
    headers: HeaderMap,
    axum::Json(body): axum::Json<serde_json::Value>,
) -> axum::response::Response {
    let id = {
        let mut book = book.lock().unwrap();
        if let Some(refused) = gate(&mut book, &headers) {
            return refused;
        }
        let id = format!("inc{}", book.incidents.len() + 1);
        book.incidents.push(Incident { id: id.clone(), updates: vec![body["incident"].clone()] });
        id
    };
    if page == "slow" {
        tokio::time::sleep(std::time::Duration::from_millis(1000)).await;
    }
    (StatusCode::CREATED, axum::Json(serde_json::json!({ "id": id }))).into_response()
}

/// The page's incidents, as Statuspage lists them: each with its id, name and metadata.
async fn list(State(book): State<Shared>, headers: HeaderMap) -> axum::response::Response {
    let mut book = book.lock().unwrap();
    if let Some(refused) = gate(&mut book, &headers) {
        return refused;
    }
    let listed: Vec<serde_json::Value> = book
        .incidents
        .iter()
        .map(|i| serde_json::json!({ "id": i.id, "name": i.updates[0]["name"], "metadata": i.updates[0]["metadata"] }))
        .collect();
    axum::Json(listed).into_response()
}

async fn update(
    State(book): State<Shared>,
    Path((_page, id)): Path<(String, String)>,
    headers: HeaderMap,
    axum::Json(body): axum::Json<serde_json::Value>,
) -> axum::response::Response {
    let mut book = book.lock().unwrap();
    if let Some(refused) = gate(&mut book, &headers) {
        return refused;
    }
    match book.incidents.iter_mut().find(|i| i.id == id) {
        Some(incident) => {
            incident.updates.push(body["incident"].clone());
            (StatusCode::OK, axum::Json(serde_json::json!({ "id": id }))).into_response()
        }
        None => (StatusCode::NOT_FOUND, "no such incident").into_response(),
    }
}

/// `/hook/limited`: 429 (`Retry-After: 1`) twice, then accepted; `/hook/denied`: 401 always;
/// `/hook/moved`: 302 to elsewhere; `/hook/slow`: accepted after a second; any other name:
/// accepted.
async fn hook(
    State(book): State<Shared>,
    Path(name): Path<String>,
    headers: HeaderMap,
    axum::Json(body): axum::Json<serde_json::Value>,
) -> axum::response::Response {
    if name == "slow" {
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
    let mut book = book.lock().unwrap();
    let n = {
        let n = book.hits.entry(name.clone()).or_default();
        *n += 1;
        *n
    };
    match name.as_str() {
        "limited" if n <= 2 => return limited(),
        "denied" => return (StatusCode::UNAUTHORIZED, "invalid token").into_response(),
        "moved" => {
            return (StatusCode::FOUND, [("location", "http://127.0.0.1:9/elsewhere")], "").into_response();
        }
        _ => {}
    }
    let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    book.posts.entry(name).or_default().push((key, body));
    StatusCode::OK.into_response()
}
