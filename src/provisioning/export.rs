//! Export: every user, streamed from the database in id order, as CSV, JSON
//! Lines or a Django fixture. Passwords leave only as their encoded hashes.

use std::io::{self, BufWriter, Write};
use std::path::Path;

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use super::formats::{Format, validate_model_label};
use super::spreadsheet::escape_cell;
use crate::clock::format_timestamp;
use crate::error::{Error, Result};
use crate::fields::{FieldSet, FieldValue};
use crate::manager::UserManager;
use crate::output_file::{Existing, OutputFile};
use crate::storage::{BulkStore, UserStore};
use crate::user::User;

/// What to export.
#[derive(Debug, Clone)]
pub struct ExportOptions {
    pub format: Format,
    /// The model label of a Django fixture (`app_label.model_name`).
    pub model: String,
}

impl ExportOptions {
    /// The label of the custom user model of SPEC's Django recipe.
    pub const DEFAULT_MODEL: &'static str = "accounts.customuser";

    pub fn new(format: Format) -> Self {
        ExportOptions {
            format,
            model: Self::DEFAULT_MODEL.to_string(),
        }
    }
}

/// The columns export writes: the import columns with `password_hash` and
/// never `password`, then one per declared custom field.
pub const EXPORT_COLUMNS: [&str; 10] = [
    "email",
    "first_name",
    "last_name",
    "is_active",
    "is_staff",
    "is_superuser",
    "date_joined",
    "last_login",
    "email_verified_at",
    "password_hash",
];

#[derive(Serialize)]
struct Row<'a> {
    email: &'a str,
    first_name: &'a str,
    last_name: &'a str,
    is_active: bool,
    is_staff: bool,
    is_superuser: bool,
    date_joined: String,
    last_login: Option<String>,
    email_verified_at: Option<String>,
    password_hash: &'a str,
    #[serde(flatten)]
    fields: Fields<'a>,
}

/// A user's values of the declared fields, in declared order: typed JSON
/// (numbers, booleans, dates as "YYYY-MM-DD", text), `null` when unset. Values
/// of fields no longer declared are left out.
struct Fields<'a>(Vec<(&'a str, Option<FieldValue>)>);

impl<'a> Fields<'a> {
    fn of(fields: &'a FieldSet, user: &User) -> Self {
        Fields(fields.values(&user.fields))
    }
}

impl Serialize for Fields<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (name, value) in &self.0 {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

impl<'a> Row<'a> {
    fn of(user: &'a User, fields: &'a FieldSet) -> Self {
        Row {
            email: &user.email,
            first_name: &user.first_name,
            last_name: &user.last_name,
            is_active: user.is_active,
            is_staff: user.is_staff,
            is_superuser: user.is_superuser,
            date_joined: format_timestamp(user.date_joined),
            last_login: user.last_login.map(format_timestamp),
            email_verified_at: user.email_verified_at.map(format_timestamp),
            password_hash: user.password_hash(),
            fields: Fields::of(fields, user),
        }
    }

    /// The CSV cells, in the order of the header: custom fields as canonical
    /// text, empty when unset.
    fn write_csv<W: Write>(&self, writer: &mut csv::Writer<W>) -> csv::Result<()> {
        let flag = |b: bool| if b { "true" } else { "false" };
        let time = |t: &Option<String>| t.clone().unwrap_or_default();
        // Text a person typed goes through escape_cell (import reverses it); the
        // other cells (flags, times, hashes) never start like a formula.
        writer.write_field(escape_cell(self.email).as_bytes())?;
        writer.write_field(escape_cell(self.first_name).as_bytes())?;
        writer.write_field(escape_cell(self.last_name).as_bytes())?;
        writer.write_field(flag(self.is_active))?;
        writer.write_field(flag(self.is_staff))?;
        writer.write_field(flag(self.is_superuser))?;
        writer.write_field(&self.date_joined)?;
        writer.write_field(time(&self.last_login))?;
        writer.write_field(time(&self.email_verified_at))?;
        writer.write_field(self.password_hash)?;
        for (_, value) in &self.fields.0 {
            let text = value
                .as_ref()
                .map(FieldValue::canonical)
                .unwrap_or_default();
            writer.write_field(escape_cell(&text).as_bytes())?;
        }
        writer.write_record(None::<&[u8]>)
    }
}

/// One object of a `dumpdata` fixture, fields in the model's order (AbstractUser
/// without `username`). `email_verified_at` is not a field of that model, so it is
/// left out (loaddata refuses unknown fields).
#[derive(Serialize)]
struct FixtureObject<'a> {
    model: &'a str,
    pk: i64,
    fields: FixtureFields<'a>,
}

