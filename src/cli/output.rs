//! Rendering results on stdout: one serde shape feeds the table, the JSON and the
//! CSV. Status lines go to stderr so stdout stays parseable.

use std::io::Write;
use std::time::Duration;

use comfy_table::{
    ColumnConstraint, ContentArrangement, Table, Width, presets::UTF8_FULL_CONDENSED,
};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use jiff::Timestamp;
use serde::Serialize;
use userdb::fields::{FieldSet, FieldValue};
use userdb::manager::SecondFactorStatus;
use userdb::provisioning::{Progress, Stage, escape_cell};
use userdb::terminal_text::{escape, escape_lines};
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

/// A status line for the operator, on stderr (silent with `--json`). Stored or
/// typed text in it is escaped, and a closed stderr is no reason to fail a
/// command that has already done its work.
pub fn status(json: bool, line: &str) {
    if !json {
        let _ = writeln!(std::io::stderr().lock(), "{}", escape_lines(line));
    }
}

pub fn human_time(ts: Option<Timestamp>) -> String {
    match ts {
        Some(ts) => userdb::clock::human_timestamp(ts),
        None => "-".to_string(),
    }
}

/// Names (groups, permissions, scopes, members) as a person reads them in one
/// cell: comma-separated everywhere, `-` for none. A space alone would run two
/// group names together when a name has a space.
pub fn name_list(items: &[String]) -> String {
    if items.is_empty() {
        "-".to_string()
    } else {
        items.join(", ")
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

/// A table for a person: on a terminal (or with `COLUMNS` set) it fits the
/// width, wrapping inside cells; piped, cells keep their full length.
pub fn new_table() -> Table {
    let mut table = Table::new();
    table.load_style(UTF8_FULL_CONDENSED);
    if let Some(width) = terminal_width() {
        table
            .set_content_arrangement(ContentArrangement::Dynamic)
            .set_width(width);
    }
    table
}

/// Lays out a finished table so that what a person copies is never broken to
/// fit the width: the `whole` columns (an id, an address, a key, a variable
/// name, a token prefix) are never wrapped, and the `words` columns (times,
/// lists of permissions or scopes, flags, paths) wrap only between words (a
/// time between its date and its hour), each at least as wide as its longest
/// word. The other columns give
/// way first, at spaces when they can. A terminal too narrow even for that
/// gets a wider table rather than a broken address.
pub fn finish(table: Table, whole: &[usize], words: &[usize]) -> String {
    finish_with_soft(table, whole, words, &[])
}

/// The longest word a [`finish_with_soft`] column keeps whole.
const SOFT_WORD: usize = 12;

/// As [`finish`], and the `soft` columns (names) keep room for a word of up to
/// [`SOFT_WORD`] characters: they wrap between words and give way inside a
/// longer one only, rather than shrink to a letter a line.
pub fn finish_with_soft(
    mut table: Table,
    whole: &[usize],
    words: &[usize],
    soft: &[usize],
) -> String {
    let columns = table.column_count();
    for index in 0..columns {
        let constraint = if whole.contains(&index) {
            ColumnConstraint::ContentWidth
        } else if !words.contains(&index) && !soft.contains(&index) {
            continue;
        } else {
            let longest = table
                .header()
                .into_iter()
                .chain(table.row_iter())
                .filter_map(|row| row.cell_iter().nth(index))
                .flat_map(|cell| {
                    cell.content()
                        .split_whitespace()
                        .map(|word| word.chars().count())
                        .max()
                })
                .max()
                .unwrap_or(0);
            let longest = if soft.contains(&index) {
                longest.min(SOFT_WORD)
            } else {
                longest
            };
            // The boundary counts the column's padding too.
            let padding = table
                .column(index)
                .map_or(0, |c| usize::from(c.padding_width()));
            ColumnConstraint::LowerBoundary(Width::Fixed(
                u16::try_from(longest + padding).unwrap_or(u16::MAX),
            ))
        };
        if let Some(column) = table.column_mut(index) {
            column.set_constraint(constraint);
        }
    }
    format!("{table}\n")
}

/// Adds a row of stored or typed text, escaped: a cell is one line, and no
/// escape sequence in a name reaches the terminal.
pub fn add_row<S: AsRef<str>>(table: &mut Table, cells: impl IntoIterator<Item = S>) {
    table.add_row(cells.into_iter().map(|c| escape(c.as_ref()).into_owned()));
}

/// `COLUMNS` when set (as `ls` and clap honour it), else the size of the
/// terminal on stdout (read with TIOCGWINSZ, so no terminal crate is needed).
#[allow(unsafe_code)] // the TIOCGWINSZ ioctl
fn terminal_width() -> Option<u16> {
    if let Some(columns) = std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()) {
        return Some(columns).filter(|&c| c > 0);
    }
    // SAFETY: TIOCGWINSZ writes one `winsize` into the struct we own; on failure
    // (stdout not a terminal) it is left zeroed.
    let mut size: libc::winsize = unsafe { std::mem::zeroed() };
    let ok = unsafe { libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut size) } == 0;
    Some(size.ws_col).filter(|&c| ok && c > 0)
}

