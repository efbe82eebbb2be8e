//! Endpoint signing secrets: `whsec_` + base64 of 24 to 64 random bytes (Standard
//! Webhooks). Generated with 24 bytes unless the tenant brings its own.

use std::fmt;

use base64::{
    Engine, alphabet,
    engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig, general_purpose::STANDARD},
};

/// Standard base64, tolerant of non-zero trailing bits and missing padding, as the
/// Standard Webhooks libraries are.
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);
use secrecy::{ExposeSecret, SecretString};

pub const SECRET_PREFIX: &str = "whsec_";

/// `whsec_` + canonical padded base64 of 24 to 64 bytes (the OpenAPI document states
/// this same pattern).
pub const SECRET_PATTERN: &str = concat!(
    r"^whsec_(([A-Za-z0-9+/]{4}){8,20}([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?",
    r"|([A-Za-z0-9+/]{4}){21}([A-Za-z0-9+/]{2}==)?)$",
);

static SECRET_RE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(SECRET_PATTERN).expect("SECRET_PATTERN compiles")
});

pub struct WebhookSecret(SecretString);

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSecret(<redacted>)")
    }
}

impl WebhookSecret {
    pub fn generate() -> Self {
        let bytes: [u8; 24] = crate::crypto::random_bytes();
        Self(SecretString::from(format!(
            "{SECRET_PREFIX}{}",
            STANDARD.encode(bytes)
        )))
    }

    /// Checks the prefix, the base64 and the key length. The error never repeats it.
    pub fn parse(text: &str) -> Result<Self, String> {
        if text.starts_with(SECRET_PREFIX) && !SECRET_RE.is_match(text) {
            return Err(
                "must be whsec_ followed by the padded base64 of 24 to 64 bytes".to_string(),
            );
        }
        let body = text
            .strip_prefix(SECRET_PREFIX)
            .ok_or_else(|| format!("must start with {SECRET_PREFIX}"))?;
        let key = LENIENT
            .decode(body)
            .map_err(|_| "must be whsec_ followed by base64".to_string())?;
        if !(24..=64).contains(&key.len()) {
            return Err(format!("must encode 24 to 64 bytes, got {}", key.len()));
        }
        Ok(Self(SecretString::from(text.to_string())))
    }

    /// Rebuilds one read back from storage (already validated when stored).
    pub fn from_stored(text: String) -> Self {
        Self(SecretString::from(text))
    }

    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// The HMAC key: the base64-decoded part after the prefix.
    pub fn key_bytes(&self) -> Vec<u8> {
        let body = &self.expose()[SECRET_PREFIX.len()..];
        LENIENT.decode(body).expect("validated when stored")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_secrets_are_24_bytes_and_parse() {
        let secret = WebhookSecret::generate();
        assert!(secret.expose().starts_with("whsec_"));
        assert_eq!(secret.key_bytes().len(), 24);
        assert!(WebhookSecret::parse(secret.expose()).is_ok());
    }

    #[test]
    fn bad_secrets_are_refused() {
        assert!(WebhookSecret::parse("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").is_err());
        assert!(WebhookSecret::parse("whsec_!!!").is_err());
        assert!(WebhookSecret::parse(&format!("whsec_{}", STANDARD.encode([1u8; 16]))).is_err());
        assert!(WebhookSecret::parse(&format!("whsec_{}", STANDARD.encode([1u8; 65]))).is_err());
        assert!(WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").is_ok());
    }
}
