//! Rendering results on stdout: one serde shape feeds the table, the JSON and the
//! CSV. Status lines go to stderr so stdout stays parseable.

use std::io::Write;

use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};
use jiff::Timestamp;
use serde::Serialize;
use userdb::token::TokenState;
use userdb::{TokenInfo, User};

use super::exit::CliError;

/// Writes to stdout; a closed pipe (`userdb list-users | head`) is not an error.
pub fn print(text: &str) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(CliError::Output(e)),
        _ => Ok(()),
    }
}

pub fn print_json<T: Serialize + ?Sized>(value: &T) -> Result<(), CliError> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| CliError::Output(std::io::Error::other(e)))?;
    print(&format!("{text}\n"))
}

/// A status line for the operator, on stderr (silent with `--json`).
pub fn status(json: bool, line: &str) {
    if !json {
        eprintln!("{line}");
    }
}

pub fn human_time(ts: Option<Timestamp>) -> String {
    match ts {
        Some(ts) => ts.strftime("%Y-%m-%d %H:%M:%S UTC").to_string(),
        None => "-".to_string(),
    }
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

fn full_name(user: &User) -> String {
    format!("{} {}", user.first_name, user.last_name)
        .trim()
        .to_string()
}

fn new_table() -> Table {
    let mut table = Table::new();
    table.load_style(UTF8_FULL_CONDENSED);
    table
}

pub fn users_table(users: &[User]) -> String {
    let mut table = new_table();
    table.set_header([
        "ID",
        "Email",
        "Name",
        "Active",
        "Staff",
        "Superuser",
        "Verified",
        "Joined",
        "Last login",
    ]);
    for user in users {
        table.add_row([
            user.id.to_string(),
            user.email.clone(),
            full_name(user),
            yes_no(user.is_active).into(),
            yes_no(user.is_staff).into(),
            yes_no(user.is_superuser).into(),
            yes_no(user.email_verified_at.is_some()).into(),
            human_time(Some(user.date_joined)),
            human_time(user.last_login),
        ]);
    }
    format!("{table}\n")
}

/// The user's fields, then `extra` rows (e.g. the active tokens).
pub fn user_table(user: &User, extra: &[(&str, String)]) -> String {
    let mut table = new_table();
    let rows = [
        ("id", user.id.to_string()),
        ("email", user.email.clone()),
        ("first name", user.first_name.clone()),
        ("last name", user.last_name.clone()),
        ("active", yes_no(user.is_active).into()),
        ("staff", yes_no(user.is_staff).into()),
        ("superuser", yes_no(user.is_superuser).into()),
        ("usable password", yes_no(user.has_usable_password).into()),
        ("date joined", human_time(Some(user.date_joined))),
        ("last login", human_time(user.last_login)),
        ("email verified", human_time(user.email_verified_at)),
    ];
    for (field, value) in rows.iter().chain(extra) {
        table.add_row([field.to_string(), value.clone()]);
    }
    format!("{table}\n")
}

/// A user as `show-user --json` prints it: the fields and the active tokens.
#[derive(Serialize)]
pub struct ShownUser<'a> {
    #[serde(flatten)]
    pub user: &'a User,
    pub active_tokens: u64,
}

pub fn tokens_table(tokens: &[TokenInfo], now: Timestamp) -> String {
    let mut table = new_table();
    table.set_header([
        "ID",
        "User",
        "Name",
        "Prefix",
        "Created",
        "Expires",
        "Last used",
        "Status",
    ]);
    for token in tokens {
        let state = match token.state(now) {
            TokenState::Active => "active".to_string(),
            TokenState::Expired => "expired".to_string(),
            TokenState::Revoked => format!("revoked {}", human_time(token.revoked_at)),
        };
        table.add_row([
            token.id.to_string(),
            token.user.clone(),
            token.name.clone(),
            format!("{}…", token.prefix),
            human_time(Some(token.created_at)),
            match token.expires_at {
                Some(_) => human_time(token.expires_at),
                None => "never".to_string(),
            },
            human_time(token.last_used_at),
            state,
        ]);
    }
    format!("{table}\n")
}

pub fn users_csv(users: &[User]) -> Result<String, CliError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    for user in users {
        writer
            .serialize(user)
            .map_err(|e| CliError::Output(std::io::Error::other(e)))?;
    }
    if users.is_empty() {
        writer
            .write_record(CSV_HEADER)
            .map_err(|e| CliError::Output(std::io::Error::other(e)))?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| CliError::Output(std::io::Error::other(e.to_string())))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// The header serde writes for [`User`], for an empty list.
const CSV_HEADER: [&str; 11] = [
    "id",
    "email",
    "first_name",
    "last_name",
    "is_active",
    "is_staff",
    "is_superuser",
    "date_joined",
    "last_login",
    "email_verified_at",
    "has_usable_password",
];

/// A user in `--json` output of a command that may create it.
#[derive(Serialize)]
pub struct UserOutcome<'a> {
    #[serde(flatten)]
    pub user: &'a User,
    pub created: bool,
    /// Only a generated password is ever printed, once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<&'a str>,
}
