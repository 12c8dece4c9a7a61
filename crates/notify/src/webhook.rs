//! Webhook delivery: the generic signed JSON format and the Feishu/Lark, DingTalk and WeCom
//! group robots.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, HeaderValue};
use serde::Serialize;
use serde_json::json;
use sha2::Sha256;

use crate::address::{AddressPolicy, PublicOnlyResolver};
use crate::{ConfigError, DeliveryError, Message, error_chain, http_link, one_line, truncate_bytes};

type HmacSha256 = Hmac<Sha256>;

/// How the body of a webhook request is shaped, and how its answer is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WebhookFormat {
    /// canyu's own signed JSON, documented in the crate docs.
    Generic,
    /// Feishu / Lark custom bot (`open.feishu.cn/open-apis/bot/v2/hook/…`).
    Feishu,
    /// DingTalk custom robot (`oapi.dingtalk.com/robot/send?access_token=…`).
    DingTalk,
    /// WeCom (企业微信) group robot (`qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…`). WeCom has
    /// no signing scheme, so a target's secret is ignored: the key in the URL is the secret.
    WeCom,
}

impl WebhookFormat {
    pub const ALL: [WebhookFormat; 4] =
        [WebhookFormat::Generic, WebhookFormat::Feishu, WebhookFormat::DingTalk, WebhookFormat::WeCom];

    pub fn as_str(self) -> &'static str {
        match self {
            WebhookFormat::Generic => "generic",
            WebhookFormat::Feishu => "feishu",
            WebhookFormat::DingTalk => "dingtalk",
            WebhookFormat::WeCom => "wecom",
        }
    }
}

impl fmt::Display for WebhookFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The name is not one of `generic`, `feishu`, `dingtalk`, `wecom`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown webhook format {0:?} (expected generic, feishu, dingtalk or wecom)")]
pub struct UnknownWebhookFormat(pub String);

impl FromStr for WebhookFormat {
    type Err = UnknownWebhookFormat;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        WebhookFormat::ALL
            .into_iter()
            .find(|format| format.as_str() == s)
            .ok_or_else(|| UnknownWebhookFormat(s.to_owned()))
    }
}

/// Longest URL accepted; also a sane bound for a column that stores it.
pub const MAX_WEBHOOK_URL_LEN: usize = 2048;

/// An absolute `http://` or `https://` URL with a host and no userinfo, at most
/// [`MAX_WEBHOOK_URL_LEN`] bytes. [`as_str`](Self::as_str) gives the normalised form that
/// requests go to.
///
/// `Debug` shows only scheme, host and port: robot URLs carry their access token in the path
/// or query, and `Debug` output ends up in logs.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct WebhookUrl(url::Url);

/// Why a webhook URL was refused; the message is meant for the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidWebhookUrl {
    #[error("the URL is empty")]
    Empty,
    #[error("the URL is longer than {MAX_WEBHOOK_URL_LEN} characters")]
    TooLong,
    #[error("not an absolute URL: {0}")]
    Malformed(String),
    #[error("the URL must start with http:// or https://, not {0}:")]
    Scheme(String),
    #[error("the URL has no host")]
    NoHost,
    #[error("the URL must not contain a user name or password (user@host)")]
    UserInfo,
}

impl WebhookUrl {
    pub fn parse(raw: &str) -> Result<WebhookUrl, InvalidWebhookUrl> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(InvalidWebhookUrl::Empty);
        }
        if raw.len() > MAX_WEBHOOK_URL_LEN {
            return Err(InvalidWebhookUrl::TooLong);
        }
        let url = url::Url::parse(raw).map_err(|e| InvalidWebhookUrl::Malformed(e.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(InvalidWebhookUrl::Scheme(url.scheme().to_owned()));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(InvalidWebhookUrl::NoHost);
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(InvalidWebhookUrl::UserInfo);
        }
        // Normalisation (IDNA, percent-encoding) can lengthen the URL past what was checked.
        if url.as_str().len() > MAX_WEBHOOK_URL_LEN {
            return Err(InvalidWebhookUrl::TooLong);
        }
        Ok(WebhookUrl(url))
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// Whether the host, as written, is the local machine or network: a non-public IP
    /// literal or `localhost`. Host names are checked again when resolved, at send time.
    pub fn is_private_host(&self) -> bool {
        self.0.host().is_some_and(crate::address::is_private_host)
    }

    /// `scheme://host[:port]/…`, safe to log.
    pub fn redacted(&self) -> String {
        let port = self.0.port().map(|p| format!(":{p}")).unwrap_or_default();
        format!("{}://{}{port}/…", self.0.scheme(), self.0.host_str().unwrap_or_default())
    }
}

