//! An endpoint's callback URL. The rule is one regular expression, [`URL_PATTERN`],
//! which is also what the OpenAPI document states, so clients can check a URL before
//! sending it: http or https; a host name (letters, digits, hyphens; the last label
//! starting with a letter) or an IPv4 address; an optional port (1–65535); a path and a
//! query of URL characters; no credentials, no fragment; at most 2,048 characters.
//! (Where it may point is the delivery engine's SSRF guard's business, checked at each
//! attempt after DNS resolution.)

use std::sync::LazyLock;

use regex::Regex;

pub const MAX_URL_LEN: usize = 2048;

pub const URL_PATTERN: &str = concat!(
    r"^https?://",
    r"(((25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])",
    r"|([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)",
    r"(:(6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3}))?",
    r"(/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*)?",
    r"(\?[A-Za-z0-9._~!$&'()*+,;=:@%/?-]*)?$",
);

static URL_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(URL_PATTERN).expect("URL_PATTERN compiles"));

pub fn parse_endpoint_url(text: &str) -> Result<String, String> {
    if text.chars().count() > MAX_URL_LEN {
        return Err(format!("must be at most {MAX_URL_LEN} characters"));
    }
    if !URL_RE.is_match(text) {
        return Err(
            "must be an http:// or https:// URL with a host name or IPv4 address, an optional port, path and query (no credentials or fragment)"
                .to_string(),
        );
    }
    let url = url::Url::parse(text).map_err(|e| format!("is not a valid URL ({e})"))?;
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
        for good in [
            "http://127.0.0.1:9000/x?y=1",
            "https://localhost",
            "https://hooks.example.co.uk:65535/a/b;c=d?e=f&g=%20",
            "http://A",
        ] {
            assert!(parse_endpoint_url(good).is_ok(), "{good}");
        }
        for bad in [
            "ftp://example.com",
            "example.com/hook",
            "https://",
            "javascript:alert(1)",
            "https://u:p@example.com",
            "http://A*",
            "http://1.2.3.4.5",
            "http://example.com:65536",
            "https://example.com/#fragment",
            "http://exa mple.com",
        ] {
            assert!(parse_endpoint_url(bad).is_err(), "{bad}");
        }
        assert!(parse_endpoint_url(&format!("https://example.com/{}", "a".repeat(2048))).is_err());
    }
}
