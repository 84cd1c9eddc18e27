//! The record model the readers share: a user's row as read (typed, not yet
//! checked against the rules of users), a group, and the cells and values they
//! are read from.

use std::fmt;

use jiff::Timestamp;
use secrecy::SecretString;
use serde_json::Value;

use crate::access::{Permission, clean_group_name};
use crate::fields::{FieldSet, FieldValue};
use crate::user::{ColumnKey, ColumnUse, column_count, column_names};

/// The columns of CSV and the keys of JSON Lines, in the order export writes them.
pub const COLUMNS: [&str; column_count(ColumnUse::Imported)] = column_names(ColumnUse::Imported);

/// Columns `list-users --csv` writes that a user cannot set: a CSV header may
/// name them (so that its output imports), and their cells are ignored.
pub const READ_ONLY_COLUMNS: [&str; 2] = ["id", "has_usable_password"];

/// The column one of [`COLUMNS`] names (`None` for any other name).
pub(super) fn import_column(name: &str) -> Option<ColumnKey> {
    ColumnKey::find(name, ColumnUse::Imported)
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
    /// An `otpauth://totp/` URI: the user's authenticator, kept (it holds the
    /// secret, so it is never shown).
    pub totp_uri: Option<SecretString>,
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
pub(super) const GROUP_KEYS: [&str; 2] = [GROUP_KEY, "permissions"];

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

pub(super) fn group_names(names: Vec<String>) -> Result<Vec<GroupRef>, String> {
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
pub(super) fn permissions(key: &str, texts: Vec<String>) -> Result<Vec<Permission>, String> {
    texts
        .iter()
        .map(|text| Permission::parse(text).map_err(|e| format!("{key}: {e}")))
        .collect()
}

/// A JSON list of strings under `key` (`null`: not given).
pub(super) fn json_strings(key: &str, value: &Value) -> Result<Option<Vec<String>>, String> {
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
    pub(super) fn set_text(&mut self, column: ColumnKey, cell: &str) -> Result<(), String> {
        let given = (!cell.is_empty()).then(|| cell.to_string());
        match column {
            ColumnKey::Email => self.email = given,
            ColumnKey::FirstName => self.first_name = Some(cell.to_string()),
            ColumnKey::LastName => self.last_name = Some(cell.to_string()),
            ColumnKey::IsActive => self.is_active = parse_flag(column, cell)?,
            ColumnKey::IsStaff => self.is_staff = parse_flag(column, cell)?,
            ColumnKey::IsSuperuser => self.is_superuser = parse_flag(column, cell)?,
            ColumnKey::DateJoined => self.date_joined = parse_time(column, cell)?,
            ColumnKey::LastLogin => self.last_login = parse_time(column, cell)?,
            ColumnKey::EmailVerifiedAt => self.email_verified_at = parse_time(column, cell)?,
            ColumnKey::Password => self.password = given.map(SecretString::from),
            ColumnKey::PasswordHash => self.password_hash = given,
            // A column that is there gives the list: an empty cell is none.
            ColumnKey::Groups => self.groups = Some(group_names(split_list(cell)?)?),
            ColumnKey::UserPermissions => {
                self.user_permissions = Some(permissions(column.name(), split_list(cell)?)?)
            }
            ColumnKey::MustChangePassword => self.must_change_password = parse_flag(column, cell)?,
            ColumnKey::ExpiresAt => self.expires_at = parse_time(column, cell)?,
            ColumnKey::TotpUri => self.totp_uri = given.map(SecretString::from),
            // Not imported: `import_column` never gives them.
            ColumnKey::Id | ColumnKey::HasUsablePassword => {}
        }
        Ok(())
    }

    /// A JSON value: `null` means "not given".
    pub(super) fn set_json(&mut self, column: ColumnKey, value: &Value) -> Result<(), String> {
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
            ColumnKey::Email => self.email = text()?,
            ColumnKey::FirstName => self.first_name = text()?,
            ColumnKey::LastName => self.last_name = text()?,
            ColumnKey::IsActive => self.is_active = flag()?,
            ColumnKey::IsStaff => self.is_staff = flag()?,
            ColumnKey::IsSuperuser => self.is_superuser = flag()?,
            ColumnKey::DateJoined => self.date_joined = time()?,
            ColumnKey::LastLogin => self.last_login = time()?,
            ColumnKey::EmailVerifiedAt => self.email_verified_at = time()?,
            ColumnKey::Password => self.password = text()?.map(SecretString::from),
            ColumnKey::PasswordHash => self.password_hash = text()?,
            ColumnKey::Groups => {
                self.groups = (json_strings(column.name(), value)?)
                    .map(group_names)
                    .transpose()?
            }
            ColumnKey::UserPermissions => {
                self.user_permissions = (json_strings(column.name(), value)?)
                    .map(|texts| permissions(column.name(), texts))
                    .transpose()?
            }
            ColumnKey::MustChangePassword => self.must_change_password = flag()?,
            ColumnKey::ExpiresAt => self.expires_at = time()?,
            ColumnKey::TotpUri => self.totp_uri = text()?.map(SecretString::from),
            // Not imported: `import_column` never gives them.
            ColumnKey::Id | ColumnKey::HasUsablePassword => {}
        }
        Ok(())
    }
}

pub(super) fn json_type(value: &Value) -> &'static str {
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
pub(super) fn parse_flag(column: ColumnKey, cell: &str) -> Result<Option<bool>, String> {
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

pub(super) fn parse_time(column: ColumnKey, text: &str) -> Result<Option<Timestamp>, String> {
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
pub(super) fn shown(text: &str) -> String {
    let mut s: String = text.chars().take(40).collect();
    if s.len() < text.len() {
        s.push('…');
    }
    s
}

/// The known columns, and the declared custom fields if any, for a message
/// about an unknown one.
pub(super) fn known_columns(fields: &FieldSet) -> String {
    let mut text = COLUMNS.join(", ");
    if !fields.is_empty() {
        text.push_str("; custom fields: ");
        text.push_str(&fields.names().join(", "));
    }
    text
}

/// Sets the custom field `name` from a JSON value; false when no such field is
/// declared.
pub(super) fn set_json_field(
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
pub(super) fn without_position(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_import_column_and_only_those_is_found_by_its_name() {
        for name in COLUMNS {
            assert_eq!(import_column(name).map(ColumnKey::name), Some(name));
        }
        for read_only in READ_ONLY_COLUMNS {
            assert_eq!(import_column(read_only), None);
        }
    }

    #[test]
    pub(super) fn django_datetimes_parse_with_z_offset_or_naive() {
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
    pub(super) fn a_list_cell_splits_on_commas_and_a_backslash_escapes_them() {
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
}
