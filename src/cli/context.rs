//! What every command needs: the global flags, the settings, the database, the
//! clock, and whether there is an operator to ask.

use std::path::PathBuf;
use std::sync::Arc;

use userdb::clock::{Clock, FixedClock, SystemClock};
use userdb::config::default_key_path;
use userdb::config::{LoadedSettings, Settings, default_database_path};
use userdb::email::{ConsoleStream, Mailer};
use userdb::otp::{PREVIOUS_SECRET_KEY_ENV, SECRET_KEY_ENV, SecretKey};
use userdb::storage::{Open, OpenOptions, SchemaStore, Store, Target};
use userdb::{OneTimeCodes, SecondFactor, UserManager};

use super::exit::CliError;
use super::password_input::env_value;
use super::prompt::{NoPrompter, Prompter, TerminalPrompter, terminal_attached};

pub struct Context {
    pub json: bool,
    pub no_input: bool,
    pub loaded: LoadedSettings,
    pub db_path: PathBuf,
    /// `--db`, `USERDB_DB` or `[database] path` named the database (else it is
    /// the platform default, which a new database's first command names).
    db_named: bool,
    /// Whether `db_path` came from `--db` (else `USERDB_DB`, the config's
    /// `[database] path`, or the platform default, as the settings' sources say).
    pub db_from_flag: bool,
}

impl Context {
    pub fn new(
        db_flag: Option<PathBuf>,
        config_flag: Option<PathBuf>,
        json: bool,
        no_input: bool,
    ) -> Result<Self, CliError> {
        let loaded = Settings::load(config_flag.as_deref(), &env_value)?;
        // clap reads USERDB_DB into the flag too; the settings name that source.
        let db_from_flag = db_flag.as_ref().is_some_and(|flag| {
            env_value("USERDB_DB")
                .map(std::path::PathBuf::from)
                .as_ref()
                != Some(flag)
        });
        let named = db_flag.or_else(|| loaded.settings.database.path.clone());
        let db_named = named.is_some();
        let db_path = match named {
            Some(path) => path,
            None => default_database_path().ok_or_else(|| {
                CliError::usage(
                    "no home directory to put the default database in",
                    "pass --db PATH or set USERDB_DB",
                )
            })?,
        };
        Ok(Context {
            json,
            no_input,
            loaded,
            db_path,
            db_named,
            db_from_flag,
        })
    }

    /// The clock: real, unless `USERDB_NOW` pins it (the test suite's fixed clock).
    pub fn clock(&self) -> Result<Arc<dyn Clock>, CliError> {
        match env_value("USERDB_NOW") {
            None => Ok(Arc::new(SystemClock)),
            Some(text) => text
                .parse()
                .map(|ts| Arc::new(FixedClock(ts)) as Arc<dyn Clock>)
                .map_err(|_| {
                    CliError::usage(
                        format!("USERDB_NOW={text:?} is not an RFC 3339 timestamp"),
                        "unset it, or use the form 2026-01-31T12:00:00Z",
                    )
                }),
        }
    }

    /// The database named (`--db`, `USERDB_DB`, `[database] path`).
    pub fn target(&self) -> Result<Target, CliError> {
        Ok(Target::parse(&self.db_path)?)
    }

    /// The database as messages name it: never a password written in a URL.
    pub fn db_name(&self) -> String {
        Target::parse(&self.db_path).map_or_else(
            |_| "(a URL userdb cannot open)".to_string(),
            |t| t.describe(),
        )
    }

    /// The database, whichever backend it is on (see [`Open`]).
    pub fn open(&self, open: Open) -> Result<Store, CliError> {
        let database = &self.loaded.settings.database;
        let options = OpenOptions {
            busy_timeout: database.busy_timeout,
            password_file: database.password_file.clone(),
        };
        let store = Store::open(&self.target()?, open, &options)?;
        if store.created() && !self.db_named {
            // Said once, by the command that made it, when nobody named it:
            // where the users now live.
            super::output::status(
                self.json,
                &format!("created the database {}", self.db_name()),
            );
        }
        if open != Open::Unmigrated
            && let Some(path) = store.file_path()
        {
            warn_if_shared(path);
        }
        Ok(store)
    }

    /// The manager over the (migrated) database, created if missing.
    pub fn manager(&self) -> Result<UserManager<Store>, CliError> {
        self.manager_over(self.open(Open::Migrated)?)
    }

    /// The manager over the existing database, for commands that only read.
    pub fn reader(&self) -> Result<UserManager<Store>, CliError> {
        self.manager_over(self.open(Open::Existing)?)
    }

    fn manager_over(&self, store: Store) -> Result<UserManager<Store>, CliError> {
        let mut manager =
            UserManager::from_settings(store, &self.loaded.settings, self.clock()?, os_user())?;
        // The operator may read the database: plain reasons help more than they
        // reveal, unless the answers are passed on to the public.
        // `[registration] conceal_accounts`: answers are passed on to the public.
        manager.reveal_reasons(!self.loaded.settings.registration.conceal_accounts);
        Ok(manager)
    }

