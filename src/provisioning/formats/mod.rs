//! The file formats of import and export: CSV with a header, JSON Lines, and
//! Django's `dumpdata` fixture of the user model. Readers stream: one record at a
//! time, each with the line it starts on, and a bound on the size of a record so
//! that a hostile file cannot make the process grow.

use std::fmt;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;
use std::str::FromStr;

use jiff::Timestamp;
use secrecy::SecretString;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::spreadsheet::unescape_cell;
use crate::access::{Permission, clean_group_name};
use crate::fields::{FieldSet, FieldValue};
use crate::user::{ColumnUse, column_count, column_names};

/// The longest record accepted (a line of CSV or JSON Lines, an object of a
/// fixture). A real one is under 10 KiB: email 254, names 150 characters each,
/// password 4096.
pub const MAX_RECORD_BYTES: usize = 64 * 1024;

/// The format of an import or export file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Jsonl,
    Django,
}

impl Format {
    pub const NAMES: [&'static str; 3] = ["csv", "jsonl", "django"];

    pub fn name(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Jsonl => "jsonl",
            Format::Django => "django",
        }
    }

    /// The format a file name suggests: `.csv`, `.jsonl` / `.ndjson`, `.json` (a fixture).
    pub fn from_path(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "csv" => Some(Format::Csv),
            "jsonl" | "ndjson" => Some(Format::Jsonl),
            "json" => Some(Format::Django),
            _ => None,
        }
    }
}

impl Format {
    /// The format the start of a file suggests, for input with no name to go
    /// by (stdin) or an unknown extension: a fixture is a JSON array (`[`),
    /// JSON Lines start with an object (`{`), anything else is CSV (whose first
    /// line is a header of column names). `None` while `head` holds nothing but
    /// white space (and a UTF-8 byte order mark).
    pub fn guess(head: &[u8]) -> Option<Format> {
        let head = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
        match head.iter().find(|b| !b.is_ascii_whitespace())? {
            b'[' => Some(Format::Django),
            b'{' => Some(Format::Jsonl),
            _ => Some(Format::Csv),
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "csv" => Ok(Format::Csv),
            "jsonl" => Ok(Format::Jsonl),
            "django" => Ok(Format::Django),
            _ => Err(format!("unknown format {s:?} (csv, jsonl or django)")),
        }
    }
}

/// The columns of CSV and the keys of JSON Lines, in the order export writes them.
pub const COLUMNS: [&str; column_count(ColumnUse::Imported)] = column_names(ColumnUse::Imported);

/// Columns `list-users --csv` writes that a user cannot set: a CSV header may
/// name them (so that its output imports), and their cells are ignored.
pub const READ_ONLY_COLUMNS: [&str; 2] = ["id", "has_usable_password"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Email,
    FirstName,
    LastName,
    IsActive,
    IsStaff,
    IsSuperuser,
    DateJoined,
    LastLogin,
    EmailVerifiedAt,
    Password,
    PasswordHash,
    Groups,
    UserPermissions,
    MustChangePassword,
    ExpiresAt,
}

impl Column {
    const ALL: [Column; COLUMNS.len()] = [
        Column::Email,
        Column::FirstName,
        Column::LastName,
        Column::IsActive,
        Column::IsStaff,
        Column::IsSuperuser,
        Column::DateJoined,
        Column::LastLogin,
        Column::EmailVerifiedAt,
        Column::Password,
        Column::PasswordHash,
        Column::Groups,
        Column::UserPermissions,
        Column::MustChangePassword,
        Column::ExpiresAt,
    ];

    fn from_name(name: &str) -> Option<Column> {
        Column::ALL.into_iter().find(|c| c.name() == name)
    }

    /// Its name in [`COLUMNS`] (a test holds the two in step).
    fn name(self) -> &'static str {
        match self {
            Column::Email => "email",
            Column::FirstName => "first_name",
            Column::LastName => "last_name",
            Column::IsActive => "is_active",
            Column::IsStaff => "is_staff",
            Column::IsSuperuser => "is_superuser",
            Column::DateJoined => "date_joined",
            Column::LastLogin => "last_login",
            Column::EmailVerifiedAt => "email_verified_at",
            Column::Password => "password",
            Column::PasswordHash => "password_hash",
            Column::Groups => "groups",
            Column::UserPermissions => "user_permissions",
            Column::MustChangePassword => "must_change_password",
            Column::ExpiresAt => "expires_at",
        }
    }
}

/// A record as read, typed but not yet checked against the rules of users.
/// `None`: the record does not give the field.
#[derive(Debug, Default)]
pub(crate) struct ParsedRow {
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub is_active: Option<bool>,
    pub is_staff: Option<bool>,
    pub is_superuser: Option<bool>,
    pub date_joined: Option<Timestamp>,
    pub last_login: Option<Timestamp>,
    pub email_verified_at: Option<Timestamp>,
    pub password: Option<SecretString>,
    pub password_hash: Option<String>,
    /// Custom fields the record gives, by index in the [`FieldSet`]: `None` for
    /// an empty cell or `null` (given, without a value).
    pub fields: Vec<(usize, Option<FieldValue>)>,
    /// The groups the user is in after the import, exactly (`None`: the record
    /// does not say, and the memberships are left alone).
    pub groups: Option<Vec<GroupRef>>,
    /// The permissions granted to the user directly, exactly (`None`: left alone).
    pub user_permissions: Option<Vec<Permission>>,
    /// The Django models a fixture's natural keys give for permissions.
    pub models: Vec<(Permission, String)>,
    pub must_change_password: Option<bool>,
    pub expires_at: Option<Timestamp>,
}

/// A group named by a record: by name, or (in a Django fixture) by the pk of
/// an `auth.group` object of the same fixture.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum GroupRef {
    Name(String),
    Pk(i64),
}

impl fmt::Display for GroupRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GroupRef::Name(name) => write!(f, "{name:?}"),
            GroupRef::Pk(pk) => write!(f, "with pk {pk}"),
        }
    }
}

/// A group a file defines: an `auth.group` object of a fixture, or a
/// `{"group": …}` record of JSON Lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParsedGroup {
    /// Its pk in the fixture, by which the fixture's users may name it.
    pub pk: Option<i64>,
    pub name: String,
    pub permissions: Vec<Permission>,
    /// The Django models a fixture's natural keys give for its permissions.
    pub models: Vec<(Permission, String)>,
}

/// The key that makes a JSON Lines record a group rather than a user, and
/// the keys such a record may have.
pub(crate) const GROUP_KEY: &str = "group";
const GROUP_KEYS: [&str; 2] = [GROUP_KEY, "permissions"];

/// What a record holds: a user, or a group (of a fixture or JSON Lines).
// Nearly every record is a user, and records are not kept: boxing each user
// would cost more than the size.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub(crate) enum Parsed {
    User(ParsedRow),
    Group(ParsedGroup),
}

/// A list in one CSV cell: items separated by commas, white space around each
/// trimmed, empty items left out; `\,` is a comma within an item and `\\` a
/// backslash (a group name may hold either). Permissions never do.
pub fn split_list(cell: &str) -> Result<Vec<String>, String> {
    let mut items = Vec::new();
    let mut item = String::new();
    let mut chars = cell.chars();
    while let Some(c) = chars.next() {
        match c {
            ',' => items.push(std::mem::take(&mut item)),
            '\\' => match chars.next() {
                Some(escaped @ (',' | '\\')) => item.push(escaped),
                _ => {
                    return Err(
                        "a backslash in a list must come before a comma or a backslash \
                         (\\, is a comma within a name, \\\\ a backslash)"
                            .to_string(),
                    );
                }
            },
            c => item.push(c),
        }
    }
    items.push(item);
    Ok(items
        .into_iter()
        .map(|i| i.trim().to_string())
        .filter(|i| !i.is_empty())
        .collect())
}

/// The CSV cell of a list, as [`split_list`] reads it.
pub fn join_list<S: AsRef<str>>(items: &[S]) -> String {
    let escaped: Vec<String> = items
        .iter()
        .map(|item| item.as_ref().replace('\\', "\\\\").replace(',', "\\,"))
        .collect();
    escaped.join(",")
}

