//! `canyu loadtest` as the drop benchmark (`bench/drop.sh`) uses it: refused on an instance
//! not marked as a test instance; fans with working API tokens; a wave open for orders.
#![allow(clippy::unwrap_used)] // a test that unwraps fails with the error as its message

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn canyu(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_canyu"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("CANYU_DATABASE_URL")
        .env_remove("CANYU_STOCK_ENGINE")
        .output()
        .expect("run canyu")
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("canyu-cli-loadtest-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// A bare HTTP/1.1 request; returns the status code and the body.
fn http(port: u16, request: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = response.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    (status, body)
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn fixtures_are_refused_until_init_then_fans_get_working_tokens_and_a_wave_opens() {
    let dir = temp_dir("fans");
    let tokens = dir.join("tokens.txt");
    let tokens_arg = tokens.to_str().unwrap();

    let help = canyu(&dir, &["loadtest", "--help"]);
    assert!(help.status.success(), "{}", text(&help));
    assert!(text(&help).contains("canyu loadtest init"), "{}", text(&help));

    // Not a test instance: refused, nothing written.
    let refused = canyu(&dir, &["loadtest", "fans", "--count", "5", "--out", tokens_arg]);
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
    assert!(text(&refused).contains("not marked as a test instance"), "{}", text(&refused));
    assert!(!tokens.exists());
    let refused = canyu(&dir, &["loadtest", "wave", "--product", "lt-phone", "--quantity", "10"]);
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));

    let init = canyu(&dir, &["loadtest", "init"]);
    assert!(init.status.success(), "{}", text(&init));
    assert!(String::from_utf8_lossy(&init.stderr).contains("warning"), "{}", text(&init));

    let fans = canyu(&dir, &["loadtest", "fans", "--count", "50", "--out", tokens_arg]);
    assert!(fans.status.success(), "{}", text(&fans));
    assert!(text(&fans).contains("created 50 fans"), "{}", text(&fans));
    let lines: Vec<String> = std::fs::read_to_string(&tokens).unwrap().lines().map(str::to_string).collect();
    assert_eq!(lines.len(), 50);
    assert!(lines.iter().all(|t| t.starts_with("cy_") && t.len() > 40));
    let distinct: std::collections::HashSet<&String> = lines.iter().collect();
    assert_eq!(distinct.len(), 50);
    // A second run continues the numbering instead of colliding.
    let more =
        canyu(&dir, &["loadtest", "fans", "--count", "3", "--out", dir.join("more.txt").to_str().unwrap()]);
    assert!(more.status.success(), "{}", text(&more));
    assert!(text(&more).contains("lt_000051"), "{}", text(&more));

    let wave = canyu(
        &dir,
        &[
            "loadtest",
            "wave",
            "--product",
            "lt-phone",
            "--quantity",
            "10",
            "--per-fan-limit",
            "1",
            "--starts-in",
            "0",
            "--minutes",
            "5",
        ],
    );
    assert!(wave.status.success(), "{}", text(&wave));
    let wave_id: i64 = String::from_utf8_lossy(&wave.stdout).trim().parse().expect("the wave id alone");
    // The product exists now: a second wave reuses it.
    let again = canyu(&dir, &["loadtest", "wave", "--product", "lt-phone", "--quantity", "5"]);
    assert!(again.status.success(), "{}", text(&again));
    assert!(text(&again).trim().parse::<i64>().unwrap() > wave_id);

    // Serve the instance: a token signs its fan in, and the fan can order in the wave.
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let server = serve(&dir, port);
    let (status, body) = http(
        port,
        &format!(
            "GET /api/v1/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nConnection: close\r\n\r\n",
            lines[6]
        ),
    );
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("lt_000007"), "{body}");
    let (status, body) = http(
        port,
        &format!(
            "POST /api/v1/waves/{wave_id}/orders HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\
             Idempotency-Key: cli-test-1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            lines[6]
        ),
    );
    assert_eq!(status, 201, "{body}");

    // Stopped with SIGTERM right after the order, the server writes the token's last use
    // (held back while orders arrive) before it exits.
    let mut server = server;
    let term = Command::new("kill").args(["-TERM", &server.0.id().to_string()]).status().expect("kill");
    assert!(term.success());
    let stopping = Instant::now();
    while server.0.try_wait().expect("wait").is_none() {
        assert!(stopping.elapsed() < Duration::from_secs(30), "server did not stop");
        std::thread::sleep(Duration::from_millis(50));
    }
    let server = serve(&dir, port);
    let (status, body) = http(
        port,
        &format!(
            "GET /api/v1/me/tokens HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nConnection: close\r\n\r\n",
            lines[6]
        ),
    );
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"last_used_at\":\"20"), "the use was recorded: {body}");
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

fn serve(dir: &Path, port: u16) -> Server {
    let server = Server(
        Command::new(env!("CARGO_BIN_EXE_canyu"))
            .arg("--data-dir")
            .arg(dir)
            .args(["--listen", &format!("127.0.0.1:{port}"), "serve"])
            .env_remove("CANYU_DATABASE_URL")
            .env_remove("CANYU_STOCK_ENGINE")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("serve"),
    );
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(started.elapsed() < Duration::from_secs(30), "server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    server
}
