use crate::ErrorCode;
use serde::{Deserialize, Serialize};

/// A fan's public name: 2–32 characters of letters, digits, CJK, `_` or `-`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Handle(String);

impl Handle {
    pub fn parse(raw: &str) -> Result<Handle, ErrorCode> {
        crate::text::refuse_controls(raw)?;
        let s = raw.trim();
        let n = s.chars().count();
        let ok_char = |c: char| c.is_alphanumeric() || c == '_' || c == '-';
        if !(2..=32).contains(&n) || !s.chars().all(ok_char) {
            return Err(ErrorCode::InvalidHandle);
        }
        Ok(Handle(s.to_string()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn into_inner(self) -> String {
        self.0
    }
}

/// The least zxcvbn score (0–4) a new password needs.
pub const MIN_PASSWORD_SCORE: u8 = 3;

/// A password as typed: 8–128 characters. Never logged, never stored; only its Argon2 hash is.
pub struct Password(String);

impl Password {
    pub fn parse(raw: &str) -> Result<Password, ErrorCode> {
        crate::text::refuse_controls(raw)?;
        let n = raw.chars().count();
        if !(8..=128).contains(&n) {
            return Err(ErrorCode::WeakPassword);
        }
        Ok(Password(raw.to_string()))
    }
    /// A password chosen for an account (sign-up, `canyu user create`): besides the length,
    /// hard enough to guess, by zxcvbn's estimate (score 3 of 4, about 10^8 guesses or
    /// more), with the handle as a known word so that `handle` + "12" counts as weak.
    /// `12345678`, `password` and eight spaces are refused with `weak_password`.
    pub fn parse_new(raw: &str, handle: &str) -> Result<Password, ErrorCode> {
        let password = Password::parse(raw)?;
        let estimate = zxcvbn::zxcvbn(raw, &[handle]);
        if u8::from(estimate.score()) < MIN_PASSWORD_SCORE {
            return Err(ErrorCode::WeakPassword);
        }
        Ok(password)
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

/// What a person may do. Ordered: each role may do everything the ones before it may.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Fan,
    Moderator,
    Staff,
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Fan, Role::Moderator, Role::Staff, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Fan => "fan",
            Role::Moderator => "moderator",
            Role::Staff => "staff",
            Role::Admin => "admin",
        }
    }
    pub fn parse(raw: &str) -> Result<Role, ErrorCode> {
        Role::ALL.into_iter().find(|r| r.as_str() == raw.trim()).ok_or(ErrorCode::InvalidRole)
    }
    /// Moderators triage posts (status changes, official replies).
    pub fn can_triage(self) -> bool {
        self >= Role::Moderator
    }
    /// Staff run the catalog (categories, products).
    pub fn can_manage_catalog(self) -> bool {
        self >= Role::Staff
    }
}

/// An email address, checked only for shape: the mailbox is proven by a later confirmation.
pub fn parse_email(raw: &str) -> Result<String, ErrorCode> {
    crate::text::refuse_controls(raw)?;
    let s = raw.trim();
    let (local, domain) = s.split_once('@').ok_or(ErrorCode::InvalidEmail)?;
    let ok = !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && s.len() <= 254
        && !s.chars().any(|c| c.is_whitespace() || c == '<' || c == '>');
    if ok { Ok(s.to_string()) } else { Err(ErrorCode::InvalidEmail) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles() {
        assert!(Handle::parse("米粉_01").is_ok());
        assert_eq!(Handle::parse(" lei-jun ").unwrap().as_str(), "lei-jun");
        assert!(Handle::parse("a").is_err());
        assert!(Handle::parse("<script>").is_err());
        assert!(Handle::parse("has space").is_err());
        assert!(Handle::parse(&"x".repeat(33)).is_err());
    }

    #[test]
    fn weak_passwords_are_refused() {
        for (weak, handle) in [
            ("12345678", "fan_one"),
            ("password", "fan_one"),
            ("        ", "fan_one"),
            ("xiaomi_fan12", "xiaomi_fan"),
            ("qwertyuiop", "fan_one"),
            ("password-123", "fan_one"),
        ] {
            assert!(matches!(Password::parse_new(weak, handle), Err(ErrorCode::WeakPassword)), "{weak:?}");
        }
        // The passwords of the tests, the demo and the e2e run stay accepted.
        for (strong, handle) in [
            ("fan-password-1", "米粉_小王"),
            ("staff-password-1", "staff_lead"),
            ("canyu-demo-2026", "xiaomi_staff"),
            ("staff-password-1234567890", "e2e_staff"),
            ("canyu-fan-2026", "米粉_小王"),
            ("fan-password-2026", "e2e_fan"),
            ("long-enough-1", "ops_admin"),
            ("orange-umbrella-2026", "fan_one"),
        ] {
            assert!(Password::parse_new(strong, handle).is_ok(), "{strong:?}");
        }
    }

    #[test]
    fn roles_are_ordered() {
        assert!(Role::Admin.can_manage_catalog());
        assert!(Role::Moderator.can_triage());
        assert!(!Role::Moderator.can_manage_catalog());
        assert!(!Role::Fan.can_triage());
        assert_eq!(Role::parse("staff"), Ok(Role::Staff));
        assert!(Role::parse("root").is_err());
    }

    #[test]
    fn emails() {
        assert!(parse_email("fan@example.com").is_ok());
        assert!(parse_email("fan@localhost").is_err());
        assert!(parse_email("<a>@b.c").is_err());
    }
}
