//! One-time codes sent by email: what a code is (digits from a CSPRNG), how it is
//! stored (HMAC-SHA256 under a key kept outside the database), its limits, and the
//! message that carries it. The rules that use them live in the manager.

use std::fs::DirBuilder;
use std::io::Write;
use std::os::unix::fs::DirBuilderExt;
use std::path::Path;
use std::time::Duration;

use hmac::{KeyInit, Mac};
use rand::RngExt;
use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;

pub use crate::duration::human_wait;
use crate::error::{Error, Result};
pub use crate::otp_kind::{OtpFailure, Purpose};
use crate::output_file::{Existing, OutputFile};

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

pub const MIN_DIGITS: u32 = 6;
pub const MAX_DIGITS: u32 = 10;

pub const DEFAULT_SUBJECT: &str = "Your one-time code";
pub const DEFAULT_BODY: &str = "Your one-time code to {action} is:\n\n    {code}\n\n\
It is valid for {minutes} minutes and works once.\n\
If you did not ask for it, you can ignore this message.\n";

/// `[otp]`: the shape of codes and every limit on them.
#[derive(Debug, Clone, PartialEq)]
pub struct OtpSettings {
    /// Digits per code, 6 to 10.
    pub digits: u32,
    /// How long a code is valid.
    pub ttl: Duration,
    /// Wrong tries a code survives; the last one kills it.
    pub max_attempts: u32,
    /// The least time between two sends of the same purpose to a user.
    pub resend_cooldown: Duration,
    /// Sends to a user (any purpose) in any hour.
    pub max_sends_per_hour: u32,
    /// Templates: `{code}`, `{minutes}`, `{action}`, `{purpose}`, `{email}`.
    pub subject: String,
    pub body: String,
}

impl Default for OtpSettings {
    fn default() -> Self {
        OtpSettings {
            digits: 6,
            ttl: Duration::from_secs(600),
            max_attempts: 5,
            resend_cooldown: Duration::from_secs(60),
            max_sends_per_hour: 5,
            subject: DEFAULT_SUBJECT.to_string(),
            body: DEFAULT_BODY.to_string(),
        }
    }
}

/// The window of [`OtpSettings::max_sends_per_hour`].
pub const SEND_WINDOW: Duration = Duration::from_secs(3600);

const PLACEHOLDERS: [&str; 5] = ["code", "minutes", "action", "purpose", "email"];

/// Checks a message template: only known `{placeholders}`, and `{code}` where the
/// code must appear.
pub fn check_template(template: &str, needs_code: bool) -> std::result::Result<(), String> {
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        let Some(end) = after.find('}') else {
            return Err("has a `{` without a closing `}`".to_string());
        };
        let name = &after[..end];
        if !PLACEHOLDERS.contains(&name) {
            return Err(format!(
                "unknown placeholder {{{name}}} (use {})",
                PLACEHOLDERS.map(|p| format!("{{{p}}}")).join(", ")
            ));
        }
        rest = &after[end + 1..];
    }
    if needs_code && !template.contains("{code}") {
        return Err("must contain {code}".to_string());
    }
    Ok(())
}

/// The values a template is filled with.
pub struct TemplateValues<'a> {
    pub code: &'a str,
    pub ttl: Duration,
    pub purpose: Purpose,
    pub email: &'a str,
}

/// Fills a template checked by [`check_template`].
pub fn render(template: &str, values: &TemplateValues) -> String {
    let minutes = values.ttl.as_secs().div_ceil(60).to_string();
    template
        .replace("{minutes}", &minutes)
        .replace("{action}", values.purpose.action())
        .replace("{purpose}", values.purpose.as_str())
        .replace("{email}", values.email)
        .replace("{code}", values.code)
}

/// A fresh code: `digits` decimal digits, uniform over all 10^digits values (rand's
/// range sampling rejects rather than taking a modulo), from the OS-seeded CSPRNG.
pub fn generate_code(digits: u32) -> SecretString {
    let digits = digits.clamp(MIN_DIGITS, MAX_DIGITS);
    let value: u64 = rand::rng().random_range(0..10u64.pow(digits));
    SecretString::from(format!("{value:0width$}", width = digits as usize))
}

/// A code as typed: surrounding blanks, and spaces or dashes between groups
/// ("123 456", "123-456"), are ignored.
pub fn normalize_code(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect()
}

/// A code as typed, normalised, or why it cannot be a code at all: 6 to 10
/// digits. Such input (an empty variable in a script, a pasted word) is a
/// usage error and costs no try; a well-formed wrong code does.
pub fn parse_code(typed: &str) -> std::result::Result<String, &'static str> {
    let code = normalize_code(typed);
    if code.is_empty() {
        return Err("it is empty");
    }
    let digits = MIN_DIGITS as usize..=MAX_DIGITS as usize;
    if !code.bytes().all(|b| b.is_ascii_digit()) || !digits.contains(&code.len()) {
        return Err("a code is 6 to 10 digits (spaces and dashes between them are ignored)");
    }
    Ok(code)
}

