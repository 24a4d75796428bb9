//! A tiny HTTP server for benchmarks and the live demo: answers 200 "ok" on every path.
//!
//! `cargo run --release --example http_server -- PORT` (0 picks a free port; the port is printed).

use axum::Router;

#[tokio::main]
async fn main() {
    let port: u16 = std::env::args().nth(1).and_then(|p| p.parse().ok()).unwrap_or(0);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.expect("bind 127.0.0.1");
    println!("{}", listener.local_addr().expect("local address").port());
    let app = Router::new().fallback(|| async { "ok" });
    axum::serve(listener, app).await.expect("serve");
}
