//! The one place where errors become messages and exit codes. The codes are the
//! library's [`userdb::ExitCode`], stable and documented in the README.

use std::io::Write;

use userdb::import_report::ImportProblems;
use userdb::terminal_text::escape;
use userdb::{Error, ExitCode};

/// Everything a command can fail with.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Lib(#[from] Error),
    /// Input is needed and there is no terminal to ask on.
    #[error("{what} but standard input is not a terminal (or --no-input was given)")]
    NeedsInput { what: String, hint: String },
    #[error("{0}")]
    Usage(String, String),
    /// The operator answered no, or gave up after the allowed tries.
    #[error("{0}")]
    Declined(String),
    #[error("interrupted")]
    Interrupted,
    #[error("cannot write output: {0}")]
    Output(std::io::Error),
}

impl CliError {
    pub fn usage(message: impl Into<String>, hint: impl Into<String>) -> Self {
        CliError::Usage(message.into(), hint.into())
    }

    pub fn needs_input(what: impl Into<String>, hint: impl Into<String>) -> Self {
        CliError::NeedsInput {
            what: what.into(),
            hint: hint.into(),
        }
    }

    /// The library's errors end with their kind's code; the command line's own
    /// with the code of the kind they are like.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            CliError::Lib(e) => e.exit_code(),
            CliError::NeedsInput { .. } | CliError::Usage(..) => ExitCode::Usage,
            CliError::Declined(_) => ExitCode::Rejected,
            CliError::Interrupted => ExitCode::Interrupted,
            CliError::Output(_) => ExitCode::Storage,
        }
    }

    fn kind_name(&self) -> &'static str {
        match self {
            CliError::Lib(e) => e.kind().name(),
            CliError::NeedsInput { .. } | CliError::Usage(..) => "usage",
            CliError::Declined(_) => "rejected",
            CliError::Interrupted => "interrupted",
            CliError::Output(_) => "storage",
        }
    }

    /// What to do about it, when there is something to say.
    fn hint(&self) -> Option<String> {
        let hint = match self {
            CliError::NeedsInput { hint, .. } | CliError::Usage(_, hint) => hint.clone(),
            CliError::Lib(e) => match e {
                Error::UserNotFound(_) => "check the address, or find it with `userdb list-users --search TEXT`".into(),
                Error::UserExists(_) => "pass --if-not-exists to make this a no-op, or change the user with `userdb update-user`".into(),
                Error::PasswordRejected(_) => "choose a stronger password, or pass --skip-validation to accept it anyway".into(),
                Error::UnusablePassword(email) => format!("set one with `userdb changepassword {email}`"),
                Error::InactiveUser(email) => format!("reactivate with `userdb update-user {email} --active true`"),
                Error::Import(failure) => match failure.problems {
                    ImportProblems::InvalidRows(_) => "fix the rows listed and run the import again".into(),
                    ImportProblems::Conflicts(_) => "pass --on-conflict skip to leave them as they are, or --on-conflict update to change them".into(),
                    ImportProblems::ValuesTaken(_) => "a unique field takes one value per user: change or empty those values in the file (`userdb list-users --where FIELD=VALUE` shows who has one)".into(),
                },
                Error::LastSuperuser(_) => "create another superuser without --temporary first, or pass --force".into(),
                Error::TokenRejected(r) => token_hint(r),
                Error::TokenNotFound(_) => "see the ids with `userdb list-tokens`".into(),
                Error::TokenNameTaken { .. } => "choose another --name, or revoke the old token with `userdb revoke-token ID` (`issue-token --if-not-exists` makes this a no-op)".into(),
                Error::InactiveUserToken(email) => format!("reactivate with `userdb update-user {email} --active true`"),
                Error::EmailNotVerified(email) => verify_hint(email),
                Error::AlreadyRegistered(email) => format!("sign in with `userdb authenticate {email}`, or with a code: `userdb send-otp {email} --purpose login`"),
                Error::RegisteredCodeNotSent { email, .. } => format!("fix the email settings (try `userdb sendtestemail`), then resend with `userdb register {email}` or `userdb send-otp {email}`"),
                Error::UnknownField { name, .. } => format!("declare it as [fields.{name}] in the config file (`userdb config` shows which file), or check the spelling"),
                Error::MissingField { field, .. } => format!("pass --set {field}=VALUE (createsuperuser --no-input also reads {})", field_env(field)),
                Error::FieldValueTaken { field, .. } => format!("`{field}` is unique: choose another value (`userdb list-users --where {field}=VALUE` shows who has one)"),
                Error::StoredHash { email, source: userdb::password::HashError::OverCeiling { .. } } => format!("if the hash is genuine, raise [password] max_hash_time / max_hash_memory; otherwise set a new password with `userdb changepassword {email}`"),
                Error::PendingMigrations(_) => "apply them with `userdb migrate`".into(),
                Error::LoginLocked { email, .. } => format!("wait, or lift the lock with `userdb update-user {email} --unlock`"),
                Error::InvalidEmail(_) => "give an address like name@example.com".into(),
                Error::Config(_) => "see `userdb config` for the files and variables read".into(),
                Error::OtpRejected { email, purpose, reason } if reason.needs_new_code() => {
                    format!("send a new code with `userdb send-otp {email} --purpose {purpose}`")
                }
                Error::NoDatabase(_) => "create it with `userdb migrate` (or any command that writes); check --db or USERDB_DB".into(),
                Error::UnsupportedDatabase(_) => "give --db (or USERDB_DB) the path of a SQLite file or a postgres:// URL".into(),
                Error::NotOnThisBackend { hint, .. } => hint.clone(),
                Error::OutputExists(_) => "pass --force to replace it, or choose another file".into(),
                Error::UnsafeOutput { .. } => "choose another file".into(),
                Error::NotADatabaseFile { .. } => "check --db, USERDB_DB or --to".into(),
                Error::Database { target, source } if target.contains("://") => source
                    .downcast_ref::<userdb::storage::ServerError>()
                    .and_then(|e| e.hint())
                    .unwrap_or_else(|| "check the server's log; `userdb doctor` checks the database".into()),
                Error::Database { .. } => "check the --db path (or USERDB_DB) and its permissions".into(),
                Error::GroupNotFound(_) => "see the groups with `userdb list-groups`, or create it with `userdb create-group NAME`".into(),
                Error::GroupExists(name) => format!("change it with `userdb update-group {name:?}`, or choose another name (`create-group --if-not-exists` makes this a no-op)"),
                Error::ScopeNotHeld { email, missing } => format!("grant it first (`userdb update-user {email} --grant {}` or --group G), or issue the token without that --scope", missing.first().map_or("", String::as_str)),
                Error::AccountExpired { email, .. } => format!("extend it with `userdb update-user {email} --expires-at DATE` (or never)"),
                Error::SecondFactorNotEnrolled(email) => format!("enroll one with `userdb enroll-totp {email}`, then ask for the token again"),
                Error::SecondFactorRequired(_) => "type it at the prompt, or give it on the line after the password (or the code) on stdin, or in USERDB_SECOND_FACTOR".into(),
                Error::MustChangePassword(email) => format!("the user changes it first (`userdb changepassword {email}`, a reset by code, or `userdb create-reset-token {email}`)"),
                Error::ResetTokenRejected(_) => "ask the operator for a new one: `userdb create-reset-token EMAIL`".into(),
                Error::SecondFactorExists(email) => format!("pass --replace to enroll a new authenticator (the old one works until the new one is confirmed), or remove it with `userdb disable-2fa {email} --reason TEXT`"),
                Error::NoPendingEnrolment(email) | Error::NoSecondFactor(email) => format!("start an enrolment with `userdb enroll-totp {email}`"),
                Error::NotEmpty => "copy into a new, empty database (a new SQLite file, or a schema of its own: options=-csearch_path%3DNAME)".into(),
                // Exhaustive on purpose: a new error must say whether it has a
                // hint. These say what to do in their message, or need nothing.
                Error::BlankPassword
                | Error::PasswordTooLong
                | Error::WrongPassword(_)
                | Error::SuperuserFlag(_)
                | Error::InvalidCredentials
                | Error::InvalidCode
                | Error::InvalidResetToken
                | Error::AddressAlreadyVerified(_)
                | Error::InvalidValue { .. }
                | Error::OtpRejected { .. }
                | Error::OtpRateLimited { .. }
                | Error::StoredHash { .. }
                | Error::SchemaTooNew { .. }
                | Error::Connect { .. }
                | Error::ReadOnlyStandby { .. }
                | Error::StandbyNeedsMigrations { .. }
                | Error::CommitOutcomeUnknown { .. }
                | Error::Delivery(_)
                | Error::SecretNotDecrypted { .. }
                | Error::WrongSecondFactor(_)
                | Error::Io { .. } => return None,
            },
            _ => return None,
        };
        Some(hint).filter(|h| !h.is_empty())
    }

    /// Prints the error as one line on stderr (or one JSON object with `--json`).
    pub fn report(&self, json: bool) {
        let mut stderr = std::io::stderr().lock();
        let message = self.to_string();
        let hint = self.hint();
        // Reporting is best effort: if stderr is gone there is no one to tell.
        let _ = if json {
            let mut body = serde_json::json!({ "error": {
                "kind": self.kind_name(),
                "message": message,
                "hint": hint,
                "exit_code": self.exit_code().code(),
            }});
            // A rate-limited script learns when to retry without parsing the message.
            if let CliError::Lib(
                Error::OtpRateLimited { retry_at, .. } | Error::LoginLocked { retry_at, .. },
            ) = self
            {
                body["error"]["retry_at"] = userdb::clock::format_timestamp(*retry_at).into();
            }
            writeln!(stderr, "{body}")
        } else {
            // Messages quote what was typed or stored: escaped, and one line.
            let message = escape(&message);
            // "This password is too common." + "; choose …": no ".;".
            let message = message.strip_suffix('.').unwrap_or(&message);
            match hint {
                Some(hint) => writeln!(stderr, "error: {message}; {}", escape(&hint)),
                None => writeln!(stderr, "error: {message}"),
            }
        };
    }
}

