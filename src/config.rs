//! Settings: defaults, under a TOML file, under `USERDB_<SECTION>_<KEY>` environment
//! variables (flags are laid on top by the command line). Every key is listed once
//! in [`KEYS`], which drives loading, environment names and `userdb config`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::duration::{format_duration, parse_duration, parse_finite_duration};
use crate::email::{ConfigSecret, EmailSettings};
use crate::error::{Error, Result};
use crate::fields::FieldSet;
use crate::otp::{MAX_DIGITS, MIN_DIGITS, OtpSettings, check_template};
use crate::password::{Argon2Params, HashLimits, PasswordPolicy};
use crate::registration::RegistrationSettings;
use crate::throttle::LoginSettings;

/// One configuration key: `[section] key`, also `USERDB_SECTION_KEY`.
#[derive(Debug, Clone, Copy)]
pub struct KeySpec {
    pub section: &'static str,
    pub key: &'static str,
    /// Shown redacted by `userdb config`.
    pub secret: bool,
}

impl KeySpec {
    pub fn name(&self) -> String {
        format!("{}.{}", self.section, self.key)
    }

    pub fn env_var(&self) -> String {
        format!("USERDB_{}_{}", self.section, self.key).to_ascii_uppercase()
    }
}

const fn key(section: &'static str, key: &'static str) -> KeySpec {
    KeySpec {
        section,
        key,
        secret: false,
    }
}

pub const KEYS: &[KeySpec] = &[
    key("database", "path"),
    key("database", "busy_timeout"),
    key("database", "password_file"),
    key("password", "memory_cost"),
    key("password", "time_cost"),
    key("password", "parallelism"),
    key("password", "max_hash_memory"),
    key("password", "max_hash_time"),
    key("password", "min_length"),
    key("password", "max_similarity"),
    key("password", "reject_common"),
    key("password", "reject_numeric"),
    key("password", "must_change_on_create"),
    key("password", "reset_token_expiry"),
    key("email", "backend"),
    key("email", "host"),
    key("email", "port"),
    key("email", "security"),
    key("email", "username"),
    KeySpec {
        section: "email",
        key: "password",
        secret: true,
    },
    key("email", "password_file"),
    key("email", "from"),
    key("email", "ca_file"),
    key("email", "timeout"),
    key("email", "file_path"),
    key("otp", "digits"),
    key("otp", "ttl"),
    key("otp", "max_attempts"),
    key("otp", "resend_cooldown"),
    key("otp", "max_sends_per_hour"),
    key("otp", "subject"),
    key("otp", "body"),
    key("token", "default_expiry"),
    key("registration", "verification"),
    key("registration", "reset_revokes_tokens"),
    key("registration", "conceal_accounts"),
    key("login", "max_failures"),
    key("login", "lockout"),
    key("login", "max_lockout"),
];

