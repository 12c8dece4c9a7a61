use crate::ErrorCode;
use serde::Serialize;

fn parse_slug(raw: &str) -> Result<String, ErrorCode> {
    crate::text::refuse_controls(raw)?;
    let s = raw.trim();
    let ok = (2..=40).contains(&s.len())
        && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !s.starts_with('-')
        && !s.ends_with('-');
    if ok { Ok(s.to_string()) } else { Err(ErrorCode::InvalidSlug) }
}

/// A product's URL name, e.g. `xiaomi-su7`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct ProductSlug(String);

impl ProductSlug {
    pub fn parse(raw: &str) -> Result<ProductSlug, ErrorCode> {
        parse_slug(raw).map(ProductSlug)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An ecosystem category's URL name, e.g. `phone`, `car`, `smart-home`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct CategorySlug(String);

impl CategorySlug {
    pub fn parse(raw: &str) -> Result<CategorySlug, ErrorCode> {
        parse_slug(raw).map(CategorySlug)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A display name of a product or category: 1–60 characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProductName(String);

impl ProductName {
    pub fn parse(raw: &str) -> Result<ProductName, ErrorCode> {
        crate::text::refuse_controls(raw)?;
        let s = raw.trim();
        let n = s.chars().count();
        if n == 0 || n > 60 || s.chars().any(char::is_control) {
            return Err(ErrorCode::InvalidName);
        }
        Ok(ProductName(s.to_string()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert!(ProductSlug::parse("xiaomi-su7").is_ok());
        assert!(ProductSlug::parse("Xiaomi").is_err());
        assert!(ProductSlug::parse("-a").is_err());
        assert!(ProductSlug::parse("小米").is_err());
        assert!(ProductName::parse("小米 SU7").is_ok());
        assert!(ProductName::parse("").is_err());
    }
}