/// The variable `createsuperuser --no-input` reads a custom field from.
fn field_env(field: &str) -> String {
    format!("USERDB_SUPERUSER_{}", field.to_ascii_uppercase())
}

/// How an unverified user proves the address.
fn verify_hint(email: &str) -> String {
    format!(
        "verify it first: `userdb send-otp {email}`, then `userdb verify-otp {email} CODE --password-stdin` with the code from the email and the password to keep (the first verification sets it)"
    )
}

/// What to do about a rejected token.
fn token_hint(rejection: &userdb::Rejection) -> String {
    use userdb::Rejection;
    match rejection {
        Rejection::Malformed(_) => {
            "a token is udb_ followed by 38 letters and digits; copy it again, whole"
        }
        Rejection::Unknown => {
            "it was never issued from this database (check --db), or its user was deleted"
        }
        Rejection::Expired { .. } | Rejection::Revoked { .. } => {
            "issue a new one with `userdb issue-token EMAIL`"
        }
        Rejection::AccountExpired { email, .. } => {
            return format!("extend it with `userdb update-user {email} --expires-at DATE` (or never)");
        }
        Rejection::InactiveUser(email) => {
            return format!("reactivate with `userdb update-user {email} --active true`");
        }
        Rejection::EmailNotVerified(email) => return verify_hint(email),
        Rejection::NotPermitted { permission, .. } => {
            return format!(
                "issue a token with --scope {permission} to a user who holds it (`userdb has-perm EMAIL {permission}` checks)"
            );
        }
    }
    .to_string()
}
