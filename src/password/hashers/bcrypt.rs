//! bcrypt_sha256 and bcrypt (Django's `BCryptSHA256PasswordHasher` and
//! `BCryptPasswordHasher`).

use base64::Engine as _;
use base64::alphabet;
use base64::engine::GeneralPurpose;
use base64::engine::general_purpose::NO_PAD;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::{Cost, HashError, malformed};

/// Bound on stored hashes.
const MAX_BCRYPT_COST: u64 = 20;
/// Seconds for cost 0 on the reference machine (each step of the cost doubles
/// it).
const BCRYPT_COST0_SEC: f64 = 6.0e-5;

/// bcrypt's own base64 (the one the `bcrypt` crate decodes with).
const BCRYPT_BASE64: GeneralPurpose = GeneralPurpose::new(&alphabet::BCRYPT, NO_PAD);

/// A parsed `bcrypt_sha256$...` or `bcrypt$...` hash.
#[derive(Debug)]
pub(super) struct BcryptHash<'a> {
    /// `bcrypt_sha256`: the password is SHA-256'd and hex-encoded first.
    prehash: bool,
    /// The `$2b$<cost>$<salt><hash>` part, already validated.
    mcf: &'a str,
}

impl BcryptHash<'_> {
    pub(super) fn algorithm(&self) -> &'static str {
        if self.prehash {
            "bcrypt_sha256"
        } else {
            "bcrypt"
        }
    }

    pub(super) fn cost(&self) -> Cost {
        // Validated at parsing: two digits, 4..=MAX_BCRYPT_COST.
        let cost: i32 = self.mcf[4..6].parse().unwrap_or(i32::MAX);
        Cost {
            memory: 0,
            seconds: BCRYPT_COST0_SEC * 2f64.powi(cost),
        }
    }

    pub(super) fn matches(&self, password: &[u8]) -> Result<bool, HashError> {
        let failed = |err: bcrypt::BcryptError| HashError::Failed {
            algorithm: self.algorithm(),
            reason: err.to_string(),
        };
        if self.prehash {
            let hex = sha256_hex(password);
            bcrypt::verify(hex.as_slice(), self.mcf).map_err(failed)
        } else {
            // bcrypt only reads the first 72 bytes; hashes made by Django
            // with bcrypt < 5 were made that way, so verify them that way.
            bcrypt::verify(password, self.mcf).map_err(failed)
        }
    }
}

/// Lower-case hex of SHA-256(password), as `bcrypt_sha256` feeds to bcrypt.
pub(super) fn sha256_hex(password: &[u8]) -> Zeroizing<[u8; 64]> {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut digest = Zeroizing::new([0u8; 32]);
    digest.copy_from_slice(&Sha256::digest(password));
    let mut hex = Zeroizing::new([0u8; 64]);
    for (pair, byte) in hex.chunks_exact_mut(2).zip(digest.iter()) {
        pair[0] = HEX[usize::from(byte >> 4)];
        pair[1] = HEX[usize::from(byte & 0x0f)];
    }
    hex
}

/// `$2b$<cost>$<22 salt chars><31 hash chars>` (Django writes `$2b$`; `$2a$`
/// and `$2y$` come from other bcrypt implementations and mean the same).
pub(super) fn parse<'a>(
    algorithm: &'static str,
    mcf: &'a str,
    prehash: bool,
) -> Result<BcryptHash<'a>, HashError> {
    // Checked first so that the byte slicing below is on char boundaries.
    if !mcf.is_ascii() {
        return Err(malformed(algorithm, "contains non-ASCII characters"));
    }
    if mcf.len() != 60 {
        return Err(malformed(
            algorithm,
            format!(
                "expected `{algorithm}$$2b$<cost>$<53 characters>`, found {} bytes after `{algorithm}$`",
                mcf.len()
            ),
        ));
    }
    if !matches!(&mcf[..4], "$2a$" | "$2b$" | "$2y$") {
        return Err(malformed(
            algorithm,
            "bcrypt prefix is not `$2b$`, `$2a$` or `$2y$`",
        ));
    }
    if &mcf[6..7] != "$" {
        return Err(malformed(
            algorithm,
            "cost is not two digits followed by `$`",
        ));
    }
    // bcrypt writes the cost as exactly two digits, so "04" is fine here.
    let cost = &mcf[4..6];
    if !cost.bytes().all(|b| b.is_ascii_digit()) {
        return Err(malformed(algorithm, "cost is not a decimal number"));
    }
    let cost = cost.parse().unwrap_or(u64::MAX);
    if !(4..=MAX_BCRYPT_COST).contains(&cost) {
        return Err(HashError::CostOutOfRange {
            algorithm,
            parameter: "cost",
            value: cost,
            min: 4,
            max: MAX_BCRYPT_COST,
        });
    }
    let mut salt = [0u8; 16];
    let mut hash = [0u8; 23];
    if !matches!(BCRYPT_BASE64.decode_slice(&mcf[7..29], &mut salt), Ok(16)) {
        return Err(malformed(algorithm, "salt is not valid bcrypt base64"));
    }
    if !matches!(BCRYPT_BASE64.decode_slice(&mcf[29..], &mut hash), Ok(23)) {
        return Err(malformed(algorithm, "hash is not valid bcrypt base64"));
    }
    Ok(BcryptHash { prehash, mcf })
}

#[cfg(test)]
mod tests {
    use super::super::tests::cheap_hasher;
    use super::*;

    #[test]
    fn bcrypt_sha256_hashes_the_hex_digest_not_the_password() {
        let hasher = cheap_hasher();
        let raw = format!("bcrypt_sha256${}", bcrypt::hash("pw", 4).unwrap());
        assert!(!hasher.verify("pw", &raw).unwrap().matches);
        assert_eq!(
            sha256_hex(b"abc").as_slice(),
            b"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn plain_bcrypt_only_reads_the_first_72_bytes_as_bcrypt_always_did() {
        let hasher = cheap_hasher();
        let long = "a".repeat(72);
        let encoded = format!("bcrypt${}", bcrypt::hash(format!("{long}tail"), 4).unwrap());
        assert!(
            hasher
                .verify(&format!("{long}other"), &encoded)
                .unwrap()
                .matches
        );
    }
}