fn group_names(names: Vec<String>) -> Result<Vec<GroupRef>, String> {
    names
        .iter()
        .map(|name| {
            clean_group_name(name)
                .map(GroupRef::Name)
                .map_err(|e| format!("groups: {e}"))
        })
        .collect()
}

/// The permissions of the list `key` (`user_permissions`, or a group's
/// `permissions`).
fn permissions(key: &str, texts: Vec<String>) -> Result<Vec<Permission>, String> {
    texts
        .iter()
        .map(|text| Permission::parse(text).map_err(|e| format!("{key}: {e}")))
        .collect()
}

/// A JSON list of strings under `key` (`null`: not given).
fn json_strings(key: &str, value: &Value) -> Result<Option<Vec<String>>, String> {
    let wrong = |what: &str| format!("{key} must be a list of strings ([\"…\", …]), not {what}");
    match value {
        Value::Null => Ok(None),
        Value::Array(items) => items
            .iter()
            .map(|item| match item {
                Value::String(s) => Ok(s.clone()),
                other => Err(wrong(&format!("a list holding {}", json_type(other)))),
            })
            .collect::<Result<_, _>>()
            .map(Some),
        other => Err(wrong(json_type(other))),
    }
}

impl ParsedRow {
    /// A CSV cell: empty means "not given", except for the names, where a column
    /// that is there gives the (possibly empty) name.
    fn set_text(&mut self, column: Column, cell: &str) -> Result<(), String> {
        let given = (!cell.is_empty()).then(|| cell.to_string());
        match column {
            Column::Email => self.email = given,
            Column::FirstName => self.first_name = Some(cell.to_string()),
            Column::LastName => self.last_name = Some(cell.to_string()),
            Column::IsActive => self.is_active = parse_flag(column, cell)?,
            Column::IsStaff => self.is_staff = parse_flag(column, cell)?,
            Column::IsSuperuser => self.is_superuser = parse_flag(column, cell)?,
            Column::DateJoined => self.date_joined = parse_time(column, cell)?,
            Column::LastLogin => self.last_login = parse_time(column, cell)?,
            Column::EmailVerifiedAt => self.email_verified_at = parse_time(column, cell)?,
            Column::Password => self.password = given.map(SecretString::from),
            Column::PasswordHash => self.password_hash = given,
            // A column that is there gives the list: an empty cell is none.
            Column::Groups => self.groups = Some(group_names(split_list(cell)?)?),
            Column::UserPermissions => {
                self.user_permissions = Some(permissions(column.name(), split_list(cell)?)?)
            }
            Column::MustChangePassword => self.must_change_password = parse_flag(column, cell)?,
            Column::ExpiresAt => self.expires_at = parse_time(column, cell)?,
        }
        Ok(())
    }

    /// A JSON value: `null` means "not given".
    fn set_json(&mut self, column: Column, value: &Value) -> Result<(), String> {
        let text = || -> Result<Option<String>, String> {
            match value {
                Value::Null => Ok(None),
                Value::String(s) => Ok(Some(s.clone())),
                other => Err(format!(
                    "{} must be a string, not {}",
                    column.name(),
                    json_type(other)
                )),
            }
        };
        let flag = || -> Result<Option<bool>, String> {
            match value {
                Value::Null => Ok(None),
                Value::Bool(b) => Ok(Some(*b)),
                other => Err(format!(
                    "{} must be true or false, not {}",
                    column.name(),
                    json_type(other)
                )),
            }
        };
        let time = || -> Result<Option<Timestamp>, String> {
            match text()? {
                None => Ok(None),
                Some(s) => parse_time(column, &s),
            }
        };
        match column {
            Column::Email => self.email = text()?,
            Column::FirstName => self.first_name = text()?,
            Column::LastName => self.last_name = text()?,
            Column::IsActive => self.is_active = flag()?,
            Column::IsStaff => self.is_staff = flag()?,
            Column::IsSuperuser => self.is_superuser = flag()?,
            Column::DateJoined => self.date_joined = time()?,
            Column::LastLogin => self.last_login = time()?,
            Column::EmailVerifiedAt => self.email_verified_at = time()?,
            Column::Password => self.password = text()?.map(SecretString::from),
            Column::PasswordHash => self.password_hash = text()?,
            Column::Groups => {
                self.groups = (json_strings(column.name(), value)?)
                    .map(group_names)
                    .transpose()?
            }
            Column::UserPermissions => {
                self.user_permissions = (json_strings(column.name(), value)?)
                    .map(|texts| permissions(column.name(), texts))
                    .transpose()?
            }
            Column::MustChangePassword => self.must_change_password = flag()?,
            Column::ExpiresAt => self.expires_at = time()?,
        }
        Ok(())
    }
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Booleans as Django's `BooleanField.to_python` and spreadsheets write them.
fn parse_flag(column: Column, cell: &str) -> Result<Option<bool>, String> {
    match cell.trim().to_ascii_lowercase().as_str() {
        "" => Ok(None),
        "true" | "t" | "1" | "yes" | "y" => Ok(Some(true)),
        "false" | "f" | "0" | "no" | "n" => Ok(Some(false)),
        _ => Err(format!(
            "{} must be true or false, not {:?}",
            column.name(),
            shown(cell)
        )),
    }
}

fn parse_time(column: Column, text: &str) -> Result<Option<Timestamp>, String> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    parse_datetime(text).map(Some).map_err(|e| {
        format!(
            "{} {:?} is not a date and time ({e})",
            column.name(),
            shown(text)
        )
    })
}

/// A date and time as Django writes them: ISO 8601 with `Z` or an offset
/// (`2026-01-02T03:04:05.123Z`, `…+00:00`), or naive (`2026-01-02T03:04:05`,
/// `2026-01-02 03:04:05.123456`), which is taken as UTC (Django's `USE_TZ = False`
/// with `TIME_ZONE = "UTC"`).
pub fn parse_datetime(text: &str) -> Result<Timestamp, &'static str> {
    let text = text.trim();
    let ts = match text.parse::<Timestamp>() {
        Ok(ts) => ts,
        Err(_) => text
            .parse::<jiff::civil::DateTime>()
            .ok()
            .and_then(|dt| jiff::tz::TimeZone::UTC.to_timestamp(dt).ok())
            .ok_or("expected ISO 8601, e.g. 2026-01-02T03:04:05Z")?,
    };
    // jiff goes down to year -9999; a time Django's datetime cannot hold
    // would break every later read and export of the user.
    let year = jiff::tz::TimeZone::UTC.to_datetime(ts).year();
    if !(1..=9999).contains(&year) {
        return Err("outside Django's range, years 1 to 9999 in UTC");
    }
    Ok(ts)
}

/// At most 40 characters of a value, to echo it in a message.
fn shown(text: &str) -> String {
    let mut s: String = text.chars().take(40).collect();
    if s.len() < text.len() {
        s.push('…');
    }
    s
}

/// The known columns, and the declared custom fields if any, for a message
/// about an unknown one.
fn known_columns(fields: &FieldSet) -> String {
    let mut text = COLUMNS.join(", ");
    if !fields.is_empty() {
        text.push_str("; custom fields: ");
        text.push_str(&fields.names().join(", "));
    }
    text
}

/// One record of an input file.
pub(crate) struct Record {
    /// The line it starts on (1-based).
    pub line: u64,
    pub row: Result<Parsed, String>,
    /// The record has a plain `password` column or key: any cell of it could
    /// be a password (a misaligned column), so its problems quote no value.
    pub plain: bool,
}

/// A failure that ends the reading of a file.
pub(crate) enum ReadError {
    /// The file cannot be read at all.
    Io(io::Error),
    /// The file is broken at this line in a way that nothing after it can be read.
    Broken { line: u64, reason: String },
}

pub(crate) type Records<'a> = Box<dyn Iterator<Item = Result<Record, ReadError>> + Send + 'a>;

