//! Time-based one-time passwords (RFC 6238) as authenticator apps implement
//! them: HMAC-SHA1, 6 digits, 30-second steps from T0 = 0, a 160-bit random
//! secret. Those are the only parameters accepted: SHA-256 or 8-digit secrets
//! silently fail in some apps, so an `otpauth://` URI asking for them is
//! refused rather than half-honoured. The rules that use codes (replay,
//! enrolment) live in the manager; this is the arithmetic and the URI.

use hmac::{KeyInit, Mac};
use jiff::Timestamp;
use rand::RngExt;
use secrecy::{ExposeSecret, SecretSlice};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

type HmacSha1 = hmac::Hmac<sha1::Sha1>;

/// Seconds per step (RFC 6238's X).
pub const STEP_SECONDS: i64 = 30;
/// Digits per code.
pub const DIGITS: u32 = 6;
/// Bytes of a new secret (160 bits, RFC 4226's recommendation).
pub const SECRET_BYTES: usize = 20;
/// The least secret an import accepts (128 bits, RFC 4226's minimum).
pub const MIN_SECRET_BYTES: usize = 16;

/// A TOTP secret: never printed by `Debug`, zeroed on drop.
pub struct TotpSecret(SecretSlice<u8>);

impl std::fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpSecret(..)")
    }
}

impl TotpSecret {
    /// A fresh 160-bit secret from the OS-seeded CSPRNG.
    pub fn generate() -> Self {
        let mut bytes = vec![0u8; SECRET_BYTES];
        rand::rng().fill(&mut bytes[..]);
        TotpSecret(SecretSlice::from(bytes))
    }

    /// A secret from its raw bytes (decrypted from storage).
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        TotpSecret(SecretSlice::from(bytes))
    }

    /// The raw bytes, to encrypt or to compute a code.
    pub fn expose(&self) -> &[u8] {
        self.0.expose_secret()
    }

    /// RFC 4648 base32 without padding, as apps and URIs carry it.
    pub fn to_base32(&self) -> Zeroizing<String> {
        Zeroizing::new(data_encoding::BASE32_NOPAD.encode(self.expose()))
    }

    /// The base32 text in groups of 4 (`ABCD EFGH …`), easier to type by hand.
    pub fn grouped(&self) -> Zeroizing<String> {
        let plain = self.to_base32();
        let mut out = Zeroizing::new(String::with_capacity(plain.len() * 5 / 4));
        for (i, c) in plain.chars().enumerate() {
            if i > 0 && i % 4 == 0 {
                out.push(' ');
            }
            out.push(c);
        }
        out
    }

    /// A secret typed or pasted in base32: case, spaces, dashes and `=` padding
    /// are ignored. Shorter than [`MIN_SECRET_BYTES`] is refused.
    pub fn from_base32(text: &str) -> Result<Self, TotpUriError> {
        let clean: Zeroizing<String> = Zeroizing::new(
            text.chars()
                .filter(|c| !matches!(c, ' ' | '-' | '='))
                .map(|c| c.to_ascii_uppercase())
                .collect(),
        );
        let bytes = data_encoding::BASE32_NOPAD
            .decode(clean.as_bytes())
            .map_err(|_| TotpUriError::BadSecret)?;
        if bytes.len() < MIN_SECRET_BYTES {
            return Err(TotpUriError::SecretTooShort {
                bits: bytes.len() * 8,
            });
        }
        Ok(TotpSecret::from_bytes(bytes))
    }
}

/// How many steps before and after the current one a code may come from,
/// each at most one (a clock off by more is a clock to fix, not a window to
/// widen). The default accepts the current and the previous step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Skew {
    pub behind: u8,
    pub ahead: u8,
}

impl Default for Skew {
    fn default() -> Self {
        Skew {
            behind: 1,
            ahead: 0,
        }
    }
}

