//! API tokens: the format, and what is known about a stored token.
//!
//! A token is `udb_` + 32 base62 characters from a CSPRNG (~190 bits) + 6 base62
//! characters of the CRC32 of everything before them, as GitHub's tokens are built:
//! a secret scanner recognises a leaked one by [`TOKEN_REGEX`] (and can check the
//! checksum), and a mistyped one is rejected by [`parse`] before any database lookup.
//! Only the SHA-256 [`digest`] is stored, with a short [`display_prefix`] to tell
//! tokens apart in listings.

use std::fmt;

use jiff::Timestamp;
use rand::distr::{Alphanumeric, SampleString};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::clock::serde_timestamp;

/// What every token starts with.
pub const PREFIX: &str = "udb_";
/// Random base62 characters after the prefix.
pub const RANDOM_LEN: usize = 32;
/// Base62 characters of the CRC32 checksum at the end.
pub const CHECKSUM_LEN: usize = 6;
/// The whole token's length: 42 characters.
pub const TOKEN_LEN: usize = PREFIX.len() + RANDOM_LEN + CHECKSUM_LEN;
/// Random characters kept (after the prefix) in the display prefix.
pub const DISPLAY_RANDOM_CHARS: usize = 4;

/// A regular expression that matches a userdb token in any text (for secret
/// scanners); the checksum then tells a real token from a look-alike.
pub const TOKEN_REGEX: &str = r"\budb_[0-9A-Za-z]{38}\b";

/// The checksum's digits, in value order (as GitHub's tokens).
const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// An operator's password-reset token (`create-reset-token`): the same form as
/// an API token with its own prefix, so a scanner tells the two apart and one
/// can never be used as the other.
pub const RESET_PREFIX: &str = "udbr_";

/// A regular expression that matches a reset token in any text.
pub const RESET_TOKEN_REGEX: &str = r"\budbr_[0-9A-Za-z]{38}\b";

/// A SHA-256 digest of a token: what the database stores and looks up.
pub type TokenDigest = [u8; 32];

/// Why a string is not a well-formed token. None of these say anything about the
/// secret part, so they may be shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    #[error("it does not start with {0}")]
    Prefix(&'static str),
    #[error("it is {found} characters long, not {expected}")]
    Length { found: usize, expected: usize },
    #[error("it contains a character that is not a letter or a digit")]
    Character,
    #[error("its checksum does not match (mistyped or truncated?)")]
    Checksum,
}

/// Makes a new token from the operating system's CSPRNG.
pub fn generate() -> SecretString {
    generate_with(PREFIX)
}

/// A new token with `prefix` ([`PREFIX`] or [`RESET_PREFIX`]).
pub fn generate_with(prefix: &str) -> SecretString {
    let mut token = String::with_capacity(prefix.len() + RANDOM_LEN + CHECKSUM_LEN);
    token.push_str(prefix);
    Alphanumeric.append_string(&mut rand::rng(), &mut token, RANDOM_LEN);
    let checksum = encode_checksum(crc32fast::hash(token.as_bytes()));
    token.push_str(&checksum);
    SecretString::from(token)
}

/// The 6 base62 digits of a CRC32, most significant first, zero padded
/// (62^6 > 2^32, so every checksum fits).
fn encode_checksum(mut crc: u32) -> String {
    let mut digits = [b'0'; CHECKSUM_LEN];
    for digit in digits.iter_mut().rev() {
        *digit = BASE62[(crc % 62) as usize];
        crc /= 62;
    }
    digits.iter().map(|&d| char::from(d)).collect()
}

fn decode_checksum(text: &[u8]) -> Option<u32> {
    let mut value: u64 = 0;
    for &c in text {
        let digit = BASE62.iter().position(|&d| d == c)? as u64;
        value = value * 62 + digit;
    }
    u32::try_from(value).ok()
}

/// Checks a token's form: prefix, length, characters and checksum. Cheap (a CRC
/// over 36 bytes), and no database is involved.
pub fn check_format(token: &str) -> Result<(), FormatError> {
    check_format_with(PREFIX, token)
}