/// The least length of a secret key, in characters.
pub const MIN_KEY_LEN: usize = 32;
pub const SECRET_KEY_ENV: &str = "USERDB_SECRET_KEY";
/// The key being rotated out: secrets and recovery codes made under it still
/// open and match, and a TOTP secret is re-sealed under the current key when
/// one of its codes is accepted.
pub const PREVIOUS_SECRET_KEY_ENV: &str = "USERDB_PREVIOUS_SECRET_KEY";

/// The key codes are stored under. Kept outside the database, so a copy of the
/// database alone does not let anyone test guesses offline.
pub struct SecretKey(SecretString);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(..)")
    }
}

impl SecretKey {
    /// A key from text (the environment, a file): at least [`MIN_KEY_LEN`] characters.
    pub fn new(text: &str, origin: &str) -> Result<Self> {
        let text = text.trim();
        if text.chars().count() < MIN_KEY_LEN {
            return Err(Error::Config(format!(
                "the secret key in {origin} is too short: it needs at least {MIN_KEY_LEN} characters"
            )));
        }
        Ok(SecretKey(SecretString::from(text.to_string())))
    }

    /// `USERDB_SECRET_KEY` when given, else the key file (created on first use).
    pub fn load(env_value: Option<String>, file: Option<&Path>) -> Result<Self> {
        if let Some(text) = env_value.filter(|v| !v.is_empty()) {
            return SecretKey::new(&text, SECRET_KEY_ENV);
        }
        let file = file.ok_or_else(|| {
            Error::Config(format!(
                "no home directory for the secret key file; set {SECRET_KEY_ENV}"
            ))
        })?;
        SecretKey::load_or_create_file(file)
    }

    /// Reads the key file, refusing one that others can read; creates it (mode 0600,
    /// 32 random bytes as hex) when missing. Two processes creating it at once agree
    /// on one key: the file appears whole, by a hard link, or not at all.
    pub fn load_or_create_file(path: &Path) -> Result<Self> {
        match std::fs::metadata(path) {
            Ok(_) => {
                let text = crate::private_file::read_text(
                    path,
                    "the secret key file",
                    crate::private_file::MAX_KEY_FILE_BYTES,
                )
                .map_err(|e| Error::Config(e.to_string()))?;
                SecretKey::new(&text, &path.display().to_string())
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                create_key_file(path)?;
                SecretKey::load_or_create_file(path)
            }
            Err(e) => Err(Error::io(
                format!("cannot read the secret key file {}", path.display()),
                e,
            )),
        }
    }

    /// The key's bytes, for keys derived from it (`sealed`, recovery codes).
    pub(crate) fn expose_bytes(&self) -> &[u8] {
        self.0.expose_secret().as_bytes()
    }

    /// The stored form of a code: HMAC-SHA256 over the user, the purpose and the
    /// code, as hex. Binding the user and purpose means a stored value cannot be
    /// moved to another row.
    pub fn code_mac(&self, user_id: i64, purpose: Purpose, code: &str) -> String {
        let mut mac = HmacSha256::new_from_slice(self.0.expose_secret().as_bytes())
            .expect("HMAC takes keys of any length");
        mac.update(format!("userdb-otp:{user_id}:{}:{code}", purpose.as_str()).as_bytes());
        hex(&mac.finalize().into_bytes())
    }

    /// True when `code` is the one whose MAC is `stored`, compared in constant time.
    pub fn code_matches(&self, user_id: i64, purpose: Purpose, code: &str, stored: &str) -> bool {
        let candidate = self.code_mac(user_id, purpose, code);
        candidate.as_bytes().ct_eq(stored.as_bytes()).into()
    }
}

