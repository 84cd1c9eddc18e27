//! The library's one error type. Each variant belongs to a [`ErrorKind`], which the
//! command line turns into an exit code; messages never contain a secret.

use std::path::PathBuf;

use crate::email_address::EmailError;
use crate::exit_code::ExitCode;
use crate::import_report::{ImportFailure, ImportProblems};
use crate::password::HashError;
use crate::token::{Rejection, ResetRejection};

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
    /// An email could not be delivered (SMTP refused, unreachable, TLS failed).
    Delivery,
    /// The first factor was right and the user has a second one, which was
    /// not given: ask for it (a TOTP code or a recovery code) and sign in again.
    SecondFactorRequired,
}

impl ErrorKind {
    /// The kind's stable name, as `--json` errors give it.
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::Rejected => "rejected",
            ErrorKind::InvalidInput => "usage",
            ErrorKind::NotFound => "not_found",
            ErrorKind::AlreadyExists => "already_exists",
            ErrorKind::Refused => "refused",
            ErrorKind::Config => "config",
            ErrorKind::Storage => "storage",
            ErrorKind::Delivery => "delivery",
            ErrorKind::SecondFactorRequired => "second_factor_required",
        }
    }

    /// The exit code the command line ends with on an error of this kind.
    pub fn exit_code(self) -> ExitCode {
        match self {
            ErrorKind::Rejected => ExitCode::Rejected,
            ErrorKind::InvalidInput => ExitCode::Usage,
            ErrorKind::NotFound => ExitCode::NotFound,
            ErrorKind::AlreadyExists => ExitCode::AlreadyExists,
            ErrorKind::Refused => ExitCode::Refused,
            ErrorKind::Config => ExitCode::Config,
            ErrorKind::Storage => ExitCode::Storage,
            ErrorKind::Delivery => ExitCode::Delivery,
            ErrorKind::SecondFactorRequired => ExitCode::SecondFactorRequired,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    InvalidEmail(#[from] EmailError),

    #[error("no user with email {0}")]
    UserNotFound(String),

    /// The address as given, with the stored spelling when it differs (see
    /// [`Error::user_exists`]).
    #[error("a user with email {0} already exists")]
    UserExists(String),

    #[error("Superuser must have {0}=True.")]
    SuperuserFlag(&'static str),

    #[error("password rejected: {}", .0.join(" "))]
    PasswordRejected(Vec<String>),

    #[error("blank passwords aren't allowed")]
    BlankPassword,

    #[error(
        "the password is longer than {} characters",
        crate::password::MAX_PASSWORD_CHARS
    )]
    PasswordTooLong,

    #[error("wrong password for {0}")]
    WrongPassword(String),

    #[error("user {0} is inactive")]
    InactiveUser(String),

    #[error("the account of {email} expired at {}", crate::clock::human_timestamp(*.at))]
    AccountExpired { email: String, at: jiff::Timestamp },

    /// An operator set the password: the user changes it before getting a token.
    #[error("{0} must change the password an operator set before a token can be issued")]
    MustChangePassword(String),

    #[error("user {0} has no usable password")]
    UnusablePassword(String),

    #[error("the stored password hash of {email} cannot be checked: {source}")]
    StoredHash { email: String, source: HashError },

    #[error(
        "{0} is the last lasting superuser (temporary ones expire); refusing to leave the \
         database without one"
    )]
    LastSuperuser(String),
    /// A stored secret that no key at hand opens: the database was written
    /// under another secret key (or the row was tampered with).
    #[error(
        "{what} was sealed under key id {key_id}, which the secret key in use (key id \
         {current_key_id}) cannot open; set USERDB_SECRET_KEY (or the key file) to the key \
         it was made with, or give that key as USERDB_PREVIOUS_SECRET_KEY"
    )]
    SecretNotDecrypted {
        what: String,
        key_id: String,
        current_key_id: String,
    },

    #[error("{0} already has a confirmed second factor; replace it explicitly")]
    SecondFactorExists(String),

    #[error("{0} has no pending TOTP enrolment (it expired or was never started); enroll again")]
    NoPendingEnrolment(String),

    #[error("{0} has no second factor")]
    NoSecondFactor(String),

    #[error("the second factor of {0} was not accepted")]
    WrongSecondFactor(String),

    /// The first factor was right; the user's second factor was not given.
    #[error("{0} signs in with a second factor too: give a TOTP code or a recovery code")]
    SecondFactorRequired(String),

    /// `[mfa] required` covers the user, who has no confirmed second factor:
    /// no token until they enroll one.
    #[error("{0} must enroll a second factor first ([mfa] required covers this user)")]
    SecondFactorNotEnrolled(String),

    #[error("token rejected: {0}")]
    TokenRejected(Rejection),

    #[error("reset token rejected: {0}")]
    ResetTokenRejected(ResetRejection),

    #[error("no token with id {0}")]
    TokenNotFound(i64),

    #[error("{email} already has a token named {name:?}")]
    TokenNameTaken { email: String, name: String },

    #[error("no group named {0:?}")]
    GroupNotFound(String),

    #[error("a group named {0:?} already exists")]
    GroupExists(String),

    /// `issue-token --scope P` for a permission the user does not hold.
    #[error("{email} does not hold {}, so a token cannot carry it", .missing.join(", "))]
    ScopeNotHeld { email: String, missing: Vec<String> },

    #[error("user {0} is inactive: no token can be issued to it")]
    InactiveUserToken(String),

    /// `[registration] verification = mandatory` and the address is not proved yet.
    #[error(
        "the email address of {0} is not verified, and [registration] verification is mandatory"
    )]
    EmailNotVerified(String),

    /// `register` for an address that needs no (more) verification.
    #[error("a user with email {0} already exists")]
    AlreadyRegistered(String),

    /// `register` created the user but its verification code did not leave.
    #[error("{email} is registered but not verified: the verification code was not sent: {source}")]
    RegisteredCodeNotSent { email: String, source: Box<Error> },

    #[error("invalid {what}: {reason}")]
    InvalidValue { what: String, reason: String },

    /// A value given for a custom field that the config does not declare.
    #[error("no custom field named `{name}` is declared{}", if .declared.is_empty() { " (there are none)".to_string() } else { format!(" (declared: {})", .declared) })]
    UnknownField { name: String, declared: String },

    /// A required custom field without a value (and without a default).
    #[error("field `{field}` is required{}", .help.as_ref().map(|h| format!(" ({h})")).unwrap_or_default())]
    MissingField { field: String, help: Option<String> },

    /// A unique custom field's value that another user already has.
    #[error("another user already has {field} = {value:?}")]
    FieldValueTaken { field: String, value: String },

    #[error("{0}")]
    Config(String),

    #[error("{} pending migration(s): {}", .0.len(), .0.join(", "))]
    PendingMigrations(Vec<String>),

    #[error(
        "database {target} has schema version {found}, newer than this userdb knows ({known}); upgrade userdb"
    )]
    SchemaTooNew {
        target: String,
        found: i64,
        known: i64,
    },

    /// The database engine failed. `target` names the database (a file's path,
    /// or a server's address without its password); the store fills it in.
    #[error("database {target}: {source}")]
    Database {
        target: String,
        source: Box<dyn std::error::Error + Send + Sync>,
    },

    /// A write reached a PostgreSQL hot standby (in recovery, read-only).
    #[error(
        "database {target}: the server is a read-only standby; name the primary or add target_session_attrs=read-write"
    )]
    ReadOnlyStandby { target: String },

    /// A command that must migrate the database reached a PostgreSQL standby.
    #[error(
        "database {target} has {} pending migration(s) ({}), and the server is a read-only standby: run `userdb migrate` against the primary (the standby follows it)",
        .pending.len(), .pending.join(", ")
    )]
    StandbyNeedsMigrations {
        target: String,
        pending: Vec<String>,
    },

    /// The connection to PostgreSQL broke while a COMMIT was under way: the
    /// server may or may not have applied the change. Never success, never a
    /// plain failure.
    #[error(
        "database {target}: the connection was lost during COMMIT ({reason}): the change may or may not have been applied; check with `userdb show-user …`; commands with --if-not-exists and `apply` are safe to run again"
    )]
    CommitOutcomeUnknown { target: String, reason: String },

    /// A PostgreSQL server could not be reached, would not let userdb in, or its
    /// URL cannot be used. `target` is the URL without its password; `reason` says
    /// what went wrong and what to do, on one line, never with a password.
    #[error("cannot connect to PostgreSQL server {target}: {reason}")]
    Connect { target: String, reason: String },

    /// A one-time code was not accepted; the reason is told apart.
    #[error("{}", reason.describe(email, *purpose))]
    OtpRejected {
        email: String,
        purpose: crate::otp_kind::Purpose,
        reason: crate::otp_kind::OtpFailure,
    },

    /// A code was asked for too soon or too often.
    #[error("{reason}; try again in {} (at {})", crate::duration::human_wait(*.retry_after), crate::clock::human_timestamp(*.retry_at))]
    OtpRateLimited {
        /// The `[otp]` key of the limit: `resend_cooldown` or `max_sends_per_hour`.
        limit: &'static str,
        reason: String,
        retry_after: std::time::Duration,
        retry_at: jiff::Timestamp,
    },

    /// Too many failed sign-ins to an address in a row: refused without checking
    /// the password until `retry_at` (`[login]`).
    #[error("too many failed sign-ins to {email}: locked until {} (try again in {})", crate::clock::human_timestamp(*.retry_at), crate::duration::human_wait(*.retry_after))]
    LoginLocked {
        email: String,
        retry_after: std::time::Duration,
        retry_at: jiff::Timestamp,
    },

    /// The uniform outcome of a failed sign-in for services (the library's
    /// default): an unknown address, a wrong or unusable password, an inactive or
    /// unverified user all read the same ([`crate::UserManager::reveal_reasons`]).
    #[error("invalid email or password")]
    InvalidCredentials,

    /// The uniform outcome of a code that does not sign in, for services (see
    /// [`Error::InvalidCredentials`]).
    #[error("the code is not valid (wrong, expired, used up or locked); ask for a new one")]
    InvalidCode,

    /// The uniform outcome of a reset token that does not reset, for services
    /// (see [`Error::InvalidCredentials`]).
    #[error("the reset token is not valid (wrong, used, expired or replaced); ask for a new one")]
    InvalidResetToken,

    /// A password given with a `verify-email` code for an address verified
    /// already: it is only taken at the address's first verification.
    #[error(
        "the address of {0} is verified already: a password is only taken at its first \
         verification (change it with changepassword or a password-reset code)"
    )]
    AddressAlreadyVerified(String),

    /// An email was not delivered; the message says where it failed.
    #[error("{0}")]
    Delivery(String),
    /// An import its rows stopped (invalid rows, taken emails or unique values):
    /// nothing was written.
    #[error(transparent)]
    Import(ImportFailure),

    /// A file userdb was asked to write that it will not replace or write into.
    #[error("refusing to write {}: {reason}", .path.display())]
    UnsafeOutput { path: PathBuf, reason: String },

    /// A file to write that exists, where replacing it was not asked for.
    #[error("{} already exists", .0.display())]
    OutputExists(PathBuf),

    /// A database path that names something other than a regular file (a
    /// device, a directory, a FIFO): SQLite would write its `-journal` beside it.
    #[error(
        "refusing to open {} as a database: it is {kind}, not a file; give the path of a database file",
        .path.display()
    )]
    NotADatabaseFile { path: PathBuf, kind: &'static str },

    /// A command that only reads, given a database path where there is none.
    #[error("no database at {}", .0.display())]
    NoDatabase(PathBuf),

    /// `userdb copy` into a database that already holds data.
    #[error("the target database already holds users, tokens or audit rows")]
    NotEmpty,

    /// An operation the backend in use does not offer.
    #[error("{what} (not on this backend)")]
    NotOnThisBackend { what: String, hint: String },

    /// `--db` given a URL (e.g. `postgres://…`): never echoed, it may hold a password.
    #[error("{0}")]
    UnsupportedDatabase(String),

    #[error("{context}: {source}")]
    Io {
        context: String,
        source: std::io::Error,
    },
}