/// [`check_format`] for tokens that start with `prefix`.
pub fn check_format_with(prefix: &'static str, token: &str) -> Result<(), FormatError> {
    let bytes = token.as_bytes();
    let expected = prefix.len() + RANDOM_LEN + CHECKSUM_LEN;
    if !token.starts_with(prefix) {
        return Err(FormatError::Prefix(prefix));
    }
    if bytes.len() != expected {
        return Err(FormatError::Length {
            found: token.chars().count(),
            expected,
        });
    }
    if !bytes[prefix.len()..].iter().all(u8::is_ascii_alphanumeric) {
        return Err(FormatError::Character);
    }
    let (body, checksum) = bytes.split_at(expected - CHECKSUM_LEN);
    match decode_checksum(checksum) {
        Some(crc) if crc == crc32fast::hash(body) => Ok(()),
        _ => Err(FormatError::Checksum),
    }
}

/// A token that passed [`check_format`], ready to be looked up.
pub struct ParsedToken<'a> {
    token: &'a str,
}

impl ParsedToken<'_> {
    pub fn digest(&self) -> TokenDigest {
        digest(self.token)
    }

    pub fn display_prefix(&self) -> String {
        display_prefix(self.token)
    }
}

impl fmt::Debug for ParsedToken<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ParsedToken({}…)", self.display_prefix())
    }
}

/// Checks the format of a secret token and gives access to its digest.
pub fn parse(token: &SecretString) -> Result<ParsedToken<'_>, FormatError> {
    let token = token.expose_secret();
    check_format(token)?;
    Ok(ParsedToken { token })
}

/// The SHA-256 of the whole token: what is stored, never the token itself.
pub fn digest(token: &str) -> TokenDigest {
    Sha256::digest(token.as_bytes()).into()
}

/// `udb_` and the first few random characters: enough to tell tokens apart in a
/// list, far too little to guess the rest (~167 bits stay secret).
pub fn display_prefix(token: &str) -> String {
    let prefix = if token.starts_with(RESET_PREFIX) {
        RESET_PREFIX
    } else {
        PREFIX
    };
    token
        .chars()
        .take(prefix.len() + DISPLAY_RANDOM_CHARS)
        .collect()
}

/// A stored token as callers see it: never the secret nor its digest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TokenInfo {
    pub id: i64,
    pub name: String,
    /// The display prefix, e.g. `udb_AbCd`.
    pub prefix: String,
    #[serde(with = "serde_timestamp")]
    pub created_at: Timestamp,
    #[serde(serialize_with = "serde_timestamp::option::serialize")]
    pub expires_at: Option<Timestamp>,
    #[serde(serialize_with = "serde_timestamp::option::serialize")]
    pub last_used_at: Option<Timestamp>,
    #[serde(serialize_with = "serde_timestamp::option::serialize")]
    pub revoked_at: Option<Timestamp>,
    /// The permissions the token is limited to; `None` (no scopes) carries the
    /// user's permissions.
    pub scopes: Option<Vec<String>>,
    /// The owner's email.
    pub user: String,
    #[serde(skip)]
    pub user_id: i64,
}

/// Where a token stands at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenState {
    Active,
    Expired,
    Revoked,
}

impl TokenInfo {
    /// Revoked wins over expired: it was a decision.
    pub fn state(&self, now: Timestamp) -> TokenState {
        if self.revoked_at.is_some() {
            TokenState::Revoked
        } else if self.expires_at.is_some_and(|at| at <= now) {
            TokenState::Expired
        } else {
            TokenState::Active
        }
    }
}

