//! `uid`: a tenant's own identifier for an application or endpoint (and a message's
//! `eventId`), usable wherever the id is. Same alphabet as Svix.

/// `^[a-zA-Z0-9\-_.]+$`, 1 to 256 characters.
pub fn parse_uid(text: &str) -> Result<String, String> {
    if text.is_empty() || text.len() > 256 {
        return Err("must be 1 to 256 characters".to_string());
    }
    if !text
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    {
        return Err("may contain only letters, digits, '-', '_' and '.'".to_string());
    }
    Ok(text.to_string())
}

/// Event type names: `resource.sub.event`, the same alphabet, at most 256 characters.
pub fn parse_event_type_name(text: &str) -> Result<String, String> {
    parse_uid(text)
}

/// Channels: letters, digits, `-_.:`, 1 to 128 characters; at most 10 per list.
pub fn parse_channels(list: &[String]) -> Result<Vec<String>, String> {
    if list.len() > 10 {
        return Err("at most 10 channels".to_string());
    }
    list.iter()
        .map(|c| {
            let ok = !c.is_empty()
                && c.len() <= 128
                && c.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'));
            if ok {
                Ok(c.clone())
            } else {
                Err(format!(
                    "{c:?} is not a channel (letters, digits, '-_.:', ≤ 128)"
                ))
            }
        })
        .collect()
}

/// Free text (descriptions, metadata values): bounded, and no NUL, which PostgreSQL
/// cannot store in text.
pub fn parse_text(text: &str, max_chars: usize) -> Result<String, String> {
    if text.contains('\0') {
        return Err("must not contain NUL characters".to_string());
    }
    if text.chars().count() > max_chars {
        return Err(format!("must be at most {max_chars} characters"));
    }
    Ok(text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uids_and_names() {
        assert!(parse_uid("customer-42.prod_eu").is_ok());
        assert!(parse_uid("").is_err());
        assert!(parse_uid("has space").is_err());
        assert!(parse_uid(&"a".repeat(257)).is_err());
        assert!(parse_event_type_name("invoice.paid").is_ok());
        assert!(parse_event_type_name("invoice/paid").is_err());
        assert!(parse_channels(&["project:1".into()]).is_ok());
        assert!(parse_channels(&["a b".into()]).is_err());
        assert!(parse_text("ok\nfine", 10).is_ok());
        assert!(parse_text("nul\0", 10).is_err());
    }
}