/// A reader of `format` over `input`.
/// Columns and keys named after a field of `fields` give its value.
pub(crate) fn records<'a>(
    format: Format,
    input: impl Read + Send + 'a,
    fields: &'a FieldSet,
) -> Records<'a> {
    match format {
        Format::Csv => Box::new(CsvRecords::new(input, fields)),
        Format::Jsonl => Box::new(JsonlRecords {
            input: BufReader::new(input),
            line: 0,
            buf: Vec::new(),
            fields,
        }),
        Format::Django => Box::new(DjangoRecords::new(input, fields)),
    }
}

fn utf8(bytes: &[u8]) -> Result<&str, String> {
    std::str::from_utf8(bytes).map_err(|_| "not valid UTF-8; save the file as UTF-8".to_string())
}

// ---------------------------------------------------------------------------
// CSV

/// How much the csv reader reads ahead of the record it is parsing.
const CSV_BUFFER: usize = 8 * 1024;

/// Fails the read as soon as one record (not one physical line: a quoted field
/// can span many) has taken more than [`MAX_RECORD_BYTES`] and the reader's
/// buffer, so that the csv reader never holds more.
struct LineLimit<R> {
    inner: R,
    /// Where the record being parsed starts (set after each record).
    record_start: u64,
    /// Byte offsets of the newlines read and not yet passed by [`Self::line_at`].
    newlines: std::collections::VecDeque<u64>,
    offset: u64,
    lines_before: u64,
}

impl<R> LineLimit<R> {
    fn new(inner: R) -> Self {
        LineLimit {
            inner,
            record_start: 0,
            newlines: std::collections::VecDeque::new(),
            offset: 0,
            lines_before: 0,
        }
    }

    /// The 1-based line of the byte at `offset`; offsets must not go backwards.
    /// (The csv reader's own line count skips blank lines.)
    fn line_at(&mut self, offset: u64) -> u64 {
        while self.newlines.front().is_some_and(|&nl| nl < offset) {
            self.newlines.pop_front();
            self.lines_before += 1;
        }
        self.lines_before + 1
    }
}

#[derive(Debug)]
struct LineTooLong(u64);

impl fmt::Display for LineTooLong {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the record from line {} is longer than {} KiB",
            self.0,
            MAX_RECORD_BYTES / 1024
        )
    }
}

impl std::error::Error for LineTooLong {}

impl<R: Read> Read for LineLimit<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        for (i, &b) in buf[..n].iter().enumerate() {
            if b == b'\n' {
                self.newlines.push_back(self.offset + i as u64);
            }
        }
        self.offset += n as u64;
        if self.offset - self.record_start > (MAX_RECORD_BYTES + CSV_BUFFER) as u64 {
            let line = self.line_at(self.record_start);
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                LineTooLong(line),
            ));
        }
        Ok(n)
    }
}

/// A CSV record over the cap, from its first line.
fn too_long(line: u64) -> ReadError {
    ReadError::Broken {
        line,
        reason: format!(
            "longer than {} KiB (a record, counting every line of its quoted fields; \
             a quote left open?); is this a CSV file of users?",
            MAX_RECORD_BYTES / 1024
        ),
    }
}

/// A column of a CSV header: a built-in one or a custom field (its index in the
/// [`FieldSet`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Column(Column),
    Field(usize),
    /// One of [`READ_ONLY_COLUMNS`].
    ReadOnly(&'static str),
}

struct CsvRecords<'a, R> {
    reader: csv::Reader<LineLimit<R>>,
    columns: Option<Vec<Slot>>,
    record: csv::ByteRecord,
    done: bool,
    fields: &'a FieldSet,
}

impl<'a, R: Read> CsvRecords<'a, R> {
    fn new(input: R, fields: &'a FieldSet) -> Self {
        let reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .buffer_capacity(CSV_BUFFER)
            .from_reader(LineLimit::new(input));
        CsvRecords {
            reader,
            columns: None,
            record: csv::ByteRecord::new(),
            done: false,
            fields,
        }
    }

    fn read(&mut self) -> Result<bool, ReadError> {
        match self.reader.read_byte_record(&mut self.record) {
            Ok(more) => {
                // The reader stops within a buffer of the cap; this makes
                // the cap exact.
                let end = self.reader.position().byte();
                let limit = self.reader.get_mut();
                let start = limit.record_start;
                limit.record_start = end;
                if end - start > MAX_RECORD_BYTES as u64 {
                    return Err(too_long(limit.line_at(start)));
                }
                Ok(more)
            }
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                match e.into_kind() {
                    csv::ErrorKind::Io(io) => {
                        match io.get_ref().and_then(|e| e.downcast_ref::<LineTooLong>()) {
                            Some(long) => Err(too_long(long.0)),
                            None => Err(ReadError::Io(io)),
                        }
                    }
                    other => Err(ReadError::Broken {
                        line,
                        reason: format!("malformed CSV: {other:?}"),
                    }),
                }
            }
        }
    }

    fn header(&mut self) -> Result<Vec<Slot>, ReadError> {
        let broken = |reason: String| ReadError::Broken { line: 1, reason };
        if !self.read()? {
            return Err(broken(
                "the file is empty; a CSV import starts with a header line naming the columns"
                    .into(),
            ));
        }
        let mut columns = Vec::new();
        for (i, field) in self.record.iter().enumerate() {
            let field = if i == 0 {
                field.strip_prefix(b"\xef\xbb\xbf").unwrap_or(field)
            } else {
                field
            };
            let name = std::str::from_utf8(field)
                .map_err(|_| {
                    broken("the header is not valid UTF-8; save the file as UTF-8".into())
                })?
                .trim();
            let column = Column::from_name(name)
                .map(Slot::Column)
                .or_else(|| {
                    self.fields
                        .iter()
                        .position(|f| f.name == name)
                        .map(Slot::Field)
                })
                .or_else(|| {
                    READ_ONLY_COLUMNS
                        .iter()
                        .find(|c| **c == name)
                        .map(|c| Slot::ReadOnly(c))
                })
                .ok_or_else(|| {
                    broken(format!(
                        "unknown column {:?} in the header (columns: {})",
                        shown(name),
                        known_columns(self.fields)
                    ))
                })?;
            if columns.contains(&column) {
                return Err(broken(format!(
                    "column {name:?} appears twice in the header"
                )));
            }
            columns.push(column);
        }
        if !columns.contains(&Slot::Column(Column::Email)) {
            return Err(broken(
                "the header has no email column (the one required column)".into(),
            ));
        }
        Ok(columns)
    }

    fn row(&self, columns: &[Slot]) -> Result<ParsedRow, String> {
        if self.record.len() != columns.len() {
            return Err(format!(
                "has {} field(s) but the header has {}",
                self.record.len(),
                columns.len()
            ));
        }
        let mut row = ParsedRow::default();
        for (slot, field) in columns.iter().zip(self.record.iter()) {
            let cell = utf8(field)?;
            match *slot {
                // Passwords and hashes are taken as they are: export never
                // escapes a hash, and a password starting with ' is a password.
                Slot::Column(column @ (Column::Password | Column::PasswordHash)) => {
                    row.set_text(column, cell)?
                }
                Slot::Column(column) => row.set_text(column, unescape_cell(cell))?,
                Slot::ReadOnly(_) => {}
                Slot::Field(index) => {
                    if let Some(spec) = self.fields.iter().nth(index) {
                        let value = spec
                            .parse_optional(unescape_cell(cell))
                            .map_err(|reason| format!("{}: {reason}", spec.name))?;
                        row.fields.push((index, value));
                    }
                }
            }
        }
        Ok(row)
    }
}

