//! Webhook delivery against a real HTTP server (axum) on loopback that records each request and
//! answers as a test tells it to. Signatures are recomputed here from the vendors' documented
//! schemes rather than with the crate's own helpers.
#![allow(clippy::unwrap_used)] // a test that unwraps fails with the error as its message

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use canyu_notify::{
    AddressPolicy, DeliveryError, Message, WebhookClient, WebhookFormat, WebhookTarget, WebhookUrl,
    verify_generic_signature,
};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

const NOW: i64 = 1_760_000_000;

#[derive(Debug, Clone)]
struct Recorded {
    method: String,
    path: String,
    query: Option<String>,
    headers: HeaderMap,
    body: Bytes,
}

impl Recorded {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }
}

#[derive(Clone)]
struct Reply {
    status: u16,
    body: String,
    delay: Duration,
    headers: Vec<(&'static str, &'static str)>,
}

#[derive(Default)]
struct Shared {
    requests: Mutex<Vec<Recorded>>,
    replies: Mutex<HashMap<String, Reply>>,
}

struct Server {
    base: String,
    shared: Arc<Shared>,
}

impl Server {
    async fn start() -> Server {
        let shared = Arc::new(Shared::default());
        let app = Router::new().fallback(record).with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Server { base, shared }
    }

    /// Makes requests to `path` answer with `status` and `body` (200 with an empty body when
    /// nothing was set).
    fn reply(&self, path: &str, status: u16, body: &str) {
        self.reply_with(path, Reply { status, body: body.into(), delay: Duration::ZERO, headers: vec![] });
    }

    fn reply_with(&self, path: &str, reply: Reply) {
        self.shared.replies.lock().unwrap().insert(path.to_owned(), reply);
    }

    fn target(&self, path_and_query: &str, format: WebhookFormat, secret: Option<&str>) -> WebhookTarget {
        WebhookTarget {
            url: WebhookUrl::parse(&format!("{}{path_and_query}", self.base)).unwrap(),
            format,
            secret: secret.map(str::to_owned),
        }
    }

    fn requests_to(&self, path: &str) -> Vec<Recorded> {
        self.shared.requests.lock().unwrap().iter().filter(|r| r.path == path).cloned().collect()
    }

    fn only_request_to(&self, path: &str) -> Recorded {
        let mut requests = self.requests_to(path);
        assert_eq!(requests.len(), 1, "requests to {path}: {requests:?}");
        requests.remove(0)
    }
}

async fn record(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, 1 << 20).await.unwrap();
    let path = parts.uri.path().to_owned();
    shared.requests.lock().unwrap().push(Recorded {
        method: parts.method.to_string(),
        path: path.clone(),
        query: parts.uri.query().map(str::to_owned),
        headers: parts.headers,
        body,
    });
    let reply = shared.replies.lock().unwrap().get(&path).cloned();
    let Some(reply) = reply else { return StatusCode::OK.into_response() };
    tokio::time::sleep(reply.delay).await;
    let mut response = (StatusCode::from_u16(reply.status).unwrap(), reply.body).into_response();
    for (name, value) in reply.headers {
        response.headers_mut().insert(name, value.parse().unwrap());
    }
    response
}

/// The receivers here listen on loopback, which a production client refuses (see
/// `private_addresses_are_refused_unless_allowed`).
fn client() -> WebhookClient {
    WebhookClient::new(Duration::from_secs(5), AddressPolicy::AllowPrivate).unwrap()
}

fn message() -> Message {
    Message {
        event_id: "evt-1001:user-7".into(),
        kind: "post.merged".into(),
        subject: "「SU7 续航显示」已合并".into(),
        text: "感谢你的建议！\n\n**工程团队**已经合并，下个版本见。".into(),
        link: Some("https://canyu.example/products/xiaomi-su7/posts/42".into()),
        unsubscribe_url: Some("https://canyu.example/unsubscribe?t=x".into()),
        data: json!({"post_id": 42, "product": "xiaomi-su7", "status": "merged"}),
    }
}

fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

