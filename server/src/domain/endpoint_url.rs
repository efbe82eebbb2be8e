//! An endpoint's callback URL: http or https, with a host, at most 2,048 characters.
//! (Where it may point is the delivery engine's SSRF guard's business, checked at
//! each attempt after DNS resolution.)

pub const MAX_URL_LEN: usize = 2048;

pub fn parse_endpoint_url(text: &str) -> Result<String, String> {
    let text = text.trim();
    if text.len() > MAX_URL_LEN {
        return Err(format!("must be at most {MAX_URL_LEN} characters"));
    }
    let url = url::Url::parse(text).map_err(|e| format!("is not a valid URL ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("must be an http:// or https:// URL".to_string());
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("must have a host".to_string());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not contain credentials; use custom headers instead".to_string());
    }
    Ok(url.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_and_https_only() {
        assert_eq!(
            parse_endpoint_url("https://example.com/hook").unwrap(),
            "https://example.com/hook"
        );
        assert!(parse_endpoint_url("http://127.0.0.1:9000/x?y=1").is_ok());
        for bad in [
            "ftp://example.com",
            "example.com/hook",
            "https://",
            "javascript:alert(1)",
            "https://u:p@example.com",
        ] {
            assert!(parse_endpoint_url(bad).is_err(), "{bad}");
        }
        assert!(parse_endpoint_url(&format!("https://example.com/{}", "a".repeat(2048))).is_err());
    }
}
