//! Every configuration key, once: its kind and bounds, default, one line of
//! documentation, how a value is stored and how it is shown. Loading, the
//! environment variables, `userdb config` and the README's table all read this.

use std::path::PathBuf;
use std::time::Duration;

use super::kind::{Kind, Value};
use super::{MAX_RESET_TOKEN_EXPIRY, Settings};
use crate::duration::format_duration;
use crate::email::{BackendKind, ConfigSecret, Security};
use crate::otp::{MAX_DIGITS, MIN_DIGITS, check_template};
use crate::registration::EmailVerification;

/// The database's variable (`--db`'s too), `[database] path`'s in place of
/// `USERDB_DATABASE_PATH`, which is refused (see [`super::Settings::load`]).
pub const DATABASE_ENV: &str = "USERDB_DB";

/// The name `[database] path` would have by the rule, refused with a pointer to
/// [`DATABASE_ENV`]: two names for one setting would leave a script that sets
/// both to learn which one wins.
pub const REFUSED_DATABASE_ENV: &str = "USERDB_DATABASE_PATH";

/// One configuration key: `[section] key`, also `USERDB_SECTION_KEY` (except
/// `[database] path`: [`DATABASE_ENV`]).
#[derive(Debug, Clone, Copy)]
pub struct KeySpec {
    pub section: &'static str,
    pub key: &'static str,
    pub kind: Kind,
    /// The default as `userdb config` shows it (a test holds it to the code's).
    pub default: &'static str,
    /// What the key does, in one line of Markdown.
    pub doc: &'static str,
    /// Stores a value given for the key (read through its kind).
    pub(crate) set: fn(&mut Settings, &Value) -> Result<(), String>,
    /// The effective value as text.
    pub(crate) show: fn(&Settings) -> String,
}

impl KeySpec {
    pub fn name(&self) -> String {
        format!("{}.{}", self.section, self.key)
    }

    pub fn env_var(&self) -> String {
        // The database has one name, the one `--db` reads too.
        if (self.section, self.key) == ("database", "path") {
            return DATABASE_ENV.to_string();
        }
        format!("USERDB_{}_{}", self.section, self.key).to_ascii_uppercase()
    }

    /// Shown redacted by `userdb config`, and read from the file only when it
    /// is private.
    pub fn secret(&self) -> bool {
        self.kind == Kind::Secret
    }
}

impl Settings {
    /// The effective value of a key as text, for `userdb config`.
    pub fn display_value(&self, spec: &KeySpec) -> String {
        (spec.show)(self)
    }
}

const fn seconds(n: u64) -> Duration {
    Duration::from_secs(n)
}

const fn minutes(n: u64) -> Duration {
    Duration::from_secs(n * 60)
}

const fn hours(n: u64) -> Duration {
    Duration::from_secs(n * 3600)
}

const fn days(n: u64) -> Duration {
    Duration::from_secs(n * 86_400)
}

/// A `[login]` lock.
const LOCK: Kind = Kind::Duration {
    min: seconds(1),
    max: days(30),
};

fn path_or_not_set(path: &Option<PathBuf>) -> String {
    path.as_ref()
        .map_or_else(|| "(not set)".to_string(), |p| p.display().to_string())
}

fn or_not_set(text: &Option<String>) -> String {
    text.clone().unwrap_or_else(|| "(not set)".to_string())
}