impl<R: Read> Iterator for CsvRecords<'_, R> {
    type Item = Result<Record, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let step = (|| {
            let columns = match self.columns.take() {
                Some(c) => c,
                None => self.header()?,
            };
            let more = self.read();
            let result = match more {
                Ok(true) => {
                    // The line the record ends on, less the newlines inside its
                    // quoted fields (csv's own line count skips blank lines).
                    let end = self.reader.position().byte().saturating_sub(1);
                    let inside = self
                        .record
                        .iter()
                        .flatten()
                        .filter(|&&b| b == b'\n')
                        .count();
                    let line = self.reader.get_mut().line_at(end) - inside as u64;
                    // A blank line (one empty field) is not a record.
                    let blank = self.record.len() == 1 && self.record[0].is_empty();
                    let plain = columns.contains(&Slot::Column(Column::Password));
                    Ok(Some((line, (!blank).then(|| (self.row(&columns), plain)))))
                }
                Ok(false) => Ok(None),
                Err(e) => Err(e),
            };
            self.columns = Some(columns);
            result
        })();
        match step {
            Ok(Some((line, Some((row, plain))))) => Some(Ok(Record {
                line,
                row: row.map(Parsed::User),
                plain,
            })),
            Ok(Some((_, None))) => self.next(),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

// ---------------------------------------------------------------------------
// JSON Lines

struct JsonlRecords<'a, R> {
    input: BufReader<R>,
    line: u64,
    buf: Vec<u8>,
    fields: &'a FieldSet,
}

impl<R: Read> JsonlRecords<'_, R> {
    /// Reads one line of at most [`MAX_RECORD_BYTES`]; a longer one is skipped to
    /// its end. `Ok(None)` at the end of the input.
    fn read_line(&mut self) -> io::Result<Option<bool>> {
        self.buf.clear();
        let limit = MAX_RECORD_BYTES as u64 + 1;
        let n = (&mut self.input)
            .take(limit)
            .read_until(b'\n', &mut self.buf)?;
        if n == 0 {
            return Ok(None);
        }
        self.line += 1;
        if self.buf.last() == Some(&b'\n') || self.buf.len() <= MAX_RECORD_BYTES {
            return Ok(Some(true));
        }
        // Too long: drop the rest of the line without keeping it.
        loop {
            let chunk = self.input.fill_buf()?;
            if chunk.is_empty() {
                break;
            }
            match chunk.iter().position(|&b| b == b'\n') {
                Some(i) => {
                    self.input.consume(i + 1);
                    break;
                }
                None => {
                    let len = chunk.len();
                    self.input.consume(len);
                }
            }
        }
        Ok(Some(false))
    }
}

impl<R: Read> Iterator for JsonlRecords<'_, R> {
    type Item = Result<Record, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let fits = match self.read_line() {
                Ok(None) => return None,
                Ok(Some(fits)) => fits,
                Err(e) => return Some(Err(ReadError::Io(e))),
            };
            let line = self.line;
            if !fits {
                let reason = format!("longer than {} KiB", MAX_RECORD_BYTES / 1024);
                return Some(Ok(Record {
                    line,
                    row: Err(reason),
                    plain: false,
                }));
            }
            if self.buf.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let mut plain = false;
            let row = utf8(&self.buf).and_then(|text| {
                let map: Map<String, Value> = serde_json::from_str(text)
                    .map_err(|e| format!("not a JSON object: {}", without_position(&e)))?;
                plain = map.contains_key(Column::Password.name());
                // A record without an email that names a group defines it (a
                // custom field may be called `group`: a user always has an email).
                if map.contains_key(GROUP_KEY) && !map.contains_key(Column::Email.name()) {
                    return jsonl_group(&map).map(Parsed::Group);
                }
                row_from_map(&map, self.fields).map(Parsed::User)
            });
            return Some(Ok(Record { line, row, plain }));
        }
    }
}

/// A group record of JSON Lines, as export writes them before the users:
/// `{"group": "editors", "permissions": ["blog.add_post"]}`.
fn jsonl_group(map: &Map<String, Value>) -> Result<ParsedGroup, String> {
    let mut name = None;
    let mut permissions = Vec::new();
    for (key, value) in map {
        match key.as_str() {
            GROUP_KEY => match value {
                Value::String(text) => {
                    name = Some(clean_group_name(text).map_err(|e| format!("group: {e}"))?)
                }
                other => {
                    return Err(format!(
                        "group must be a string (the group's name), not {}",
                        json_type(other)
                    ));
                }
            },
            "permissions" => {
                let texts = json_strings(key, value)?.unwrap_or_default();
                permissions = self::permissions(key, texts)?;
            }
            other => {
                return Err(format!(
                    "unknown field {:?} of a group record (fields: {})",
                    shown(other),
                    GROUP_KEYS.join(", ")
                ));
            }
        }
    }
    Ok(ParsedGroup {
        pk: None,
        name: name.ok_or("a group record without a name")?,
        permissions,
        models: Vec::new(),
    })
}

fn row_from_map(map: &Map<String, Value>, fields: &FieldSet) -> Result<ParsedRow, String> {
    let mut row = ParsedRow::default();
    for (key, value) in map {
        if let Some(column) = Column::from_name(key) {
            row.set_json(column, value)?;
        } else if !set_json_field(&mut row, fields, key, value)? {
            return Err(format!(
                "unknown field {:?} (fields: {})",
                shown(key),
                known_columns(fields)
            ));
        }
    }
    Ok(row)
}

/// Sets the custom field `name` from a JSON value; false when no such field is
/// declared.
fn set_json_field(
    row: &mut ParsedRow,
    fields: &FieldSet,
    name: &str,
    value: &Value,
) -> Result<bool, String> {
    let Some((index, spec)) = fields.iter().enumerate().find(|(_, f)| f.name == name) else {
        return Ok(false);
    };
    let value = spec
        .from_json(value)
        .map_err(|reason| format!("{name}: {reason}"))?;
    row.fields.push((index, value));
    Ok(true)
}

/// serde_json's message without its " at line L column C" (our lines are the file's).
fn without_position(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

// ---------------------------------------------------------------------------
// Django fixtures

/// Bytes of a fixture, one at a time with one byte of push-back, counting lines
/// and refusing to hand out more than [`MAX_RECORD_BYTES`] per object.
struct FixtureBytes<R> {
    input: BufReader<R>,
    line: u64,
    pushed: Option<u8>,
    budget: usize,
}

impl<R: Read> FixtureBytes<R> {
    fn byte(&mut self) -> io::Result<Option<u8>> {
        if let Some(b) = self.pushed.take() {
            return Ok(Some(b));
        }
        let chunk = self.input.fill_buf()?;
        let Some(&b) = chunk.first() else {
            return Ok(None);
        };
        self.input.consume(1);
        if b == b'\n' {
            self.line += 1;
        }
        Ok(Some(b))
    }

    fn non_blank(&mut self) -> io::Result<Option<u8>> {
        loop {
            match self.byte()? {
                Some(b) if b.is_ascii_whitespace() => continue,
                other => return Ok(other),
            }
        }
    }
}

impl<R: Read> Read for FixtureBytes<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.budget == 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                LineTooLong(self.line),
            ));
        }
        match self.byte()? {
            Some(b) => {
                self.budget -= 1;
                buf[0] = b;
                Ok(1)
            }
            None => Ok(0),
        }
    }
}

enum FixtureState {
    Start,
    Array { count: u64 },
    Done,
}

struct DjangoRecords<'a, R> {
    bytes: FixtureBytes<R>,
    state: FixtureState,
    model: Option<String>,
    fields: &'a FieldSet,
}

/// One object of a fixture: `{"model": "app.model", "pk": …, "fields": {…}}`.
#[derive(Deserialize)]
struct FixtureObject {
    model: Value,
    #[serde(default)]
    pk: Value,
    #[serde(default)]
    fields: Value,
}

/// The label of Django's group model.
const GROUP_MODEL: &str = "auth.group";

/// Permissions written as pks (plain `dumpdata`): only Django's own
/// `auth_permission` table can tell what they are.
fn permission_pks(field: &str) -> String {
    format!(
        "{field} are given as pks of Django's permission table, which userdb cannot resolve; \
         dump with `manage.py dumpdata --natural-foreign`, which writes each as \
         [codename, app_label, model]"
    )
}

