//! Export: every user, streamed from the database in id order, as CSV, JSON
//! Lines or a Django fixture. Passwords leave only as their encoded hashes.

use std::io::{self, BufWriter, Write};
use std::path::Path;

use serde::Serialize;

use super::formats::{Format, validate_model_label};
use crate::clock::format_timestamp;
use crate::error::{Error, Result};
use crate::manager::UserManager;
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
/// never `password`.
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
}

impl<'a> Row<'a> {
    fn of(user: &'a User) -> Self {
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
        }
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
        let mut out = BufWriter::with_capacity(64 * 1024, out);
        let mut count = 0u64;
        match options.format {
            Format::Csv => {
                let mut writer = csv::WriterBuilder::new()
                    .has_headers(false)
                    .from_writer(&mut out);
                writer.write_record(EXPORT_COLUMNS).map_err(csv_err)?;
                self.store().for_each_user(&mut |user| {
                    count += 1;
                    writer.serialize(Row::of(user)).map_err(csv_err)
                })?;
                writer.flush().map_err(write_err)?;
            }
            Format::Jsonl => {
                self.store().for_each_user(&mut |user| {
                    count += 1;
                    serde_json::to_writer(&mut out, &Row::of(user)).map_err(json_err)?;
                    out.write_all(b"\n").map_err(write_err)
                })?;
            }
            Format::Django => {
                out.write_all(b"[").map_err(write_err)?;
                self.store().for_each_user(&mut |user| {
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
    /// password hashes) and replaced only once the export is complete.
    pub fn export_to_path(&self, options: &ExportOptions, path: &Path) -> Result<u64> {
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let context = || format!("cannot write {}", path.display());
        let mut file = tempfile::Builder::new()
            .prefix(".userdb-export")
            .tempfile_in(dir)
            .map_err(|e| Error::io(context(), e))?;
        let count = self.export_users(options, file.as_file_mut())?;
        file.as_file()
            .sync_all()
            .map_err(|e| Error::io(context(), e))?;
        file.persist(path)
            .map_err(|e| Error::io(context(), e.error))?;
        Ok(count)
    }
}