fn assert_transient(result: Result<(), DeliveryError>) -> String {
    match result {
        Err(DeliveryError::Transient(m)) => m,
        other => panic!("expected a transient failure, got {other:?}"),
    }
}

fn assert_permanent(result: Result<(), DeliveryError>) -> String {
    match result {
        Err(DeliveryError::Permanent(m)) => m,
        other => panic!("expected a permanent failure, got {other:?}"),
    }
}

#[tokio::test]
async fn generic_signed_request_has_the_documented_shape() {
    let server = Server::start().await;
    server.reply("/hooks/generic", 204, "");
    let target = server.target("/hooks/generic", WebhookFormat::Generic, Some("s3cret-key"));
    client().send(&target, &message(), NOW).await.unwrap();

    let request = server.only_request_to("/hooks/generic");
    assert_eq!(request.method, "POST");
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_eq!(request.header("user-agent"), Some(concat!("canyu/", env!("CARGO_PKG_VERSION"))));
    assert_eq!(request.header("x-canyu-event-id"), Some("evt-1001:user-7"));
    assert_eq!(request.header("x-canyu-timestamp"), Some("1760000000"));
    assert_eq!(
        request.json(),
        json!({
            "id": "evt-1001:user-7",
            "kind": "post.merged",
            "subject": "「SU7 续航显示」已合并",
            "text": "感谢你的建议！\n\n**工程团队**已经合并，下个版本见。",
            "link": "https://canyu.example/products/xiaomi-su7/posts/42",
            "data": {"post_id": 42, "product": "xiaomi-su7", "status": "merged"},
        })
    );

    // HMAC-SHA256(secret, "<timestamp>.<body>") over the bytes as received.
    let mut signed = b"1760000000.".to_vec();
    signed.extend_from_slice(&request.body);
    let expected = format!("sha256={}", hex::encode(hmac_sha256(b"s3cret-key", &signed)));
    let signature = request.header("x-canyu-signature").unwrap();
    assert_eq!(signature, expected);

    assert!(verify_generic_signature("s3cret-key", "1760000000", &request.body, signature));
    assert!(!verify_generic_signature("s3cret-key", "1760000001", &request.body, signature));
    assert!(!verify_generic_signature("wrong-key", "1760000000", &request.body, signature));
    let mut tampered = request.body.to_vec();
    let at = tampered.iter().position(|b| *b == b'4').unwrap();
    tampered[at] = b'5';
    assert!(!verify_generic_signature("s3cret-key", "1760000000", &tampered, signature));
}

#[tokio::test]
async fn generic_without_secret_is_unsigned_and_link_may_be_null() {
    let server = Server::start().await;
    let target = server.target("/hooks/plain", WebhookFormat::Generic, None);
    let msg = Message { link: None, data: json!(null), ..message() };
    client().send(&target, &msg, NOW).await.unwrap();
    let request = server.only_request_to("/hooks/plain");
    assert_eq!(request.header("x-canyu-signature"), None);
    assert_eq!(request.header("x-canyu-event-id"), Some("evt-1001:user-7"));
    let body = request.json();
    assert_eq!(body["link"], Value::Null);
    assert_eq!(body["data"], Value::Null);
}

#[tokio::test]
async fn generic_status_codes_map_to_retry_decisions() {
    let server = Server::start().await;
    let client = client();
    for (status, transient) in [
        (500, true),
        (502, true),
        (503, true),
        (408, true),
        (429, true),
        (400, false),
        (401, false),
        (404, false),
        (410, false),
    ] {
        let path = format!("/status/{status}");
        server.reply(&path, status, "upstream said no");
        let result = client.send(&server.target(&path, WebhookFormat::Generic, None), &message(), NOW).await;
        let text = if transient { assert_transient(result) } else { assert_permanent(result) };
        assert!(text.contains(&status.to_string()) && text.contains("upstream said no"), "{text}");
    }
    for status in [200, 201, 202, 204] {
        let path = format!("/status/{status}");
        server.reply(&path, status, "");
        client.send(&server.target(&path, WebhookFormat::Generic, None), &message(), NOW).await.unwrap();
    }
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let server = Server::start().await;
    server.reply_with(
        "/moved",
        Reply {
            status: 302,
            body: String::new(),
            delay: Duration::ZERO,
            headers: vec![("location", "/elsewhere")],
        },
    );
    let result = client().send(&server.target("/moved", WebhookFormat::Generic, None), &message(), NOW).await;
    assert_permanent(result);
    assert!(server.requests_to("/elsewhere").is_empty());
}

