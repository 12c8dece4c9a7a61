//! Email delivery over SMTP through a pooled lettre transport.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use lettre::message::header::{Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::PoolConfig;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use sha2::{Digest, Sha256};

use crate::{ConfigError, DeliveryError, Message, error_chain, http_link, one_line};

/// How the connection to the SMTP relay is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SmtpSecurity {
    /// Plain text, no TLS: only for a relay on localhost or a trusted network (and tests).
    None,
    /// Connect in plain text and require the relay to upgrade with STARTTLS (usually port 587).
    StartTls,
    /// TLS from the first byte ("SMTPS", usually port 465).
    Tls,
}

impl SmtpSecurity {
    pub fn as_str(self) -> &'static str {
        match self {
            SmtpSecurity::None => "none",
            SmtpSecurity::StartTls => "starttls",
            SmtpSecurity::Tls => "tls",
        }
    }
}

impl fmt::Display for SmtpSecurity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The name is not one of `none`, `starttls`, `tls`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown SMTP security {0:?} (expected none, starttls or tls)")]
pub struct UnknownSmtpSecurity(pub String);

impl FromStr for SmtpSecurity {
    type Err = UnknownSmtpSecurity;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [SmtpSecurity::None, SmtpSecurity::StartTls, SmtpSecurity::Tls]
            .into_iter()
            .find(|security| security.as_str() == s)
            .ok_or_else(|| UnknownSmtpSecurity(s.to_owned()))
    }
}

/// Where and how to hand mail over. `Debug` hides the password.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    pub username: Option<String>,
    pub password: Option<String>,
    /// The `From` mailbox, e.g. `canyu <noreply@example.com>`.
    pub from: String,
    /// Bounds each SMTP command, including connecting.
    pub timeout: Duration,
}

impl fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("from", &self.from)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// Sends email through one SMTP relay, reusing connections between messages. Build it once and
/// share it.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl fmt::Debug for Mailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mailer").field("from", &self.from.to_string()).finish_non_exhaustive()
    }
}

impl Mailer {
    /// Must be called inside a Tokio runtime: the connection pool starts a background task that
    /// closes idle connections.
    pub fn new(cfg: &SmtpConfig) -> Result<Mailer, ConfigError> {
        let from: Mailbox = cfg
            .from
            .parse()
            .map_err(|e| ConfigError::InvalidFrom { address: cfg.from.clone(), reason: format!("{e}") })?;
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(ConfigError::Smtp("Mailer::new must be called inside a Tokio runtime".into()));
        }
        let builder = match cfg.security {
            SmtpSecurity::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&cfg.host),
            SmtpSecurity::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&cfg.host)
                .map_err(|e| ConfigError::Smtp(error_chain(&e)))?,
            SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&cfg.host)
                .map_err(|e| ConfigError::Smtp(error_chain(&e)))?,
        };
        let builder = builder
            .port(cfg.port)
            .timeout(Some(cfg.timeout))
            // Notifications come in bursts (one event, many recipients); a few connections
            // carry a burst without opening one per message.
            .pool_config(PoolConfig::new().max_size(4).idle_timeout(Duration::from_secs(60)));
        let builder = match (&cfg.username, &cfg.password) {
            (Some(user), Some(password)) => {
                builder.credentials(Credentials::new(user.clone(), password.clone()))
            }
            (None, None) => builder,
            _ => return Err(ConfigError::IncompleteCredentials),
        };
        Ok(Mailer { transport: builder.build(), from })
    }

    /// One delivery attempt of `msg` to the address `to`.
    pub async fn send(&self, to: &str, msg: &Message) -> Result<(), DeliveryError> {
        let email = build_email(&self.from, to, msg)?;
        let result = self.transport.send(email).await.map(|_| ()).map_err(smtp_error);
        if let Err(e) = &result {
            tracing::debug!(event_id = %msg.event_id, error = %e, "email delivery failed");
        }
        result
    }
}

fn smtp_error(e: lettre::transport::smtp::Error) -> DeliveryError {
    let text = error_chain(&e);
    // 5xx replies and errors in what we asked the client to send will fail the same way again;
    // 4xx replies, timeouts, refused or dropped connections and TLS trouble may clear up.
    if e.is_permanent() || e.is_client() {
        DeliveryError::Permanent(text)
    } else {
        DeliveryError::Transient(text)
    }
}

/// Longest `List-Unsubscribe` URL put in a header: header lines must stay under 998 bytes and a
/// URL cannot be folded. Longer ones still appear in the footer.
const MAX_HEADER_URL_LEN: usize = 900;