impl fmt::Debug for WebhookUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("WebhookUrl").field(&self.redacted()).finish()
    }
}

impl FromStr for WebhookUrl {
    type Err = InvalidWebhookUrl;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        WebhookUrl::parse(s)
    }
}

/// Where one webhook subscription delivers.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookTarget {
    pub url: WebhookUrl,
    pub format: WebhookFormat,
    /// Signing secret: HMAC key for the generic format, the robot's 加签 secret for Feishu and
    /// DingTalk, unused for WeCom.
    pub secret: Option<String>,
}

impl fmt::Debug for WebhookTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookTarget")
            .field("url", &self.url)
            .field("format", &self.format)
            .field("secret", &self.secret.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// Sends webhook requests; build one and share it, since it holds the connection pool.
#[derive(Debug, Clone)]
pub struct WebhookClient {
    http: reqwest::Client,
    policy: AddressPolicy,
}

/// Robots answer with small JSON objects; anything beyond this is not worth holding in memory.
const MAX_RESPONSE_BYTES: usize = 64 * 1024;

/// Feishu and DingTalk refuse request bodies over about 20 KB; the margin leaves room for the
/// JSON wrapping, the subject and the link.
const ROBOT_TEXT_MAX_BYTES: usize = 16 * 1024;
/// WeCom's documented limit for a markdown message's `content`.
const WECOM_CONTENT_MAX_BYTES: usize = 4096;

impl WebhookClient {
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

    /// `timeout` bounds a whole attempt: connecting, sending and reading the answer. With
    /// [`AddressPolicy::PublicOnly`] (the default) requests go to public addresses only.
    pub fn new(timeout: Duration, policy: AddressPolicy) -> Result<WebhookClient, ConfigError> {
        let mut builder = reqwest::Client::builder();
        if policy == AddressPolicy::PublicOnly {
            builder = builder.dns_resolver(std::sync::Arc::new(PublicOnlyResolver));
        }
        let http = builder
            .timeout(timeout)
            .connect_timeout(timeout)
            .user_agent(concat!("canyu/", env!("CARGO_PKG_VERSION")))
            // A redirect would re-send a signed POST to an address nobody configured, possibly
            // an internal one; receivers are expected to answer at the URL they gave.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| ConfigError::Http(error_chain(&e)))?;
        Ok(WebhookClient { http, policy })
    }

    /// One delivery attempt. `now_unix_secs` stamps and signs the request (robots reject
    /// signatures more than an hour old, so it must be the current time).
    pub async fn send(
        &self,
        target: &WebhookTarget,
        msg: &Message,
        now_unix_secs: i64,
    ) -> Result<(), DeliveryError> {
        // IP literals never reach the resolver: checked here, as the URL says them.
        if self.policy == AddressPolicy::PublicOnly && target.url.is_private_host() {
            return Err(DeliveryError::Permanent(format!(
                "{} is a private, loopback or link-local address; webhooks are sent to public addresses only",
                target.url.redacted()
            )));
        }
        let request = build_request(target, msg, now_unix_secs)?;
        let mut builder = self
            .http
            .post(request.url)
            .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
            .body(request.body);
        for (name, value) in request.headers {
            builder = builder.header(name, value);
        }
        let result = match builder.send().await {
            Ok(response) => read_outcome(target.format, response).await,
            Err(e) => Err(request_error(e)),
        };
        match &result {
            Ok(()) => tracing::debug!(
                url = %target.url.redacted(), format = %target.format, event_id = %msg.event_id,
                "webhook delivered"
            ),
            Err(e) => tracing::debug!(
                url = %target.url.redacted(), format = %target.format, event_id = %msg.event_id,
                error = %e, "webhook delivery failed"
            ),
        }
        result
    }
}

/// Checks an `X-Canyu-Signature` header (`sha256=<hex>`) against the `X-Canyu-Timestamp` value
/// and the raw body, in constant time. Returns false for a malformed header. It does not look
/// at the timestamp's age: the receiver compares it with its own clock.
pub fn verify_generic_signature(secret: &str, timestamp: &str, body: &[u8], signature_header: &str) -> bool {
    let Some(hex_digest) = signature_header.trim().strip_prefix("sha256=") else {
        return false;
    };
    let Ok(expected) = hex::decode(hex_digest) else {
        return false;
    };
    generic_mac(secret, timestamp, body).is_ok_and(|mac| mac.verify_slice(&expected).is_ok())
}

fn generic_mac(secret: &str, timestamp: &str, body: &[u8]) -> Result<HmacSha256, DeliveryError> {
    let mut mac = new_mac(secret.as_bytes())?;
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    Ok(mac)
}

fn hmac_sha256(key: &[u8], message: &[u8]) -> Result<Vec<u8>, DeliveryError> {
    let mut mac = new_mac(key)?;
    mac.update(message);
    Ok(mac.finalize().into_bytes().to_vec())
}

// HMAC accepts keys of any length, so the error branch is never taken; it is mapped rather than
// unwrapped so that no delivery path can panic.
fn new_mac(key: &[u8]) -> Result<HmacSha256, DeliveryError> {
    HmacSha256::new_from_slice(key).map_err(|e| DeliveryError::Permanent(format!("cannot sign: {e}")))
}

struct Request {
    url: url::Url,
    body: Vec<u8>,
    headers: Vec<(&'static str, String)>,
}

#[derive(Serialize)]
struct GenericBody<'a> {
    id: &'a str,
    kind: &'a str,
    subject: &'a str,
    text: &'a str,
    link: Option<&'a str>,
    data: &'a serde_json::Value,
}

fn build_request(target: &WebhookTarget, msg: &Message, now: i64) -> Result<Request, DeliveryError> {
    let mut url = target.url.0.clone();
    let secret = target.secret.as_deref().filter(|s| !s.is_empty());
    let mut headers = Vec::new();
    let body = match target.format {
        WebhookFormat::Generic => {
            let body = to_json(&GenericBody {
                id: &msg.event_id,
                kind: &msg.kind,
                subject: &msg.subject,
                text: &msg.text,
                link: msg.link.as_deref(),
                data: &msg.data,
            })?;
            let timestamp = now.to_string();
            if let Some(secret) = secret {
                let digest = generic_mac(secret, &timestamp, &body)?.finalize().into_bytes();
                headers.push(("x-canyu-signature", format!("sha256={}", hex::encode(digest))));
            }
            headers.push(("x-canyu-event-id", header_safe(&msg.event_id)));
            headers.push(("x-canyu-timestamp", timestamp));
            body
        }
        WebhookFormat::Feishu => {
            let mut body = json!({
                "msg_type": "text",
                "content": { "text": plain_text(msg) },
            });
            if let Some(secret) = secret {
                // Feishu's scheme keys the HMAC with "timestamp\nsecret" and signs nothing.
                let timestamp = now.to_string();
                let sign = BASE64.encode(hmac_sha256(format!("{timestamp}\n{secret}").as_bytes(), b"")?);
                body["timestamp"] = json!(timestamp);
                body["sign"] = json!(sign);
            }
            to_json(&body)?
        }
        WebhookFormat::DingTalk => {
            if let Some(secret) = secret {
                let millis = now.saturating_mul(1000).to_string();
                let sign =
                    BASE64.encode(hmac_sha256(secret.as_bytes(), format!("{millis}\n{secret}").as_bytes())?);
                // Form-encoding turns the base64 '+', '/' and '=' into %2B, %2F and %3D, which
                // is the URL encoding DingTalk expects.
                url.query_pairs_mut().append_pair("timestamp", &millis).append_pair("sign", &sign);
            }
            to_json(&json!({
                "msgtype": "markdown",
                "markdown": { "title": one_line(&msg.subject), "text": markdown(msg, ROBOT_TEXT_MAX_BYTES) },
            }))?
        }
        WebhookFormat::WeCom => to_json(&json!({
            "msgtype": "markdown",
            "markdown": { "content": markdown(msg, WECOM_CONTENT_MAX_BYTES) },
        }))?,
    };
    Ok(Request { url, body, headers })
}

fn to_json(value: &impl Serialize) -> Result<Vec<u8>, DeliveryError> {
    serde_json::to_vec(value).map_err(|e| DeliveryError::Permanent(format!("cannot encode the payload: {e}")))
}

/// Header values must be visible ASCII; anything else is percent-encoded (and so is '%', which
/// keeps the mapping one-to-one). The body carries the id unchanged.
fn header_safe(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_graphic() && b != b'%' {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Feishu's text message: subject, body and link as plain text.
fn plain_text(msg: &Message) -> String {
    let head = one_line(&msg.subject);
    let link = msg.link.as_deref().and_then(http_link).map(|u| format!("\n\n{u}")).unwrap_or_default();
    let room = ROBOT_TEXT_MAX_BYTES.saturating_sub(head.len() + link.len() + 2);
    format!("{head}\n\n{}{link}", truncate_bytes(msg.text.trim(), room))
}

/// DingTalk and WeCom markdown: a heading, the body (already Markdown, or plain text, which
/// reads the same) and a link, within `max` bytes.
fn markdown(msg: &Message, max: usize) -> String {
    let head = format!("### {}", truncate_bytes(&one_line(&msg.subject), 512));
    let link = msg
        .link
        .as_deref()
        .and_then(http_link)
        .map(|u| {
            let target = markdown_link_target(u.as_str());
            format!("\n\n[{target}]({target})")
        })
        .unwrap_or_default();
    let room = max.saturating_sub(head.len() + link.len() + 2);
    let out = format!("{head}\n\n{}{link}", truncate_bytes(msg.text.trim(), room));
    // Only a pathological subject or link can still be too long; cutting the end then is better
    // than a rejected message.
    truncate_bytes(&out, max)
}

/// Brackets and parentheses would end a Markdown link early.
fn markdown_link_target(url: &str) -> String {
    url.replace('(', "%28").replace(')', "%29").replace('[', "%5B").replace(']', "%5D")
}

async fn read_outcome(format: WebhookFormat, response: reqwest::Response) -> Result<(), DeliveryError> {
    let status = response.status();
    if format == WebhookFormat::Generic && status.is_success() {
        return Ok(());
    }
    let body = match read_capped(response).await {
        Ok(body) => body,
        Err(e) if status.is_success() => {
            return Err(DeliveryError::Transient(format!(
                "HTTP {status}, reading the answer failed: {}",
                error_chain(&e.without_url())
            )));
        }
        // The status alone decides; the body would only have enriched the message.
        Err(_) => Vec::new(),
    };
    match format {
        WebhookFormat::Generic => Err(status_error(status, &body)),
        robot => robot_outcome(robot, status, &body),
    }
}

async fn read_capped(mut response: reqwest::Response) -> Result<Vec<u8>, reqwest::Error> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        let room = MAX_RESPONSE_BYTES - body.len();
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if body.len() >= MAX_RESPONSE_BYTES {
            break;
        }
    }
    Ok(body)
}

fn status_error(status: StatusCode, body: &[u8]) -> DeliveryError {
    let message = format!("HTTP {status}{}", excerpt(body));
    if status.is_server_error()
        || status == StatusCode::REQUEST_TIMEOUT
        || status == StatusCode::TOO_MANY_REQUESTS
    {
        DeliveryError::Transient(message)
    } else {
        DeliveryError::Permanent(message)
    }
}

fn excerpt(body: &[u8]) -> String {
    let text = one_line(String::from_utf8_lossy(body).trim());
    if text.is_empty() { String::new() } else { format!(": {}", truncate_bytes(&text, 300)) }
}

/// A robot's verdict: `(code, message)` from its JSON answer, if it has one.
fn robot_code(format: WebhookFormat, body: &[u8]) -> Option<(i64, String)> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let (code_keys, msg_keys): (&[&str], &[&str]) = match format {
        // Older Feishu deployments answer {"StatusCode":0,"StatusMessage":"success"}.
        WebhookFormat::Feishu => (&["code", "StatusCode"], &["msg", "StatusMessage"]),
        _ => (&["errcode"], &["errmsg"]),
    };
    let code = code_keys.iter().find_map(|k| value.get(*k)?.as_i64())?;
    let message = msg_keys.iter().find_map(|k| value.get(*k)?.as_str()).unwrap_or_default();
    Some((code, message.to_owned()))
}