#[tokio::test]
async fn feishu_signed_text_message() {
    let server = Server::start().await;
    let path = "/open-apis/bot/v2/hook/0f1e2d3c";
    server.reply(path, 200, r#"{"code":0,"data":{},"msg":"success"}"#);
    let target = server.target(path, WebhookFormat::Feishu, Some("feishu-secret"));
    client().send(&target, &message(), NOW).await.unwrap();

    let request = server.only_request_to(path);
    assert_eq!(request.header("content-type"), Some("application/json"));
    // Feishu: key = "<timestamp>\n<secret>", message empty, base64 of the digest.
    let sign = BASE64.encode(hmac_sha256(b"1760000000\nfeishu-secret", b""));
    assert_eq!(
        request.json(),
        json!({
            "msg_type": "text",
            "content": {"text": "「SU7 续航显示」已合并\n\n感谢你的建议！\n\n**工程团队**已经合并，下个版本见。\n\nhttps://canyu.example/products/xiaomi-su7/posts/42"},
            "timestamp": "1760000000",
            "sign": sign,
        })
    );
}

#[tokio::test]
async fn feishu_unsigned_and_legacy_answer() {
    let server = Server::start().await;
    let path = "/open-apis/bot/v2/hook/legacy";
    server.reply(path, 200, r#"{"Extra":null,"StatusCode":0,"StatusMessage":"success"}"#);
    client().send(&server.target(path, WebhookFormat::Feishu, None), &message(), NOW).await.unwrap();
    let body = server.only_request_to(path).json();
    assert!(body.get("sign").is_none() && body.get("timestamp").is_none(), "{body}");
}

#[tokio::test]
async fn feishu_error_codes() {
    let server = Server::start().await;
    let client = client();
    let cases = [
        (
            "/feishu/sign",
            200,
            r#"{"code":19021,"data":{},"msg":"sign match fail or timestamp is not within one hour from current time"}"#,
            false,
        ),
        ("/feishu/keyword", 200, r#"{"code":19024,"data":{},"msg":"Key Words Not Found"}"#, false),
        ("/feishu/limited", 200, r#"{"code":11232,"data":{},"msg":"frequency limited psm"}"#, true),
        ("/feishu/too-many", 400, r#"{"code":9499,"data":{},"msg":"too many request"}"#, true),
        ("/feishu/html", 200, "<html>login</html>", false),
    ];
    for (path, status, body, transient) in cases {
        server.reply(path, status, body);
        let result =
            client.send(&server.target(path, WebhookFormat::Feishu, Some("k")), &message(), NOW).await;
        let text = if transient { assert_transient(result) } else { assert_permanent(result) };
        assert!(text.contains("feishu"), "{text}");
    }
}

#[tokio::test]
async fn dingtalk_signed_markdown_message() {
    let server = Server::start().await;
    server.reply("/robot/send", 200, r#"{"errcode":0,"errmsg":"ok"}"#);
    let target = server.target("/robot/send?access_token=tok123", WebhookFormat::DingTalk, Some("SECabc+/="));
    client().send(&target, &message(), NOW).await.unwrap();

    let request = server.only_request_to("/robot/send");
    let query = request.query.clone().unwrap();
    let pairs: HashMap<String, String> = url::form_urlencoded::parse(query.as_bytes()).into_owned().collect();
    assert_eq!(pairs["access_token"], "tok123");
    assert_eq!(pairs["timestamp"], "1760000000000");
    // DingTalk: key = secret, message = "<millis>\n<secret>", base64, then URL-encoded.
    let sign = BASE64.encode(hmac_sha256(b"SECabc+/=", b"1760000000000\nSECabc+/="));
    assert_eq!(pairs["sign"], sign);
    assert!(query.starts_with("access_token=tok123&timestamp=1760000000000&sign="), "{query}");
    let raw_sign = query.rsplit("sign=").next().unwrap();
    assert!(!raw_sign.contains(['+', '/', '=']), "sign must be URL-encoded: {raw_sign}");

    assert_eq!(
        request.json(),
        json!({
            "msgtype": "markdown",
            "markdown": {
                "title": "「SU7 续航显示」已合并",
                "text": "### 「SU7 续航显示」已合并\n\n感谢你的建议！\n\n**工程团队**已经合并，下个版本见。\n\n[https://canyu.example/products/xiaomi-su7/posts/42](https://canyu.example/products/xiaomi-su7/posts/42)",
            },
        })
    );
}

#[tokio::test]
async fn dingtalk_error_codes() {
    let server = Server::start().await;
    let client = client();
    let cases = [
        ("/ding/fast", r#"{"errcode":130101,"errmsg":"send too fast, exceed 20 times per minute"}"#, true),
        ("/ding/sign", r#"{"errcode":310000,"errmsg":"sign not match"}"#, false),
        ("/ding/token", r#"{"errcode":300001,"errmsg":"token is not exist"}"#, false),
    ];
    for (path, body, transient) in cases {
        server.reply(path, 200, body);
        let result = client.send(&server.target(path, WebhookFormat::DingTalk, None), &message(), NOW).await;
        let text = if transient { assert_transient(result) } else { assert_permanent(result) };
        assert!(text.contains("dingtalk"), "{text}");
    }
    let request = server.only_request_to("/ding/sign");
    assert_eq!(request.query, None, "no secret, so nothing is appended");
}

#[tokio::test]
async fn wecom_markdown_message_and_error_codes() {
    let server = Server::start().await;
    let client = client();
    server.reply("/cgi-bin/webhook/send", 200, r#"{"errcode":0,"errmsg":"ok"}"#);
    // WeCom has no signing: a configured secret must not change the request.
    let target = server.target("/cgi-bin/webhook/send?key=k-1", WebhookFormat::WeCom, Some("ignored"));
    client.send(&target, &message(), NOW).await.unwrap();
    let request = server.only_request_to("/cgi-bin/webhook/send");
    assert_eq!(request.query.as_deref(), Some("key=k-1"));
    assert_eq!(
        request.json(),
        json!({
            "msgtype": "markdown",
            "markdown": {
                "content": "### 「SU7 续航显示」已合并\n\n感谢你的建议！\n\n**工程团队**已经合并，下个版本见。\n\n[https://canyu.example/products/xiaomi-su7/posts/42](https://canyu.example/products/xiaomi-su7/posts/42)",
            },
        })
    );

    let cases = [
        ("/wecom/freq", r#"{"errcode":45009,"errmsg":"api freq out of limit"}"#, true),
        ("/wecom/key", r#"{"errcode":93000,"errmsg":"invalid webhook url"}"#, false),
        ("/wecom/size", r#"{"errcode":40058,"errmsg":"markdown.content exceed max length 4096"}"#, false),
    ];
    for (path, body, transient) in cases {
        server.reply(path, 200, body);
        let result = client.send(&server.target(path, WebhookFormat::WeCom, None), &message(), NOW).await;
        let text = if transient { assert_transient(result) } else { assert_permanent(result) };
        assert!(text.contains("wecom"), "{text}");
    }
}

#[tokio::test]
async fn robot_http_errors_follow_the_status() {
    let server = Server::start().await;
    let client = client();
    server.reply("/r/500", 500, "oops");
    server.reply("/r/400", 400, "bad");
    for format in [WebhookFormat::Feishu, WebhookFormat::DingTalk, WebhookFormat::WeCom] {
        assert_transient(client.send(&server.target("/r/500", format, None), &message(), NOW).await);
        assert_permanent(client.send(&server.target("/r/400", format, None), &message(), NOW).await);
    }
}

#[tokio::test]
async fn connection_refused_is_transient() {
    // Bind to learn a free port, then close it so that nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let target = WebhookTarget {
        url: WebhookUrl::parse(&format!("http://127.0.0.1:{port}/hook")).unwrap(),
        format: WebhookFormat::Generic,
        secret: None,
    };
    let text = assert_transient(client().send(&target, &message(), NOW).await);
    assert!(text.to_lowercase().contains("connect"), "{text}");
}

#[tokio::test]
async fn slow_receiver_times_out_as_transient() {
    let server = Server::start().await;
    server.reply_with(
        "/slow",
        Reply { status: 200, body: String::new(), delay: Duration::from_secs(3), headers: vec![] },
    );
    let client = WebhookClient::new(Duration::from_millis(300), AddressPolicy::AllowPrivate).unwrap();
    let started = Instant::now();
    let text = assert_transient(
        client.send(&server.target("/slow", WebhookFormat::Generic, None), &message(), NOW).await,
    );
    assert!(started.elapsed() < Duration::from_secs(2), "took {:?}", started.elapsed());
    assert!(text.contains("timed out"), "{text}");
}

#[tokio::test]
async fn error_messages_do_not_leak_the_url_token() {
    let server = Server::start().await;
    server.reply("/cgi-bin/webhook/send", 503, "busy");
    let target = server.target("/cgi-bin/webhook/send?key=TOPSECRETKEY", WebhookFormat::WeCom, None);
    let text = assert_transient(client().send(&target, &message(), NOW).await);
    assert!(!text.contains("TOPSECRETKEY"), "{text}");

    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let target = WebhookTarget {
        url: WebhookUrl::parse(&format!("http://127.0.0.1:{port}/hook?key=TOPSECRETKEY")).unwrap(),
        format: WebhookFormat::WeCom,
        secret: None,
    };
    let text = assert_transient(client().send(&target, &message(), NOW).await);
    assert!(!text.contains("TOPSECRETKEY"), "{text}");
}

/// By default webhooks reach public addresses only: a loopback literal, `localhost`, and a
/// host name that resolves to loopback are refused before anything is sent; the operator's
/// setting lets them through.
#[tokio::test]
async fn private_addresses_are_refused_unless_allowed() {
    let server = Server::start().await;
    let public_only = WebhookClient::new(Duration::from_secs(5), AddressPolicy::PublicOnly).unwrap();
    let port = server.base.rsplit(':').next().unwrap().to_owned();
    let at = |host: &str| WebhookTarget {
        url: WebhookUrl::parse(&format!("http://{host}:{port}/internal")).unwrap(),
        format: WebhookFormat::Generic,
        secret: None,
    };
    for host in ["127.0.0.1", "localhost", "[::ffff:127.0.0.1]"] {
        let text = assert_permanent(public_only.send(&at(host), &message(), NOW).await);
        assert!(text.contains("public addresses only"), "{host}: {text}");
    }
    // A name that is not `localhost` but resolves to loopback (from /etc/hosts, e.g. this
    // machine's own name): refused at resolution, so DNS cannot smuggle a private address in.
    let mut names = vec!["ip6-localhost".to_string(), "ip6-loopback".to_string()];
    if let Ok(name) = std::fs::read_to_string("/etc/hostname") {
        names.insert(0, name.trim().to_string());
    }
    let mut checked = None;
    for name in names.into_iter().filter(|n| !n.is_empty() && !n.contains("localhost")) {
        let resolved: Vec<_> = match tokio::net::lookup_host((name.as_str(), 0)).await {
            Ok(addrs) => addrs.collect(),
            Err(_) => continue,
        };
        if resolved.is_empty() || resolved.iter().any(|a| canyu_notify::is_public_address(a.ip())) {
            continue;
        }
        let result = public_only.send(&at(&name), &message(), NOW).await;
        assert!(result.is_err(), "{name} resolves to {resolved:?} and must be refused");
        checked = Some(name);
        break;
    }
    match checked {
        Some(name) => println!("refused {name}, which resolves to a private address"),
        None => println!("skipped the resolver check: no local name resolves to a private address only"),
    }
    assert!(server.requests_to("/internal").is_empty(), "nothing reached the receiver");

    let allowed = client();
    assert!(allowed.send(&at("127.0.0.1"), &message(), NOW).await.is_ok());
    assert_eq!(server.requests_to("/internal").len(), 1);
}
