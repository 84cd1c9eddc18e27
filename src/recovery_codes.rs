//! Recovery codes: the second factor of a user who lost the authenticator.
//! Ten codes of ten characters from an alphabet without look-alikes (no 0/O,
//! 1/I), 50 bits each, shown `XXXXX-XXXXX`. Only a keyed HMAC-SHA-256 of each
//! is stored (bound to its user), so the database alone cannot test guesses.

use hmac::{KeyInit, Mac};
use rand::RngExt;
use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

use crate::otp::SecretKey;

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// How many codes a set has.
pub const CODES_PER_SET: usize = 10;
/// Characters per code.
pub const CODE_LEN: usize = 10;
/// The alphabet: upper-case letters and digits without 0, 1, I and O.
pub const ALPHABET: &[u8; 32] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/// A fresh set of codes, each shown `XXXXX-XXXXX`.
pub fn generate_set() -> Vec<SecretString> {
    (0..CODES_PER_SET).map(|_| generate_code()).collect()
}

fn generate_code() -> SecretString {
    let mut rng = rand::rng();
    let mut code = Zeroizing::new(String::with_capacity(CODE_LEN + 1));
    for i in 0..CODE_LEN {
        if i == CODE_LEN / 2 {
            code.push('-');
        }
        code.push(char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]));
    }
    SecretString::from(code.as_str())
}

/// A code as typed, in its canonical form: upper case, without dashes or
/// blanks. `None` when it cannot be a recovery code (so a TOTP code or a typo
/// costs no lookup).
pub fn normalize(typed: &str) -> Option<Zeroizing<String>> {
    let code: Zeroizing<String> = Zeroizing::new(
        typed
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .map(|c| c.to_ascii_uppercase())
            .collect(),
    );
    let fits = code.len() == CODE_LEN && code.bytes().all(|b| ALPHABET.contains(&b));
    fits.then_some(code)
}

/// The stored form of a code of `user_id`: HMAC-SHA-256 under the secret key
/// over the user and the canonical code. Equal for every spelling
/// [`normalize`] accepts.
pub fn digest(key: &SecretKey, user_id: i64, canonical: &str) -> [u8; 32] {
    let mut mac =
        HmacSha256::new_from_slice(key.expose_bytes()).expect("HMAC takes keys of any length");
    mac.update(format!("userdb-recovery:{user_id}:{canonical}").as_bytes());
    mac.finalize().into_bytes().into()
}

/// The digests of a set, for storage.
pub fn digests(key: &SecretKey, user_id: i64, codes: &[SecretString]) -> Vec<[u8; 32]> {
    codes
        .iter()
        .filter_map(|c| normalize(c.expose_secret()))
        .map(|c| digest(key, user_id, &c))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SecretKey {
        SecretKey::new("0123456789abcdef0123456789abcdef", "test").unwrap()
    }

    #[test]
    fn a_set_is_ten_distinct_codes_of_ten_characters_shown_in_two_groups() {
        let set = generate_set();
        assert_eq!(set.len(), 10);
        for code in &set {
            let shown = code.expose_secret();
            let (a, b) = shown.split_once('-').expect("XXXXX-XXXXX");
            assert_eq!((a.len(), b.len()), (5, 5), "{shown}");
            assert!(
                shown
                    .bytes()
                    .filter(|&b| b != b'-')
                    .all(|b| ALPHABET.contains(&b))
            );
        }
        let mut distinct: Vec<&str> = set.iter().map(|c| c.expose_secret()).collect();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), 10);
    }

    #[test]
    fn a_code_matches_whatever_its_case_dashes_and_spaces() {
        let stored = digest(&key(), 7, &normalize("ABCDE-FGHJK").unwrap());
        for typed in ["abcde-fghjk", "ABCDEFGHJK", " abcde fghjk ", "AbCdE-fGhJk"] {
            let canonical = normalize(typed).unwrap();
            assert_eq!(digest(&key(), 7, &canonical), stored, "{typed}");
        }
        // Another user's code with the same text is another digest.
        assert_ne!(digest(&key(), 8, "ABCDEFGHJK"), stored);
    }

    #[test]
    fn text_that_cannot_be_a_code_is_not_one() {
        assert!(normalize("123456").is_none(), "a TOTP code");
        assert!(
            normalize("ABCDE-FGHJ0").is_none(),
            "0 is not in the alphabet"
        );
        assert!(normalize("ABCDE-FGHJKL").is_none(), "too long");
    }
}