/// Why a token was not accepted; the messages tell the cases apart.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    #[error("malformed: {0}")]
    Malformed(FormatError),
    #[error("unknown token")]
    Unknown,
    #[error("token {id} ({name:?}) expired at {}", crate::clock::human_timestamp(*at))]
    Expired {
        id: i64,
        name: String,
        at: Timestamp,
    },
    #[error("token {id} ({name:?}) was revoked at {}", crate::clock::human_timestamp(*at))]
    Revoked {
        id: i64,
        name: String,
        at: Timestamp,
    },
    #[error("user {0} is inactive")]
    InactiveUser(String),
    #[error("the account of {email} expired at {}", crate::clock::human_timestamp(*at))]
    AccountExpired { email: String, at: Timestamp },
    /// Valid, but not for this: a permission required of it is outside the
    /// token's scopes, or its user no longer holds it.
    #[error("token {id} ({name:?}) may not be used for {permission}: {why}")]
    NotPermitted {
        id: i64,
        name: String,
        permission: String,
        why: &'static str,
    },
    #[error(
        "the email address of {0} is not verified, and [registration] verification is mandatory"
    )]
    EmailNotVerified(String),
}

/// Why a password-reset token was not accepted; the messages say which.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResetRejection {
    #[error("malformed: {0}")]
    Malformed(FormatError),
    /// Unknown, or another user's: the same answer, so a token says nothing
    /// about whose it is.
    #[error("wrong reset token")]
    Wrong,
    #[error("it was already used at {}", crate::clock::human_timestamp(*.0))]
    Used(Timestamp),
    #[error("it expired at {}", crate::clock::human_timestamp(*.0))]
    Expired(Timestamp),
    #[error("a newer reset token replaced it at {}", crate::clock::human_timestamp(*.0))]
    Replaced(Timestamp),
    #[error("the password or the email address was changed after it was made")]
    PasswordChanged,
}

impl ResetRejection {
    /// A short word for the audit log.
    pub fn reason(&self) -> &'static str {
        match self {
            ResetRejection::Malformed(_) => "malformed",
            ResetRejection::Wrong => "wrong",
            ResetRejection::Used(_) => "used",
            ResetRejection::Expired(_) => "expired",
            ResetRejection::Replaced(_) => "replaced",
            ResetRejection::PasswordChanged => "password or address changed",
        }
    }
}

