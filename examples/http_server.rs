//! A tiny HTTP server for benchmarks: answers 200 "ok" on every path.
//!
//! `cargo run --release --example http_server -- PORT [--fail-first]` (0 picks a free port; the port
//! is printed). With `--fail-first`, the first request to each path gets 503: the service is "down"
//! until something has probed it once (so a benchmark's restore is really needed).

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::http::{StatusCode, Uri};

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let port: u16 = args.first().and_then(|p| p.parse().ok()).unwrap_or(0);
    let fail_first = args.iter().any(|a| a == "--fail-first");
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.expect("bind 127.0.0.1");
    println!("{}", listener.local_addr().expect("local address").port());
    let seen: Arc<Mutex<HashSet<String>>> = Arc::default();
    let app = Router::new().fallback(move |uri: Uri| {
        let seen = seen.clone();
        async move {
            let first = seen.lock().expect("not poisoned").insert(uri.path().to_owned());
            if fail_first && first {
                (StatusCode::SERVICE_UNAVAILABLE, "down")
            } else {
                (StatusCode::OK, "ok")
            }
        }
    });
    axum::serve(listener, app).await.expect("serve");
}
