//! The library's one error type. Each variant belongs to a [`ErrorKind`], which the
//! command line turns into an exit code; messages never contain a secret.

use std::path::PathBuf;

use crate::email_address::EmailError;
use crate::password::HashError;
use crate::token::Rejection;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What sort of failure an [`Error`] is: the stable part that callers branch on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// A check said no: wrong password, inactive user, pending migrations.
    Rejected,
    /// The input given was not acceptable (bad email, weak password, bad value).
    InvalidInput,
    NotFound,
    AlreadyExists,
    /// Refused for now: too many attempts, cooldown, a safety rail.
    Refused,
    /// The configuration file or environment is wrong.
    Config,
    /// The database or the file system failed.
    Storage,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    InvalidEmail(#[from] EmailError),

    #[error("no user with email {0}")]
    UserNotFound(String),

    #[error("a user with email {0} already exists")]
    UserExists(String),

    #[error("Superuser must have {0}=True.")]
    SuperuserFlag(&'static str),

    #[error("password rejected: {}", .0.join(" "))]
    PasswordRejected(Vec<String>),

    #[error("blank passwords aren't allowed")]
    BlankPassword,

    #[error("wrong password for {0}")]
    WrongPassword(String),

    #[error("user {0} is inactive")]
    InactiveUser(String),

    #[error("user {0} has no usable password")]
    UnusablePassword(String),

    #[error("the stored password hash of {email} cannot be checked: {source}")]
    StoredHash { email: String, source: HashError },

    #[error("token rejected: {0}")]
    TokenRejected(Rejection),

    #[error("no token with id {0}")]
    TokenNotFound(i64),

    #[error("{email} already has a token named {name:?}")]
    TokenNameTaken { email: String, name: String },

    #[error("user {0} is inactive: no token can be issued to it")]
    InactiveUserToken(String),

    #[error("invalid {what}: {reason}")]
    InvalidValue { what: String, reason: String },

    #[error("{0}")]
    Config(String),

    #[error("{} pending migration(s): {}", .0.len(), .0.join(", "))]
    PendingMigrations(Vec<String>),

    #[error(
        "database {path} has schema version {found}, newer than this userdb knows ({known}); upgrade userdb"
    )]
    SchemaTooNew {
        path: PathBuf,
        found: i64,
        known: i64,
    },

    #[error("database {path}: {source}")]
    Database {
        path: PathBuf,
        source: rusqlite::Error,
    },

    #[error("{context}: {source}")]
    Io {
        context: String,
        source: std::io::Error,
    },
}

impl Error {
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::InvalidEmail(_)
            | Error::SuperuserFlag(_)
            | Error::PasswordRejected(_)
            | Error::BlankPassword
            | Error::InvalidValue { .. } => ErrorKind::InvalidInput,
            Error::UserNotFound(_) | Error::TokenNotFound(_) => ErrorKind::NotFound,
            Error::UserExists(_) | Error::TokenNameTaken { .. } => ErrorKind::AlreadyExists,
            Error::WrongPassword(_)
            | Error::InactiveUser(_)
            | Error::UnusablePassword(_)
            | Error::TokenRejected(_)
            | Error::InactiveUserToken(_)
            | Error::PendingMigrations(_) => ErrorKind::Rejected,
            Error::Config(_) => ErrorKind::Config,
            Error::StoredHash { .. }
            | Error::SchemaTooNew { .. }
            | Error::Database { .. }
            | Error::Io { .. } => ErrorKind::Storage,
        }
    }

    pub fn invalid(what: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::InvalidValue {
            what: what.into(),
            reason: reason.into(),
        }
    }

    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }
}