/// The step a time falls in (T0 = 0; times before 1970 are step 0's past:
/// floor division).
pub fn step_at(at: Timestamp) -> i64 {
    at.as_second().div_euclid(STEP_SECONDS)
}

/// RFC 4226's HOTP value of `counter`, truncated to `digits` digits.
fn hotp(key: &[u8], counter: u64, digits: u32) -> Zeroizing<String> {
    let mut mac = HmacSha1::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(&counter.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[19] & 0x0f);
    let word = u32::from_be_bytes([
        digest[offset] & 0x7f,
        digest[offset + 1],
        digest[offset + 2],
        digest[offset + 3],
    ]);
    let value = u64::from(word) % 10u64.pow(digits);
    Zeroizing::new(format!("{value:0width$}", width = digits as usize))
}

/// The 6-digit code of `step`.
pub fn code_at_step(secret: &TotpSecret, step: i64) -> Zeroizing<String> {
    hotp(secret.expose(), u64::try_from(step).unwrap_or(0), DIGITS)
}

/// The step whose code `code` is, among the steps `skew` allows around `now`
/// (the latest when several match), or `None`. Every allowed step is
/// compared, in constant time, so the time taken says nothing of which
/// matched. `code` is the digits alone (see [`crate::otp::normalize_code`]).
pub fn verify(secret: &TotpSecret, code: &str, now: Timestamp, skew: Skew) -> Option<i64> {
    let current = step_at(now);
    let behind = i64::from(skew.behind.min(1));
    let ahead = i64::from(skew.ahead.min(1));
    let mut matched = None;
    for step in (current - behind)..=(current + ahead) {
        if step < 0 {
            continue;
        }
        let expected = code_at_step(secret, step);
        if bool::from(expected.as_bytes().ct_eq(code.as_bytes())) {
            matched = Some(step);
        }
    }
    matched
}

/// Why an `otpauth://` URI (or a typed secret) is not one userdb can use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TotpUriError {
    #[error("not an otpauth://totp/ URI")]
    NotTotp,
    #[error("the URI has no secret")]
    MissingSecret,
    #[error("the secret is not base32 (RFC 4648)")]
    BadSecret,
    #[error("the secret has {bits} bits; at least 128 are needed (RFC 4226)")]
    SecretTooShort { bits: usize },
    #[error("algorithm {0} is not supported: only SHA1 works in every authenticator app")]
    Algorithm(String),
    #[error("{0} digits are not supported: only 6")]
    Digits(String),
    #[error("a period of {0} seconds is not supported: only 30")]
    Period(String),
    #[error("the URI is not valid percent-encoded text")]
    Encoding,
}

/// A parsed `otpauth://totp/` URI.
#[derive(Debug)]
pub struct TotpUri {
    /// The issuer, from the `issuer` parameter or else the label's prefix.
    pub issuer: Option<String>,
    /// The account name of the label (an email address, usually).
    pub account: String,
    pub secret: TotpSecret,
}

/// Characters a URI component keeps as they are (RFC 3986's unreserved, and
/// `@`, which authenticator apps expect to see unencoded in an address).
fn keep(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'@')
}

fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if keep(b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn percent_decode(text: &str) -> Result<String, TotpUriError> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = text.get(i + 1..i + 3).ok_or(TotpUriError::Encoding)?;
                out.push(u8::from_str_radix(hex, 16).map_err(|_| TotpUriError::Encoding)?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| TotpUriError::Encoding)
}

/// The key URI authenticator apps read (Google's "Key Uri Format"):
/// `otpauth://totp/ISSUER:ACCOUNT?secret=…&issuer=…`. The defaults
/// (SHA1, 6 digits, 30 s) are what every app assumes, so they are left out.
/// It holds the secret: never log it.
pub fn build_uri(issuer: &str, account: &str, secret: &TotpSecret) -> Zeroizing<String> {
    let issuer = percent_encode(issuer);
    Zeroizing::new(format!(
        "otpauth://totp/{issuer}:{}?secret={}&issuer={issuer}",
        percent_encode(account),
        secret.to_base32().as_str()
    ))
}

