//! Human-given names: trimmed, non-empty, bounded.

/// A name people read: at least one character that is not ASCII white space, no NUL
/// (which PostgreSQL cannot store), at most `max` characters as given; kept with ASCII
/// white space trimmed. Only ASCII white space counts as blank so that every regex
/// engine agrees with the OpenAPI pattern `^[^\x00]*[^\x00\t\n\x0b\x0c\r ][^\x00]*$`.
pub fn parse_display_name(text: &str, max: usize) -> Result<String, String> {
    if text.chars().count() > max {
        return Err(format!("must be at most {max} characters"));
    }
    if text.contains('\0') {
        return Err("must not contain NUL characters".to_string());
    }
    let blank = |c: char| matches!(c, ' ' | '\t' | '\n' | '\u{b}' | '\u{c}' | '\r');
    let text = text.trim_matches(blank);
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
