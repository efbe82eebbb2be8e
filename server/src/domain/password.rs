//! Dashboard passwords: at least 10 characters, stored as argon2id PHC strings.

use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use secrecy::{ExposeSecret, SecretString};

pub const MIN_PASSWORD_CHARS: usize = 10;
/// Bounds the work one request can ask of argon2.
pub const MAX_PASSWORD_CHARS: usize = 1024;

/// A password that meets the policy. Never printed: `Debug` is redacted by secrecy.
#[derive(Debug)]
pub struct Password(SecretString);

/// An argon2id PHC string (`$argon2id$v=19$…`).
#[derive(Debug, Clone)]
pub struct PasswordHash(pub String);

impl Password {
    pub fn parse(text: String) -> Result<Self, String> {
        let chars = text.chars().count();
        if chars < MIN_PASSWORD_CHARS {
            return Err(format!("must be at least {MIN_PASSWORD_CHARS} characters"));
        }
        if chars > MAX_PASSWORD_CHARS {
            return Err(format!("must be at most {MAX_PASSWORD_CHARS} characters"));
        }
        Ok(Self(SecretString::from(text)))
    }

    /// Hashes with argon2id and the crate's recommended parameters (19 MiB, t=2).
    /// CPU-heavy: call it from a blocking thread.
    pub fn hash(&self) -> PasswordHash {
        let hash = Argon2::default()
            .hash_password(self.0.expose_secret().as_bytes())
            .expect("argon2 with default parameters accepts any password length we allow");
        PasswordHash(hash.to_string())
    }

    /// Constant-time check against a stored hash. CPU-heavy: call from a blocking thread.
    pub fn verify(&self, hash: &PasswordHash) -> bool {
        Argon2::default()
            .verify_password(self.0.expose_secret().as_bytes(), hash.0.as_str())
            .is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy() {
        assert!(
            Password::parse("short".into())
                .unwrap_err()
                .contains("at least 10")
        );
        assert!(Password::parse("x".repeat(1025)).is_err());
        assert!(Password::parse("correct horse".into()).is_ok());
    }

    #[test]
    fn hashes_with_argon2id_and_verifies() {
        let password = Password::parse("correct horse battery".into()).unwrap();
        let hash = password.hash();
        assert!(hash.0.starts_with("$argon2id$"), "{}", hash.0);
        assert!(!hash.0.contains("correct horse"));
        assert!(password.verify(&hash));
        assert!(
            !Password::parse("wrong password!".into())
                .unwrap()
                .verify(&hash)
        );
    }
}