/// Reads an `otpauth://totp/` URI, refusing every parameter userdb cannot
/// honour (an algorithm other than SHA1, other digits or periods) with a
/// typed reason.
pub fn parse_uri(uri: &str) -> Result<TotpUri, TotpUriError> {
    let rest = uri
        .trim()
        .strip_prefix("otpauth://")
        .ok_or(TotpUriError::NotTotp)?;
    let (kind, rest) = rest.split_once('/').ok_or(TotpUriError::NotTotp)?;
    if !kind.eq_ignore_ascii_case("totp") {
        return Err(TotpUriError::NotTotp);
    }
    let (label, query) = rest.split_once('?').unwrap_or((rest, ""));
    let label = percent_decode(label)?;
    let (label_issuer, account) = match label.split_once(':') {
        Some((issuer, account)) => (Some(issuer.trim().to_string()), account.trim()),
        None => (None, label.trim()),
    };
    let mut secret = None;
    let mut issuer = None;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let value = Zeroizing::new(percent_decode(value)?);
        match key.to_ascii_lowercase().as_str() {
            "secret" => secret = Some(TotpSecret::from_base32(&value)?),
            "issuer" => issuer = Some(value.to_string()),
            "algorithm" if !value.eq_ignore_ascii_case("SHA1") => {
                return Err(TotpUriError::Algorithm(value.to_string()));
            }
            "digits" if value.as_str() != "6" => {
                return Err(TotpUriError::Digits(value.to_string()));
            }
            "period" if value.as_str() != "30" => {
                return Err(TotpUriError::Period(value.to_string()));
            }
            // Other parameters (an image, a colour) change nothing.
            _ => {}
        }
    }
    Ok(TotpUri {
        issuer: issuer.or(label_issuer).filter(|i| !i.is_empty()),
        account: account.to_string(),
        secret: secret.ok_or(TotpUriError::MissingSecret)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 Appendix B's SHA1 seed: "12345678901234567890".
    fn rfc_secret() -> TotpSecret {
        TotpSecret::from_bytes(b"12345678901234567890".to_vec())
    }

    fn time(seconds: i64) -> Timestamp {
        Timestamp::from_second(seconds).unwrap()
    }

    #[test]
    fn rfc_6238_appendix_b_sha1_vectors() {
        // (time, 8-digit TOTP) from the RFC's table, SHA1 rows.
        let vectors = [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ];
        for (seconds, expected) in vectors {
            let step = step_at(time(seconds));
            let counter = u64::try_from(step).unwrap();
            assert_eq!(
                hotp(rfc_secret().expose(), counter, 8).as_str(),
                expected,
                "T = {seconds}"
            );
            // Six digits are the same value truncated further (mod 10^6).
            assert_eq!(
                code_at_step(&rfc_secret(), step).as_str(),
                &expected[2..],
                "T = {seconds}"
            );
        }
    }

    #[test]
    fn a_code_is_accepted_in_its_step_and_the_previous_one_by_default() {
        let secret = TotpSecret::generate();
        let now = time(1_800_000_000);
        let step = step_at(now);
        let current = code_at_step(&secret, step);
        let previous = code_at_step(&secret, step - 1);
        let next = code_at_step(&secret, step + 1);
        let older = code_at_step(&secret, step - 2);
        assert_eq!(verify(&secret, &current, now, Skew::default()), Some(step));
        assert_eq!(
            verify(&secret, &previous, now, Skew::default()),
            Some(step - 1)
        );
        assert_eq!(verify(&secret, &next, now, Skew::default()), None);
        assert_eq!(verify(&secret, &older, now, Skew::default()), None);
        let both = Skew {
            behind: 1,
            ahead: 1,
        };
        assert_eq!(verify(&secret, &next, now, both), Some(step + 1));
    }

    #[test]
    fn the_skew_never_reaches_beyond_one_step() {
        let secret = TotpSecret::generate();
        let now = time(1_800_000_000);
        let two_back = code_at_step(&secret, step_at(now) - 2);
        let wide = Skew {
            behind: 9,
            ahead: 9,
        };
        assert_eq!(verify(&secret, &two_back, now, wide), None);
        assert_eq!(verify(&secret, "12345", now, wide), None, "too short");
    }

    #[test]
    fn a_new_secret_is_160_random_bits_shown_in_groups_of_four() {
        let secret = TotpSecret::generate();
        assert_eq!(secret.expose().len(), 20);
        assert_ne!(secret.expose(), TotpSecret::generate().expose());
        let plain = secret.to_base32();
        assert_eq!(plain.len(), 32);
        let grouped = secret.grouped();
        assert_eq!(grouped.split(' ').count(), 8);
        assert!(grouped.split(' ').all(|g| g.len() == 4), "{}", *grouped);
        assert_eq!(grouped.replace(' ', ""), *plain);
        assert_eq!(format!("{secret:?}"), "TotpSecret(..)");
    }

    #[test]
    fn a_typed_secret_ignores_case_spaces_and_padding() {
        let secret = TotpSecret::generate();
        let typed = secret.grouped().to_lowercase();
        assert_eq!(
            TotpSecret::from_base32(&typed).unwrap().expose(),
            secret.expose()
        );
        assert_eq!(
            TotpSecret::from_base32("JBSWY3DPEHPK3PXP").unwrap_err(),
            TotpUriError::SecretTooShort { bits: 80 }
        );
        assert_eq!(
            TotpSecret::from_base32("not base32!").unwrap_err(),
            TotpUriError::BadSecret
        );
    }

    #[test]
    fn a_built_uri_parses_back_to_the_same_secret() {
        let secret = TotpSecret::generate();
        let uri = build_uri("Acme Corp", "ada@example.com", &secret);
        assert!(
            uri.starts_with("otpauth://totp/Acme%20Corp:ada@example.com?secret="),
            "{}",
            *uri
        );
        assert!(uri.ends_with("&issuer=Acme%20Corp"), "{}", *uri);
        let parsed = parse_uri(&uri).unwrap();
        assert_eq!(parsed.issuer.as_deref(), Some("Acme Corp"));
        assert_eq!(parsed.account, "ada@example.com");
        assert_eq!(parsed.secret.expose(), secret.expose());
    }

    #[test]
    fn a_uri_with_parameters_apps_do_not_all_honour_is_refused() {
        let secret = TotpSecret::generate().to_base32();
        let uri = |extra: &str| format!("otpauth://totp/X:a@b.c?secret={}{extra}", *secret);
        assert!(parse_uri(&uri("&algorithm=SHA1&digits=6&period=30")).is_ok());
        assert_eq!(
            parse_uri(&uri("&algorithm=SHA256")).unwrap_err(),
            TotpUriError::Algorithm("SHA256".into())
        );
        assert_eq!(
            parse_uri(&uri("&digits=8")).unwrap_err(),
            TotpUriError::Digits("8".into())
        );
        assert_eq!(
            parse_uri(&uri("&period=60")).unwrap_err(),
            TotpUriError::Period("60".into())
        );
        assert_eq!(
            parse_uri("otpauth://hotp/X:a@b.c?secret=AAAA&counter=1").unwrap_err(),
            TotpUriError::NotTotp
        );
        assert_eq!(
            parse_uri("otpauth://totp/X:a@b.c?issuer=X").unwrap_err(),
            TotpUriError::MissingSecret
        );
        // The label's issuer serves when the parameter is missing.
        let parsed = parse_uri(&format!("otpauth://totp/Old%20Co:a@b.c?secret={}", *secret));
        assert_eq!(parsed.unwrap().issuer.as_deref(), Some("Old Co"));
    }
}
