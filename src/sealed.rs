//! Secrets encrypted at rest (a user's TOTP secret): XChaCha20-Poly1305 under a
//! key HKDF-SHA256 derives from the [`SecretKey`] userdb already has, so a copy
//! of the database alone holds nothing an attacker can use.
//!
//! Each ciphertext carries the id of the key that sealed it (a short
//! fingerprint derived from the key, which tells nothing about it), so keys
//! can be rotated: a [`Sealer`] seals under its current key and opens with
//! whichever of its keys has the ciphertext's id (the current one, or a
//! previous one kept while secrets are re-sealed). A ciphertext no key opens
//! is [`Error::SecretNotDecrypted`] naming the key id: never a fallback.
//!
//! The nonce is 192 random bits per seal (XChaCha's size makes random nonces
//! safe without a counter); the associated data binds the ciphertext to its
//! user, so a row copied onto another user does not open.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngExt;
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::otp::SecretKey;

const NONCE_BYTES: usize = 24;
/// HKDF `info` of the encryption key: a new purpose gets a new label, never
/// this key.
const KEY_INFO: &[u8] = b"userdb sealed secrets v1: key";
/// HKDF `info` of the key id: derived apart from the key, so the id reveals
/// nothing of it.
const ID_INFO: &[u8] = b"userdb sealed secrets v1: key id";

/// A sealed secret as stored: the key's id and `nonce || ciphertext || tag`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    pub key_id: String,
    pub bytes: Vec<u8>,
}

/// One derived key and its id.
struct DerivedKey {
    id: String,
    cipher: XChaCha20Poly1305,
}

impl DerivedKey {
    fn from_secret_key(key: &SecretKey) -> Self {
        let hkdf = hkdf::Hkdf::<sha2::Sha256>::new(None, key.expose_bytes());
        let mut okm = Zeroizing::new([0u8; 32]);
        hkdf.expand(KEY_INFO, okm.as_mut())
            .expect("32 bytes is a valid HKDF-SHA256 length");
        let mut id = [0u8; 4];
        hkdf.expand(ID_INFO, &mut id)
            .expect("4 bytes is a valid HKDF-SHA256 length");
        let cipher = XChaCha20Poly1305::new_from_slice(okm.as_ref())
            .expect("XChaCha20-Poly1305 takes a 32-byte key");
        DerivedKey {
            id: id.iter().map(|b| format!("{b:02x}")).collect(),
            cipher,
        }
    }
}

/// Seals under the current key; opens under any key it holds.
pub struct Sealer {
    current: DerivedKey,
    previous: Vec<DerivedKey>,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Sealer(key id {})", self.current.id)
    }
}

impl Sealer {
    pub fn new(current: &SecretKey) -> Self {
        Sealer {
            current: DerivedKey::from_secret_key(current),
            previous: Vec::new(),
        }
    }

    /// Also opens what `previous` sealed (a key being rotated out).
    pub fn with_previous(mut self, previous: &SecretKey) -> Self {
        self.previous.push(DerivedKey::from_secret_key(previous));
        self
    }

    /// The id new ciphertexts carry.
    pub fn key_id(&self) -> &str {
        &self.current.id
    }

    /// Encrypts `secret`, bound to `context` (e.g. the user's id).
    pub fn seal(&self, secret: &[u8], context: &str) -> Sealed {
        let mut nonce = [0u8; NONCE_BYTES];
        rand::rng().fill(&mut nonce[..]);
        let payload = Payload {
            msg: secret,
            aad: context.as_bytes(),
        };
        let ciphertext = self
            .current
            .cipher
            .encrypt(&XNonce::from(nonce), payload)
            .expect("XChaCha20-Poly1305 encrypts any message under 256 GiB");
        let mut bytes = nonce.to_vec();
        bytes.extend_from_slice(&ciphertext);
        Sealed {
            key_id: self.current.id.clone(),
            bytes,
        }
    }

    /// Decrypts what [`Sealer::seal`] made with the same `context`; `what`
    /// names the secret in the error ("the TOTP secret of ada@example.com").
    pub fn open(&self, sealed: &Sealed, context: &str, what: &str) -> Result<Zeroizing<Vec<u8>>> {
        let refused = || Error::SecretNotDecrypted {
            what: what.to_string(),
            key_id: sealed.key_id.clone(),
            current_key_id: self.current.id.clone(),
        };
        let key = std::iter::once(&self.current)
            .chain(&self.previous)
            .find(|k| k.id == sealed.key_id)
            .ok_or_else(refused)?;
        if sealed.bytes.len() < NONCE_BYTES {
            return Err(refused());
        }
        let (nonce, ciphertext) = sealed.bytes.split_at(NONCE_BYTES);
        let nonce = XNonce::try_from(nonce).map_err(|_| refused())?;
        let payload = Payload {
            msg: ciphertext,
            aad: context.as_bytes(),
        };
        key.cipher
            .decrypt(&nonce, payload)
            .map(Zeroizing::new)
            .map_err(|_| refused())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(text: &str) -> SecretKey {
        SecretKey::new(&format!("{text:-<40}"), "test").unwrap()
    }

    #[test]
    fn a_sealed_secret_opens_under_its_key_and_context_only() {
        let sealer = Sealer::new(&key("one"));
        let sealed = sealer.seal(b"twenty bytes secret!", "user:7");
        assert_eq!(sealed.key_id, sealer.key_id());
        assert_eq!(sealed.key_id.len(), 8);
        assert!(!sealed.bytes.windows(5).any(|w| w == b"twent"));
        assert_eq!(
            sealer.open(&sealed, "user:7", "s").unwrap().as_slice(),
            b"twenty bytes secret!"
        );
        // Another user's row: the associated data differs.
        assert!(matches!(
            sealer.open(&sealed, "user:8", "s"),
            Err(Error::SecretNotDecrypted { .. })
        ));
        // Two seals of one secret differ (random nonces).
        assert_ne!(sealer.seal(b"x", "c").bytes, sealer.seal(b"x", "c").bytes);
    }

    #[test]
    fn another_key_is_a_typed_error_naming_both_key_ids() {
        let old = Sealer::new(&key("old"));
        let sealed = old.seal(b"secret", "user:1");
        let new = Sealer::new(&key("new"));
        assert_ne!(new.key_id(), old.key_id());
        let err = new
            .open(&sealed, "user:1", "the TOTP secret of ada@example.com")
            .unwrap_err();
        let text = err.to_string();
        assert!(text.contains(old.key_id()), "{text}");
        assert!(text.contains(new.key_id()), "{text}");
        assert!(!text.contains("secret\""), "{text}");
    }

    #[test]
    fn a_rotated_key_still_opens_what_the_previous_one_sealed() {
        let sealed = Sealer::new(&key("old")).seal(b"secret", "user:1");
        let rotating = Sealer::new(&key("new")).with_previous(&key("old"));
        assert_eq!(
            rotating.open(&sealed, "user:1", "s").unwrap().as_slice(),
            b"secret"
        );
        let resealed = rotating.seal(b"secret", "user:1");
        assert_eq!(resealed.key_id, Sealer::new(&key("new")).key_id());
    }

    #[test]
    fn a_tampered_ciphertext_does_not_open() {
        let sealer = Sealer::new(&key("one"));
        let mut sealed = sealer.seal(b"secret", "c");
        let last = sealed.bytes.len() - 1;
        sealed.bytes[last] ^= 1;
        assert!(sealer.open(&sealed, "c", "s").is_err());
        sealed.bytes.truncate(3);
        assert!(sealer.open(&sealed, "c", "s").is_err());
    }
}