impl Error {
    /// A clash with a stored user, under the address as given and, when the
    /// stored one is spelled otherwise (emails compare case-insensitively), that
    /// one too: `ada@example.org (stored as Ada@example.org)`.
    pub fn user_exists(given: &str, stored: &str) -> Error {
        if given == stored {
            Error::UserExists(given.to_string())
        } else {
            Error::UserExists(format!("{given} (stored as {stored})"))
        }
    }

    /// The exit code the command line ends with on this error.
    pub fn exit_code(&self) -> ExitCode {
        self.kind().exit_code()
    }

    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::InvalidEmail(_)
            | Error::SuperuserFlag(_)
            | Error::PasswordRejected(_)
            | Error::BlankPassword
            | Error::PasswordTooLong
            | Error::AddressAlreadyVerified(_)
            | Error::InvalidValue { .. }
            | Error::UnknownField { .. }
            | Error::MissingField { .. }
            | Error::Import(ImportFailure {
                problems: ImportProblems::InvalidRows(_),
                ..
            }) => ErrorKind::InvalidInput,
            Error::UserNotFound(_) | Error::TokenNotFound(_) | Error::GroupNotFound(_) => {
                ErrorKind::NotFound
            }
            Error::UserExists(_)
            | Error::AlreadyRegistered(_)
            | Error::Import(ImportFailure {
                problems: ImportProblems::Conflicts(_) | ImportProblems::ValuesTaken(_),
                ..
            })
            | Error::FieldValueTaken { .. }
            | Error::TokenNameTaken { .. }
            | Error::GroupExists(_)
            | Error::SecondFactorExists(_) => ErrorKind::AlreadyExists,
            Error::LastSuperuser(_)
            | Error::UnsafeOutput { .. }
            | Error::NotADatabaseFile { .. }
            | Error::ScopeNotHeld { .. }
            | Error::MustChangePassword(_)
            | Error::SecondFactorNotEnrolled(_) => ErrorKind::Refused,
            Error::OutputExists(_) | Error::NotEmpty => ErrorKind::AlreadyExists,
            Error::WrongPassword(_)
            | Error::InactiveUser(_)
            | Error::AccountExpired { .. }
            | Error::UnusablePassword(_)
            | Error::TokenRejected(_)
            | Error::ResetTokenRejected(_)
            | Error::InactiveUserToken(_)
            | Error::EmailNotVerified(_)
            | Error::InvalidCredentials
            | Error::InvalidCode
            | Error::InvalidResetToken
            | Error::PendingMigrations(_)
            | Error::OtpRejected { .. }
            | Error::NoPendingEnrolment(_)
            | Error::NoSecondFactor(_)
            | Error::WrongSecondFactor(_) => ErrorKind::Rejected,
            Error::OtpRateLimited { .. } | Error::LoginLocked { .. } => ErrorKind::Refused,
            Error::Delivery(_) => ErrorKind::Delivery,
            Error::SecondFactorRequired(_) => ErrorKind::SecondFactorRequired,
            Error::RegisteredCodeNotSent { source, .. } => source.kind(),
            Error::Config(_) | Error::SecretNotDecrypted { .. } => ErrorKind::Config,
            Error::StoredHash { .. }
            | Error::SchemaTooNew { .. }
            | Error::Database { .. }
            | Error::Connect { .. }
            | Error::ReadOnlyStandby { .. }
            | Error::StandbyNeedsMigrations { .. }
            | Error::CommitOutcomeUnknown { .. }
            | Error::NoDatabase(_)
            | Error::UnsupportedDatabase(_)
            | Error::NotOnThisBackend { .. }
            | Error::Io { .. } => ErrorKind::Storage,
        }
    }

    pub fn invalid(what: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::InvalidValue {
            what: what.into(),
            reason: reason.into(),
        }
    }

    /// A backend's engine error, for `?` inside a store; the store names its
    /// database on the way out ([`Self::on_target`]).
    pub fn database(source: impl std::error::Error + Send + Sync + 'static) -> Self {
        Error::Database {
            target: String::new(),
            source: Box::new(source),
        }
    }

    /// Names the database in a [`Error::Database`] that does not name one yet.
    pub fn on_target(self, target: &str) -> Self {
        match self {
            Error::Database { target: t, source } if t.is_empty() => Error::Database {
                target: target.to_string(),
                source,
            },
            other => other,
        }
    }

    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }
}
