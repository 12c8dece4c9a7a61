//! Outbound notification delivery for canyu: email over SMTP and webhooks (a generic signed JSON
//! format plus the Feishu/Lark, DingTalk and WeCom group robots).
//!
//! The crate has no database and no queue: the caller owns the outbox, calls [`Mailer::send`] or
//! [`WebhookClient::send`] once per attempt, and uses the [`DeliveryError`] variant plus
//! [`backoff`] and [`MAX_ATTEMPTS`] to decide whether and when to try again. Every send is keyed
//! by [`Message::event_id`], which reaches the receiver (`X-Canyu-Event-Id`, the email
//! `Message-ID`) so that a retried delivery that had in fact arrived can be recognised.
//!
//! # The generic webhook format
//!
//! `POST` with `Content-Type: application/json` and the body
//!
//! ```json
//! {"id": "<event id>", "kind": "post.merged", "subject": "…", "text": "…", "link": "https://…" or null, "data": {…}}
//! ```
//!
//! Headers:
//!
//! - `X-Canyu-Event-Id`: the same id as in the body (bytes outside visible ASCII, and `%`,
//!   percent-encoded); the same for every retry of one delivery.
//! - `X-Canyu-Timestamp`: Unix seconds when this attempt was signed.
//! - `X-Canyu-Signature: sha256=<hex>` (only when the target has a secret): lowercase hex of
//!   HMAC-SHA256 keyed with the secret (its UTF-8 bytes) over `"<timestamp>.<body>"`, where
//!   `<timestamp>` is the `X-Canyu-Timestamp` value and `<body>` the raw request body bytes.
//!
//! Any 2xx answer counts as delivered; 408, 429 and 5xx are retried; other statuses are not.
//!
//! A receiver checks a request with [`verify_generic_signature`] (or any HMAC-SHA256 library),
//! over the body exactly as received, before parsing it. It should also reject timestamps far
//! from its own clock (five minutes is usual), so that a captured request cannot be replayed
//! later, and may drop an `id` it has already processed, since retries reuse it.

mod address;
mod email;
mod webhook;

pub use address::{AddressPolicy, is_public_address};
pub use email::{Mailer, SmtpConfig, SmtpSecurity, UnknownSmtpSecurity};
pub use webhook::{
    InvalidWebhookUrl, MAX_WEBHOOK_URL_LEN, UnknownWebhookFormat, WebhookClient, WebhookFormat,
    WebhookTarget, WebhookUrl, verify_generic_signature,
};

use std::time::Duration;

/// What is sent, built by the caller from a notification event for one recipient.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// Stable id of (event, recipient): the idempotency key, `X-Canyu-Event-Id`, and the local
    /// part of the email `Message-ID`.
    pub event_id: String,
    /// The kind of event, e.g. `post.merged` or `release.published`.
    pub kind: String,
    /// One line; line breaks are turned into spaces where a channel needs one line.
    pub subject: String,
    /// Plain text body; may contain Markdown, which the DingTalk and WeCom robots render.
    pub text: String,
    /// Absolute URL to the thing the notification is about.
    pub link: Option<String>,
    /// Email only: a one-click unsubscribe URL (RFC 8058), sent as `List-Unsubscribe` and in the
    /// footer.
    pub unsubscribe_url: Option<String>,
    /// Machine-readable payload, sent as `data` by the generic webhook format only.
    pub data: serde_json::Value,
}

/// Why one delivery attempt failed, sorted by what the caller should do about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeliveryError {
    /// Try again later (see [`backoff`]): timeouts, refused connections, HTTP 408/429/5xx, SMTP
    /// 4xx, a robot's rate limit.
    #[error("transient delivery failure: {0}")]
    Transient(String),
    /// Give up: retrying the same message to the same target cannot succeed (HTTP 4xx, SMTP 5xx,
    /// a robot rejecting the signature or the payload, an invalid address).
    #[error("permanent delivery failure: {0}")]
    Permanent(String),
}

impl DeliveryError {
    pub fn is_transient(&self) -> bool {
        matches!(self, DeliveryError::Transient(_))
    }
}

/// A client could not be built from its configuration; nothing was sent.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("invalid sender address {address:?}: {reason}")]
    InvalidFrom { address: String, reason: String },
    #[error("SMTP username and password must be given together")]
    IncompleteCredentials,
    #[error("invalid SMTP relay settings: {0}")]
    Smtp(String),
    #[error("could not build the HTTP client: {0}")]
    Http(String),
}

/// After this many failed attempts the caller should stop retrying and mark the delivery failed.
pub const MAX_ATTEMPTS: u32 = 10;