pub const KEYS: &[KeySpec] = &[
    KeySpec {
        section: "database",
        key: "path",
        kind: Kind::Path,
        default: "(platform default)",
        doc: "The SQLite file or a `postgres://` URL (`--db` wins over it); \
              by default `userdb.sqlite3` in the platform data directory",
        set: |s, v| v.text().map(|p| s.database.path = Some(PathBuf::from(p))),
        // A URL's password is never shown.
        show: |s| match &s.database.path {
            Some(path) => crate::storage::Target::parse(path)
                .map_or_else(|_| path.display().to_string(), |t| t.describe()),
            None => "(platform default)".to_string(),
        },
    },
    KeySpec {
        section: "database",
        key: "busy_timeout",
        kind: Kind::Duration {
            min: Duration::ZERO,
            max: hours(1),
        },
        default: "30s",
        doc: "How long a command waits for another one's write lock",
        set: |s, v| v.duration().map(|d| s.database.busy_timeout = d),
        show: |s| format_duration(s.database.busy_timeout),
    },
    KeySpec {
        section: "database",
        key: "password_file",
        kind: Kind::Path,
        default: "(none)",
        doc: "The PostgreSQL password: the first line of this file (refused unless private)",
        set: |s, v| {
            v.text()
                .map(|p| s.database.password_file = Some(PathBuf::from(p)))
        },
        show: |s| match &s.database.password_file {
            Some(path) => path.display().to_string(),
            None => "(none)".to_string(),
        },
    },
    KeySpec {
        section: "password",
        key: "memory_cost",
        kind: Kind::Integer {
            min: 8,
            max: 4 * 1024 * 1024,
        },
        default: "19456",
        doc: "Argon2 memory for new hashes, in KiB (OWASP's 19 MiB)",
        set: |s, v| v.int().map(|n| s.password.argon2.memory_cost = n),
        show: |s| s.password.argon2.memory_cost.to_string(),
    },
    KeySpec {
        section: "password",
        key: "time_cost",
        kind: Kind::Integer { min: 1, max: 100 },
        default: "2",
        doc: "Argon2 passes for new hashes",
        set: |s, v| v.int().map(|n| s.password.argon2.time_cost = n),
        show: |s| s.password.argon2.time_cost.to_string(),
    },
    KeySpec {
        section: "password",
        key: "parallelism",
        kind: Kind::Integer { min: 1, max: 255 },
        default: "1",
        doc: "Argon2 lanes for new hashes",
        set: |s, v| v.int().map(|n| s.password.argon2.parallelism = n),
        show: |s| s.password.argon2.parallelism.to_string(),
    },
    KeySpec {
        section: "password",
        key: "max_hash_memory",
        // Up to the bounds the hash parser itself keeps (4 GiB, about a minute,
        // with max_hash_time), so raising the ceiling never lets a hash hang a login.
        kind: Kind::Integer { min: 1, max: 4096 },
        default: "256",
        doc: "MiB that checking one stored hash may use: import refuses, and sign-in \
              does not run, a costlier hash",
        set: |s, v| v.int().map(|n| s.password.limits.max_memory_mib = n),
        show: |s| s.password.limits.max_memory_mib.to_string(),
    },
    KeySpec {
        section: "password",
        key: "max_hash_time",
        kind: Kind::Duration {
            min: seconds(1),
            max: minutes(2),
        },
        default: "1s",
        doc: "The estimated time checking one stored hash may take: import refuses, and \
              sign-in does not run, a costlier hash",
        set: |s, v| v.duration().map(|d| s.password.limits.max_time = d),
        show: |s| format_duration(s.password.limits.max_time),
    },
    KeySpec {
        section: "password",
        key: "min_length",
        kind: Kind::Integer { min: 0, max: 4096 },
        default: "8",
        doc: "The shortest password accepted; 0 turns the check off",
        set: |s, v| v.int().map(|n| s.password.policy.min_length = n),
        show: |s| s.password.policy.min_length.to_string(),
    },
    KeySpec {
        section: "password",
        key: "max_similarity",
        kind: Kind::Number { min: 0.0, max: 1.0 },
        default: "0.7",
        doc: "The similarity to the email or names at which a password is refused \
              (Django's `UserAttributeSimilarityValidator`); 0 turns the check off",
        set: |s, v| v.number().map(|n| s.password.policy.max_similarity = n),
        show: |s| s.password.policy.max_similarity.to_string(),
    },
    KeySpec {
        section: "password",
        key: "reject_common",
        kind: Kind::Boolean,
        default: "true",
        doc: "Refuse the passwords on Django's list of common ones",
        set: |s, v| v.boolean().map(|b| s.password.policy.reject_common = b),
        show: |s| s.password.policy.reject_common.to_string(),
    },
    KeySpec {
        section: "password",
        key: "reject_numeric",
        kind: Kind::Boolean,
        default: "true",
        doc: "Refuse passwords made only of digits",
        set: |s, v| v.boolean().map(|b| s.password.policy.reject_numeric = b),
        show: |s| s.password.policy.reject_numeric.to_string(),
    },
    KeySpec {
        section: "password",
        key: "must_change_on_create",
        kind: Kind::Boolean,
        default: "false",
        doc: "Users an operator creates must change their password before they get a token",
        set: |s, v| v.boolean().map(|b| s.password.must_change_on_create = b),
        show: |s| s.password.must_change_on_create.to_string(),
    },
    KeySpec {
        section: "password",
        key: "reset_token_expiry",
        kind: Kind::Duration {
            min: minutes(1),
            max: MAX_RESET_TOKEN_EXPIRY,
        },
        default: "1d",
        doc: "How long a token from `create-reset-token` lives unless `--expires` says",
        set: |s, v| v.duration().map(|d| s.password.reset_token_expiry = d),
        show: |s| format_duration(s.password.reset_token_expiry),
    },
    KeySpec {
        section: "email",
        key: "backend",
        kind: Kind::Choice(&BackendKind::NAMES),
        default: "console (automatic)",
        doc: "How messages are sent; by default `smtp` once `host` is set, else `console`",
        set: |s, v| v.choice().map(|b| s.email.backend = Some(b)),
        show: |s| match s.email.backend {
            Some(kind) => kind.as_str().to_string(),
            None => format!("{} (automatic)", s.email.backend_kind().as_str()),
        },
    },
    KeySpec {
        section: "email",
        key: "host",
        kind: Kind::Text,
        default: "(not set)",
        doc: "The SMTP server; setting it selects the `smtp` backend",
        set: |s, v| {
            v.optional_text()
                .map(|h| s.email.host = h.map(|h| h.trim().to_string()))
        },
        show: |s| or_not_set(&s.email.host),
    },
    KeySpec {
        section: "email",
        key: "port",
        kind: Kind::Integer { min: 1, max: 65535 },
        default: "587",
        doc: "The SMTP port; by default the one `security` implies (587, 465 or 25)",
        set: |s, v| v.int().map(|n| s.email.port = Some(n)),
        show: |s| {
            s.email
                .port
                .unwrap_or(s.email.security.default_port())
                .to_string()
        },
    },
    KeySpec {
        section: "email",
        key: "security",
        kind: Kind::Choice(&Security::NAMES),
        default: "starttls",
        doc: "`starttls` (required), `tls` (implicit, from the first byte) or `none` \
              (towards a loopback host only)",
        set: |s, v| v.choice().map(|m| s.email.security = m),
        show: |s| s.email.security.as_str().to_string(),
    },
    KeySpec {
        section: "email",
        key: "username",
        kind: Kind::Text,
        default: "(not set)",
        doc: "The SMTP login",
        set: |s, v| v.optional_text().map(|u| s.email.username = u),
        show: |s| or_not_set(&s.email.username),
    },
    KeySpec {
        section: "email",
        key: "password",
        kind: Kind::Secret,
        default: "(not set)",
        doc: "The SMTP password; in the config file only if the file is private (mode 0600)",
        set: |s, v| {
            v.optional_text()
                .map(|p| s.email.password = p.map(|p| ConfigSecret(secrecy::SecretString::from(p))))
        },
        show: |s| match s.email.password {
            Some(_) => "(set)".to_string(),
            None => "(not set)".to_string(),
        },
    },
    KeySpec {
        section: "email",
        key: "password_file",
        kind: Kind::Path,
        default: "(not set)",
        doc: "A file whose first line is the SMTP password",
        set: |s, v| {
            v.optional_text()
                .map(|p| s.email.password_file = p.map(PathBuf::from))
        },
        show: |s| path_or_not_set(&s.email.password_file),
    },
    KeySpec {
        section: "email",
        key: "from",
        kind: Kind::Address,
        default: crate::email::DEFAULT_FROM,
        doc: "The sender of every message (Django's `DEFAULT_FROM_EMAIL`)",
        set: |s, v| {
            let from = v.text()?;
            from.parse::<lettre::message::Mailbox>()
                .map_err(|e| format!("{from:?} is not an address: {e}"))?;
            s.email.from = from;
            Ok(())
        },
        show: |s| s.email.from.clone(),
    },
    KeySpec {
        section: "email",
        key: "ca_file",
        kind: Kind::Path,
        default: "(not set)",
        doc: "Extra trusted CA certificates (PEM), besides the system's; a self-signed \
              server certificate here is pinned",
        set: |s, v| {
            v.optional_text()
                .map(|p| s.email.ca_file = p.map(PathBuf::from))
        },
        show: |s| path_or_not_set(&s.email.ca_file),
    },
    KeySpec {
        section: "email",
        key: "timeout",
        kind: Kind::Duration {
            min: seconds(1),
            max: minutes(10),
        },
        default: "30s",
        doc: "One deadline for a whole SMTP send, from connecting to QUIT",
        set: |s, v| v.duration().map(|d| s.email.timeout = d),
        show: |s| format_duration(s.email.timeout),
    },
    KeySpec {
        section: "email",
        key: "file_path",
        kind: Kind::Path,
        default: "(not set)",
        doc: "The folder where the `file` backend writes one `.eml` file per message",
        set: |s, v| {
            v.optional_text()
                .map(|p| s.email.file_path = p.map(PathBuf::from))
        },
        show: |s| path_or_not_set(&s.email.file_path),
    },
    KeySpec {
        section: "otp",
        key: "digits",
        kind: Kind::Integer {
            min: MIN_DIGITS as i64,
            max: MAX_DIGITS as i64,
        },
        default: "6",
        doc: "Digits per code",
        set: |s, v| v.int().map(|n| s.otp.digits = n),
        show: |s| s.otp.digits.to_string(),
    },
    KeySpec {
        section: "otp",
        key: "ttl",
        kind: Kind::Duration {
            min: seconds(1),
            max: days(7),
        },
        default: "10m",
        doc: "How long a code is valid",
        set: |s, v| v.duration().map(|d| s.otp.ttl = d),
        show: |s| format_duration(s.otp.ttl),
    },
    KeySpec {
        section: "otp",
        key: "max_attempts",
        kind: Kind::Integer { min: 1, max: 100 },
        default: "5",
        doc: "Wrong tries a code survives; the last one kills it",
        set: |s, v| v.int().map(|n| s.otp.max_attempts = n),
        show: |s| s.otp.max_attempts.to_string(),
    },
    KeySpec {
        section: "otp",
        key: "resend_cooldown",
        kind: Kind::Duration {
            min: Duration::ZERO,
            max: days(1),
        },
        default: "1m",
        doc: "The least time between two sends of the same purpose to a user",
        set: |s, v| v.duration().map(|d| s.otp.resend_cooldown = d),
        show: |s| format_duration(s.otp.resend_cooldown),
    },
    KeySpec {
        section: "otp",
        key: "max_sends_per_hour",
        kind: Kind::Integer { min: 1, max: 1000 },
        default: "5",
        doc: "Codes sent to one user (any purpose) in any hour",
        set: |s, v| v.int().map(|n| s.otp.max_sends_per_hour = n),
        show: |s| s.otp.max_sends_per_hour.to_string(),
    },
    KeySpec {
        section: "otp",
        key: "subject",
        kind: Kind::Template,
        default: crate::otp::DEFAULT_SUBJECT,
        doc: "The message's subject, one line; placeholders as in `body`",
        set: |s, v| {
            let subject = v.text()?;
            check_template(&subject, false)?;
            if subject.contains(['\r', '\n']) {
                return Err("must be one line".to_string());
            }
            s.otp.subject = subject;
            Ok(())
        },
        show: |s| s.otp.subject.clone(),
    },
    KeySpec {
        section: "otp",
        key: "body",
        kind: Kind::Template,
        default: "Your one-time code to {action} is:\\n\\n    {code}\\n\\nIt is valid for \
                  {minutes} minutes and works once.\\nIf you did not ask for it, you can \
                  ignore this message.\\n",
        doc: "The message's text: `{code}` is required; `{minutes}`, `{action}`, \
              `{purpose}` and `{email}` may be used",
        set: |s, v| {
            let body = v.text()?;
            check_template(&body, true)?;
            s.otp.body = body;
            Ok(())
        },
        // Escaped: one line in a table.
        show: |s| s.otp.body.escape_debug().to_string(),
    },
    KeySpec {
        section: "token",
        key: "default_expiry",
        kind: Kind::DurationOrNever {
            min: seconds(1),
            max: days(36_500),
        },
        default: "90d",
        doc: "How long a new token lives unless `--expires` says; `never` only if you mean it",
        set: |s, v| {
            // Out of range too, but this says why.
            if v.is_zero_duration() {
                return Err("0s would issue tokens that are already expired".to_string());
            }
            v.duration_or_never().map(|d| s.token.default_expiry = d)
        },
        show: |s| match s.token.default_expiry {
            Some(d) => format_duration(d),
            None => "never".to_string(),
        },
    },
    KeySpec {
        section: "registration",
        key: "verification",
        kind: Kind::Choice(&EmailVerification::NAMES),
        default: "optional",
        doc: "Django-allauth's `ACCOUNT_EMAIL_VERIFICATION`: `mandatory` keeps an unverified \
              user from signing in or using tokens; `none` sends no code on `register`",
        set: |s, v| v.choice().map(|p| s.registration.verification = p),
        show: |s| s.registration.verification.to_string(),
    },
    KeySpec {
        section: "registration",
        key: "reset_revokes_tokens",
        kind: Kind::Boolean,
        default: "true",
        doc: "A password reset with a code revokes the user's API tokens",
        set: |s, v| v.boolean().map(|b| s.registration.reset_revokes_tokens = b),
        show: |s| s.registration.reset_revokes_tokens.to_string(),
    },
    KeySpec {
        section: "registration",
        key: "conceal_accounts",
        kind: Kind::Boolean,
        default: "false",
        doc: "Answers never say whether an account exists (for a command line that serves \
              others)",
        set: |s, v| v.boolean().map(|b| s.registration.conceal_accounts = b),
        show: |s| s.registration.conceal_accounts.to_string(),
    },
    KeySpec {
        section: "login",
        key: "max_failures",
        kind: Kind::Integer { min: 1, max: 1000 },
        default: "10",
        doc: "Failed sign-ins in a row before an address is locked",
        set: |s, v| v.int().map(|n| s.login.max_failures = n),
        show: |s| s.login.max_failures.to_string(),
    },
    KeySpec {
        section: "login",
        key: "lockout",
        kind: LOCK,
        default: "1m",
        doc: "The first lock; each further failure doubles it",
        set: |s, v| v.duration().map(|d| s.login.lockout = d),
        show: |s| format_duration(s.login.lockout),
    },
    KeySpec {
        section: "login",
        key: "max_lockout",
        kind: LOCK,
        default: "1h",
        doc: "The longest lock",
        set: |s, v| v.duration().map(|d| s.login.max_lockout = d),
        show: |s| format_duration(s.login.max_lockout),
    },
    KeySpec {
        section: "mfa",
        key: "required",
        kind: Kind::Choice(&crate::mfa_settings::MfaScope::NAMES),
        default: "none",
        doc: "Whom a second factor is required of (`none`, `superusers`, `staff` (and \
              superusers), `all`): a user in scope without a confirmed TOTP gets no token",
        set: |s, v| v.choice().map(|r| s.mfa.required = r),
        show: |s| s.mfa.required.to_string(),
    },
    KeySpec {
        section: "mfa",
        key: "totp_skew",
        kind: Kind::Integer { min: 0, max: 1 },
        default: "1",
        doc: "Steps of 30 s before now a TOTP code may come from (1: the previous step \
              too, for a slow typist or clock)",
        set: |s, v| v.int().map(|n| s.mfa.second_factor.skew.behind = n),
        show: |s| s.mfa.second_factor.skew.behind.to_string(),
    },
    KeySpec {
        section: "mfa",
        key: "enrolment_ttl",
        kind: Kind::Duration {
            min: minutes(1),
            max: days(1),
        },
        default: "10m",
        doc: "How long a TOTP enrolment waits for its first code",
        set: |s, v| v.duration().map(|d| s.mfa.second_factor.enrolment_ttl = d),
        show: |s| format_duration(s.mfa.second_factor.enrolment_ttl),
    },
    KeySpec {
        section: "mfa",
        key: "issuer",
        kind: Kind::Text,
        default: "userdb",
        doc: "The issuer authenticator apps show beside the account",
        set: |s, v| {
            let issuer = v.text()?;
            if issuer.trim().is_empty() || issuer.contains(['\r', '\n', ':']) {
                return Err("must be one line of text without a colon".to_string());
            }
            s.mfa.second_factor.issuer = issuer;
            Ok(())
        },
        show: |s| s.mfa.second_factor.issuer.clone(),
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::kind::Raw;

    #[test]
    fn each_documented_default_is_the_codes() {
        let defaults = Settings::default();
        for spec in KEYS {
            assert_eq!(
                spec.default,
                defaults.display_value(spec),
                "{}: the table's default is not the code's",
                spec.name()
            );
        }
    }

    #[test]
    fn each_key_is_one_environment_variable_named_for_it() {
        let mut seen = std::collections::BTreeSet::new();
        for spec in KEYS {
            let is_name = |s: &str| {
                !s.is_empty()
                    && s.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            };
            assert!(
                is_name(spec.section) && is_name(spec.key),
                "{}",
                spec.name()
            );
            let by_rule = format!(
                "USERDB_{}_{}",
                spec.section.to_uppercase(),
                spec.key.to_uppercase()
            );
            if by_rule == REFUSED_DATABASE_ENV {
                assert_eq!(spec.env_var(), DATABASE_ENV);
            } else {
                assert_eq!(spec.env_var(), by_rule);
            }
            assert!(seen.insert(spec.env_var()), "{} twice", spec.env_var());
            assert!(
                !spec.doc.is_empty() && !spec.doc.contains(['\n', '|']),
                "{}: one line of doc",
                spec.name()
            );
        }
    }

    fn set(spec: &KeySpec, text: &str) -> Result<Settings, String> {
        let mut settings = Settings::default();
        settings.set(spec, &Raw::Env(text))?;
        Ok(settings)
    }

    /// Each key is read as its kind (a mismatch would refuse every value), takes
    /// its bounds and refuses just past them.
    #[test]
    fn each_key_takes_what_its_kind_says() {
        for spec in KEYS {
            let name = spec.name();
            let (inside, outside): (Vec<String>, Vec<String>) = match spec.kind {
                Kind::Integer { min, max } => (
                    vec![min.to_string(), max.to_string()],
                    vec![(min - 1).to_string(), (max + 1).to_string()],
                ),
                Kind::Number { min, max } => (
                    vec![min.to_string(), max.to_string()],
                    vec![(min - 0.5).to_string(), (max + 0.5).to_string()],
                ),
                Kind::Duration { min, max } | Kind::DurationOrNever { min, max } => {
                    let mut outside = vec![format!("{}s", max.as_secs() + 1)];
                    if let Some(below) = min.as_secs().checked_sub(1) {
                        outside.push(format!("{below}s"));
                    }
                    (vec![format_duration(min), format_duration(max)], outside)
                }
                Kind::Boolean => (vec!["true".into(), "false".into()], vec!["maybe".into()]),
                Kind::Choice(names) => (
                    names.iter().map(ToString::to_string).collect(),
                    vec!["neither".into()],
                ),
                Kind::Address => (vec!["Ada <ada@example.com>".into()], vec!["ada".into()]),
                Kind::Template => (vec!["{code}".into()], vec!["{nope}".into()]),
                Kind::Text | Kind::Secret | Kind::Path => (vec!["x".into()], vec![]),
            };
            for text in inside {
                let settings = set(spec, &text).unwrap_or_else(|e| panic!("{name}={text}: {e}"));
                if !matches!(spec.kind, Kind::Secret) {
                    assert_eq!(settings.display_value(spec), text, "{name}");
                }
            }
            for text in outside {
                assert!(set(spec, &text).is_err(), "{name}={text} accepted");
            }
        }
    }

    #[test]
    fn bounds_in_errors_are_the_documented_ones() {
        let spec = |name: &str| KEYS.iter().find(|k| k.name() == name).unwrap();
        for (name, value, error) in [
            ("login.max_failures", "0", "0 is out of range (1 to 1000)"),
            (
                "password.max_hash_time",
                "3m",
                "3m is out of range (1s to 2m)",
            ),
            ("password.max_similarity", "2", "2 is out of range (0 to 1)"),
            ("otp.ttl", "8d", "8d is out of range (1s to 7d)"),
        ] {
            let spec = spec(name);
            assert_eq!(set(spec, value).err().as_deref(), Some(error));
            let range = error.split_once('(').unwrap().1.trim_end_matches(')');
            assert!(spec.kind.describe().contains(range), "{name}");
        }
    }
}