#[derive(Serialize)]
struct FixtureFields<'a> {
    password: &'a str,
    last_login: Option<String>,
    is_superuser: bool,
    first_name: &'a str,
    last_name: &'a str,
    is_staff: bool,
    is_active: bool,
    date_joined: String,
    email: &'a str,
    groups: [i64; 0],
    user_permissions: [i64; 0],
    #[serde(flatten)]
    custom: Fields<'a>,
}

fn write_err(e: io::Error) -> Error {
    Error::io("cannot write the export", e)
}

fn csv_err(e: csv::Error) -> Error {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => write_err(e),
        other => write_err(io::Error::other(format!("{other:?}"))),
    }
}

fn json_err(e: serde_json::Error) -> Error {
    write_err(e.into())
}

impl<S: UserStore + BulkStore> UserManager<S> {
    /// Writes every user to `out`; returns how many.
    pub fn export_users(&self, options: &ExportOptions, out: &mut dyn Write) -> Result<u64> {
        if options.format == Format::Django {
            validate_model_label(&options.model)
                .map_err(|reason| Error::invalid("--model", reason))?;
        }
        let fields = self.fields();
        let mut out = BufWriter::with_capacity(64 * 1024, out);
        let mut count = 0u64;
        match options.format {
            Format::Csv => {
                let mut writer = csv::WriterBuilder::new()
                    .has_headers(false)
                    .from_writer(&mut out);
                let header = EXPORT_COLUMNS.iter().copied().chain(fields.names());
                writer.write_record(header).map_err(csv_err)?;
                self.store().for_each_user(&mut |user, _| {
                    count += 1;
                    Row::of(user, fields)
                        .write_csv(&mut writer)
                        .map_err(csv_err)
                })?;
                writer.flush().map_err(write_err)?;
            }
            Format::Jsonl => {
                self.store().for_each_user(&mut |user, _| {
                    count += 1;
                    serde_json::to_writer(&mut out, &Row::of(user, fields)).map_err(json_err)?;
                    out.write_all(b"\n").map_err(write_err)
                })?;
            }
            Format::Django => {
                out.write_all(b"[").map_err(write_err)?;
                self.store().for_each_user(&mut |user, _| {
                    out.write_all(if count == 0 { b"\n" } else { b",\n" })
                        .map_err(write_err)?;
                    count += 1;
                    let object = FixtureObject {
                        model: &options.model,
                        pk: user.id,
                        fields: FixtureFields {
                            password: user.password_hash(),
                            last_login: user.last_login.map(format_timestamp),
                            is_superuser: user.is_superuser,
                            first_name: &user.first_name,
                            last_name: &user.last_name,
                            is_staff: user.is_staff,
                            is_active: user.is_active,
                            date_joined: format_timestamp(user.date_joined),
                            email: &user.email,
                            groups: [],
                            user_permissions: [],
                            custom: Fields::of(fields, user),
                        },
                    };
                    serde_json::to_writer(&mut out, &object).map_err(json_err)
                })?;
                out.write_all(if count == 0 { b"]\n" } else { b"\n]\n" })
                    .map_err(write_err)?;
            }
        }
        out.flush().map_err(write_err)?;
        Ok(count)
    }

    /// Writes every user to the file at `path`, created mode 0600 (it carries
    /// password hashes) and put in place only once the export is complete, through
    /// [`OutputFile`]: never over the database's own files, a link or a device; a
    /// FIFO is written through; an existing regular file of the user's is replaced.
    pub fn export_to_path(&self, options: &ExportOptions, path: &Path) -> Result<u64> {
        let mut out = OutputFile::create(path, Existing::Replace, &self.store().own_files())?;
        let count = self.export_users(options, out.file_mut())?;
        out.commit()?;
        Ok(count)
    }
}
