use crate::ErrorCode;
use serde::{Deserialize, Serialize};

/// A fan's public name: 2–32 characters of letters, digits, CJK, `_` or `-`, in NFKC form
/// (full-width `ｓｔａｆｆ` becomes `staff`), of one script or of Han, Kana or Hangul with
/// Latin (`小米SU7车主`), never Latin mixed with Cyrillic or Greek (`xiaomі_staff` with a
/// Cyrillic `і`: `handle_mixed_script`). Look-alikes of existing handles are found by
/// [`handle_skeleton`].
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Handle(String);

impl Handle {
    pub fn parse(raw: &str) -> Result<Handle, ErrorCode> {
        use unicode_normalization::UnicodeNormalization;
        use unicode_security::RestrictionLevelDetection;
        use unicode_security::restriction_level::RestrictionLevel;
        crate::text::refuse_controls(raw)?;
        let s: String = raw.trim().nfkc().collect();
        let n = s.chars().count();
        let ok_char = |c: char| c.is_alphanumeric() || c == '_' || c == '-';
        if !(2..=32).contains(&n) || !s.chars().all(ok_char) {
            return Err(ErrorCode::InvalidHandle);
        }
        // UTS #39 restriction levels: up to "highly restrictive" (one script, or Latin with
        // Han, Japanese or Korean). The separators are common to every script.
        let letters: String = s.chars().filter(|c| *c != '_' && *c != '-').collect();
        if !letters.as_str().check_restriction_level(RestrictionLevel::HighlyRestrictive) {
            return Err(ErrorCode::HandleMixedScript);
        }
        Ok(Handle(s))
    }
    /// This handle's confusable skeleton: see [`handle_skeleton`].
    pub fn skeleton(&self) -> String {
        handle_skeleton(&self.0)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn into_inner(self) -> String {
        self.0
    }
}

/// What a handle looks like (UTS #39 confusable skeleton of its NFKC, lowercased form):
/// handles that look alike have the same one (`xiaomi_staff`, `xiaomі_staff`, `XIAOMI_STAFF`,
/// `xiaorni_staff`). Stored with each account under a unique index; a new handle whose
/// skeleton is taken is refused with `handle_confusable`.
pub fn handle_skeleton(handle: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let folded: String = handle.trim().nfkc().collect::<String>().to_lowercase();
    unicode_security::skeleton(&folded).collect::<String>().to_lowercase()
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
    fn look_alike_handles() {
        // Chinese with Latin and digits is how fans name themselves.
        for ok in [
            "米粉_小王",
            "xiaomi_fan_2026",
            "小米SU7车主",
            "lei-jun",
            "Ünïcode",
            "админ",
            "スタッフ_1",
            "김치_팬",
        ] {
            assert!(Handle::parse(ok).is_ok(), "{ok}");
        }
        // Latin mixed with Cyrillic or Greek look-alikes.
        for bad in ["xiaomі_staff", "аdmin", "staffο"] {
            assert_eq!(Handle::parse(bad), Err(ErrorCode::HandleMixedScript), "{bad}");
        }
        // Full-width forms become the ordinary ones.
        assert_eq!(Handle::parse("ｓtaff2").unwrap().as_str(), "staff2");
        assert_eq!(Handle::parse("ＸＩＡＯＭＩ").unwrap().as_str(), "XIAOMI");
        // One skeleton for what looks alike.
        let staff = handle_skeleton("xiaomi_staff");
        for alike in ["xiaomі_staff", "XIAOMI_STAFF", "xiaorni_staff", "ｘiaomi_staff"] {
            assert_eq!(handle_skeleton(alike), staff, "{alike}");
        }
        assert_eq!(handle_skeleton("staff1"), handle_skeleton("staffl"));
        assert_ne!(handle_skeleton("米粉_小王"), handle_skeleton("米粉_小李"));
    }

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
