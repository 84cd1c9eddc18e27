//! The file formats of import and export: CSV with a header, JSON Lines, and
//! Django's `dumpdata` fixture of the user model. Readers stream: one record at a
//! time, each with the line it starts on, and a bound on the size of a record so
//! that a hostile file cannot make the process grow.

mod csv;
mod django;
mod jsonl;
mod row;

use std::fmt;
use std::io::{self, Read};
use std::path::Path;
use std::str::FromStr;

use crate::fields::FieldSet;
use csv::CsvRecords;
use django::DjangoRecords;
pub use django::validate_model_label;
use jsonl::JsonlRecords;
pub use row::{COLUMNS, join_list, parse_datetime, split_list};
pub(crate) use row::{GroupRef, Parsed, ParsedGroup, ParsedRow};

/// The longest record accepted (a line of CSV or JSON Lines, an object of a
/// fixture). A real one is under 10 KiB: email 254, names 150 characters each,
/// password 4096.
pub const MAX_RECORD_BYTES: usize = 64 * 1024;

/// A record over [`MAX_RECORD_BYTES`], from this line: the error the byte
/// readers under the CSV and fixture parsers fail with.
#[derive(Debug)]
pub(super) struct LineTooLong(pub(super) u64);

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

/// One record of an input file.
pub(crate) struct Record {
    /// The line it starts on (1-based).
    pub line: u64,
    pub row: Result<Parsed, String>,
    /// The record has a plain `password` or a `totp_uri` column or key: any
    /// cell of it could be a secret (a misaligned column), so its problems
    /// quote no value.
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
        Format::Jsonl => Box::new(JsonlRecords::new(input, fields)),
        Format::Django => Box::new(DjangoRecords::new(input, fields)),
    }
}

pub(super) fn utf8(bytes: &[u8]) -> Result<&str, String> {
    std::str::from_utf8(bytes).map_err(|_| "not valid UTF-8; save the file as UTF-8".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::Permission;

    pub(super) type Outcome = Result<(u64, Result<ParsedRow, String>), String>;

    /// A user's row; a group is an error here, named.
    pub(super) fn user(parsed: Result<Parsed, String>) -> Result<ParsedRow, String> {
        parsed.and_then(|p| match p {
            Parsed::User(row) => Ok(row),
            Parsed::Group(group) => Err(format!("group {:?}", group.name)),
        })
    }

    pub(super) fn all(format: Format, text: impl AsRef<[u8]>) -> Vec<Outcome> {
        records(format, text.as_ref(), &FieldSet::default())
            .map(|r| match r {
                Ok(rec) => Ok((rec.line, user(rec.row))),
                Err(ReadError::Broken { line, reason }) => Err(format!("{line}: {reason}")),
                Err(ReadError::Io(e)) => Err(e.to_string()),
            })
            .collect()
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

    pub(super) fn declared() -> FieldSet {
        let table: toml::Table = "[team]\ntype = \"choice\"\nchoices = [\"Sales\", \"Ops\"]\n\
                                  [no]\ntype = \"integer\"\n[vip]\ntype = \"boolean\"\n"
            .parse()
            .unwrap();
        FieldSet::from_toml(&table).unwrap()
    }

    /// The custom fields a row gives, by index: canonical value or empty.
    type Given = Vec<(usize, Option<String>)>;

    pub(super) fn fields_of(format: Format, text: &str) -> Vec<Result<Given, String>> {
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
            matches!(&rows[..], [Err(e)] if e.ends_with("must_change_password, expires_at, totp_uri; custom fields: team, no, vip)")),
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

    pub(super) fn first_user(format: Format, text: &str) -> Result<ParsedRow, String> {
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
}
