//! `userdb`: a user database managed the way Django's auth commands manage one, in an
//! embedded SQLite file or on PostgreSQL. The command line (`src/main.rs`, `src/cli/`)
//! is a thin layer over this library, which a service can link to authenticate
//! against the same database.
//!
//! A service builds its manager from the same settings as the command line
//! (the README's *As a library*, which a test keeps equal to this):
//!
//! ```no_run
//! use std::path::Path;
//! use std::sync::Arc;
//! use userdb::{clock::SystemClock, config::Settings, *};
//!
//! fn sign_in(config: &Path, password: &SecretString) -> Result<User> {
//!     // The config file and USERDB_* variables, read as the command line reads them.
//!     let settings = Settings::load(Some(config), &|name| std::env::var(name).ok())?.settings;
//!     // A file path or a postgres:// URL: one call opens either backend.
//!     let path = settings.database.path.clone().unwrap_or_else(|| "users.sqlite3".into());
//!     let target = storage::Target::parse(&path)?;
//!     let options = storage::OpenOptions {
//!         busy_timeout: settings.database.busy_timeout,
//!         password_file: settings.database.password_file.clone(),
//!     };
//!     let store = storage::Store::open(&target, storage::Open::Migrated, &options)?;
//!     // Built as the command line builds it: [password], [registration], [fields.NAME], [login].
//!     let mut users = UserManager::from_settings(store, &settings, Arc::new(SystemClock), "my-service")?;
//!     // One entry for every proof (a password, an emailed code, a reset token).
//!     // Throttled; every failure but a lock (Error::LoginLocked, with retry_at) is
//!     // Error::InvalidCredentials, whatever the reason.
//!     let signed_in = users.sign_in(SignIn::new("ada@example.com", Proof::Password(password)))?;
//!     let user = signed_in.user;
//!     // Custom fields, typed on reading.
//!     for (name, value) in settings.fields.values(&user.fields) {
//!         println!("{name}: {value:?}"); // Option<FieldValue>: Text, Integer, Boolean, Date, Choice
//!     }
//!     Ok(user)
//! }
//! ```

pub mod access;
pub mod apply;
pub mod audit;
pub mod bounded_input;
pub mod clock;
pub mod config;
pub mod doctor;
pub mod duration;
pub mod email;
pub mod email_address;
pub mod error;
pub mod exit_code;
pub mod fields;
pub mod import_report;
#[cfg(test)]
mod layering;
pub mod manager;
pub mod mfa_settings;
pub mod notice;
pub mod otp;
pub mod otp_kind;
pub mod output_file;
pub mod password;
pub(crate) mod pg_connect;
pub mod private_file;
pub mod provisioning;
pub mod recovery_codes;
pub mod registration;
pub mod row_problem;
pub mod sealed;
pub mod storage;
pub mod terminal_text;
pub mod throttle;
pub mod token;
pub mod totp;
pub mod user;

pub use error::{Error, ErrorKind, Result};
pub use exit_code::ExitCode;
pub use manager::{
    Happened, IssuedToken, MfaScope, NewPassword, OneTimeCodes, OtpSent, Proof, Registered,
    Registration, Revoked, SecondFactor, SecondFactorOffer, SecondFactorUsed, SignIn,
    SignInOutcome, SignedUp, TokenAsk, Upserted, UserManager, Validation,
};
pub use token::{Rejection, TokenInfo};
pub use user::{NewUser, User, UserChanges, UserFilter};

pub use secrecy::{ExposeSecret, SecretString};

/// The README's library example is this crate's doctest, word for word.
#[cfg(test)]
mod readme_example {
    /// The lines of the first fenced block after `opening` in `text`, each
    /// with `prefix` (and the one space after it) taken off.
    fn block(text: &str, opening: &str, prefix: &str) -> Vec<String> {
        let from = text.find(opening).expect("the opening line") + opening.len();
        text[from..]
            .lines()
            .map(|line| match line.strip_prefix(prefix) {
                Some(rest) if !prefix.is_empty() => rest.strip_prefix(' ').unwrap_or(rest),
                _ => line,
            })
            .take_while(|line| *line != "```")
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn the_readme_library_example_is_the_crate_doctest() {
        let readme = block(
            include_str!("../README.md"),
            "## As a library\n\n```rust\n",
            "",
        );
        let doctest = block(include_str!("lib.rs"), "//! ```no_run\n", "//!");
        assert!(readme.len() > 10, "{readme:?}");
        assert_eq!(
            readme, doctest,
            "README.md's *As a library* block and the doctest in src/lib.rs differ: make them equal"
        );
    }
}
