//! API keys: `hr_` + 43 characters of base64url (32 random bytes). Only the SHA-256 of
//! a key is stored; a fast hash is right here because the key itself has 256 bits of
//! entropy (no dictionary to attack), and lookups happen on every request.

use std::fmt;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

pub const API_KEY_PREFIX: &str = "hr_";
const KEY_BODY_LEN: usize = 43;
/// How much of a key is kept in the clear to tell keys apart in a list.
const DISPLAY_PREFIX_LEN: usize = API_KEY_PREFIX.len() + 6;

/// A plain API key. `Debug` never shows it.
pub struct ApiKeyToken(SecretString);

impl fmt::Debug for ApiKeyToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKeyToken(<redacted>)")
    }
}

impl ApiKeyToken {
    pub fn generate() -> Self {
        let bytes: [u8; 32] = crate::crypto::random_bytes();
        Self(SecretString::from(format!(
            "{API_KEY_PREFIX}{}",
            URL_SAFE_NO_PAD.encode(bytes)
        )))
    }

    /// Checks the shape of a presented key (prefix, length, alphabet) before any lookup.
    pub fn parse(text: &str) -> Option<Self> {
        let body = text.strip_prefix(API_KEY_PREFIX)?;
        let well_formed = body.len() == KEY_BODY_LEN
            && body
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        well_formed.then(|| Self(SecretString::from(text.to_string())))
    }

    /// Hex SHA-256: what the database stores and is searched by.
    pub fn hash(&self) -> String {
        hex::encode(Sha256::digest(self.0.expose_secret().as_bytes()))
    }

    /// The first characters, safe to show (`hr_AbCdEf`).
    pub fn display_prefix(&self) -> String {
        self.0.expose_secret()[..DISPLAY_PREFIX_LEN].to_string()
    }

    /// The whole key: only for the one response that hands it to its owner.
    pub fn reveal(&self) -> &str {
        self.0.expose_secret()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_parse_and_hash_stably() {
        let key = ApiKeyToken::generate();
        assert!(key.reveal().starts_with("hr_"));
        assert_eq!(key.reveal().len(), 3 + 43);
        let again = ApiKeyToken::parse(key.reveal()).unwrap();
        assert_eq!(key.hash(), again.hash());
        assert_eq!(key.hash().len(), 64);
        assert_ne!(key.hash(), ApiKeyToken::generate().hash());
        assert!(!format!("{key:?}").contains(key.reveal()));
    }

    #[test]
    fn malformed_keys_are_refused() {
        assert!(ApiKeyToken::parse("sk_live_123").is_none());
        assert!(ApiKeyToken::parse("hr_short").is_none());
        assert!(ApiKeyToken::parse(&format!("hr_{}", "!".repeat(43))).is_none());
    }
}
