//! Email delivery against a real SMTP server process on loopback: `tests/smtp_sink.py`, run with
//! `python3` (aiosmtpd, or the standard library's smtpd on Python ≤ 3.11). When neither is
//! available the tests that need it print "skipping: …" and pass; `scripts/services.sh`
//! installs aiosmtpd.
#![allow(clippy::unwrap_used)] // a test that unwraps fails with the error as its message

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use canyu_notify::{DeliveryError, Mailer, Message, SmtpConfig, SmtpSecurity};
use serde_json::{Value, json};

struct Sink {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port nobody listens on right now (the OS picked it, and the listener is closed again).
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

fn start_sink() -> Option<Sink> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/smtp_sink.py");
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let child = match Command::new("python3")
        .arg(&script)
        .arg(port.to_string())
        .arg(dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(e) => {
            println!("skipping: cannot run python3 for the SMTP sink: {e}");
            return None;
        }
    };
    let mut sink = Sink { child, port, dir };
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Some(sink);
        }
        if let Some(status) = sink.child.try_wait().unwrap() {
            let mut stderr = String::new();
            if let Some(mut pipe) = sink.child.stderr.take() {
                use std::io::Read;
                let _ = pipe.read_to_string(&mut stderr);
            }
            if status.code() == Some(3) {
                println!("skipping: {}", stderr.trim());
                return None;
            }
            panic!("the SMTP sink exited with {status}: {stderr}");
        }
        assert!(Instant::now() < deadline, "the SMTP sink did not listen on port {port} within 20 s");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn config(port: u16) -> SmtpConfig {
    SmtpConfig {
        host: "127.0.0.1".into(),
        port,
        security: SmtpSecurity::None,
        username: None,
        password: None,
        from: "canyu 通知 <noreply@canyu.example>".into(),
        timeout: Duration::from_secs(10),
    }
}

fn message() -> Message {
    Message {
        event_id: "evt-42:fan-7".into(),
        kind: "post.merged".into(),
        subject: "你的建议「SU7 续航显示」已被采纳 🎉".into(),
        text: "感谢你的反馈！<script>alert('x')</script>\n工程团队已经合并。\n\n下个版本见。".into(),
        link: Some("https://canyu.example/products/xiaomi-su7/posts/42".into()),
        unsubscribe_url: Some("https://canyu.example/unsubscribe?token=abc123".into()),
        data: json!({"post": 42}),
    }
}