fn create_key_file(path: &Path) -> Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty());
    if let Some(dir) = dir.filter(|d| !d.exists()) {
        DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| Error::io(format!("cannot create directory {}", dir.display()), e))?;
    }
    let mut bytes = [0u8; 32];
    rand::rng().fill(&mut bytes[..]);
    let text = zeroize::Zeroizing::new(format!("{}\n", hex(&bytes)));
    // Through the shared helper: never over an existing file or through a link,
    // and no temporary copy of the key left by a signal. A key another process
    // created meanwhile wins (it is loaded next).
    let mut out = match OutputFile::create(path, Existing::Refuse, &[]) {
        Err(Error::OutputExists(_)) => return Ok(()),
        other => other?,
    };
    out.file_mut().write_all(text.as_bytes()).map_err(|e| {
        Error::io(
            format!("cannot create the secret key file {}", path.display()),
            e,
        )
    })?;
    match out.commit() {
        Err(Error::OutputExists(_)) => Ok(()),
        other => other,
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::os::unix::fs::MetadataExt;

    #[test]
    fn codes_have_the_configured_number_of_digits() {
        for digits in MIN_DIGITS..=MAX_DIGITS {
            for _ in 0..50 {
                let code = generate_code(digits);
                let code = code.expose_secret();
                assert_eq!(code.len(), digits as usize, "{code}");
                assert!(code.bytes().all(|b| b.is_ascii_digit()), "{code}");
            }
        }
    }

    #[test]
    fn every_digit_is_equally_likely_in_every_position() {
        // 60,000 codes: each (position, digit) cell expects 6,000. A chi-square over
        // the 60 cells with 54 degrees of freedom exceeds 110 with probability < 1e-5.
        let mut counts: HashMap<(usize, u8), u32> = HashMap::new();
        let n = 10_000;
        for _ in 0..n {
            let code = generate_code(6);
            for (i, b) in code.expose_secret().bytes().enumerate() {
                *counts.entry((i, b)).or_default() += 1;
            }
        }
        assert_eq!(counts.len(), 60, "every digit appears in every position");
        let expected = f64::from(n) / 10.0;
        let chi2: f64 = counts
            .values()
            .map(|&c| (f64::from(c) - expected).powi(2) / expected)
            .sum();
        assert!(chi2 < 110.0, "chi-square {chi2}");
    }

    #[test]
    fn leading_zeros_are_kept() {
        let mut saw_leading_zero = false;
        for _ in 0..2000 {
            let code = generate_code(6);
            assert_eq!(code.expose_secret().len(), 6);
            saw_leading_zero |= code.expose_secret().starts_with('0');
        }
        assert!(saw_leading_zero, "about 200 of 2000 codes start with 0");
    }

    fn key() -> SecretKey {
        SecretKey::new("0123456789abcdef0123456789abcdef", "test").unwrap()
    }

    #[test]
    fn the_stored_form_is_an_hmac_bound_to_user_and_purpose() {
        let key = key();
        let mac = key.code_mac(1, Purpose::Login, "123456");
        assert_eq!(mac.len(), 64);
        assert!(!mac.contains("123456"));
        assert!(key.code_matches(1, Purpose::Login, "123456", &mac));
        assert!(!key.code_matches(1, Purpose::Login, "123457", &mac));
        assert!(!key.code_matches(2, Purpose::Login, "123456", &mac));
        assert!(!key.code_matches(1, Purpose::VerifyEmail, "123456", &mac));
        let other = SecretKey::new("another key that is long enough to use", "test").unwrap();
        assert!(!other.code_matches(1, Purpose::Login, "123456", &mac));
        assert_ne!(format!("{key:?}"), "");
        assert!(!format!("{key:?}").contains("0123"));
    }

    #[test]
    fn a_short_key_is_refused_with_a_clear_message() {
        let err = SecretKey::new("short", "USERDB_SECRET_KEY").unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::Config);
        assert_eq!(
            err.to_string(),
            "the secret key in USERDB_SECRET_KEY is too short: it needs at least 32 characters"
        );
    }

    #[test]
    fn the_key_file_is_created_once_with_mode_0600_and_then_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/secret.key");
        let first = SecretKey::load(None, Some(&path)).unwrap();
        let meta = std::fs::metadata(&path).unwrap();
        assert_eq!(meta.mode() & 0o777, 0o600);
        let second = SecretKey::load(None, Some(&path)).unwrap();
        let mac = first.code_mac(1, Purpose::Login, "000000");
        assert!(second.code_matches(1, Purpose::Login, "000000", &mac));
        // The environment wins over the file.
        let env = SecretKey::load(Some("e".repeat(40)), Some(&path)).unwrap();
        assert!(!env.code_matches(1, Purpose::Login, "000000", &mac));
    }

    #[test]
    fn a_key_file_others_can_read_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret.key");
        std::fs::write(&path, "k".repeat(64)).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = SecretKey::load(None, Some(&path)).unwrap_err();
        assert!(err.to_string().contains("chmod 600"), "{err}");
    }

    #[test]
    fn typed_codes_ignore_spaces_and_dashes() {
        assert_eq!(normalize_code(" 123 456\n"), "123456");
        assert_eq!(normalize_code("123-456"), "123456");
        assert_eq!(parse_code(" 123-456\n"), Ok("123456".into()));
        assert_eq!(parse_code("1234567890"), Ok("1234567890".into()));
        for bad in [
            "",
            "  ",
            "abc",
            "12345",
            "12345678901",
            "12a456",
            "１２３４５６",
        ] {
            assert!(parse_code(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn templates_name_known_placeholders_only() {
        assert!(check_template(DEFAULT_BODY, true).is_ok());
        assert!(check_template(DEFAULT_SUBJECT, false).is_ok());
        assert_eq!(
            check_template("no code here", true).unwrap_err(),
            "must contain {code}"
        );
        assert!(
            check_template("{code} {cdoe}", true)
                .unwrap_err()
                .contains("unknown placeholder {cdoe}")
        );
        let text = render(
            "{code} · {minutes} min · {action} · {purpose} · {email}",
            &TemplateValues {
                code: "042424",
                ttl: Duration::from_secs(90),
                purpose: Purpose::PasswordReset,
                email: "zoë@example.com",
            },
        );
        assert_eq!(
            text,
            "042424 · 2 min · reset your password · password-reset · zoë@example.com"
        );
    }

    #[test]
    fn purposes_parse_from_their_names() {
        for p in Purpose::ALL {
            assert_eq!(p.as_str().parse::<Purpose>(), Ok(p));
        }
        assert!("reset".parse::<Purpose>().is_err());
    }
}