/// A model's name as Django's content types keep it: a lower-case identifier.
fn valid_model_name(model: &str) -> bool {
    let mut chars = model.chars();
    model.len() <= crate::access::MAX_PERMISSION_PART_LEN
        && chars
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Permissions as natural keys, `[codename, app_label, model]` each (what
/// `dumpdata --natural-foreign` writes), with their models.
fn natural_permissions(field: &str, value: &Value) -> Result<Vec<(Permission, String)>, String> {
    let Value::Array(items) = value else {
        return Err(format!(
            "{field} must be a list of [codename, app_label, model], not {}",
            json_type(value)
        ));
    };
    if items.iter().any(Value::is_number) {
        return Err(permission_pks(field));
    }
    items
        .iter()
        .map(|item| {
            let key = match item {
                Value::Array(key) => key.as_slice(),
                _ => &[],
            };
            let [
                Value::String(codename),
                Value::String(app),
                Value::String(model),
            ] = key
            else {
                return Err(format!(
                    "{field}: each must be a natural key [codename, app_label, model], not {}",
                    shown(&item.to_string())
                ));
            };
            let permission = Permission::parse(&format!("{app}.{codename}"))
                .map_err(|e| format!("{field}: {e}"))?;
            if !valid_model_name(model) {
                return Err(format!(
                    "{field}: model {:?} of {permission} is not a model name (a lower-case \
                     identifier, as Django's content types keep it)",
                    shown(model)
                ));
            }
            Ok((permission, model.clone()))
        })
        .collect()
}

/// A user's groups in a fixture: natural keys `[name]` (`dumpdata
/// --natural-foreign`) or the pks of groups the fixture defines (plain
/// `dumpdata`); `null` is not given.
fn fixture_groups(value: &Value) -> Result<Option<Vec<GroupRef>>, String> {
    let items = match value {
        Value::Null => return Ok(None),
        Value::Array(items) => items,
        other => {
            return Err(format!(
                "groups must be a list of [name] or of pks, not {}",
                json_type(other)
            ));
        }
    };
    items
        .iter()
        .map(|item| match item {
            Value::Array(key) => match key.as_slice() {
                [Value::String(name)] => clean_group_name(name)
                    .map(GroupRef::Name)
                    .map_err(|e| format!("groups: {e}")),
                _ => Err(format!(
                    "groups: a group's natural key is [name], not {}",
                    shown(&item.to_string())
                )),
            },
            Value::Number(n) => n
                .as_i64()
                .map(GroupRef::Pk)
                .ok_or_else(|| format!("groups: {n} is not the pk of a group")),
            other => Err(format!(
                "groups: expected [name] or the pk of a group of the fixture, not {}",
                json_type(other)
            )),
        })
        .collect::<Result<_, _>>()
        .map(Some)
}

/// An `auth.group` object.
fn fixture_group(object: &FixtureObject) -> Result<ParsedGroup, String> {
    let pk = match &object.pk {
        Value::Null => None,
        Value::Number(n) if n.as_i64().is_some() => n.as_i64(),
        other => {
            return Err(format!(
                "the pk of an auth.group must be a whole number, not {}",
                json_type(other)
            ));
        }
    };
    let Value::Object(fields) = &object.fields else {
        return Err("\"fields\" must be an object".into());
    };
    let mut name = None;
    let mut permissions = Vec::new();
    for (key, value) in fields {
        match key.as_str() {
            "name" => match value {
                Value::String(text) => {
                    name = Some(clean_group_name(text).map_err(|e| e.to_string())?)
                }
                other => {
                    return Err(format!(
                        "the name of an auth.group must be a string, not {}",
                        json_type(other)
                    ));
                }
            },
            "permissions" if value.is_null() => {}
            "permissions" => permissions = natural_permissions("permissions", value)?,
            other => {
                return Err(format!(
                    "unknown field {:?} of an auth.group (fields: name, permissions)",
                    shown(other)
                ));
            }
        }
    }
    let name = name.ok_or("an auth.group without a name")?;
    Ok(ParsedGroup {
        pk,
        name,
        permissions: permissions.iter().map(|(p, _)| p.clone()).collect(),
        models: permissions,
    })
}

impl<'a, R: Read> DjangoRecords<'a, R> {
    fn new(input: R, fields: &'a FieldSet) -> Self {
        DjangoRecords {
            bytes: FixtureBytes {
                input: BufReader::new(input),
                line: 1,
                pushed: None,
                budget: 0,
            },
            state: FixtureState::Start,
            model: None,
            fields,
        }
    }

    fn step(&mut self) -> Result<Option<Record>, ReadError> {
        let broken = |line, reason: &str| ReadError::Broken {
            line,
            reason: reason.to_string(),
        };
        loop {
            match self.state {
                FixtureState::Done => return Ok(None),
                FixtureState::Start => match self.bytes.non_blank().map_err(ReadError::Io)? {
                    Some(b'[') => self.state = FixtureState::Array { count: 0 },
                    None => {
                        return Err(broken(
                            self.bytes.line,
                            "the file is empty; a Django fixture is a JSON array",
                        ));
                    }
                    Some(_) => {
                        return Err(broken(
                            self.bytes.line,
                            "not a Django fixture: it must be a JSON array of objects ([{\"model\": …}, …])",
                        ));
                    }
                },
                FixtureState::Array { count } => {
                    let mut next = self.bytes.non_blank().map_err(ReadError::Io)?;
                    if next == Some(b']') {
                        self.state = FixtureState::Done;
                        if self.bytes.non_blank().map_err(ReadError::Io)?.is_some() {
                            return Err(broken(
                                self.bytes.line,
                                "there is more after the closing ] of the fixture",
                            ));
                        }
                        return Ok(None);
                    }
                    if next.is_none() {
                        return Err(broken(
                            self.bytes.line,
                            "the file ends inside the fixture's array (no closing ])",
                        ));
                    }
                    if count > 0 {
                        if next != Some(b',') {
                            return Err(broken(
                                self.bytes.line,
                                &format!("malformed JSON after object {count}: expected , or ]"),
                            ));
                        }
                        next = self.bytes.non_blank().map_err(ReadError::Io)?;
                    }
                    let number = count + 1;
                    match next {
                        Some(b'{') => {}
                        None => {
                            return Err(broken(
                                self.bytes.line,
                                "the file ends inside the fixture's array (no closing ])",
                            ));
                        }
                        Some(_) => {
                            return Err(broken(
                                self.bytes.line,
                                &format!("object {number}: expected a JSON object"),
                            ));
                        }
                    }
                    self.bytes.pushed = Some(b'{');
                    self.bytes.budget = MAX_RECORD_BYTES;
                    let line = self.bytes.line;
                    let mut de = serde_json::Deserializer::from_reader(&mut self.bytes);
                    let object = FixtureObject::deserialize(&mut de).map_err(|e| {
                        let reason = if e.is_io() {
                            format!(
                                "object {number}: longer than {} KiB",
                                MAX_RECORD_BYTES / 1024
                            )
                        } else {
                            format!("object {number}: malformed JSON: {}", without_position(&e))
                        };
                        ReadError::Broken { line, reason }
                    })?;
                    self.state = FixtureState::Array { count: number };
                    let row = self
                        .fixture_object(&object)
                        .map_err(|reason| format!("object {number}: {reason}"));
                    // A fixture's `password` is the encoded hash.
                    return Ok(Some(Record {
                        line,
                        row,
                        plain: false,
                    }));
                }
            }
        }
    }

    fn fixture_object(&mut self, object: &FixtureObject) -> Result<Parsed, String> {
        let Value::String(model) = &object.model else {
            return Err("\"model\" must be a string like \"accounts.customuser\"".into());
        };
        validate_model_label(model)?;
        if model.eq_ignore_ascii_case(GROUP_MODEL) {
            return fixture_group(object).map(Parsed::Group);
        }
        match &self.model {
            None => self.model = Some(model.clone()),
            Some(first) if first != model => {
                return Err(format!(
                    "model {model:?} is not {first:?}, the model of the first user; \
                     a fixture holds users of one model, and auth.group objects"
                ));
            }
            Some(_) => {}
        }
        self.fixture_row(object).map(Parsed::User)
    }

    fn fixture_row(&mut self, object: &FixtureObject) -> Result<ParsedRow, String> {
        let Value::Object(fields) = &object.fields else {
            return Err("\"fields\" must be an object".into());
        };
        let mut row = ParsedRow::default();
        for (name, value) in fields {
            // Django's own names; `password` is the encoded hash. Declared custom
            // fields are read; fields of the model that userdb does not keep
            // (username, undeclared fields) are ignored.
            let column = match name.as_str() {
                "groups" => {
                    row.groups = fixture_groups(value)?;
                    continue;
                }
                "user_permissions" if value.is_null() => continue,
                "user_permissions" => {
                    let given = natural_permissions("user_permissions", value)?;
                    row.user_permissions = Some(given.iter().map(|(p, _)| p.clone()).collect());
                    row.models.extend(given);
                    continue;
                }
                "password" => Column::PasswordHash,
                "email" | "first_name" | "last_name" | "is_active" | "is_staff"
                | "is_superuser" | "date_joined" | "last_login" => {
                    Column::from_name(name).unwrap_or(Column::Email)
                }
                _ => {
                    set_json_field(&mut row, self.fields, name, value)?;
                    continue;
                }
            };
            row.set_json(column, value)?;
        }
        if row.password_hash.as_deref() == Some("") {
            // Django counts "" as a password that never matches.
            row.password_hash = Some("!".to_string());
        }
        Ok(row)
    }
}

impl<R: Read> Iterator for DjangoRecords<'_, R> {
    type Item = Result<Record, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        match self.step() {
            Ok(record) => record.map(Ok),
            Err(e) => {
                self.state = FixtureState::Done;
                Some(Err(e))
            }
        }
    }
}