const BACKOFF_BASE_MS: u64 = 30_000;
const BACKOFF_CAP_MS: u64 = 6 * 60 * 60 * 1000;

/// How long to wait after failed attempt number `attempt` (1-based; 0 is treated as 1) before
/// the next one: a uniformly random delay in `[0, min(30 s · 2^(attempt-1), 6 h)]` ("full
/// jitter"), with millisecond resolution.
///
/// Full jitter rather than a fixed schedule so that deliveries which failed together, say
/// during a receiver's outage, spread out instead of retrying in lockstep. `random` comes from
/// the caller so this stays deterministic under test and the crate needs no RNG.
pub fn backoff(attempt: u32, random: u64) -> Duration {
    let exponent = attempt.max(1) - 1;
    // 30 s · 2^10 already exceeds the cap, so clamping the exponent cannot change the result
    // and keeps the shift from overflowing.
    let ceiling = BACKOFF_BASE_MS.saturating_mul(1 << exponent.min(20)).min(BACKOFF_CAP_MS);
    Duration::from_millis(random % (ceiling + 1))
}

/// Text for channels that show a single line (subjects, robot titles).
pub(crate) fn one_line(s: &str) -> String {
    s.split(|c: char| c.is_control()).filter(|part| !part.is_empty()).collect::<Vec<_>>().join(" ")
}

/// `s` cut to at most `max` bytes on a char boundary, with an ellipsis when something was cut.
pub(crate) fn truncate_bytes(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    const ELLIPSIS: &str = "…";
    let mut end = max.saturating_sub(ELLIPSIS.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{ELLIPSIS}", &s[..end])
}

/// Only http(s) links are rendered as links: anything else (`javascript:`, `data:`) in a
/// caller-built message must not become clickable in a mail client or chat.
pub(crate) fn http_link(raw: &str) -> Option<url::Url> {
    let url = url::Url::parse(raw.trim()).ok()?;
    matches!(url.scheme(), "http" | "https").then_some(url)
}

/// Client libraries' own messages are terse ("error sending request"); the cause is in the
/// source chain.
pub(crate) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_first_attempt_is_at_most_30_seconds() {
        for random in [0, 1, 29_999, 30_000, 30_001, u64::MAX, 123_456_789] {
            assert!(backoff(1, random) <= Duration::from_secs(30));
        }
        assert_eq!(backoff(1, 30_000), Duration::from_secs(30));
        assert_eq!(backoff(0, 30_000), Duration::from_secs(30));
        assert_eq!(backoff(1, 0), Duration::ZERO);
    }

    #[test]
    fn backoff_doubles_then_caps_at_six_hours() {
        let ceiling = |attempt| (1..=200).map(|r| backoff(attempt, u64::MAX - r)).max().unwrap_or_default();
        let mut expected = Duration::from_secs(30);
        for attempt in 1..=10 {
            let max = ceiling(attempt);
            assert!(max <= expected.min(Duration::from_secs(6 * 3600)), "attempt {attempt}: {max:?}");
            // The exact ceiling is reachable: random ≡ ceiling (mod ceiling + 1).
            let exact = expected.min(Duration::from_secs(6 * 3600)).as_millis() as u64;
            assert_eq!(backoff(attempt, exact), Duration::from_millis(exact));
            expected *= 2;
        }
        // 30 s · 2^10 is past six hours: from attempt 11 on the cap applies.
        for attempt in [11, 12, 20, 21, 64, 1000, u32::MAX] {
            for random in [0, 1, 7, u64::MAX, u64::MAX / 3] {
                assert!(backoff(attempt, random) <= Duration::from_secs(6 * 3600));
            }
            assert_eq!(backoff(attempt, 6 * 3600 * 1000), Duration::from_secs(6 * 3600));
        }
    }

    #[test]
    fn backoff_spreads_over_the_whole_range() {
        let delays: Vec<_> =
            (0..1000u64).map(|i| backoff(3, i.wrapping_mul(0x9E37_79B9_7F4A_7C15))).collect();
        assert!(delays.iter().any(|d| *d < Duration::from_secs(30)));
        assert!(delays.iter().any(|d| *d > Duration::from_secs(90)));
        assert!(delays.iter().all(|d| *d <= Duration::from_secs(120)));
    }

    #[test]
    fn one_line_and_truncation() {
        assert_eq!(one_line("a\r\nb\tc  "), "a b c  ");
        assert_eq!(truncate_bytes("小米汽车", 7), "小…");
        assert_eq!(truncate_bytes("abc", 3), "abc");
    }

    #[test]
    fn only_http_links() {
        assert!(http_link("https://example.com/p/1").is_some());
        assert!(http_link("javascript:alert(1)").is_none());
        assert!(http_link("/relative").is_none());
    }
}
