//! Webhook subscriptions as staff enter them: an http(s) address and a message format.

use crate::ErrorCode;

pub const WEBHOOK_FORMATS: [&str; 4] = ["generic", "feishu", "dingtalk", "wecom"];

/// An absolute `http://` or `https://` address with a host, no user name or password, no
/// spaces, at most 2,048 characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookAddress(String);

impl WebhookAddress {
    pub fn parse(raw: &str) -> Result<WebhookAddress, ErrorCode> {
        crate::text::refuse_controls(raw)?;
        let s = raw.trim();
        let rest = s
            .strip_prefix("https://")
            .or_else(|| s.strip_prefix("http://"))
            .filter(|_| s.len() <= 2048 && !s.chars().any(|c| c.is_whitespace() || c.is_control()))
            .ok_or(ErrorCode::InvalidWebhookUrl)?;
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        let host = authority.rsplit_once(':').map_or(authority, |(h, port)| {
            if port.chars().all(|c| c.is_ascii_digit()) && !h.ends_with(']') || h.ends_with(']') {
                h
            } else {
                authority
            }
        });
        if host.is_empty() || authority.contains('@') || host.starts_with('.') {
            return Err(ErrorCode::InvalidWebhookUrl);
        }
        Ok(WebhookAddress(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

pub fn parse_format(raw: &str) -> Result<&'static str, ErrorCode> {
    let raw = raw.trim();
    WEBHOOK_FORMATS.into_iter().find(|f| *f == raw).ok_or(ErrorCode::InvalidWebhookFormat)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_http_and_https_addresses() {
        for ok in [
            "https://open.feishu.cn/open-apis/bot/v2/hook/abc",
            "http://127.0.0.1:9000/hook",
            "https://[::1]:8443/x",
        ] {
            assert!(WebhookAddress::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "ftp://x.example/",
            "javascript:alert(1)",
            "/relative",
            "https://",
            "https://user:pw@x.example/",
            "http://a b/",
            "mailto:x@y",
        ] {
            assert_eq!(WebhookAddress::parse(bad), Err(ErrorCode::InvalidWebhookUrl), "{bad}");
        }
        assert_eq!(
            WebhookAddress::parse(&format!("https://x.example/{}", "a".repeat(2100))),
            Err(ErrorCode::InvalidWebhookUrl)
        );
    }

    #[test]
    fn formats() {
        assert_eq!(parse_format("feishu"), Ok("feishu"));
        assert_eq!(parse_format("slack"), Err(ErrorCode::InvalidWebhookFormat));
    }
}
