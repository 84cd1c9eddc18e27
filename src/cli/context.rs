//! What every command needs: the global flags, the settings, the database, the
//! clock, and whether there is an operator to ask.

use std::path::PathBuf;
use std::sync::Arc;

use userdb::clock::{Clock, FixedClock, SystemClock};
use userdb::config::{LoadedSettings, Settings, default_database_path};
use userdb::email::{ConsoleStream, Mailer};
use userdb::otp::{SECRET_KEY_ENV, SecretKey, default_key_path};
use userdb::storage::SqliteStore;
use userdb::{OneTimeCodes, UserManager};

use super::exit::CliError;
use super::password_input::env_value;
use super::prompt::{NoPrompter, Prompter, TerminalPrompter, terminal_attached};

pub struct Context {
    pub json: bool,
    pub no_input: bool,
    pub loaded: LoadedSettings,
    pub db_path: PathBuf,
}

impl Context {
    pub fn new(
        db_flag: Option<PathBuf>,
        config_flag: Option<PathBuf>,
        json: bool,
        no_input: bool,
    ) -> Result<Self, CliError> {
        let loaded = Settings::load(config_flag.as_deref(), &env_value)?;
        let db_path = match db_flag.or_else(|| loaded.settings.database.path.clone()) {
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

    pub fn open_store(&self) -> Result<SqliteStore, CliError> {
        Ok(SqliteStore::open(
            &self.db_path,
            self.loaded.settings.database.busy_timeout,
        )?)
    }

    /// The manager over the (migrated) database.
    pub fn manager(&self) -> Result<UserManager<SqliteStore>, CliError> {
        let store = self.open_store()?;
        let mut manager = UserManager::new(
            store,
            &self.loaded.settings.password,
            self.clock()?,
            os_user(),
        )?;
        manager.set_email_verification(self.loaded.settings.registration.verification);
        manager.set_fields(self.loaded.settings.fields.clone());
        manager.set_login_throttle(self.loaded.settings.login.clone());
        // The operator may read the database: plain reasons help more than they reveal.
        manager.reveal_reasons(true);
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

/// Who ran the command, for the audit log.
fn os_user() -> String {
    env_value("USER")
        .or_else(|| env_value("LOGNAME"))
        .unwrap_or_else(|| "unknown".to_string())
}