#[derive(Debug, Clone, PartialEq)]
pub struct DatabaseSettings {
    /// `None`: the platform data directory's `userdb.sqlite3`.
    pub path: Option<PathBuf>,
    /// How long a command waits for another one's write lock before giving up.
    pub busy_timeout: Duration,
    /// The PostgreSQL password, from a file (never in the config itself).
    pub password_file: Option<PathBuf>,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        DatabaseSettings {
            path: None,
            busy_timeout: Duration::from_secs(30),
            password_file: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct PasswordSettings {
    pub argon2: Argon2Params,
    pub policy: PasswordPolicy,
    /// The ceiling on what checking one stored hash may cost.
    pub limits: HashLimits,
    /// Users an operator creates must change their password before a token.
    pub must_change_on_create: bool,
    /// How long an operator's reset token lives unless `--expires` says.
    pub reset_token_expiry: Duration,
}

/// The longest a reset token may live: it is a password in all but name.
pub const MAX_RESET_TOKEN_EXPIRY: Duration = Duration::from_secs(7 * 24 * 3600);

impl Default for PasswordSettings {
    fn default() -> Self {
        PasswordSettings {
            argon2: Argon2Params::default(),
            policy: PasswordPolicy::default(),
            limits: HashLimits::default(),
            must_change_on_create: false,
            reset_token_expiry: Duration::from_secs(24 * 3600),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct TokenSettings {
    /// How long a new token lives unless `--expires` says otherwise; `None` is
    /// `never`, which has to be asked for explicitly.
    pub default_expiry: Option<Duration>,
}

/// Tokens live 90 days unless configured otherwise.
pub const DEFAULT_TOKEN_EXPIRY: Duration = Duration::from_secs(90 * 86_400);

impl Default for TokenSettings {
    fn default() -> Self {
        TokenSettings {
            default_expiry: Some(DEFAULT_TOKEN_EXPIRY),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Settings {
    pub database: DatabaseSettings,
    pub password: PasswordSettings,
    pub email: EmailSettings,
    pub otp: OtpSettings,
    pub token: TokenSettings,
    pub registration: RegistrationSettings,
    pub login: LoginSettings,
    /// `[fields.NAME]`: the custom user fields, declared in the file only.
    pub fields: FieldSet,
}

/// Where a setting's value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Default,
    File,
    Env(String),
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Default => f.write_str("default"),
            Source::File => f.write_str("config file"),
            Source::Env(var) => write!(f, "env {var}"),
        }
    }
}

/// Settings together with where they were read from.
#[derive(Debug, Clone)]
pub struct LoadedSettings {
    pub settings: Settings,
    /// The config file consulted (explicit, or the platform default).
    pub config_path: Option<PathBuf>,
    pub config_found: bool,
    pub sources: BTreeMap<String, Source>,
}

/// A value on its way in, from the file or from the environment.
enum Raw<'a> {
    Toml(&'a toml::Value),
    Env(&'a str),
}

impl Raw<'_> {
    fn integer(&self) -> std::result::Result<i64, String> {
        match self {
            Raw::Toml(toml::Value::Integer(i)) => Ok(*i),
            Raw::Toml(other) => Err(format!(
                "expected a whole number, found {}",
                other.type_str()
            )),
            Raw::Env(text) => text
                .trim()
                .parse()
                .map_err(|_| format!("expected a whole number, found {text:?}")),
        }
    }

    fn in_range<T: TryFrom<i64>>(&self, min: i64, max: i64) -> std::result::Result<T, String> {
        let value = self.integer()?;
        if !(min..=max).contains(&value) {
            return Err(format!("{value} is out of range ({min} to {max})"));
        }
        T::try_from(value).map_err(|_| format!("{value} is out of range"))
    }

    fn float(&self) -> std::result::Result<f64, String> {
        match self {
            Raw::Toml(toml::Value::Float(f)) => Ok(*f),
            Raw::Toml(toml::Value::Integer(i)) => Ok(*i as f64),
            Raw::Toml(other) => Err(format!("expected a number, found {}", other.type_str())),
            Raw::Env(text) => text
                .trim()
                .parse()
                .map_err(|_| format!("expected a number, found {text:?}")),
        }
    }

    fn boolean(&self) -> std::result::Result<bool, String> {
        match self {
            Raw::Toml(toml::Value::Boolean(b)) => Ok(*b),
            Raw::Toml(other) => Err(format!(
                "expected true or false, found {}",
                other.type_str()
            )),
            Raw::Env(text) => match text.trim().to_ascii_lowercase().as_str() {
                "true" | "yes" | "on" | "1" => Ok(true),
                "false" | "no" | "off" | "0" => Ok(false),
                _ => Err(format!("expected true or false, found {text:?}")),
            },
        }
    }

    fn string(&self) -> std::result::Result<String, String> {
        match self {
            Raw::Toml(toml::Value::String(s)) => Ok(s.clone()),
            Raw::Toml(other) => Err(format!("expected a string, found {}", other.type_str())),
            Raw::Env(text) => Ok(text.to_string()),
        }
    }

    /// A duration, or `never` (`None`).
    fn duration_or_never(&self) -> std::result::Result<Option<Duration>, String> {
        match self {
            Raw::Toml(toml::Value::Integer(i)) if *i >= 0 => {
                Ok(Some(Duration::from_secs(*i as u64)))
            }
            _ => parse_duration(&self.string()?),
        }
    }

    fn duration(&self) -> std::result::Result<Duration, String> {
        match self {
            Raw::Toml(toml::Value::Integer(i)) if *i >= 0 => Ok(Duration::from_secs(*i as u64)),
            _ => parse_finite_duration(&self.string()?),
        }
    }

    /// A duration within `min..=max`: every duration key has a range, checked when
    /// the config loads, so that no value reaches a place that cannot hold it
    /// (SQLite's busy timeout is an `int` of milliseconds, about 24 days).
    fn duration_in(&self, min: Duration, max: Duration) -> std::result::Result<Duration, String> {
        let value = self.duration()?;
        check_duration_range(Some(value), min, max)?;
        Ok(value)
    }
}

fn check_duration_range(
    value: Option<Duration>,
    min: Duration,
    max: Duration,
) -> std::result::Result<(), String> {
    match value {
        Some(value) if value < min || value > max => Err(format!(
            "{} is out of range ({} to {})",
            format_duration(value),
            format_duration(min),
            format_duration(max)
        )),
        _ => Ok(()),
    }
}

const SECOND: Duration = Duration::from_secs(1);
const MINUTE: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(3600);
const DAY: Duration = Duration::from_secs(86_400);

/// A `[login]` lock: 1 second to 30 days.
fn lock_duration(raw: &Raw) -> std::result::Result<Duration, String> {
    raw.duration_in(SECOND, 30 * DAY)
}

impl Settings {
    fn set(&mut self, spec: &KeySpec, raw: &Raw) -> std::result::Result<(), String> {
        let password = &mut self.password;
        match (spec.section, spec.key) {
            ("database", "path") => self.database.path = Some(PathBuf::from(raw.string()?)),
            ("database", "busy_timeout") => {
                self.database.busy_timeout = raw.duration_in(Duration::ZERO, HOUR)?
            }
            ("database", "password_file") => {
                self.database.password_file = Some(PathBuf::from(raw.string()?))
            }
            ("password", "memory_cost") => {
                password.argon2.memory_cost = raw.in_range(8, 4 * 1024 * 1024)?
            }
            ("password", "time_cost") => password.argon2.time_cost = raw.in_range(1, 100)?,
            ("password", "parallelism") => password.argon2.parallelism = raw.in_range(1, 255)?,
            // Up to the bounds the hash parser itself keeps (4 GiB, about a
            // minute), so raising the ceiling never lets a hash hang a login.
            ("password", "max_hash_memory") => {
                password.limits.max_memory_mib = raw.in_range(1, 4096)?
            }
            ("password", "max_hash_time") => {
                let time = raw.duration()?;
                if !(1..=120).contains(&time.as_secs()) {
                    return Err(format!(
                        "{} is out of range (1s to 2m)",
                        format_duration(time)
                    ));
                }
                password.limits.max_time = time;
            }
            ("password", "min_length") => password.policy.min_length = raw.in_range(0, 4096)?,
            ("password", "max_similarity") => {
                let value = raw.float()?;
                if !(0.0..=1.0).contains(&value) {
                    return Err(format!(
                        "{value} is out of range (0 to 1; 0 turns the check off)"
                    ));
                }
                password.policy.max_similarity = value;
            }
            ("password", "reject_common") => password.policy.reject_common = raw.boolean()?,
            ("password", "reject_numeric") => password.policy.reject_numeric = raw.boolean()?,
            ("password", "must_change_on_create") => {
                password.must_change_on_create = raw.boolean()?
            }
            ("password", "reset_token_expiry") => {
                password.reset_token_expiry =
                    raw.duration_in(60 * SECOND, MAX_RESET_TOKEN_EXPIRY)?
            }
            ("email", _) => self.email_set(spec.key, raw)?,
            ("otp", _) => self.otp_set(spec.key, raw)?,
            ("token", "default_expiry") => {
                let expiry = raw.duration_or_never()?;
                if expiry == Some(Duration::ZERO) {
                    return Err("0s would issue tokens that are already expired".to_string());
                }
                check_duration_range(expiry, SECOND, 36_500 * DAY)?;
                self.token.default_expiry = expiry;
            }
            ("registration", "verification") => {
                self.registration.verification = raw.string()?.parse()?
            }
            ("registration", "reset_revokes_tokens") => {
                self.registration.reset_revokes_tokens = raw.boolean()?
            }
            ("registration", "conceal_accounts") => {
                self.registration.conceal_accounts = raw.boolean()?
            }
            ("login", "max_failures") => self.login.max_failures = raw.in_range(1, 1000)?,
            ("login", "lockout") => self.login.lockout = lock_duration(raw)?,
            ("login", "max_lockout") => self.login.max_lockout = lock_duration(raw)?,
            _ => return Err("unknown key".to_string()),
        }
        Ok(())
    }

    /// The effective value of a key as text, for `userdb config`.
    pub fn display_value(&self, spec: &KeySpec) -> String {
        let password = &self.password;
        match (spec.section, spec.key) {
            // A URL's password is never shown.
            ("database", "path") => match &self.database.path {
                Some(path) => crate::storage::Target::parse(path)
                    .map_or_else(|_| path.display().to_string(), |t| t.describe()),
                None => "(platform default)".to_string(),
            },
            ("database", "busy_timeout") => format_duration(self.database.busy_timeout),
            ("database", "password_file") => match &self.database.password_file {
                Some(path) => path.display().to_string(),
                None => "(none)".to_string(),
            },
            ("password", "memory_cost") => password.argon2.memory_cost.to_string(),
            ("password", "time_cost") => password.argon2.time_cost.to_string(),
            ("password", "parallelism") => password.argon2.parallelism.to_string(),
            ("password", "max_hash_memory") => password.limits.max_memory_mib.to_string(),
            ("password", "max_hash_time") => format_duration(password.limits.max_time),
            ("password", "min_length") => password.policy.min_length.to_string(),
            ("password", "max_similarity") => password.policy.max_similarity.to_string(),
            ("password", "reject_common") => password.policy.reject_common.to_string(),
            ("password", "reject_numeric") => password.policy.reject_numeric.to_string(),
            ("password", "must_change_on_create") => password.must_change_on_create.to_string(),
            ("password", "reset_token_expiry") => format_duration(password.reset_token_expiry),
            ("token", "default_expiry") => match self.token.default_expiry {
                Some(d) => format_duration(d),
                None => "never".to_string(),
            },
            ("email", _) => self.email_display(spec.key),
            ("otp", _) => self.otp_display(spec.key),
            ("registration", "verification") => self.registration.verification.to_string(),
            ("registration", "reset_revokes_tokens") => {
                self.registration.reset_revokes_tokens.to_string()
            }
            ("registration", "conceal_accounts") => self.registration.conceal_accounts.to_string(),
            ("login", "max_failures") => self.login.max_failures.to_string(),
            ("login", "lockout") => format_duration(self.login.lockout),
            ("login", "max_lockout") => format_duration(self.login.max_lockout),
            _ => String::new(),
        }
    }

    fn email_set(&mut self, key: &str, raw: &Raw) -> std::result::Result<(), String> {
        let email = &mut self.email;
        let text = |raw: &Raw| {
            raw.string()
                .map(|s| Some(s).filter(|s| !s.trim().is_empty()))
        };
        match key {
            "backend" => email.backend = Some(raw.string()?.parse()?),
            "host" => email.host = text(raw)?.map(|h| h.trim().to_string()),
            "port" => email.port = Some(raw.in_range(1, 65535)?),
            "security" => email.security = raw.string()?.parse()?,
            "username" => email.username = text(raw)?,
            "password" => {
                email.password = text(raw)?.map(|p| ConfigSecret(secrecy::SecretString::from(p)))
            }
            "password_file" => email.password_file = text(raw)?.map(PathBuf::from),
            "from" => {
                let from = raw.string()?;
                from.parse::<lettre::message::Mailbox>()
                    .map_err(|e| format!("{from:?} is not an address: {e}"))?;
                email.from = from;
            }
            "ca_file" => email.ca_file = text(raw)?.map(PathBuf::from),
            "timeout" => {
                email.timeout = raw.duration_in(SECOND, 10 * MINUTE)?;
            }
            "file_path" => email.file_path = text(raw)?.map(PathBuf::from),
            _ => return Err("unknown key".to_string()),
        }
        Ok(())
    }

    fn email_display(&self, key: &str) -> String {
        let email = &self.email;
        let path = |p: &Option<PathBuf>| p.as_ref().map(|p| p.display().to_string());
        let shown = match key {
            "backend" => Some(match email.backend {
                Some(kind) => kind.as_str().to_string(),
                None => format!("{} (automatic)", email.backend_kind().as_str()),
            }),
            "host" => email.host.clone(),
            "port" => Some(
                email
                    .port
                    .unwrap_or(email.security.default_port())
                    .to_string(),
            ),
            "security" => Some(email.security.as_str().to_string()),
            "username" => email.username.clone(),
            "password" => email.password.as_ref().map(|_| "(set)".to_string()),
            "password_file" => path(&email.password_file),
            "from" => Some(email.from.clone()),
            "ca_file" => path(&email.ca_file),
            "timeout" => Some(format_duration(email.timeout)),
            "file_path" => path(&email.file_path),
            _ => None,
        };
        shown.unwrap_or_else(|| "(not set)".to_string())
    }

    fn otp_set(&mut self, key: &str, raw: &Raw) -> std::result::Result<(), String> {
        let otp = &mut self.otp;
        match key {
            "digits" => otp.digits = raw.in_range(i64::from(MIN_DIGITS), i64::from(MAX_DIGITS))?,
            "ttl" => {
                otp.ttl = raw.duration_in(SECOND, 7 * DAY)?;
            }
            "max_attempts" => otp.max_attempts = raw.in_range(1, 100)?,
            "resend_cooldown" => otp.resend_cooldown = raw.duration_in(Duration::ZERO, DAY)?,
            "max_sends_per_hour" => otp.max_sends_per_hour = raw.in_range(1, 1000)?,
            "subject" => {
                let subject = raw.string()?;
                check_template(&subject, false)?;
                if subject.contains(['\r', '\n']) {
                    return Err("must be one line".to_string());
                }
                otp.subject = subject;
            }
            "body" => {
                let body = raw.string()?;
                check_template(&body, true)?;
                otp.body = body;
            }
            _ => return Err("unknown key".to_string()),
        }
        Ok(())
    }

    fn otp_display(&self, key: &str) -> String {
        let otp = &self.otp;
        match key {
            "digits" => otp.digits.to_string(),
            "ttl" => format_duration(otp.ttl),
            "max_attempts" => otp.max_attempts.to_string(),
            "resend_cooldown" => format_duration(otp.resend_cooldown),
            "max_sends_per_hour" => otp.max_sends_per_hour.to_string(),
            "subject" => otp.subject.clone(),
            "body" => otp.body.escape_debug().to_string(),
            _ => String::new(),
        }
    }

    /// Loads the settings: defaults, then the config file, then the environment.
    ///
    /// `explicit` is a file the user named (it must exist); without it the platform
    /// default is read if present. `env` looks a variable up; empty counts as unset.
    pub fn load(
        explicit: Option<&Path>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<LoadedSettings> {
        let mut settings = Settings::default();
        let mut sources: BTreeMap<String, Source> =
            KEYS.iter().map(|k| (k.name(), Source::Default)).collect();

        let config_path = explicit.map(Path::to_path_buf).or_else(default_config_path);
        let mut config_found = false;
        if let Some(path) = &config_path {
            match std::fs::read_to_string(path) {
                Ok(text) => {
                    config_found = true;
                    apply_text(&mut settings, &mut sources, &text, path)?;
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound && explicit.is_none() => {}
                Err(e) => {
                    return Err(Error::Config(format!(
                        "cannot read config file {}: {e}",
                        path.display()
                    )));
                }
            }
        }

        for spec in KEYS {
            let var = spec.env_var();
            let Some(value) = env(&var).filter(|v| !v.is_empty()) else {
                continue;
            };
            settings
                .set(spec, &Raw::Env(&value))
                .map_err(|reason| Error::Config(format!("environment variable {var}: {reason}")))?;
            sources.insert(spec.name(), Source::Env(var));
        }

        crate::password::PasswordHasher::new(settings.password.argon2)
            .map_err(|e| Error::Config(format!("[password] argon2 parameters: {e}")))?;
        settings
            .password
            .limits
            .admit_params(&settings.password.argon2)
            .map_err(|e| {
                Error::Config(format!(
                    "[password] memory_cost/time_cost make new hashes that could not be checked: {e}"
                ))
            })?;

        Ok(LoadedSettings {
            settings,
            config_path,
            config_found,
            sources,
        })
    }
}

/// Lays a config file's text over `settings`.
fn apply_text(
    settings: &mut Settings,
    sources: &mut BTreeMap<String, Source>,
    text: &str,
    path: &Path,
) -> Result<()> {
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
        Error::Config(format!(
            "config file {} is not valid TOML: {}",
            path.display(),
            e.message()
        ))
    })?;
    apply_file(settings, sources, &table, path)
}

impl Settings {
    /// The settings a config file's text gives over the defaults (no environment):
    /// for tools and fuzzing. `name` is what errors call the file.
    pub fn from_toml(text: &str, name: &str) -> Result<Settings> {
        let mut settings = Settings::default();
        apply_text(&mut settings, &mut BTreeMap::new(), text, Path::new(name))?;
        Ok(settings)
    }
}

fn apply_file(
    settings: &mut Settings,
    sources: &mut BTreeMap<String, Source>,
    table: &toml::Table,
    path: &Path,
) -> Result<()> {
    let at = |what: String| Error::Config(format!("config file {}: {what}", path.display()));
    for (section, body) in table {
        let toml::Value::Table(body) = body else {
            return Err(at(format!("`{section}` must be a [{section}] table")));
        };
        if section == "fields" {
            settings.fields = FieldSet::from_toml(body).map_err(at)?;
            continue;
        }
        if !KEYS.iter().any(|k| k.section == section) {
            return Err(at(format!("unknown section [{section}]")));
        }
        for (name, value) in body {
            let spec = KEYS
                .iter()
                .find(|k| k.section == section && k.key == name)
                .ok_or_else(|| at(format!("unknown key `{name}` in [{section}]")))?;
            if spec.secret {
                require_private_file(path, spec)?;
            }
            settings
                .set(spec, &Raw::Toml(value))
                .map_err(|reason| at(format!("{}: {reason}", spec.name())))?;
            sources.insert(spec.name(), Source::File);
        }
    }
    Ok(())
}

/// A secret in the config file is read only when the file is private (mode 0600
/// or stricter): putting it there and `chmod 600` is the explicit acknowledgement.
/// Otherwise the secret belongs in the environment or a `*_file` key.
fn require_private_file(path: &Path, spec: &KeySpec) -> Result<()> {
    use std::os::unix::fs::MetadataExt;
    let mode = std::fs::metadata(path)
        .map(|m| m.mode() & 0o777)
        .map_err(|e| Error::Config(format!("config file {}: {e}", path.display())))?;
    if mode & 0o077 != 0 {
        return Err(Error::Config(format!(
            "config file {}: {} is a secret, but the file can be read by others (mode {mode:o}); \
             run `chmod 600 {}`, or use {} or [{}] {}_file instead",
            path.display(),
            spec.name(),
            path.display(),
            spec.env_var(),
            spec.section,
            spec.key
        )));
    }
    Ok(())
}

fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("", "", "userdb")
}

/// `config.toml` in the platform's config directory (`~/.config/userdb` on Linux).
pub fn default_config_path() -> Option<PathBuf> {
    project_dirs().map(|d| d.config_dir().join("config.toml"))
}

/// `userdb.sqlite3` in the platform's data directory (`~/.local/share/userdb` on Linux).
pub fn default_database_path() -> Option<PathBuf> {
    project_dirs().map(|d| d.data_dir().join("userdb.sqlite3"))
}

/// The name of the one-time codes' key file ([`default_key_path`]).
pub const SECRET_KEY_FILE: &str = "secret.key";

/// Where the key file lives: beside the default config file.
pub fn default_key_path() -> Option<PathBuf> {
    default_config_path().and_then(|p| p.parent().map(|dir| dir.join(SECRET_KEY_FILE)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env_of(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| map.get(name).cloned()
    }

    fn write_config(text: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    #[test]
    fn defaults_are_owasp_argon2_and_djangos_validators() {
        let (_dir, path) = write_config("");
        let loaded = Settings::load(Some(&path), &env_of(&[])).unwrap();
        let s = &loaded.settings;
        assert_eq!(
            (
                s.password.argon2.memory_cost,
                s.password.argon2.time_cost,
                s.password.argon2.parallelism
            ),
            (19456, 2, 1)
        );
        assert_eq!(s.password.policy.min_length, 8);
        assert!(loaded.sources.values().all(|src| *src == Source::Default));
    }

    #[test]
    fn the_environment_overrides_the_file_which_overrides_defaults() {
        let (_dir, path) = write_config(
            "[password]\nmemory_cost = 65536\ntime_cost = 3\n[database]\nbusy_timeout = \"1m\"\n",
        );
        let loaded = Settings::load(
            Some(&path),
            &env_of(&[
                ("USERDB_PASSWORD_TIME_COST", "4"),
                ("USERDB_PASSWORD_PARALLELISM", ""),
            ]),
        )
        .unwrap();
        let argon2 = &loaded.settings.password.argon2;
        assert_eq!(
            (argon2.memory_cost, argon2.time_cost, argon2.parallelism),
            (65536, 4, 1)
        );
        assert_eq!(
            loaded.settings.database.busy_timeout,
            Duration::from_secs(60)
        );
        assert_eq!(loaded.sources["password.memory_cost"], Source::File);
        assert_eq!(
            loaded.sources["password.time_cost"],
            Source::Env("USERDB_PASSWORD_TIME_COST".into())
        );
        assert_eq!(loaded.sources["password.parallelism"], Source::Default);
    }

    #[test]
    fn mistakes_in_the_file_are_named_precisely() {
        for (text, expected) in [
            (
                "[password]\nmemroy_cost = 1\n",
                "unknown key `memroy_cost` in [password]",
            ),
            ("[pasword]\n", "unknown section [pasword]"),
            (
                "[password]\nmemory_cost = \"lots\"\n",
                "password.memory_cost: expected a whole number, found string",
            ),
            (
                "[password]\ntime_cost = 0\n",
                "password.time_cost: 0 is out of range (1 to 100)",
            ),
            ("password = 3\n", "`password` must be a [password] table"),
            ("[password\n", "is not valid TOML"),
            ("[password]\nmax_similarity = 2.0\n", "out of range"),
        ] {
            let (_dir, path) = write_config(text);
            let err = Settings::load(Some(&path), &env_of(&[])).unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::Config);
            assert!(err.to_string().contains(expected), "{text:?}: {err}");
        }
    }

    #[test]
    fn a_bad_environment_value_names_the_variable() {
        let (_dir, path) = write_config("");
        let err = Settings::load(
            Some(&path),
            &env_of(&[("USERDB_PASSWORD_REJECT_COMMON", "maybe")]),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "environment variable USERDB_PASSWORD_REJECT_COMMON: expected true or false, found \"maybe\""
        );
    }

    #[test]
    fn email_and_otp_keys_load_from_the_file_and_the_environment() {
        use std::os::unix::fs::PermissionsExt;
        let (_dir, path) = write_config(
            "[email]\nhost = \"smtp.example.com\"\nsecurity = \"tls\"\npassword = \"pw\"\n\
             [otp]\ndigits = 8\nttl = \"5m\"\nresend_cooldown = 30\n",
        );
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        let loaded = Settings::load(
            Some(&path),
            &env_of(&[
                ("USERDB_EMAIL_PORT", "2465"),
                ("USERDB_OTP_MAX_SENDS_PER_HOUR", "3"),
            ]),
        )
        .unwrap();
        let s = &loaded.settings;
        assert_eq!(s.email.backend_kind(), crate::email::BackendKind::Smtp);
        assert_eq!(s.email.security, crate::email::Security::Tls);
        assert_eq!(s.email.port, Some(2465));
        assert!(s.email.password.is_some());
        assert_eq!(
            (
                s.otp.digits,
                s.otp.ttl,
                s.otp.resend_cooldown,
                s.otp.max_sends_per_hour
            ),
            (8, Duration::from_secs(300), Duration::from_secs(30), 3)
        );
        assert!(
            !format!("{s:?}").contains("\"pw\""),
            "Debug never shows the password"
        );
        for (var, value, expected) in [
            ("USERDB_EMAIL_SECURITY", "ssl", "is not a security mode"),
            ("USERDB_EMAIL_BACKEND", "sendmail", "is not a backend"),
            ("USERDB_EMAIL_FROM", "not an address", "is not an address"),
            (
                "USERDB_OTP_SUBJECT",
                "{code}\nBcc: x@example.com",
                "must be one line",
            ),
        ] {
            let err = Settings::load(Some(&path), &env_of(&[(var, value)])).unwrap_err();
            assert!(err.to_string().contains(expected), "{var}: {err}");
        }
    }

    #[test]
    fn token_expiry_defaults_to_90_days_and_takes_never_only_when_said() {
        let (_dir, path) = write_config("");
        let loaded = Settings::load(Some(&path), &env_of(&[])).unwrap();
        assert_eq!(
            loaded.settings.token.default_expiry,
            Some(Duration::from_secs(90 * 86_400))
        );
        let (_dir, path) = write_config("[token]\ndefault_expiry = \"never\"\n");
        let loaded = Settings::load(Some(&path), &env_of(&[])).unwrap();
        assert_eq!(loaded.settings.token.default_expiry, None);
        let loaded = Settings::load(
            Some(&path),
            &env_of(&[("USERDB_TOKEN_DEFAULT_EXPIRY", "12h")]),
        )
        .unwrap();
        assert_eq!(
            loaded.settings.token.default_expiry,
            Some(Duration::from_secs(43_200))
        );
        let err = Settings::load(
            Some(&path),
            &env_of(&[("USERDB_TOKEN_DEFAULT_EXPIRY", "0")]),
        )
        .unwrap_err();
        assert!(err.to_string().contains("already expired"), "{err}");
    }

    #[test]
    fn custom_fields_are_read_from_fields_tables() {
        let (_dir, path) = write_config(
            "[fields.department]\ntype = \"choice\"\nchoices = [\"Sales\", \"Ops\"]\nrequired = true\n\
             help = \"Where they work\"\n[fields.employee_no]\ntype = \"integer\"\nunique = true\n",
        );
        let loaded = Settings::load(Some(&path), &env_of(&[])).unwrap();
        let fields = &loaded.settings.fields;
        assert_eq!(fields.names(), ["department", "employee_no"]);
        let department = fields.get("department").unwrap();
        assert!(department.required && !department.unique);
        assert_eq!(department.help.as_deref(), Some("Where they work"));
        assert!(fields.get("employee_no").unwrap().unique);

        let (_dir, path) = write_config("[fields.last_name]\ntype = \"text\"\n");
        let err = Settings::load(Some(&path), &env_of(&[])).unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::Config);
        assert!(
            err.to_string().ends_with(
                "[fields.last_name]: `last_name` clashes with the built-in field of that name; choose another name"
            ),
            "{err}"
        );
    }

    #[test]
    fn an_explicit_config_file_must_exist() {
        let err =
            Settings::load(Some(Path::new("/nonexistent/userdb.toml")), &env_of(&[])).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("cannot read config file /nonexistent/userdb.toml")
        );
    }
}