/// A custom field's value in a table: booleans as yes/no, like the built-in flags.
fn shown_value(value: Option<FieldValue>) -> String {
    match value {
        Some(FieldValue::Boolean(b)) => yes_no(b).to_string(),
        Some(value) => value.to_string(),
        None => "-".to_string(),
    }
}

/// The users, with a column per declared custom field after the built-in ones.
pub fn users_table(users: &[User], fields: &FieldSet) -> String {
    let mut table = new_table();
    let mut header: Vec<String> = ["ID", "Email", "Name", "Flags", "Joined", "Last login"]
        .map(String::from)
        .into();
    header.extend(fields.iter().map(|f| f.name.clone()));
    table.set_header(header);
    for user in users {
        let mut row = vec![
            user.id.to_string(),
            user.email.clone(),
            full_name(user),
            user_flags(user),
            human_time(Some(user.date_joined)),
            human_time(user.last_login),
        ];
        row.extend(
            fields
                .values(&user.fields)
                .into_iter()
                .map(|(_, v)| shown_value(v)),
        );
        add_row(&mut table, row);
    }
    // Four yes/no columns would not fit 80 columns beside an address; one column of
    // words wraps between them.
    finish_with_soft(table, &[0, 1], &[3, 4, 5], &[2])
}

/// A user's flags as words: `inactive` when not active (active is the rule),
/// then `staff`, `superuser` and `verified` where they hold.
fn user_flags(user: &User) -> String {
    let flags = [
        (!user.is_active, "inactive"),
        (user.is_staff, "staff"),
        (user.is_superuser, "superuser"),
        (user.email_verified_at.is_some(), "verified"),
    ];
    let words: Vec<&str> = flags
        .into_iter()
        .filter_map(|(holds, word)| holds.then_some(word))
        .collect();
    if words.is_empty() {
        "-".into()
    } else {
        words.join(" ")
    }
}

/// The user's fields, its custom fields, then `extra` rows (e.g. the active tokens).
pub fn user_table(user: &User, fields: &FieldSet, extra: &[(&str, String)]) -> String {
    let mut table = new_table();
    let built_in = [
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
        (
            "must change password",
            yes_no(user.must_change_password).into(),
        ),
        (
            "expires",
            match user.expires_at {
                Some(_) => human_time(user.expires_at),
                None => "never".to_string(),
            },
        ),
    ];
    let custom = fields
        .values(&user.fields)
        .into_iter()
        .map(|(name, value)| (name, shown_value(value)));
    for (field, value) in built_in
        .into_iter()
        .chain(custom)
        .chain(extra.iter().cloned())
    {
        add_row(&mut table, [field.to_string(), value]);
    }
    finish(table, &[], &[1])
}

/// A user's second factor in `--json` (`show-user`, `list-users`):
/// `"second_factor": "totp" | "pending" | "none"`, and the recovery codes left
/// (`null` without a confirmed TOTP).
#[derive(Serialize)]
pub struct SecondFactorJson {
    pub second_factor: &'static str,
    pub recovery_codes_left: Option<u32>,
}

impl From<SecondFactorStatus> for SecondFactorJson {
    fn from(status: SecondFactorStatus) -> Self {
        let (second_factor, recovery_codes_left) = match status {
            SecondFactorStatus::None => ("none", None),
            SecondFactorStatus::Pending => ("pending", None),
            SecondFactorStatus::Totp {
                recovery_codes_left,
            } => ("totp", Some(recovery_codes_left)),
        };
        SecondFactorJson {
            second_factor,
            recovery_codes_left,
        }
    }
}

/// A user as `--json` prints it: the built-in fields, then each declared custom
/// field with its natural JSON type (`null` when the user has no value).
#[derive(Serialize)]
pub struct UserJson<'a> {
    #[serde(flatten)]
    pub user: &'a User,
    #[serde(flatten)]
    pub fields: CustomValues<'a>,
}