    /// A user as `--json` prints it, with the declared custom fields.
    pub fn user_json<'a>(&'a self, user: &'a userdb::User) -> super::output::UserJson<'a> {
        super::output::UserJson::new(user, &self.loaded.settings.fields)
    }

    /// The configured email backend and sender. The console backend prints on
    /// stdout, or on stderr when stdout carries `--json`.
    pub fn mailer(&self) -> Result<Mailer, CliError> {
        let stream = if self.json {
            ConsoleStream::Stderr
        } else {
            ConsoleStream::Stdout
        };
        let email = &self.loaded.settings.email;
        Ok(Mailer::new(email.backend(stream)?, email.from.clone()))
    }

    /// The `[otp]` settings and the secret key (`USERDB_SECRET_KEY`, or the key
    /// file beside the default config file, created on first use).
    pub fn one_time_codes(&self) -> Result<OneTimeCodes, CliError> {
        let key = SecretKey::load(env_value(SECRET_KEY_ENV), default_key_path().as_deref())?;
        Ok(OneTimeCodes {
            settings: self.loaded.settings.otp.clone(),
            key,
        })
    }

    /// What checks and seals second factors: `[mfa]` and the secret key
    /// (`USERDB_SECRET_KEY`, or the key file, as for one-time codes), and the
    /// key being rotated out (`USERDB_PREVIOUS_SECRET_KEY`), when given.
    pub fn second_factor(&self) -> Result<SecondFactor, CliError> {
        let key = SecretKey::load(env_value(SECRET_KEY_ENV), default_key_path().as_deref())?;
        let settings = self.loaded.settings.mfa.second_factor.clone();
        let mfa = SecondFactor::new(settings, key);
        Ok(match env_value(PREVIOUS_SECRET_KEY_ENV) {
            Some(text) => mfa.with_previous_key(SecretKey::new(&text, PREVIOUS_SECRET_KEY_ENV)?),
            None => mfa,
        })
    }

    /// [`Self::second_factor`] when a key is at hand (`USERDB_SECRET_KEY`, or
    /// a key file that exists), else `None`: signing in and `doctor` never
    /// create the key file (no secret sealed before it would open under it).
    pub fn second_factor_at_hand(&self) -> Result<Option<SecondFactor>, CliError> {
        let at_hand = env_value(SECRET_KEY_ENV).is_some()
            || default_key_path().is_some_and(|path| path.exists());
        at_hand.then(|| self.second_factor()).transpose()
    }

    /// True when questions can be asked.
    pub fn interactive(&self) -> bool {
        !self.no_input && terminal_attached()
    }

    /// The terminal, or a prompter that fails with `hint` (the flags to use instead).
    pub fn prompter(&self, hint: &str) -> Box<dyn Prompter> {
        if self.interactive() {
            Box::new(TerminalPrompter::new())
        } else {
            Box::new(NoPrompter {
                hint: hint.to_string(),
            })
        }
    }
}

/// A warning on stderr when others may read the database (password hashes):
/// `doctor` reports it too.
fn warn_if_shared(path: &std::path::Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::metadata(path) {
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            super::output::warn(&format!(
                "the database {} is open to other users (mode {mode:o}); run `chmod 600 {}`",
                path.display(),
                path.display()
            ));
        }
    }
}

/// Who ran the command, for the audit log: the account of the real uid (not
/// `$USER`, which anyone can set to anything), and the invoking user that sudo
/// records beside it. sudo sets `SUDO_USER` itself, but a caller can too, so it
/// is shown as a claim and only when it looks like a user name.
#[allow(unsafe_code)] // getuid
fn os_user() -> String {
    let account = account_name(unsafe { libc::getuid() });
    match env_value("SUDO_USER") {
        Some(sudo) if is_user_name(&sudo) => format!("{account} (sudo: {sudo})"),
        Some(_) => format!("{account} (sudo: ?)"),
        None => account,
    }
}

/// The passwd entry's name of `uid`, or `uid N` when it has none.
#[allow(unsafe_code)] // getpwuid_r
fn account_name(uid: libc::uid_t) -> String {
    let mut buffer = vec![0 as libc::c_char; 4096];
    // SAFETY: getpwuid_r writes the entry into `entry` and its strings into
    // `buffer`, both ours and large enough by the length we pass; `found` is
    // null when there is no entry.
    unsafe {
        let mut entry: libc::passwd = std::mem::zeroed();
        let mut found: *mut libc::passwd = std::ptr::null_mut();
        let rc = libc::getpwuid_r(
            uid,
            &mut entry,
            buffer.as_mut_ptr(),
            buffer.len(),
            &mut found,
        );
        if rc == 0 && !found.is_null() && !entry.pw_name.is_null() {
            let name = std::ffi::CStr::from_ptr(entry.pw_name).to_string_lossy();
            if is_user_name(&name) {
                return name.into_owned();
            }
        }
    }
    format!("uid {uid}")
}

/// POSIX's portable user names, as useradd accepts them.
fn is_user_name(name: &str) -> bool {
    (1..=32).contains(&name.len())
        && !name.starts_with('-')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '$'))
}