/// A Django model label, `app_label.model_name`: two Python identifiers.
pub fn validate_model_label(label: &str) -> Result<(), String> {
    let identifier = |s: &str| {
        let mut chars = s.chars();
        chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    match label.split_once('.') {
        Some((app, model)) if identifier(app) && identifier(model) => Ok(()),
        _ => Err(format!(
            "model {:?} is not a Django model label like \"accounts.customuser\"",
            shown(label)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_import_column_has_its_variant_in_the_same_order() {
        assert_eq!(Column::ALL.map(Column::name), COLUMNS);
    }
    use secrecy::ExposeSecret;

    type Outcome = Result<(u64, Result<ParsedRow, String>), String>;

    /// A user's row; a group is an error here, named.
    fn user(parsed: Result<Parsed, String>) -> Result<ParsedRow, String> {
        parsed.and_then(|p| match p {
            Parsed::User(row) => Ok(row),
            Parsed::Group(group) => Err(format!("group {:?}", group.name)),
        })
    }

    fn all(format: Format, text: impl AsRef<[u8]>) -> Vec<Outcome> {
        records(format, text.as_ref(), &FieldSet::default())
            .map(|r| match r {
                Ok(rec) => Ok((rec.line, user(rec.row))),
                Err(ReadError::Broken { line, reason }) => Err(format!("{line}: {reason}")),
                Err(ReadError::Io(e)) => Err(e.to_string()),
            })
            .collect()
    }

    #[test]
    fn django_datetimes_parse_with_z_offset_or_naive() {
        let want: Timestamp = "2026-01-02T03:04:05.123Z".parse().unwrap();
        for text in [
            "2026-01-02T03:04:05.123Z",
            "2026-01-02T03:04:05.123+00:00",
            "2026-01-02T04:04:05.123+01:00",
            "2026-01-02T03:04:05.123",
            "2026-01-02 03:04:05.123",
        ] {
            assert_eq!(parse_datetime(text), Ok(want), "{text}");
        }
        assert!(parse_datetime("yesterday").is_err());
        for outside in [
            "-000001-01-01T00:00:00Z",
            "0000-12-31T23:59:59Z",
            "0001-01-01T00:30:00+01:00",
        ] {
            assert_eq!(
                parse_datetime(outside),
                Err("outside Django's range, years 1 to 9999 in UTC"),
                "{outside}"
            );
        }
        assert!(parse_datetime("0001-01-01T00:00:00Z").is_ok());
        assert!(parse_datetime("9999-12-30T00:00:00Z").is_ok());
        // Beyond jiff's range: not a time at all.
        assert!(parse_datetime("+010000-01-01T00:00:00Z").is_err());
    }

    #[test]
    fn csv_rows_carry_their_line_and_empty_cells_are_not_given() {
        let text = "email,first_name,is_staff,password\n\
                    a@example.com,Ada,true,secret one\n\
                    \n\
                    \"b@example.com\",\"multi\nline\",,\n\
                    c@example.com,,maybe,\n";
        let rows = all(Format::Csv, text);
        assert_eq!(rows.len(), 3);
        let (line, row) = rows[0].as_ref().unwrap();
        let row = row.as_ref().unwrap();
        assert_eq!(*line, 2);
        assert_eq!(row.email.as_deref(), Some("a@example.com"));
        assert_eq!(row.is_staff, Some(true));
        assert_eq!(row.password.as_ref().unwrap().expose_secret(), "secret one");
        let (line, row) = rows[1].as_ref().unwrap();
        let row = row.as_ref().unwrap();
        assert_eq!(*line, 4);
        assert_eq!(row.first_name.as_deref(), Some("multi\nline"));
        assert_eq!(row.is_staff, None);
        assert!(row.password.is_none());
        let (line, row) = rows[2].as_ref().unwrap();
        assert_eq!(*line, 6);
        assert_eq!(
            row.as_ref().unwrap_err(),
            "is_staff must be true or false, not \"maybe\""
        );
    }

    #[test]
    fn csv_headers_are_checked() {
        let rows = all(Format::Csv, "mail,password\n");
        assert!(
            matches!(&rows[..], [Err(e)] if e.starts_with("1: unknown column \"mail\" in the header (columns: email, "))
        );
        let rows = all(Format::Csv, "email,email\n");
        assert!(matches!(&rows[..], [Err(e)] if e.contains("appears twice")));
        let rows = all(Format::Csv, "first_name\nAda\n");
        assert!(matches!(&rows[..], [Err(e)] if e.contains("no email column")));
        let rows = all(Format::Csv, "");
        assert!(matches!(&rows[..], [Err(e)] if e.contains("the file is empty")));
        let rows = all(Format::Csv, "\u{feff}email\nx@example.com\n");
        assert!(rows[0].is_ok());
    }

    #[test]
    fn the_format_is_guessed_from_the_first_byte_that_is_not_white_space() {
        for (head, format) in [
            (
                &b"[\n  {\"model\": \"accounts.customuser\""[..],
                Some(Format::Django),
            ),
            (b"\n\n {\"email\": \"a@example.com\"}", Some(Format::Jsonl)),
            (b"email,password\n", Some(Format::Csv)),
            (b"\xef\xbb\xbfemail\n", Some(Format::Csv)),
            (b"\xef\xbb\xbf[]", Some(Format::Django)),
            (b" \r\n\t", None),
            (b"", None),
        ] {
            assert_eq!(Format::guess(head), format, "{head:?}");
        }
    }

    #[test]
    fn the_read_only_columns_of_list_users_are_accepted_and_ignored() {
        let extra: Vec<&str> = crate::user::FIELD_NAMES
            .into_iter()
            .filter(|c| !COLUMNS.contains(c))
            .collect();
        assert_eq!(extra, READ_ONLY_COLUMNS);
        let rows = all(
            Format::Csv,
            "id,email,has_usable_password\n7,ada@example.com,false\n",
        );
        let [Ok((2, Ok(row)))] = &rows[..] else {
            panic!("{rows:?}")
        };
        assert_eq!(row.email.as_deref(), Some("ada@example.com"));
        assert!(row.password.is_none() && row.password_hash.is_none());
    }

    #[test]
    fn csv_text_cells_lose_the_formula_prefix_and_passwords_keep_theirs() {
        let rows = all(
            Format::Csv,
            "email,first_name,password\n'-ada@example.com,'=1+2,'=secret\n",
        );
        let [Ok((2, Ok(row)))] = &rows[..] else {
            panic!("{rows:?}")
        };
        assert_eq!(row.email.as_deref(), Some("-ada@example.com"));
        assert_eq!(row.first_name.as_deref(), Some("=1+2"));
        assert_eq!(
            row.password.as_ref().map(|p| p.expose_secret()),
            Some("'=secret")
        );
    }

    #[test]
    fn a_huge_csv_line_stops_the_read_with_its_line_number() {
        let text = format!(
            "email\na@example.com\n{}\n",
            "x".repeat(MAX_RECORD_BYTES + 1)
        );
        let rows = all(Format::Csv, &text);
        assert!(rows[0].is_ok());
        assert!(
            matches!(&rows[1], Err(e) if e.starts_with("3: longer than 64 KiB")),
            "{:?}",
            rows[1].as_ref().err()
        );
    }

    #[test]
    fn a_quoted_field_over_many_short_lines_is_capped_as_one_record() {
        let text = format!(
            "email,first_name\na@example.com,\"{}\"\nb@example.com,B\n",
            "x\n".repeat(MAX_RECORD_BYTES)
        );
        let rows = all(Format::Csv, &text);
        assert_eq!(rows.len(), 1, "{rows:?}");
        assert!(
            matches!(&rows[0], Err(e) if e.starts_with("2: longer than 64 KiB (a record")),
            "{rows:?}"
        );
        // Just under the cap, the same record is read whole.
        let fits = format!(
            "email,first_name\na@example.com,\"{}\"\n",
            "x\n".repeat(MAX_RECORD_BYTES / 2 - 20)
        );
        assert!(all(Format::Csv, &fits)[0].is_ok());
    }

    #[test]
    fn jsonl_rows_are_typed_and_unknown_keys_refused() {
        let text = format!(
            "{}\n\n{}\n{}\nINVALID\n{}\n{}\n",
            r#"{"email": "a@example.com", "is_active": false, "last_login": null}"#,
            r#"{"email": "b@example.com", "is_staff": "yes"}"#,
            r#"{"email": "c@example.com", "pasword": "x"}"#,
            "x".repeat(MAX_RECORD_BYTES + 10),
            r#"[1]"#,
        );
        let (before, after) = text.split_once("INVALID").unwrap();
        let text = [before.as_bytes(), b"\xff", after.as_bytes()].concat();
        let rows = all(Format::Jsonl, &text);
        let reasons: Vec<(u64, String)> = rows
            .into_iter()
            .map(|r| {
                let (line, row) = r.unwrap();
                (line, row.err().unwrap_or_default())
            })
            .collect();
        assert_eq!(reasons[0], (1, String::new()));
        assert_eq!(reasons[1].0, 3);
        assert_eq!(reasons[1].1, "is_staff must be true or false, not a string");
        assert!(reasons[2].1.starts_with("unknown field \"pasword\""));
        assert_eq!(reasons[3].0, 5);
        assert!(reasons[3].1.starts_with("not valid UTF-8"));
        assert_eq!(reasons[4], (6, "longer than 64 KiB".to_string()));
        assert_eq!(reasons[5].0, 7);
        assert!(reasons[5].1.starts_with("not a JSON object"));
    }

    #[test]
    fn django_fixtures_stream_object_by_object() {
        let text = r#"[
  {"model": "accounts.customuser", "pk": 1, "fields": {
      "password": "pbkdf2_sha256$1$salt$hash", "email": "a@example.com",
      "date_joined": "2026-01-02T03:04:05.123Z", "last_login": null,
      "groups": [], "user_permissions": [], "username": "ignored"}},
  {"model": "accounts.customuser", "pk": 2, "fields": {"email": "b@example.com", "is_staff": 1}},
  {"model": "auth.group", "pk": 3, "fields": {"name": "x"}}
]
"#;
        let rows = all(Format::Django, text);
        assert_eq!(rows.len(), 3);
        let (line, row) = rows[0].as_ref().unwrap();
        assert_eq!(*line, 2);
        let row = row.as_ref().unwrap();
        assert_eq!(
            row.password_hash.as_deref(),
            Some("pbkdf2_sha256$1$salt$hash")
        );
        assert_eq!(row.email.as_deref(), Some("a@example.com"));
        let (line, row) = rows[1].as_ref().unwrap();
        assert_eq!(*line, 6);
        assert_eq!(
            row.as_ref().unwrap_err(),
            "object 2: is_staff must be true or false, not a number"
        );
        // A group is not a user: the fixture's groups are read as groups.
        let (line, row) = rows[2].as_ref().unwrap();
        assert_eq!(*line, 7);
        assert_eq!(row.as_ref().unwrap_err(), "group \"x\"");
        let rows = all(
            Format::Django,
            r#"[{"model": "a.user", "fields": {"email": "a@example.com"}},
                {"model": "b.user", "fields": {"email": "b@example.com"}}]"#,
        );
        assert!(
            rows[1]
                .as_ref()
                .unwrap()
                .1
                .as_ref()
                .unwrap_err()
                .contains("not \"a.user\", the model of the first user")
        );
        // One line, as `dumpdata` writes without --indent.
        let rows = all(
            Format::Django,
            r#"[{"model":"a.b","fields":{"email":"x@example.com"}},{"model":"a.b","fields":{"email":"y@example.com"}}]"#,
        );
        assert_eq!(rows.len(), 2);
        assert!(all(Format::Django, "[]").is_empty());
    }

    #[test]
    fn broken_fixtures_stop_with_a_reason() {
        for (text, want) in [
            ("", "the file is empty"),
            ("{}", "not a Django fixture"),
            ("[{\"model\": \"a.b\", \"fields\": {}} {", "expected , or ]"),
            ("[{\"model\": \"a.b\"", "malformed JSON"),
            ("[{\"model\": \"a.b\", \"fields\": {}}", "no closing ]"),
            ("[] []", "more after the closing ]"),
            ("[1]", "expected a JSON object"),
        ] {
            let rows = all(Format::Django, text);
            let last = rows.last().expect("something");
            assert!(
                matches!(last, Err(e) if e.contains(want)),
                "{text:?}: {:?}",
                last.as_ref().err()
            );
        }
        let huge = format!(
            "[{{\"model\": \"a.b\", \"fields\": {{\"email\": \"{}\"}}}}]",
            "x".repeat(MAX_RECORD_BYTES)
        );
        let rows = all(Format::Django, &huge);
        assert!(matches!(&rows[..], [Err(e)] if e.contains("longer than 64 KiB")));
    }

    fn declared() -> FieldSet {
        let table: toml::Table = "[team]\ntype = \"choice\"\nchoices = [\"Sales\", \"Ops\"]\n\
                                  [no]\ntype = \"integer\"\n[vip]\ntype = \"boolean\"\n"
            .parse()
            .unwrap();
        FieldSet::from_toml(&table).unwrap()
    }

    /// The custom fields a row gives, by index: canonical value or empty.
    type Given = Vec<(usize, Option<String>)>;

    fn fields_of(format: Format, text: &str) -> Vec<Result<Given, String>> {
        let fields = declared();
        records(format, text.as_bytes(), &fields)
            .map(|r| match r {
                Ok(rec) => user(rec.row).map(|row| {
                    let mut given: Vec<_> = row
                        .fields
                        .into_iter()
                        .map(|(i, v)| (i, v.map(|v| v.canonical())))
                        .collect();
                    given.sort();
                    given
                }),
                Err(ReadError::Broken { line, reason }) => Err(format!("{line}: {reason}")),
                Err(ReadError::Io(e)) => Err(e.to_string()),
            })
            .collect()
    }

    #[test]
    fn declared_fields_are_csv_columns_parsed_per_type() {
        let rows = fields_of(
            Format::Csv,
            "email,vip,team,no
a@example.com,yes,ops,
b@example.com,x,Ops,1
",
        );
        assert_eq!(
            rows[0],
            Ok(vec![
                (0, Some("Ops".into())),
                (1, None),
                (2, Some("true".into()))
            ])
        );
        assert_eq!(
            rows[1],
            Err("vip: expected true or false, found \"x\"".into())
        );
        let rows = fields_of(
            Format::Csv,
            "email,tema
",
        );
        assert!(
            matches!(&rows[..], [Err(e)] if e.ends_with("must_change_password, expires_at; custom fields: team, no, vip)")),
            "{rows:?}"
        );
        let rows = fields_of(
            Format::Csv,
            "email,no,no
",
        );
        assert!(matches!(&rows[..], [Err(e)] if e.contains("appears twice")));
    }

    #[test]
    fn declared_fields_are_json_keys_typed_or_text() {
        let rows = fields_of(
            Format::Jsonl,
            "{\"email\": \"a@example.com\", \"no\": 3, \"vip\": null, \"team\": \"Sales\"}\n\
             {\"email\": \"b@example.com\", \"no\": \"4\"}\n\
             {\"email\": \"c@example.com\", \"no\": true}\n\
             {\"email\": \"d@example.com\", \"size\": 1}\n",
        );
        assert_eq!(
            rows[0],
            Ok(vec![
                (0, Some("Sales".into())),
                (1, Some("3".into())),
                (2, None)
            ])
        );
        assert_eq!(rows[1], Ok(vec![(1, Some("4".into()))]));
        assert_eq!(
            rows[2],
            Err("no: expected a whole number, found a boolean".into())
        );
        assert!(matches!(&rows[3], Err(e) if e.ends_with("; custom fields: team, no, vip)")));
        let rows = fields_of(
            Format::Django,
            r#"[{"model": "a.b", "fields": {"email": "a@example.com", "no": 5, "size": 1}}]"#,
        );
        assert_eq!(rows[0], Ok(vec![(1, Some("5".into()))]));
    }

    #[test]
    fn a_list_cell_splits_on_commas_and_a_backslash_escapes_them() {
        let split = |cell: &str| split_list(cell).unwrap();
        assert_eq!(split("editors, ops ,"), ["editors", "ops"]);
        assert_eq!(split(""), Vec::<String>::new());
        assert_eq!(split(" , "), Vec::<String>::new());
        assert_eq!(split(r"R\,D,a\\b"), ["R,D", r"a\b"]);
        assert!(split_list(r"a\b").unwrap_err().contains("backslash"));
        assert!(split_list("a\\").is_err());
        assert_eq!(join_list(&["R,D", r"a\b", "ops"]), r"R\,D,a\\b,ops");
        assert_eq!(join_list::<&str>(&[]), "");
    }

    proptest::proptest! {
        #[test]
        fn every_list_of_names_reads_back_as_it_was_written(
            names in proptest::collection::vec("[^\\s](.*[^\\s])?", 0..5)
        ) {
            proptest::prop_assert_eq!(split_list(&join_list(&names)).unwrap(), names);
        }
    }

    fn first_user(format: Format, text: &str) -> Result<ParsedRow, String> {
        let fields = FieldSet::default();
        let mut records = records(format, text.as_bytes(), &fields);
        user(records.next().unwrap().ok().unwrap().row)
    }

    #[test]
    fn csv_and_jsonl_rows_carry_groups_and_user_permissions_exactly() {
        let row = first_user(
            Format::Csv,
            "email,groups,user_permissions\na@example.com,\"ops, R\\,D\",\"blog.add_post,shop.refund\"\n",
        )
        .unwrap();
        assert_eq!(
            row.groups,
            Some(vec![
                GroupRef::Name("ops".into()),
                GroupRef::Name("R,D".into())
            ])
        );
        let perms: Vec<&str> = (row.user_permissions.iter().flatten())
            .map(Permission::as_str)
            .collect();
        assert_eq!(perms, ["blog.add_post", "shop.refund"]);
        // A column that is there gives the list: an empty cell is none.
        let row = first_user(Format::Csv, "email,groups\na@example.com,\n").unwrap();
        assert_eq!(row.groups, Some(Vec::new()));
        assert_eq!(row.user_permissions, None);
        let err = first_user(
            Format::Csv,
            "email,user_permissions\na@example.com,Blog.x\n",
        );
        assert!(
            err.unwrap_err()
                .starts_with("user_permissions: invalid permission \"Blog.x\"")
        );

        let row = first_user(
            Format::Jsonl,
            r#"{"email": "a@example.com", "groups": ["ops"], "user_permissions": null}"#,
        )
        .unwrap();
        assert_eq!(row.groups, Some(vec![GroupRef::Name("ops".into())]));
        assert_eq!(row.user_permissions, None);
        for (text, want) in [
            (
                r#"{"email": "a@example.com", "groups": "ops"}"#,
                "groups must be a list of strings",
            ),
            (
                r#"{"email": "a@example.com", "groups": [1]}"#,
                "groups must be a list of strings ([\"…\", …]), not a list holding a number",
            ),
            (
                r#"{"email": "a@example.com", "groups": [" "]}"#,
                "groups: invalid group name \"\": it is empty",
            ),
        ] {
            let err = first_user(Format::Jsonl, text).unwrap_err();
            assert!(err.starts_with(want), "{err}");
        }
    }

    #[test]
    fn fixture_groups_and_permissions_are_natural_keys_or_group_pks() {
        let text = r#"[
  {"model": "auth.group", "pk": 4, "fields": {"name": "editors",
      "permissions": [["add_post", "blog", "post"], ["publish", "blog", "article"]]}},
  {"model": "accounts.customuser", "pk": 1, "fields": {"email": "a@example.com",
      "groups": [["editors"], 4], "user_permissions": [["refund", "shop", "order"]]}},
  {"model": "Auth.Group", "fields": {"name": "plain", "permissions": [25, 26]}},
  {"model": "accounts.customuser", "fields": {"email": "b@example.com", "user_permissions": [3]}},
  {"model": "auth.group", "fields": {"name": "x", "permissions": [["add_post", "blog"]]}},
  {"model": "auth.group", "fields": {"name": "x", "users": []}},
  {"model": "accounts.customuser", "fields": {"email": "c@example.com", "groups": ["editors"]}}
]"#;
        let parsed: Vec<Result<Parsed, String>> =
            records(Format::Django, text.as_bytes(), &FieldSet::default())
                .map(|r| r.ok().unwrap().row)
                .collect();
        let Ok(Parsed::Group(editors)) = &parsed[0] else {
            panic!("{:?}", parsed[0])
        };
        assert_eq!(editors.pk, Some(4));
        assert_eq!(editors.name, "editors");
        let perms: Vec<(&str, &str)> = (editors.models.iter())
            .map(|(p, m)| (p.as_str(), m.as_str()))
            .collect();
        assert_eq!(
            perms,
            [("blog.add_post", "post"), ("blog.publish", "article")]
        );
        let Ok(Parsed::User(ada)) = &parsed[1] else {
            panic!("{:?}", parsed[1])
        };
        assert_eq!(
            ada.groups,
            Some(vec![GroupRef::Name("editors".into()), GroupRef::Pk(4)])
        );
        assert_eq!(
            ada.models,
            [(Permission::parse("shop.refund").unwrap(), "order".into())]
        );
        let reasons: Vec<String> = parsed[2..]
            .iter()
            .map(|p| p.as_ref().err().cloned().unwrap_or_default())
            .collect();
        assert!(
            reasons[0].starts_with("object 3: permissions are given as pks"),
            "{}",
            reasons[0]
        );
        assert!(reasons[0].contains("dumpdata --natural-foreign"));
        assert!(reasons[1].starts_with("object 4: user_permissions are given as pks"));
        assert!(reasons[2].contains("natural key [codename, app_label, model]"));
        assert!(reasons[3].contains("unknown field \"users\" of an auth.group"));
        assert!(reasons[4].contains("groups: expected [name] or the pk"));
    }

    #[test]
    fn model_labels_are_two_identifiers() {
        assert!(validate_model_label("accounts.customuser").is_ok());
        assert!(validate_model_label("my_app.User2").is_ok());
        for bad in ["accounts", "a.b.c", ".user", "1a.b", "a.b-c", ""] {
            assert!(validate_model_label(bad).is_err(), "{bad}");
        }
    }
}
