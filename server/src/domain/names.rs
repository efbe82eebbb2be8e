//! Human-given names: trimmed, non-empty, bounded.

fn parse_name(text: &str, max: usize) -> Result<String, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("must not be empty".to_string());
    }
    if text.chars().count() > max {
        return Err(format!("must be at most {max} characters"));
    }
    if text.chars().any(char::is_control) {
        return Err("must not contain control characters".to_string());
    }
    Ok(text.to_string())
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
