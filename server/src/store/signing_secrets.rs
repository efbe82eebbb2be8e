//! An endpoint's signing secrets as a context read them: the sealed rows in force at
//! the read, opened once for all the attempts that share the context.
//!
//! Why once: every attempt used to decrypt its endpoint's secrets again
//! (XChaCha20-Poly1305, then a UTF-8 check), 3.5 % of the engine's CPU in the fan-out
//! profile, although the deliveries of a claim or of a kept context (`context_cache.rs`)
//! share one read. The opened secrets live as long as the context: a claim's until
//! its deliveries are attempted (5 s at most before they are handed back), a kept
//! context's until its cache drops it (10 s at most after the read:
//! `context_cache.rs`), in `WebhookSecret`s, which redact themselves and are zeroed
//! when dropped.

use std::sync::OnceLock;

use super::open_secrets;
use crate::{crypto::MainKey, domain::WebhookSecret, entities::endpoint_secret};

#[derive(Default)]
pub struct SigningSecrets {
    /// Newest first, as read.
    pub(super) sealed: Vec<endpoint_secret::Model>,
    /// The current secret first, then rotated ones; or why they could not be opened.
    opened: OnceLock<Result<Vec<WebhookSecret>, String>>,
}

impl SigningSecrets {
    pub(super) fn new(sealed: Vec<endpoint_secret::Model>) -> Self {
        Self {
            sealed,
            opened: OnceLock::new(),
        }
    }

    /// The secrets to sign with, opened by the first caller of `endpoint_id`'s
    /// context. An error (a changed main key, most likely) is kept too: it will not
    /// open with the same key a moment later.
    pub fn opened(&self, key: &MainKey, endpoint_id: &str) -> Result<&[WebhookSecret], &str> {
        self.opened
            .get_or_init(|| open_secrets(key, endpoint_id, &self.sealed).map_err(|e| e.to_string()))
            .as_deref()
            .map_err(String::as_str)
    }
}

impl std::fmt::Debug for SigningSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SigningSecrets({} sealed)", self.sealed.len())
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;

    fn sealed(key: &MainKey, secret: &WebhookSecret, expires: bool) -> endpoint_secret::Model {
        endpoint_secret::Model {
            id: "sec_1".into(),
            tenant_id: "t".into(),
            endpoint_id: "ep_1".into(),
            ciphertext: key.seal(secret.expose().as_bytes(), "ep_1"),
            created_at: Utc::now(),
            expires_at: expires.then(|| Utc::now() + chrono::Duration::hours(1)),
        }
    }

    #[test]
    fn secrets_open_current_first_and_once_for_every_attempt() {
        let key = MainKey::from_bytes([7; 32]);
        let (rotated, current) = (WebhookSecret::generate(), WebhookSecret::generate());
        // Read newest first: the rotated one is older but listed first here.
        let secrets = SigningSecrets::new(vec![
            sealed(&key, &rotated, true),
            sealed(&key, &current, false),
        ]);
        let first = secrets.opened(&key, "ep_1").unwrap();
        assert_eq!(first.len(), 2);
        assert!(std::ptr::eq(first, secrets.opened(&key, "ep_1").unwrap()));
        let sign =
            |s: &WebhookSecret| crate::engine::signature::sign(&s.key_bytes(), "m", 1, b"{}");
        assert_eq!(sign(&first[0]), sign(&current));
        assert_eq!(sign(&first[1]), sign(&rotated));
    }

    #[test]
    fn secrets_sealed_under_another_key_say_so_and_redact() {
        let key = MainKey::from_bytes([7; 32]);
        let secret = WebhookSecret::generate();
        let secrets = SigningSecrets::new(vec![sealed(&key, &secret, false)]);
        let other = MainKey::from_bytes([8; 32]);
        assert!(secrets.opened(&other, "ep_1").is_err());
        assert_eq!(format!("{secrets:?}"), "SigningSecrets(1 sealed)");
    }
}