impl Rejection {
    /// A short word for the audit log and for scripts.
    pub fn reason(&self) -> &'static str {
        match self {
            Rejection::Malformed(_) => "malformed",
            Rejection::Unknown => "unknown",
            Rejection::Expired { .. } => "expired",
            Rejection::Revoked { .. } => "revoked",
            Rejection::InactiveUser(_) => "inactive user",
            Rejection::AccountExpired { .. } => "account expired",
            Rejection::NotPermitted { .. } => "not permitted",
            Rejection::EmailNotVerified(_) => "email not verified",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn fresh() -> String {
        generate().expose_secret().to_string()
    }

    #[test]
    fn a_new_token_has_the_published_shape() {
        let token = fresh();
        assert_eq!(token.len(), TOKEN_LEN);
        assert!(token.starts_with("udb_"));
        assert!(token[4..].bytes().all(|b| b.is_ascii_alphanumeric()));
        assert_eq!(check_format(&token), Ok(()));
        assert_ne!(fresh(), token);
    }

    #[test]
    fn the_checksum_is_the_crc32_of_the_rest_in_base62() {
        // crc32("udb_" + 32 zeros), computed independently.
        let body = format!("udb_{}", "0".repeat(32));
        let crc = crc32fast::hash(body.as_bytes());
        let token = format!("{body}{}", encode_checksum(crc));
        assert_eq!(check_format(&token), Ok(()));
        assert_eq!(decode_checksum(encode_checksum(0).as_bytes()), Some(0));
        assert_eq!(encode_checksum(0), "000000");
        assert_eq!(encode_checksum(u32::MAX), "4gfFC3");
        assert_eq!(decode_checksum(b"zzzzzz"), None, "above u32::MAX");
    }

    #[test]
    fn malformed_tokens_say_what_is_wrong() {
        let token = fresh();
        assert_eq!(
            check_format(&token.replacen("udb_", "ghp_", 1)),
            Err(FormatError::Prefix(PREFIX))
        );
        assert_eq!(
            check_format(&token[..40]),
            Err(FormatError::Length {
                found: 40,
                expected: 42
            })
        );
        assert_eq!(check_format(""), Err(FormatError::Prefix(PREFIX)));
        let mut bad = token.clone();
        bad.replace_range(10..11, "-");
        assert_eq!(check_format(&bad), Err(FormatError::Character));
        let mut wide = token.clone();
        wide.replace_range(10..12, "é");
        assert!(check_format(&wide).is_err());
    }

    #[test]
    fn reset_tokens_have_their_own_prefix_and_are_never_api_tokens() {
        let reset = generate_with(RESET_PREFIX);
        let text = reset.expose_secret();
        assert_eq!(text.len(), 43);
        assert_eq!(check_format_with(RESET_PREFIX, text), Ok(()));
        assert_eq!(check_format(text), Err(FormatError::Prefix(PREFIX)));
        assert_eq!(
            check_format_with(RESET_PREFIX, &fresh()),
            Err(FormatError::Prefix(RESET_PREFIX))
        );
        assert_eq!(display_prefix(text).len(), RESET_PREFIX.len() + 4);
        let re = regex::Regex::new(RESET_TOKEN_REGEX).unwrap();
        assert!(re.is_match(&format!("reset: {text}.")));
        assert!(!re.is_match(&fresh()));
    }

    #[test]
    fn the_published_regex_finds_tokens_in_text() {
        let re = regex::Regex::new(TOKEN_REGEX).unwrap();
        let token = fresh();
        let text = format!("export API_TOKEN={token}\nother=udb_short\n");
        let found: Vec<&str> = re.find_iter(&text).map(|m| m.as_str()).collect();
        assert_eq!(found, [token.as_str()]);
    }

    #[test]
    fn digest_and_prefix_never_reveal_the_token() {
        let token = fresh();
        assert_eq!(display_prefix(&token), token[..8]);
        assert_eq!(digest(&token), digest(&token));
        assert_ne!(digest(&token), digest(&fresh()));
        let secret = SecretString::from(token.clone());
        let parsed = parse(&secret).unwrap();
        assert!(!format!("{parsed:?}").contains(&token[8..]));
    }

    #[test]
    fn revoked_wins_over_expired() {
        let at: Timestamp = "2026-01-02T03:04:05Z".parse().unwrap();
        let mut info = TokenInfo {
            id: 1,
            name: "t".into(),
            prefix: "udb_abcd".into(),
            created_at: at,
            expires_at: Some(at),
            last_used_at: None,
            revoked_at: None,
            user: "a@example.com".into(),
            user_id: 1,
            scopes: None,
        };
        assert_eq!(info.state(at), TokenState::Expired);
        assert_eq!(
            info.state(at - jiff::SignedDuration::from_secs(1)),
            TokenState::Active
        );
        info.revoked_at = Some(at);
        assert_eq!(info.state(at), TokenState::Revoked);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Every issued token passes its checksum, and every single-character change
        /// (anywhere, to any other printable ASCII character) fails the format check.
        #[test]
        fn every_single_character_change_is_caught(
            position in 0..TOKEN_LEN,
            replacement in 0x21u8..0x7f,
        ) {
            let token = fresh();
            prop_assert_eq!(check_format(&token), Ok(()));
            let original = token.as_bytes()[position];
            prop_assume!(replacement != original);
            let mut changed = token.into_bytes();
            changed[position] = replacement;
            let changed = String::from_utf8(changed).unwrap();
            prop_assert!(check_format(&changed).is_err(), "{} accepted", changed);
        }

        /// Arbitrary text never panics the parser.
        #[test]
        fn any_text_is_checked_without_panicking(text in ".{0,60}") {
            let _ = check_format(&text);
        }
    }

    /// Exhaustive over one token: every position, every base62 replacement.
    #[test]
    fn every_base62_substitution_in_one_token_is_caught() {
        let token = fresh();
        for position in 0..TOKEN_LEN {
            for &replacement in BASE62.iter().chain(b"_") {
                let mut changed = token.clone().into_bytes();
                if changed[position] == replacement {
                    continue;
                }
                changed[position] = replacement;
                let changed = String::from_utf8(changed).unwrap();
                assert!(check_format(&changed).is_err(), "{position}: {changed}");
            }
        }
    }
}
