//! TCP checks: a connection to `host:port` (names resolved; IPv4 and IPv6) is accepted.

use tokio::net::{TcpStream, lookup_host};

use super::unhealthy::Unhealthy;
use crate::plan::Text;
use crate::secrets::Secrets;

pub async fn probe(target: &Text, secrets: &Secrets) -> Result<String, Unhealthy> {
    let target = secrets.resolve(target)?;
    let addrs: Vec<_> = lookup_host(target.as_str())
        .await
        .map_err(|_| Unhealthy("host name does not resolve".to_owned()))?
        .collect();
    let mut last = format!("{target} resolves to no address");
    for addr in addrs {
        match TcpStream::connect(addr).await {
            Ok(_) => return Ok(format!("connected to {addr}")),
            Err(e) => last = format!("{addr}: {}", short_io(&e)),
        }
    }
    Err(Unhealthy(last))
}

fn short_io(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::ConnectionRefused => "connection refused".into(),
        std::io::ErrorKind::TimedOut => "connection timed out".into(),
        _ => e.to_string(),
    }
}