pub(crate) fn build_email(from: &Mailbox, to: &str, msg: &Message) -> Result<lettre::Message, DeliveryError> {
    let to: Mailbox = to
        .trim()
        .parse()
        .map_err(|e| DeliveryError::Permanent(format!("invalid recipient address {to:?}: {e}")))?;
    let link = msg.link.as_deref().and_then(http_link);
    let unsubscribe = msg.unsubscribe_url.as_deref().and_then(http_link);

    let mut builder = lettre::Message::builder()
        .from(from.clone())
        .to(to)
        .subject(one_line(&msg.subject))
        .message_id(Some(message_id(&msg.event_id)))
        // RFC 3834: keeps vacation responders from answering a notification.
        .header(AutoSubmitted);
    if let Some(url) = unsubscribe.as_ref().filter(|u| u.as_str().len() <= MAX_HEADER_URL_LEN) {
        builder = builder.header(ListUnsubscribe(format!("<{url}>")));
        // RFC 8058 one-click unsubscribe is defined for HTTPS URLs only.
        if url.scheme() == "https" {
            builder = builder.header(ListUnsubscribePost);
        }
    }
    let text = text_body(msg, link.as_ref(), unsubscribe.as_ref());
    let html = html_body(msg, link.as_ref(), unsubscribe.as_ref());
    builder
        .multipart(MultiPart::alternative_plain_html(text, html))
        .map_err(|e| DeliveryError::Permanent(format!("cannot build the email: {e}")))
}

/// `<local@canyu>` where `local` is the event id made into a valid RFC 5322 dot-atom: letters,
/// digits, `-` and `_` are kept and every other byte becomes `=XX`, so distinct ids give
/// distinct Message-IDs and a re-sent notification repeats its Message-ID. Very long ids are
/// replaced by their SHA-256 to keep the header on one line.
pub(crate) fn message_id(event_id: &str) -> String {
    let mut local = String::with_capacity(event_id.len());
    for b in event_id.bytes() {
        if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' {
            local.push(char::from(b));
        } else {
            local.push_str(&format!("={b:02X}"));
        }
    }
    if local.is_empty() {
        local.push('=');
    }
    if local.len() > 200 {
        // "=s" can never come out of the escaping above (it writes uppercase hex after '='), so a
        // hashed id cannot collide with an escaped one.
        local = format!("=sha256-{}", hex::encode(Sha256::digest(event_id.as_bytes())));
    }
    format!("<{local}@canyu>")
}

const UNSUBSCRIBE_LABEL: &str = "退订 / Unsubscribe";

fn text_body(msg: &Message, link: Option<&url::Url>, unsubscribe: Option<&url::Url>) -> String {
    let mut out = msg.text.trim_end().to_owned();
    if let Some(link) = link {
        out.push_str(&format!("\n\n{link}"));
    }
    if let Some(url) = unsubscribe {
        out.push_str(&format!("\n\n-- \n{UNSUBSCRIBE_LABEL}: {url}"));
    }
    out.push('\n');
    out
}

/// A deliberately plain HTML part: every piece of caller text is escaped, and only http(s) URLs
/// become links.
fn html_body(msg: &Message, link: Option<&url::Url>, unsubscribe: Option<&url::Url>) -> String {
    let mut out = String::from("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>");
    out.push_str(&escape_html(&one_line(&msg.subject)));
    out.push_str("</title></head>\n<body style=\"font-family:sans-serif;line-height:1.6;color:#222\">\n");
    let text = msg.text.replace("\r\n", "\n");
    for paragraph in text.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) {
        out.push_str("<p>");
        out.push_str(&escape_html(paragraph).replace('\n', "<br>\n"));
        out.push_str("</p>\n");
    }
    if let Some(link) = link {
        let href = escape_html(link.as_str());
        out.push_str(&format!("<p><a href=\"{href}\">{href}</a></p>\n"));
    }
    if let Some(url) = unsubscribe {
        let href = escape_html(url.as_str());
        out.push_str(&format!(
            "<hr>\n<p style=\"font-size:12px;color:#888\"><a href=\"{href}\">{UNSUBSCRIBE_LABEL}</a></p>\n"
        ));
    }
    out.push_str("</body></html>\n");
    out
}

fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[derive(Clone)]
struct ListUnsubscribe(String);

impl Header for ListUnsubscribe {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribe(s.to_owned()))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

#[derive(Clone)]
struct ListUnsubscribePost;

impl Header for ListUnsubscribePost {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe-Post")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribePost)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "List-Unsubscribe=One-Click".to_owned())
    }
}

#[derive(Clone)]
struct AutoSubmitted;

