//! Settings: defaults, under a TOML file, under `USERDB_<SECTION>_<KEY>` environment
//! variables (flags are laid on top by the command line). Every key is listed once
//! in [`KEYS`] (`keys.rs`), which drives loading, environment names, `userdb config`
//! and the README's table ([`reference_markdown`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::email::EmailSettings;
use crate::error::{Error, Result};
use crate::fields::FieldSet;
use crate::otp::OtpSettings;
use crate::password::{Argon2Params, HashLimits, PasswordPolicy};
use crate::registration::RegistrationSettings;
use crate::throttle::LoginSettings;

mod keys;
mod kind;
mod reference;

pub use keys::{DATABASE_ENV, KEYS, KeySpec, REFUSED_DATABASE_ENV};
pub use kind::Kind;
use kind::{Raw, Value};
pub use reference::reference_markdown;

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

/// `[mfa]`: whom a second factor is required of, and how codes behave.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MfaSettings {
    pub required: crate::mfa_settings::MfaScope,
    /// Enrolment's lifetime, the codes' skew, the issuer apps show.
    pub second_factor: crate::mfa_settings::SecondFactorSettings,
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
    pub mfa: MfaSettings,
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

impl Settings {
    fn set(&mut self, spec: &KeySpec, raw: &Raw) -> std::result::Result<(), String> {
        (spec.set)(self, &Value::new(raw, spec.kind))
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
            match read_config_text(path) {
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

        if env(REFUSED_DATABASE_ENV).is_some_and(|v| !v.is_empty()) {
            return Err(Error::Config(format!(
                "environment variable {REFUSED_DATABASE_ENV} is not read: name the database in \
                 {DATABASE_ENV} (or --db, or [database] path in the config file)"
            )));
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
            if spec.secret() {
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

/// The largest config file read: a longer one is refused, not cut.
const MAX_CONFIG_BYTES: u64 = 1 << 20;

fn read_config_text(path: &Path) -> std::io::Result<String> {
    use crate::bounded_input::{human_size, read_all};
    let invalid = |what: String| std::io::Error::new(std::io::ErrorKind::InvalidData, what);
    let bytes = read_all(std::fs::File::open(path)?, MAX_CONFIG_BYTES)?.ok_or_else(|| {
        invalid(format!(
            "it is larger than {}",
            human_size(MAX_CONFIG_BYTES)
        ))
    })?;
    String::from_utf8(bytes).map_err(|_| invalid("stream did not contain valid UTF-8".into()))
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

    /// The database has one variable, USERDB_DB, over the file's `[database]
    /// path`; the name the rule would give it is refused, naming USERDB_DB.
    #[test]
    fn the_database_variable_is_userdb_db_alone() {
        let (_dir, path) = write_config("[database]\npath = \"/srv/file.sqlite3\"\n");
        let loaded =
            Settings::load(Some(&path), &env_of(&[("USERDB_DB", "/srv/env.sqlite3")])).unwrap();
        assert_eq!(
            loaded.settings.database.path,
            Some(PathBuf::from("/srv/env.sqlite3"))
        );
        assert_eq!(
            loaded.sources["database.path"],
            Source::Env("USERDB_DB".into())
        );
        let err = Settings::load(
            Some(&path),
            &env_of(&[("USERDB_DATABASE_PATH", "/srv/old.sqlite3")]),
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("USERDB_DATABASE_PATH is not read: name the database in USERDB_DB"),
            "{err}"
        );
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
