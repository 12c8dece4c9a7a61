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