/// Codes meaning "too many messages / busy right now": the same message will go through later.
fn robot_code_is_transient(format: WebhookFormat, code: i64) -> bool {
    match format {
        // 9499: too many requests; 11232: frequency limited.
        WebhookFormat::Feishu => matches!(code, 9499 | 11232),
        // 130101: sending too fast; -1: system busy.
        WebhookFormat::DingTalk => matches!(code, 130101 | -1),
        // 45009: API frequency limit; -1: system busy.
        WebhookFormat::WeCom => matches!(code, 45009 | -1),
        WebhookFormat::Generic => false,
    }
}

fn robot_outcome(format: WebhookFormat, status: StatusCode, body: &[u8]) -> Result<(), DeliveryError> {
    let verdict = robot_code(format, body);
    match verdict {
        Some((0, _)) if status.is_success() => Ok(()),
        Some((code, message)) if code != 0 => {
            let text = format!("{format} robot answered code {code} ({message}) with HTTP {status}");
            if robot_code_is_transient(format, code) {
                Err(DeliveryError::Transient(text))
            } else if !status.is_success() {
                match status_error(status, &[]) {
                    DeliveryError::Transient(_) => Err(DeliveryError::Transient(text)),
                    DeliveryError::Permanent(_) => Err(DeliveryError::Permanent(text)),
                }
            } else {
                Err(DeliveryError::Permanent(text))
            }
        }
        _ if !status.is_success() => Err(status_error(status, body)),
        // A 2xx without the robot's JSON usually means the URL points at something that is not
        // the robot (a login page, a proxy); retrying will not change that.
        _ => Err(DeliveryError::Permanent(format!(
            "{format} robot answered HTTP {status} without a result code{}",
            excerpt(body)
        ))),
    }
}

