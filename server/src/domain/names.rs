//! Human-given names: trimmed, non-empty, bounded.

/// A name people read: at least one non-whitespace character, no NUL (which
/// PostgreSQL cannot store), at most `max` characters as given; kept trimmed.
pub fn parse_display_name(text: &str, max: usize) -> Result<String, String> {
    if text.chars().count() > max {
        return Err(format!("must be at most {max} characters"));
    }
    if text.contains('\0') {
        return Err("must not contain NUL characters".to_string());
    }
    let text = text.trim();
    if text.is_empty() {
        return Err("must not be empty".to_string());
    }
    Ok(text.to_string())
}

fn parse_name(text: &str, max: usize) -> Result<String, String> {
    parse_display_name(text, max)
}

/// The tenant's organization name, as given at sign-up.
#[derive(Debug, Clone)]
pub struct OrganizationName(pub String);

impl OrganizationName {
    pub fn parse(text: &str) -> Result<Self, String> {
        parse_name(text, 200).map(Self)
    }
}

/// The label of an API key ("CI", "billing service").
#[derive(Debug, Clone)]
pub struct ApiKeyName(pub String);

impl ApiKeyName {
    pub fn parse(text: &str) -> Result<Self, String> {
        parse_name(text, 100).map(Self)
    }
}