/// The sink's decoded view of every message received so far, in order of arrival.
fn received(dir: &Path, expected: usize) -> Vec<(Value, Vec<u8>)> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let found: Vec<PathBuf> = (1..=expected).map(|n| dir.join(format!("{n}.json"))).collect();
        if found.iter().all(|p| p.exists()) {
            return found
                .iter()
                .map(|p| {
                    let info: Value = serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap();
                    let raw = std::fs::read(p.with_extension("eml")).unwrap();
                    (info, raw)
                })
                .collect();
        }
        assert!(Instant::now() < deadline, "expected {expected} messages in {}", dir.display());
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A decoded body part, with line breaks as `\n` (on the wire text parts use CRLF).
fn part(info: &Value, content_type: &str) -> String {
    info["parts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["content_type"] == content_type)
        .and_then(|p| p["content"].as_str())
        .unwrap_or_else(|| panic!("no {content_type} part in {info}"))
        .replace("\r\n", "\n")
}

#[tokio::test]
async fn delivers_a_chinese_notification_with_headers_and_both_parts() {
    let Some(sink) = start_sink() else { return };
    let mailer = Mailer::new(&config(sink.port)).unwrap();
    let msg = message();
    mailer.send("小米粉丝 <fan@example.com>", &msg).await.unwrap();
    // The same event again (a retry after a lost reply), over the pooled connection.
    mailer.send("fan@example.com", &msg).await.unwrap();

    let messages = received(sink.dir.path(), 2);
    let (info, raw) = &messages[0];
    assert_eq!(info["mail_from"], "noreply@canyu.example");
    assert_eq!(info["rcpt_tos"], json!(["fan@example.com"]));
    assert_eq!(info["content_type"], "multipart/alternative");
    let headers = &info["headers"];
    assert_eq!(headers["subject"], "你的建议「SU7 续航显示」已被采纳 🎉");
    assert_eq!(headers["from"], "canyu 通知 <noreply@canyu.example>");
    assert_eq!(headers["to"], "小米粉丝 <fan@example.com>");
    assert_eq!(headers["message-id"], "<evt-42=3Afan-7@canyu>");
    assert_eq!(headers["list-unsubscribe"], "<https://canyu.example/unsubscribe?token=abc123>");
    assert_eq!(headers["list-unsubscribe-post"], "List-Unsubscribe=One-Click");
    assert_eq!(headers["auto-submitted"], "auto-generated");
    assert!(headers["date"].as_str().is_some_and(|d| !d.is_empty()));

    // On the wire the subject is an RFC 2047 encoded word, not raw UTF-8.
    let raw = String::from_utf8_lossy(raw);
    let subject_line = raw.lines().find(|l| l.starts_with("Subject:")).unwrap();
    assert!(subject_line.is_ascii() && subject_line.contains("=?utf-8?"), "{subject_line}");

    let text = part(info, "text/plain");
    assert!(text.contains("感谢你的反馈！<script>alert('x')</script>\n工程团队已经合并。"), "{text}");
    assert!(text.contains("https://canyu.example/products/xiaomi-su7/posts/42"), "{text}");
    assert!(text.contains("退订 / Unsubscribe: https://canyu.example/unsubscribe?token=abc123"), "{text}");

    let html = part(info, "text/html");
    assert!(!html.contains("<script"), "{html}");
    assert!(html.contains("感谢你的反馈！&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;<br>"), "{html}");
    assert!(
        html.contains(
            "<a href=\"https://canyu.example/products/xiaomi-su7/posts/42\">https://canyu.example/products/xiaomi-su7/posts/42</a>"
        ),
        "{html}"
    );
    assert!(
        html.contains("<a href=\"https://canyu.example/unsubscribe?token=abc123\">退订 / Unsubscribe</a>")
    );

    // The retry carries the same Message-ID, so the receiving side can tell it is a duplicate.
    let (second, _) = &messages[1];
    assert_eq!(second["headers"]["message-id"], headers["message-id"]);
    assert_eq!(second["headers"]["to"], "fan@example.com");
}

#[tokio::test]
async fn without_unsubscribe_url_there_are_no_list_headers() {
    let Some(sink) = start_sink() else { return };
    let mailer = Mailer::new(&config(sink.port)).unwrap();
    let msg = Message { unsubscribe_url: None, link: None, ..message() };
    mailer.send("fan@example.com", &msg).await.unwrap();
    let messages = received(sink.dir.path(), 1);
    let headers = messages[0].0["headers"].as_object().unwrap();
    assert!(!headers.contains_key("list-unsubscribe"));
    assert!(!headers.contains_key("list-unsubscribe-post"));
    assert!(!part(&messages[0].0, "text/plain").contains("Unsubscribe"));
}

#[tokio::test]
async fn smtp_5xx_is_permanent_and_4xx_transient() {
    let Some(sink) = start_sink() else { return };
    let mailer = Mailer::new(&config(sink.port)).unwrap();
    let err = mailer.send("reject550@example.com", &message()).await.unwrap_err();
    assert!(matches!(&err, DeliveryError::Permanent(m) if m.contains("550")), "{err:?}");
    let err = mailer.send("defer451@example.com", &message()).await.unwrap_err();
    assert!(matches!(&err, DeliveryError::Transient(m) if m.contains("451")), "{err:?}");
    // The connection is still good for the next message.
    mailer.send("fan@example.com", &message()).await.unwrap();
    assert_eq!(received(sink.dir.path(), 1).len(), 1);
}

#[tokio::test]
async fn server_not_listening_is_transient() {
    let mut cfg = config(free_port());
    cfg.timeout = Duration::from_secs(3);
    let mailer = Mailer::new(&cfg).unwrap();
    let err = mailer.send("fan@example.com", &message()).await.unwrap_err();
    assert!(err.is_transient(), "{err:?}");
}

#[tokio::test]
async fn invalid_recipient_is_permanent_without_connecting() {
    let mailer = Mailer::new(&config(free_port())).unwrap();
    let err = mailer.send("no-at-sign", &message()).await.unwrap_err();
    assert!(matches!(err, DeliveryError::Permanent(_)), "{err:?}");
}
