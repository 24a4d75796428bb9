//! A real HTTP server on 127.0.0.1 for the tests: healthy, failing, slow and hanging endpoints, a
//! self-signed TLS endpoint, and a counter of requests per path.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;

type Hits = Arc<Mutex<HashMap<String, usize>>>;
type Posts = Arc<Mutex<Vec<(String, serde_json::Value)>>>;

pub struct TestServer {
    pub addr: SocketAddr,
    /// Accepts connections and never answers.
    pub hang_addr: SocketAddr,
    /// HTTPS with a self-signed certificate.
    pub tls_addr: SocketAddr,
    hits: Hits,
    posts: Posts,
    _runtime: tokio::runtime::Runtime,
}

impl TestServer {
    pub fn start() -> Self {
        let runtime =
            tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let hits: Hits = Arc::default();
        let posts: Posts = Arc::default();
        let (addr, hang_addr, tls_addr) = runtime.block_on(async {
            let hooks = Router::new()
                .route("/hook/{name}", axum::routing::post(hook))
                .with_state((hits.clone(), posts.clone()));
            let app = Router::new()
                .route("/ok", get(|| async { "ok" }))
                .route("/fail", get(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "broken") }))
                .route(
                    "/slow",
                    get(|| async {
                        tokio::time::sleep(Duration::from_secs(3)).await;
                        "ok"
                    }),
                )
                .route("/body", get(|| async { "hello world" }))
                .route("/huge", get(|| async { format!("{}needle", "x".repeat(5 * 1024 * 1024)) }))
                .route("/redirect", get(|| async { Redirect::temporary("/ok") }))
                .route("/loop", get(|| async { Redirect::temporary("/loop") }))
                .route(
                    "/secret",
                    get(|header: HeaderMap| async move {
                        let auth =
                            header.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or_default();
                        if auth == "Bearer s3cr3t-t0ken" {
                            (StatusCode::OK, "ok")
                        } else {
                            (StatusCode::UNAUTHORIZED, "no")
                        }
                    }),
                )
                .route("/health/{*rest}", get(count))
                .with_state(hits.clone())
                .merge(hooks);
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

            let hang = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let hang_addr = hang.local_addr().unwrap();
            tokio::spawn(async move {
                let mut held = Vec::new();
                while let Ok((sock, _)) = hang.accept().await {
                    held.push(sock);
                }
            });
            (addr, hang_addr, start_tls().await)
        });
        Self { addr, hang_addr, tls_addr, hits, posts, _runtime: runtime }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Bodies posted to `/hook/NAME` (and accepted), in order.
    pub fn posts(&self, name: &str) -> Vec<serde_json::Value> {
        let path = format!("/hook/{name}");
        self.posts.lock().unwrap().iter().filter(|(p, _)| *p == path).map(|(_, b)| b.clone()).collect()
    }

    pub fn hits(&self, path: &str) -> usize {
        self.hits.lock().unwrap().get(path).copied().unwrap_or(0)
    }
}

async fn count(State(hits): State<Hits>, Path(rest): Path<String>) -> impl IntoResponse {
    *hits.lock().unwrap().entry(format!("/health/{rest}")).or_default() += 1;
    "ok"
}

/// Records webhook posts. `/hook/flaky` answers 500 to its first two requests.
async fn hook(
    State((hits, posts)): State<(Hits, Posts)>,
    Path(name): Path<String>,
    headers: HeaderMap,
    axum::Json(mut body): axum::Json<serde_json::Value>,
) -> StatusCode {
    if let Some(key) = headers.get("idempotency-key").and_then(|v| v.to_str().ok()) {
        body["__idempotency_key"] = key.into();
    }
    let path = format!("/hook/{name}");
    let n = {
        let mut hits = hits.lock().unwrap();
        let n = hits.entry(path.clone()).or_default();
        *n += 1;
        *n
    };
    if name == "flaky" && n <= 2 {
        return StatusCode::INTERNAL_SERVER_ERROR;
    }
    posts.lock().unwrap().push((path, body));
    StatusCode::OK
}

/// A minimal HTTPS server with a self-signed certificate: answers every request with 200 "ok".
async fn start_tls() -> SocketAddr {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio_rustls::rustls;

    let cert = rcgen::generate_simple_self_signed(vec!["127.0.0.1".into(), "localhost".into()]).unwrap();
    let der = cert.cert.der().clone();
    let key = rustls::pki_types::PrivateKeyDer::try_from(cert.signing_key.serialize_der()).unwrap();
    let config =
        rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![der], key)
            .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(sock).await else { return };
                let mut buf = vec![0u8; 4096];
                let _ = tls.read(&mut buf).await;
                let _ = tls
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok")
                    .await;
                let _ = tls.shutdown().await;
            });
        }
    });
    addr
}
