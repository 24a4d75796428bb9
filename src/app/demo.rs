//! The hidden `demo-service` command: a small HTTP service the live demo's restore actions start.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::exit::Exit;

pub fn run(port: u16, detach: bool, warmup: f64, lifetime: f64) -> Exit {
    if detach {
        return spawn_detached(port, warmup, lifetime);
    }
    super::runtime().block_on(async {
        tokio::time::sleep(Duration::from_secs_f64(warmup.max(0.0))).await;
        let Ok(listener) = tokio::net::TcpListener::bind(("127.0.0.1", port)).await else {
            eprintln!("error: port {port} is in use");
            return Exit::Failures;
        };
        let serve = async {
            while let Ok((mut sock, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let mut buf = [0u8; 1024];
                    let _ = sock.read(&mut buf).await;
                    let _ = sock
                        .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok")
                        .await;
                });
            }
        };
        tokio::select! {
            () = serve => {}
            () = tokio::time::sleep(Duration::from_secs_f64(lifetime.max(1.0))) => {}
        }
        Exit::Ok
    })
}

/// Starts the service in its own process group (it outlives the restore action that started it).
fn spawn_detached(port: u16, warmup: f64, lifetime: f64) -> Exit {
    let Ok(exe) = std::env::current_exe() else { return Exit::Failures };
    let mut cmd = std::process::Command::new(exe);
    cmd.args([
        "demo-service",
        "--port",
        &port.to_string(),
        "--warmup",
        &warmup.to_string(),
        "--lifetime",
        &lifetime.to_string(),
    ]);
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    match cmd.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null()).spawn() {
        Ok(child) => {
            println!("demo service on 127.0.0.1:{port} (pid {})", child.id());
            Exit::Ok
        }
        Err(e) => {
            eprintln!("error: cannot start the demo service: {e}");
            Exit::Failures
        }
    }
}
