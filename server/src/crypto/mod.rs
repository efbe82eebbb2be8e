//! Key material: the main key that encrypts secrets at rest, and random tokens.

mod main_key;
mod secret_box;

pub use main_key::{MAIN_KEY_FILE, MainKey};
pub use secret_box::DecryptError;

/// `n` bytes from the operating system's CSPRNG (through rand's thread RNG).
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    rand::fill(&mut bytes[..]);
    bytes
}
