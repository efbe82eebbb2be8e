//! The main key: 32 bytes that encrypt endpoint secrets at rest (XChaCha20-Poly1305,
//! added with endpoints). Given as 64 hex digits in `HOOKRELAY_MAIN_KEY`, or, in the
//! embedded SQLite mode only, generated once into `<data_dir>/main.key` (mode 0600).

use std::{fmt, io::Write, path::Path};

use secrecy::{ExposeSecret, SecretBox};

pub const MAIN_KEY_FILE: &str = "main.key";

#[derive(Clone)]
pub struct MainKey(std::sync::Arc<SecretBox<[u8; 32]>>);

impl fmt::Debug for MainKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MainKey(<redacted>)")
    }
}

impl MainKey {
    /// Parses 64 hex digits. The error never repeats the input: it is a secret.
    pub fn from_hex(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text.len() != 64 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!(
                "must be 64 hex digits (32 bytes), got {} characters{}",
                text.len(),
                if text.bytes().all(|b| b.is_ascii_hexdigit()) {
                    ""
                } else {
                    " with non-hex ones"
                }
            ));
        }
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(text, &mut bytes).map_err(|e| e.to_string())?;
        Ok(Self::from_bytes(bytes))
    }

    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(std::sync::Arc::new(SecretBox::new(Box::new(bytes))))
    }

    pub fn generate() -> Self {
        Self::from_bytes(super::random_bytes())
    }

    pub fn expose(&self) -> &[u8; 32] {
        self.0.expose_secret()
    }

    /// Reads `<data_dir>/main.key`, creating it with a fresh key when it is missing.
    pub fn load_or_generate(data_dir: &Path) -> Result<Self, String> {
        let path = data_dir.join(MAIN_KEY_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => Self::from_hex(&text).map_err(|e| format!("{}: {e}", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = Self::generate();
                write_private(&path, hex::encode(key.expose()).as_bytes())
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
                tracing::info!(path = %path.display(), "generated a new main key");
                Ok(key)
            }
            Err(e) => Err(format!("cannot read {}: {e}", path.display())),
        }
    }
}

/// Creates `path` readable by its owner only, failing if it already exists.
fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(contents)?;
    file.write_all(b"\n")?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_only_64_hex_digits() {
        assert!(MainKey::from_hex(&"0f".repeat(32)).is_ok());
        assert!(
            MainKey::from_hex("abc")
                .unwrap_err()
                .contains("64 hex digits")
        );
        let secretish = "zz".repeat(32);
        assert!(!MainKey::from_hex(&secretish).unwrap_err().contains("zz"));
    }

    #[test]
    fn generated_key_is_kept_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let first = MainKey::load_or_generate(dir.path()).unwrap();
        let second = MainKey::load_or_generate(dir.path()).unwrap();
        assert_eq!(first.expose(), second.expose());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(MAIN_KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