impl<'a> UserJson<'a> {
    pub fn new(user: &'a User, fields: &'a FieldSet) -> Self {
        UserJson {
            user,
            fields: CustomValues { user, fields },
        }
    }
}

/// The declared custom fields of a user, serialised as a map.
pub struct CustomValues<'a> {
    user: &'a User,
    fields: &'a FieldSet,
}

impl Serialize for CustomValues<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let values = self.fields.values(&self.user.fields);
        let mut map = s.serialize_map(Some(values.len()))?;
        for (name, value) in &values {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
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
        "Scopes",
        "Status",
    ]);
    for token in tokens {
        let state = match token.state(now) {
            TokenState::Active => "active".to_string(),
            TokenState::Expired => "expired".to_string(),
            TokenState::Revoked => format!("revoked {}", human_time(token.revoked_at)),
        };
        add_row(
            &mut table,
            [
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
                token
                    .scopes
                    .as_ref()
                    .map_or("(user's)".to_string(), |s| name_list(s)),
                state,
            ],
        );
    }
    finish(table, &[0, 1, 3], &[2, 4, 5, 6, 7, 8])
}

/// `list-users --csv`: the built-in columns, then one per declared custom field.
pub fn users_csv(users: &[User], fields: &FieldSet) -> Result<String, CliError> {
    let csv_err = |e: csv::Error| CliError::Output(std::io::Error::other(e));
    let mut writer = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<&str> = userdb::user::FIELD_NAMES.to_vec();
    header.extend(fields.names());
    writer.write_record(&header).map_err(csv_err)?;
    let time = |t: Option<Timestamp>| t.map(userdb::clock::format_timestamp).unwrap_or_default();
    for user in users {
        // Spreadsheets must not run a name as a formula (import reverses this).
        let text = |s: &str| escape_cell(s).into_owned();
        let mut record = vec![
            user.id.to_string(),
            text(&user.email),
            text(&user.first_name),
            text(&user.last_name),
            user.is_active.to_string(),
            user.is_staff.to_string(),
            user.is_superuser.to_string(),
            time(Some(user.date_joined)),
            time(user.last_login),
            time(user.email_verified_at),
            user.has_usable_password.to_string(),
            user.must_change_password.to_string(),
            time(user.expires_at),
        ];
        record.extend(
            fields
                .values(&user.fields)
                .into_iter()
                .map(|(_, v)| text(&v.map(|v| v.canonical()).unwrap_or_default())),
        );
        writer.write_record(&record).map_err(csv_err)?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| CliError::Output(std::io::Error::other(e.to_string())))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// A user in `--json` output of a command that may create it.
#[derive(Serialize)]
pub struct UserOutcome<'a> {
    #[serde(flatten)]
    pub user: UserJson<'a>,
    pub created: bool,
    /// Only a generated password is ever printed, once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<&'a str>,
}

/// A warning for the operator on stderr (also with `--json`: it is about safety).
/// Never panics: a closed stderr loses the warning, not the command.
pub fn warn(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "warning: {}", escape_lines(line));
}

/// A progress bar of import or copy: indicatif on a terminal (stderr);
/// nothing otherwise.
pub struct Bar {
    enabled: bool,
    /// What the writing stage is called ("Importing", "Copying").
    writing: &'static str,
    bar: Option<ProgressBar>,
}

impl Bar {
    pub fn new(enabled: bool, writing: &'static str) -> Self {
        Bar {
            enabled,
            writing,
            bar: None,
        }
    }
}

impl Progress for Bar {
    fn start(&mut self, stage: Stage, total: Option<u64>) {
        if !self.enabled {
            return;
        }
        let (bar, template) = match total {
            Some(len) => (
                ProgressBar::new(len),
                "{msg} [{bar:30}] {pos}/{len} users, {rate}, ETA {eta}",
            ),
            None => (
                ProgressBar::new_spinner(),
                "{msg} {spinner} {pos} rows, {rate}",
            ),
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            let rate = |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = write!(w, "{:.0}/s", state.per_sec());
            };
            bar.set_style(style.progress_chars("=> ").with_key("rate", rate));
        }
        bar.set_draw_target(ProgressDrawTarget::stderr());
        bar.set_message(match stage {
            Stage::Checking => "Checking",
            Stage::Hashing => "Hashing",
            Stage::Writing => self.writing,
        });
        bar.enable_steady_tick(Duration::from_millis(200));
        self.bar = Some(bar);
    }

    fn advance(&mut self, rows: u64) {
        if let Some(bar) = &self.bar {
            bar.inc(rows);
        }
    }

    fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}