impl Header for AutoSubmitted {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Auto-Submitted")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(AutoSubmitted)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "auto-generated".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg() -> Message {
        Message {
            event_id: "evt-42:user-7".into(),
            kind: "post.merged".into(),
            subject: "你的建议已被采纳\r\nBcc: victim@example.com".into(),
            text: "第一段 <script>alert(1)</script>\n第二行\n\n第二段 & \"引号\"".into(),
            link: Some("https://canyu.example/p/1".into()),
            unsubscribe_url: Some("https://canyu.example/unsubscribe?t=abc".into()),
            data: serde_json::Value::Null,
        }
    }

    fn render(m: &Message) -> String {
        let from: Mailbox = "canyu <noreply@example.com>".parse().unwrap();
        String::from_utf8(build_email(&from, "fan@example.com", m).unwrap().formatted()).unwrap()
    }

    #[test]
    fn message_ids_are_valid_and_distinct() {
        assert_eq!(message_id("evt-42_x"), "<evt-42_x@canyu>");
        assert_eq!(message_id("a:b c"), "<a=3Ab=20c@canyu>");
        assert_eq!(message_id("小"), "<=E5=B0=8F@canyu>");
        assert_ne!(message_id("a:b"), message_id("a=3Ab"));
        assert_eq!(message_id(""), "<=@canyu>");
        let long = message_id(&"x".repeat(500));
        assert!(long.starts_with("<=sha256-") && long.len() < 100, "{long}");
    }

    #[test]
    fn headers_cannot_be_injected() {
        let raw = render(&msg());
        assert!(!raw.contains("\r\nBcc:"), "{raw}");
        assert!(raw.contains("Message-ID: <evt-42=3Auser-7@canyu>\r\n"), "{raw}");
        assert!(raw.contains("List-Unsubscribe: <https://canyu.example/unsubscribe?t=abc>\r\n"), "{raw}");
        assert!(raw.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"), "{raw}");
        assert!(raw.contains("Auto-Submitted: auto-generated\r\n"), "{raw}");
    }

    #[test]
    fn html_escapes_and_links_only_http() {
        let mut m = msg();
        m.link = Some("javascript:alert(1)".into());
        let html = html_body(&m, m.link.as_deref().and_then(http_link).as_ref(), None);
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(!html.contains("<script"));
        assert!(!html.contains("javascript:"));
        assert!(html.contains("&amp; &quot;引号&quot;"));
        assert!(html.contains("第一段 &lt;script&gt;alert(1)&lt;/script&gt;<br>\n第二行"));
    }

    #[test]
    fn plain_http_unsubscribe_gets_no_one_click_header() {
        let mut m = msg();
        m.unsubscribe_url = Some("http://127.0.0.1:8080/unsubscribe?t=abc".into());
        let raw = render(&m);
        assert!(raw.contains("List-Unsubscribe: <http://127.0.0.1:8080/unsubscribe?t=abc>"));
        assert!(!raw.contains("List-Unsubscribe-Post"));
        m.unsubscribe_url = None;
        assert!(!render(&m).contains("List-Unsubscribe"));
    }

    #[test]
    fn invalid_recipient_is_permanent() {
        let from: Mailbox = "noreply@example.com".parse().unwrap();
        let err = build_email(&from, "not an address", &msg()).unwrap_err();
        assert!(!err.is_transient());
    }

    #[test]
    fn security_names_round_trip() {
        for s in [SmtpSecurity::None, SmtpSecurity::StartTls, SmtpSecurity::Tls] {
            assert_eq!(s.as_str().parse::<SmtpSecurity>(), Ok(s));
        }
        assert!("ssl".parse::<SmtpSecurity>().is_err());
    }

    #[test]
    fn config_debug_hides_password() {
        let cfg = SmtpConfig {
            host: "smtp.example.com".into(),
            port: 587,
            security: SmtpSecurity::StartTls,
            username: Some("u".into()),
            password: Some("hunter2".into()),
            from: "canyu <noreply@example.com>".into(),
            timeout: Duration::from_secs(10),
        };
        assert!(!format!("{cfg:?}").contains("hunter2"));
    }

    #[tokio::test]
    async fn mailer_config_errors() {
        let mut cfg = SmtpConfig {
            host: "127.0.0.1".into(),
            port: 25,
            security: SmtpSecurity::None,
            username: Some("u".into()),
            password: None,
            from: "canyu <noreply@example.com>".into(),
            timeout: Duration::from_secs(10),
        };
        assert!(matches!(Mailer::new(&cfg), Err(ConfigError::IncompleteCredentials)));
        cfg.username = None;
        cfg.from = "not a mailbox".into();
        assert!(matches!(Mailer::new(&cfg), Err(ConfigError::InvalidFrom { .. })));
        cfg.from = "canyu <noreply@example.com>".into();
        assert!(Mailer::new(&cfg).is_ok());
    }

    #[test]
    fn mailer_outside_a_runtime_is_an_error_not_a_panic() {
        let cfg = SmtpConfig {
            host: "127.0.0.1".into(),
            port: 25,
            security: SmtpSecurity::None,
            username: None,
            password: None,
            from: "noreply@example.com".into(),
            timeout: Duration::from_secs(10),
        };
        assert!(matches!(Mailer::new(&cfg), Err(ConfigError::Smtp(_))));
    }
}
