//! pbkdf2_sha256 and pbkdf2_sha1 (Django's `PBKDF2PasswordHasher` and
//! `PBKDF2SHA1PasswordHasher`).

use base64::engine::general_purpose::STANDARD;
use sha1::Sha1;
use sha2::Sha256;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::{Cost, HashError, decimal, decode, malformed, to_u32};

/// Bound on stored hashes.
const MAX_PBKDF2_ITERATIONS: u64 = 100_000_000;
/// pbkdf2_sha256 iterations per second on the reference machine.
const PBKDF2_SHA256_PER_SEC: f64 = 5_700_000.0;
/// pbkdf2_sha1 iterations per second on the reference machine.
const PBKDF2_SHA1_PER_SEC: f64 = 5_700_000.0;

#[derive(Debug, Clone, Copy)]
pub(super) enum Prf {
    Sha256,
    Sha1,
}

impl Prf {
    pub(super) fn algorithm(self) -> &'static str {
        match self {
            Prf::Sha256 => "pbkdf2_sha256",
            Prf::Sha1 => "pbkdf2_sha1",
        }
    }

    fn digest_len(self) -> usize {
        match self {
            Prf::Sha256 => 32,
            Prf::Sha1 => 20,
        }
    }
}

/// A parsed `pbkdf2_sha256$...` or `pbkdf2_sha1$...` hash.
#[derive(Debug)]
pub(super) struct Pbkdf2Hash<'a> {
    prf: Prf,
    iterations: u32,
    salt: &'a str,
    hash: Vec<u8>,
}

impl Pbkdf2Hash<'_> {
    pub(super) fn algorithm(&self) -> &'static str {
        self.prf.algorithm()
    }

    pub(super) fn cost(&self) -> Cost {
        Cost {
            memory: 0,
            seconds: f64::from(self.iterations)
                / match self.prf {
                    Prf::Sha256 => PBKDF2_SHA256_PER_SEC,
                    Prf::Sha1 => PBKDF2_SHA1_PER_SEC,
                },
        }
    }

    pub(super) fn matches(&self, password: &[u8]) -> bool {
        let mut out = Zeroizing::new(vec![0u8; self.hash.len()]);
        let salt = self.salt.as_bytes();
        match self.prf {
            Prf::Sha256 => pbkdf2::pbkdf2_hmac::<Sha256>(password, salt, self.iterations, &mut out),
            Prf::Sha1 => pbkdf2::pbkdf2_hmac::<Sha1>(password, salt, self.iterations, &mut out),
        }
        out.ct_eq(&self.hash).into()
    }
}

/// `<iterations>$<salt>$<base64 hash>`.
pub(super) fn parse(prf: Prf, rest: &str) -> Result<Pbkdf2Hash<'_>, HashError> {
    let a = prf.algorithm();
    let fields: Vec<&str> = rest.split('$').collect();
    let &[iterations, salt, hash] = fields.as_slice() else {
        return Err(malformed(
            a,
            format!(
                "expected `{a}$<iterations>$<salt>$<hash>`, found {} fields after `{a}`",
                fields.len()
            ),
        ));
    };
    let iterations = decimal(a, "iterations", iterations, 1, MAX_PBKDF2_ITERATIONS)?;
    if salt.is_empty() {
        return Err(malformed(a, "salt is empty"));
    }
    let hash = decode(a, "hash", &STANDARD, "padded base64", hash)?;
    if hash.len() != prf.digest_len() {
        return Err(malformed(
            a,
            format!(
                "hash is {} bytes, expected {}",
                hash.len(),
                prf.digest_len()
            ),
        ));
    }
    Ok(Pbkdf2Hash {
        prf,
        iterations: to_u32(a, "iterations", iterations)?,
        salt,
        hash,
    })
}