fn request_error(e: reqwest::Error) -> DeliveryError {
    let permanent = e.is_builder();
    let text = if e.is_timeout() {
        format!("timed out: {}", error_chain(&e.without_url()))
    } else {
        error_chain(&e.without_url())
    };
    if permanent { DeliveryError::Permanent(text) } else { DeliveryError::Transient(text) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_accepts_http_and_https() {
        for ok in [
            "https://open.feishu.cn/open-apis/bot/v2/hook/abc",
            "http://127.0.0.1:9000/hook",
            "https://oapi.dingtalk.com/robot/send?access_token=x",
            "  https://example.com/trimmed  ",
            "HTTPS://Example.COM/p",
        ] {
            let url = WebhookUrl::parse(ok);
            assert!(url.is_ok(), "{ok}: {url:?}");
        }
        assert_eq!(
            WebhookUrl::parse("HTTPS://Example.COM/p").map(|u| u.as_str().to_owned()),
            Ok("https://example.com/p".to_owned())
        );
    }

    #[test]
    fn url_rejects_with_a_reason() {
        assert_eq!(WebhookUrl::parse("ftp://example.com/x"), Err(InvalidWebhookUrl::Scheme("ftp".into())));
        assert_eq!(
            WebhookUrl::parse("javascript:alert(1)"),
            Err(InvalidWebhookUrl::Scheme("javascript".into()))
        );
        assert_eq!(WebhookUrl::parse("file:///etc/passwd"), Err(InvalidWebhookUrl::Scheme("file".into())));
        assert!(matches!(WebhookUrl::parse("/hooks/1"), Err(InvalidWebhookUrl::Malformed(_))));
        assert!(matches!(WebhookUrl::parse("example.com/hook"), Err(InvalidWebhookUrl::Malformed(_))));
        assert_eq!(WebhookUrl::parse("https://user:pw@example.com/"), Err(InvalidWebhookUrl::UserInfo));
        assert_eq!(WebhookUrl::parse("https://user@example.com/"), Err(InvalidWebhookUrl::UserInfo));
        assert_eq!(WebhookUrl::parse(""), Err(InvalidWebhookUrl::Empty));
        let long = format!("https://example.com/{}", "a".repeat(MAX_WEBHOOK_URL_LEN));
        assert_eq!(WebhookUrl::parse(&long), Err(InvalidWebhookUrl::TooLong));
        let just_fits = format!("https://example.com/{}", "a".repeat(MAX_WEBHOOK_URL_LEN - 20));
        assert!(WebhookUrl::parse(&just_fits).is_ok());
        let reason = WebhookUrl::parse("ftp://x").map(|_| ()).unwrap_err().to_string();
        assert!(reason.contains("http://"), "{reason}");
    }

    #[test]
    fn url_debug_hides_the_token() {
        let url = WebhookUrl::parse("https://oapi.dingtalk.com/robot/send?access_token=SECRET").unwrap();
        let shown = format!("{url:?}");
        assert!(!shown.contains("SECRET"), "{shown}");
        let target = WebhookTarget { url, format: WebhookFormat::DingTalk, secret: Some("SEC123".into()) };
        let shown = format!("{target:?}");
        assert!(!shown.contains("SECRET") && !shown.contains("SEC123"), "{shown}");
    }

    #[test]
    fn format_names_round_trip() {
        for format in WebhookFormat::ALL {
            assert_eq!(format.as_str().parse::<WebhookFormat>(), Ok(format));
        }
        assert!("slack".parse::<WebhookFormat>().is_err());
    }

    #[test]
    fn generic_signature_verifies_and_detects_tampering() {
        let body = br#"{"id":"e1"}"#;
        let digest = generic_mac("s3cret", "1700000000", body).unwrap().finalize().into_bytes();
        let header = format!("sha256={}", hex::encode(digest));
        assert!(verify_generic_signature("s3cret", "1700000000", body, &header));
        assert!(verify_generic_signature(
            "s3cret",
            "1700000000",
            body,
            &header.to_uppercase().replace("SHA256=", "sha256=")
        ));
        assert!(!verify_generic_signature("s3cret", "1700000000", br#"{"id":"e2"}"#, &header));
        assert!(!verify_generic_signature("s3cret", "1700000001", body, &header));
        assert!(!verify_generic_signature("other", "1700000000", body, &header));
        assert!(!verify_generic_signature("s3cret", "1700000000", body, &header[7..]));
        assert!(!verify_generic_signature("s3cret", "1700000000", body, "sha256=zz"));
        assert!(!verify_generic_signature("s3cret", "1700000000", body, ""));
        let mut flipped = header.clone().into_bytes();
        let last = flipped.len() - 1;
        flipped[last] = if flipped[last] == b'0' { b'1' } else { b'0' };
        assert!(!verify_generic_signature(
            "s3cret",
            "1700000000",
            body,
            &String::from_utf8(flipped).unwrap()
        ));
    }

    #[test]
    fn header_safe_is_visible_ascii() {
        assert_eq!(header_safe("evt-1:u2"), "evt-1:u2");
        assert_eq!(header_safe("a b%\n小"), "a%20b%25%0A%E5%B0%8F");
    }

    #[test]
    fn markdown_fits_wecom_limit() {
        let msg = Message {
            event_id: "e".into(),
            kind: "post.merged".into(),
            subject: "标题".into(),
            text: "很长的正文".repeat(2000),
            link: Some("https://example.com/p/(1)".into()),
            unsubscribe_url: None,
            data: serde_json::Value::Null,
        };
        let md = markdown(&msg, WECOM_CONTENT_MAX_BYTES);
        assert!(md.len() <= WECOM_CONTENT_MAX_BYTES);
        assert!(md.starts_with("### 标题\n\n很长的正文"));
        assert!(md.ends_with("…\n\n[https://example.com/p/%281%29](https://example.com/p/%281%29)"), "{md}");
    }

    #[test]
    fn robot_codes() {
        let ok = br#"{"code":0,"msg":"success","data":{}}"#;
        assert_eq!(robot_outcome(WebhookFormat::Feishu, StatusCode::OK, ok), Ok(()));
        let old = br#"{"Extra":null,"StatusCode":0,"StatusMessage":"success"}"#;
        assert_eq!(robot_outcome(WebhookFormat::Feishu, StatusCode::OK, old), Ok(()));
        let limited = br#"{"code":11232,"msg":"frequency limited"}"#;
        assert!(robot_outcome(WebhookFormat::Feishu, StatusCode::OK, limited).unwrap_err().is_transient());
        let limited = br#"{"code":9499,"msg":"too many request"}"#;
        assert!(
            robot_outcome(WebhookFormat::Feishu, StatusCode::BAD_REQUEST, limited)
                .unwrap_err()
                .is_transient()
        );
        let bad_sign = br#"{"code":19021,"msg":"sign match fail"}"#;
        assert!(!robot_outcome(WebhookFormat::Feishu, StatusCode::OK, bad_sign).unwrap_err().is_transient());
        let busy = br#"{"errcode":-1,"errmsg":"system busy"}"#;
        assert!(robot_outcome(WebhookFormat::WeCom, StatusCode::OK, busy).unwrap_err().is_transient());
        assert!(
            robot_outcome(WebhookFormat::DingTalk, StatusCode::OK, b"<html>")
                .is_err_and(|e| !e.is_transient())
        );
        assert!(
            robot_outcome(WebhookFormat::DingTalk, StatusCode::BAD_GATEWAY, b"<html>")
                .is_err_and(|e| e.is_transient())
        );
        // A robot error code inside a 5xx is still worth retrying.
        let odd = br#"{"errcode":310000,"errmsg":"x"}"#;
        assert!(
            robot_outcome(WebhookFormat::DingTalk, StatusCode::SERVICE_UNAVAILABLE, odd)
                .unwrap_err()
                .is_transient()
        );
    }
}
