//! The live demo's services: the hidden `demo-service` command, a small HTTP service the demo's
//! restore actions start, and `demo stop`, which ends every one of them.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::error::Error;
use crate::exit::Exit;

pub fn run(port: u16, detach: bool, warmup: f64, lifetime: f64) -> Result<Exit, Error> {
    if detach {
        return spawn_detached(port, warmup, lifetime);
    }
    super::runtime()?.block_on(async {
        tokio::time::sleep(Duration::from_secs_f64(warmup.max(0.0))).await;
        let Ok(listener) = tokio::net::TcpListener::bind(("127.0.0.1", port)).await else {
            return Err(Error::PortInUse(port));
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
        Ok(Exit::Ok)
    })
}

/// Starts the service in its own process group (it outlives the restore action that started it).
fn spawn_detached(port: u16, warmup: f64, lifetime: f64) -> Result<Exit, Error> {
    let exe = std::env::current_exe().map_err(Error::Demo)?;
    let mut cmd = std::process::Command::new(exe);
    cmd.args([
        "demo-service",
        "--port",
        &port.to_string(),
        "--warmup",
        &warmup.to_string(),
        "--lifetime",
        &lifetime.to_string(),
        "--demo",
    ]);
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    let child =
        cmd.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null()).spawn().map_err(Error::Demo)?;
    println!("demo service on 127.0.0.1:{port} (pid {})", child.id());
    Ok(Exit::Ok)
}

/// Ends every demo service of this machine: the processes running `restorectl demo-service` that
/// a restore action started with `--detach` (marked `--demo`).
pub fn stop() -> Result<Exit, Error> {
    let me = std::process::id();
    let mut stopped = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|p| p.parse::<u32>().ok()) else { continue };
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else { continue };
        let args: Vec<_> = cmdline.split(|&b| b == 0).map(String::from_utf8_lossy).collect();
        let ours = args.first().is_some_and(|p| p.rsplit('/').next() == Some("restorectl"))
            && args.get(1).is_some_and(|a| a == "demo-service")
            && args.iter().any(|a| a == "--demo");
        if ours && pid != me {
            // SAFETY: sending a signal to a process by its pid.
            if unsafe { libc::kill(pid as i32, libc::SIGTERM) } == 0 {
                stopped.push(pid);
            }
        }
    }
    match stopped.len() {
        0 => println!("no demo service is running"),
        n => println!("stopped {} (pids {})", crate::human::count(n, "demo service", "demo services"), {
            let pids: Vec<String> = stopped.iter().map(u32::to_string).collect();
            pids.join(", ")
        }),
    }
    Ok(Exit::Ok)
}
