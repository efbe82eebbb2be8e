//! Encryption of secrets at rest: XChaCha20-Poly1305 under the main key, a fresh
//! random 24-byte nonce per value, and the owning row's id as associated data (so a
//! ciphertext copied onto another row does not decrypt). Stored as
//! base64(nonce ‖ ciphertext ‖ tag).

use base64::{Engine, engine::general_purpose::STANDARD};
use chacha20poly1305::{
    Key, KeyInit, XChaCha20Poly1305, XNonce,
    aead::{Aead, Payload},
};

use super::{MainKey, random_bytes};

const NONCE_LEN: usize = 24;

#[derive(Debug, thiserror::Error)]
#[error("a stored secret could not be decrypted (wrong HOOKRELAY_MAIN_KEY?)")]
pub struct DecryptError;

impl MainKey {
    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(&Key::from(*self.expose()))
    }

    /// Encrypts `plaintext` bound to `owner_id`.
    pub fn seal(&self, plaintext: &[u8], owner_id: &str) -> String {
        let nonce: [u8; NONCE_LEN] = random_bytes();
        let ciphertext = self
            .cipher()
            .encrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: plaintext,
                    aad: owner_id.as_bytes(),
                },
            )
            .expect("XChaCha20-Poly1305 encrypts any length we store");
        let mut out = Vec::with_capacity(NONCE_LEN + ciphertext.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ciphertext);
        STANDARD.encode(out)
    }

    /// Decrypts what [`MainKey::seal`] produced for the same `owner_id`.
    pub fn open(&self, sealed: &str, owner_id: &str) -> Result<Vec<u8>, DecryptError> {
        let bytes = STANDARD.decode(sealed).map_err(|_| DecryptError)?;
        if bytes.len() < NONCE_LEN {
            return Err(DecryptError);
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| DecryptError)?;
        self.cipher()
            .decrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: ciphertext,
                    aad: owner_id.as_bytes(),
                },
            )
            .map_err(|_| DecryptError)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_and_opens_bound_to_its_owner() {
        let key = MainKey::generate();
        let sealed = key.seal(b"whsec_plain", "ep_1");
        assert!(!sealed.contains("whsec_plain"));
        assert_ne!(
            sealed,
            key.seal(b"whsec_plain", "ep_1"),
            "a fresh nonce each time"
        );
        assert_eq!(key.open(&sealed, "ep_1").unwrap(), b"whsec_plain");
        assert!(key.open(&sealed, "ep_2").is_err(), "bound to its owner");
        assert!(
            MainKey::generate().open(&sealed, "ep_1").is_err(),
            "bound to the key"
        );
        assert!(key.open("not base64!", "ep_1").is_err());
    }
}
