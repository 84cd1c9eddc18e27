//! Export: every user, streamed from the database in id order, as CSV, JSON
//! Lines or a Django fixture. Passwords leave only as their encoded hashes.
//! Each user's groups and direct permissions come with it, read by the same
//! query; a fixture starts with the groups, as `auth.group` objects.

use std::collections::{BTreeSet, HashMap};
use std::io::{self, BufWriter, Write};

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use super::formats::{Format, join_list, validate_model_label};
use super::spreadsheet::escape_cell;
use crate::access::Permission;
use crate::clock::format_timestamp;
use crate::error::{Error, Result};
use crate::fields::{FieldSet, FieldValue};
use crate::storage::{BulkStore, GroupStore, Memberships};
use crate::user::User;
use crate::user::{COLUMNS, Column, ColumnUse, column_count, column_names};

/// What to export.
#[derive(Debug, Clone)]
pub struct ExportOptions {
    pub format: Format,
    /// The model label of a Django fixture (`app_label.model_name`).
    pub model: String,
    /// A Django fixture without pks, as `dumpdata --natural-primary` writes
    /// it: users are found by their natural key (the email, Django's
    /// `USERNAME_FIELD`) and groups by name, so that it loads into a database
    /// whose pks differ and updates the right rows.
    pub natural: bool,
}

impl ExportOptions {
    /// The label of the custom user model of SPEC's Django recipe.
    pub const DEFAULT_MODEL: &'static str = "accounts.customuser";

    pub fn new(format: Format) -> Self {
        ExportOptions {
            format,
            model: Self::DEFAULT_MODEL.to_string(),
            natural: false,
        }
    }
}

/// What an export wrote, and what its format left out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportSummary {
    pub users: u64,
    /// The groups written: `auth.group` objects of a Django fixture, group
    /// records of JSON Lines.
    pub groups: u64,
    /// Groups a CSV leaves out (it names each user's groups, but holds no
    /// group), and how many of them have permissions.
    pub groups_left_out: (u64, u64),
    /// Columns of users the format has no place for, with how many users have
    /// a value in each (in the order of [`crate::user::COLUMNS`]); only those
    /// some user has.
    pub fields_left_out: Vec<(&'static str, u64)>,
    /// Permissions a Django fixture leaves out, sorted: Django names a
    /// permission by `[codename, app_label, model]`, and their model is
    /// neither stored (from an imported fixture) nor one of Django's default
    /// permissions (`add_`, `change_`, `delete_`, `view_` and the model).
    pub left_out: Vec<String>,
    /// Users with a confirmed second factor: no format carries a TOTP secret
    /// or a recovery code, so a re-import leaves them without one.
    pub second_factors_left_out: u64,
}

/// The columns export writes: the import columns with `password_hash` and
/// never `password`, then one per declared custom field.
pub const EXPORT_COLUMNS: [&str; column_count(ColumnUse::Exported)] =
    column_names(ColumnUse::Exported);

/// Which exported columns each format carries: CSV and JSON Lines all of
/// them, a Django fixture those of Django's model.
fn carries(format: Format, column: &Column) -> bool {
    match format {
        Format::Csv | Format::Jsonl => column.used(ColumnUse::Exported),
        Format::Django => column.used(ColumnUse::Fixture),
    }
}

/// Whether `user` has a value in a column a format may leave out, one a
/// re-import would lose; `None` for a column no format leaves out.
fn has_value(user: &User, column: &str) -> Option<bool> {
    match column {
        "email_verified_at" => Some(user.email_verified_at.is_some()),
        "must_change_password" => Some(user.must_change_password),
        "expires_at" => Some(user.expires_at.is_some()),
        _ => None,
    }
}

/// Counts, per column the format leaves out, the users having a value there.
struct LeftOut {
    columns: Vec<(&'static str, u64)>,
}

impl LeftOut {
    fn new(format: Format) -> Self {
        let columns = COLUMNS
            .iter()
            .filter(|c| c.used(ColumnUse::Exported) && !carries(format, c))
            .map(|c| (c.name, 0))
            .collect();
        LeftOut { columns }
    }

    fn count(&mut self, user: &User) {
        for (column, users) in &mut self.columns {
            // A column missing from has_value counts every user: a warning too
            // many rather than a loss unsaid (a unit test keeps the list whole).
            *users += u64::from(has_value(user, column).unwrap_or(true));
        }
    }

    fn had(self) -> Vec<(&'static str, u64)> {
        self.columns.into_iter().filter(|(_, n)| *n > 0).collect()
    }
}

/// A group record of JSON Lines, written before the users so that import
/// creates (or updates) the group before a row names it.
#[derive(Serialize)]
struct GroupRecord<'a> {
    group: &'a str,
    permissions: &'a [String],
}

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
    groups: &'a [String],
    user_permissions: &'a [String],
    must_change_password: bool,
    expires_at: Option<String>,
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
    fn of(user: &'a User, memberships: &'a Memberships, fields: &'a FieldSet) -> Self {
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
            groups: &memberships.groups,
            user_permissions: &memberships.user_permissions,
            must_change_password: user.must_change_password,
            expires_at: user.expires_at.map(format_timestamp),
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
        // A group's name is text a person typed too.
        writer.write_field(escape_cell(&join_list(self.groups)).as_bytes())?;
        writer.write_field(join_list(self.user_permissions))?;
        writer.write_field(flag(self.must_change_password))?;
        writer.write_field(time(&self.expires_at))?;
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
    /// Left out with [`ExportOptions::natural`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pk: Option<i64>,
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
    /// Natural keys, `[name]`, as `dumpdata --natural-foreign` writes them.
    groups: Vec<[&'a str; 1]>,
    user_permissions: Vec<NaturalKey>,
    #[serde(flatten)]
    custom: Fields<'a>,
}

/// An `auth.group` object.
#[derive(Serialize)]
struct GroupObject<'a> {
    model: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pk: Option<i64>,
    fields: GroupFields<'a>,
}

#[derive(Serialize)]
struct GroupFields<'a> {
    name: &'a str,
    permissions: Vec<NaturalKey>,
}

/// A permission's natural key in Django: `[codename, app_label, model]`.
type NaturalKey = [String; 3];

/// The natural keys of permissions, from the models stored for them or
/// Django's default permissions; those without a model are noted.
struct NaturalKeys {
    stored: HashMap<String, String>,
    keys: HashMap<String, Option<NaturalKey>>,
    left_out: BTreeSet<String>,
}

impl NaturalKeys {
    fn new(stored: Vec<(String, String)>) -> Self {
        NaturalKeys {
            stored: stored.into_iter().collect(),
            keys: HashMap::new(),
            left_out: BTreeSet::new(),
        }
    }

    fn key(&mut self, permission: &str) -> Option<NaturalKey> {
        if let Some(key) = self.keys.get(permission) {
            return key.clone();
        }
        let key = Permission::parse(permission).ok().and_then(|p| {
            let model = (self.stored.get(permission).map(String::as_str))
                .or_else(|| p.default_model())?
                .to_string();
            Some([p.codename().to_string(), p.app_label().to_string(), model])
        });
        if key.is_none() {
            self.left_out.insert(permission.to_string());
        }
        self.keys.insert(permission.to_string(), key.clone());
        key
    }

    fn all(&mut self, permissions: &[String]) -> Vec<NaturalKey> {
        permissions.iter().filter_map(|p| self.key(p)).collect()
    }
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

/// Writes every user of `store` to `out` (and, in a Django fixture, every
/// group first), with the custom fields of `fields`.
pub(crate) fn export(
    store: &(impl BulkStore + GroupStore),
    fields: &FieldSet,
    options: &ExportOptions,
    out: &mut dyn Write,
) -> Result<ExportSummary> {
    if options.format == Format::Django {
        validate_model_label(&options.model).map_err(|reason| Error::invalid("--model", reason))?;
    } else if options.natural {
        return Err(Error::invalid(
            "--natural",
            "natural keys are for Django fixtures (--format django)",
        ));
    }
    let mut out = BufWriter::with_capacity(64 * 1024, out);
    let mut summary = ExportSummary::default();
    let mut left_out = LeftOut::new(options.format);
    match options.format {
        Format::Csv => {
            let groups = store.all_groups()?;
            let with_permissions = groups.iter().filter(|g| !g.permissions.is_empty());
            summary.groups_left_out = (groups.len() as u64, with_permissions.count() as u64);
            let mut writer = csv::WriterBuilder::new()
                .has_headers(false)
                .from_writer(&mut out);
            let header = EXPORT_COLUMNS.iter().copied().chain(fields.names());
            writer.write_record(header).map_err(csv_err)?;
            let count = &mut summary.users;
            store.for_each_user(&mut |user, memberships| {
                *count += 1;
                left_out.count(user);
                Row::of(user, memberships, fields)
                    .write_csv(&mut writer)
                    .map_err(csv_err)
            })?;
            writer.flush().map_err(write_err)?;
        }
        Format::Jsonl => {
            for group in store.all_groups()? {
                summary.groups += 1;
                let record = GroupRecord {
                    group: &group.name,
                    permissions: &group.permissions,
                };
                serde_json::to_writer(&mut out, &record).map_err(json_err)?;
                out.write_all(b"\n").map_err(write_err)?;
            }
            let count = &mut summary.users;
            store.for_each_user(&mut |user, memberships| {
                *count += 1;
                left_out.count(user);
                serde_json::to_writer(&mut out, &Row::of(user, memberships, fields))
                    .map_err(json_err)?;
                out.write_all(b"\n").map_err(write_err)
            })?;
        }
        Format::Django => {
            let mut keys = NaturalKeys::new(store.permission_models()?);
            let mut objects = 0u64;
            let mut next = |out: &mut BufWriter<&mut dyn Write>| {
                objects += 1;
                out.write_all(if objects == 1 { b"\n" } else { b",\n" })
                    .map_err(write_err)
            };
            out.write_all(b"[").map_err(write_err)?;
            // Groups first: loaddata finds a user's groups by name, so they
            // must be there before it.
            for group in store.all_groups()? {
                next(&mut out)?;
                summary.groups += 1;
                let object = GroupObject {
                    model: "auth.group",
                    pk: (!options.natural).then_some(group.id),
                    fields: GroupFields {
                        name: &group.name,
                        permissions: keys.all(&group.permissions),
                    },
                };
                serde_json::to_writer(&mut out, &object).map_err(json_err)?;
            }
            store.for_each_user(&mut |user, memberships| {
                next(&mut out)?;
                summary.users += 1;
                left_out.count(user);
                let object = FixtureObject {
                    model: &options.model,
                    pk: (!options.natural).then_some(user.id),
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
                        groups: memberships.groups.iter().map(|g| [g.as_str()]).collect(),
                        user_permissions: keys.all(&memberships.user_permissions),
                        custom: Fields::of(fields, user),
                    },
                };
                serde_json::to_writer(&mut out, &object).map_err(json_err)
            })?;
            out.write_all(if objects == 0 { b"]\n" } else { b"\n]\n" })
                .map_err(write_err)?;
            summary.left_out = keys.left_out.into_iter().collect();
        }
    }
    out.flush().map_err(write_err)?;
    summary.fields_left_out = left_out.had();
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::user::EncodedPassword;

    #[test]
    fn every_column_a_format_leaves_out_is_counted_per_user() {
        for format in [Format::Csv, Format::Jsonl, Format::Django] {
            for (column, _) in LeftOut::new(format).columns {
                let user = User::example("a@example.com");
                assert!(has_value(&user, column).is_some(), "{format}: {column}");
            }
        }
        let left: Vec<&str> = (LeftOut::new(Format::Django).columns.iter())
            .map(|(c, _)| *c)
            .collect();
        assert_eq!(
            left,
            ["email_verified_at", "must_change_password", "expires_at"]
        );
        assert!(LeftOut::new(Format::Csv).columns.is_empty());
        let mut django = LeftOut::new(Format::Django);
        django.count(&User {
            must_change_password: true,
            ..User::example("a@example.com")
        });
        django.count(&User::example("b@example.com"));
        assert_eq!(django.had(), [("must_change_password", 1)]);
    }

    #[test]
    fn a_row_is_written_in_the_order_of_the_export_columns() {
        let user = User {
            first_name: "F".into(),
            last_name: "L".into(),
            password: EncodedPassword("hash".into()),
            ..User::example("a@example.com")
        };
        let memberships = Memberships::default();
        let fields = FieldSet::default();
        let row = Row::of(&user, &memberships, &fields);
        let json = serde_json::to_string(&row).unwrap();
        let at: Vec<usize> = EXPORT_COLUMNS
            .iter()
            .map(|c| json.find(&format!("\"{c}\":")).expect(c))
            .collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]), "{json}");
        let mut writer = csv::WriterBuilder::new()
            .has_headers(false)
            .from_writer(Vec::new());
        row.write_csv(&mut writer).unwrap();
        let line = String::from_utf8(writer.into_inner().unwrap()).unwrap();
        let cells: Vec<&str> = line.trim_end().split(',').collect();
        assert_eq!(cells.len(), EXPORT_COLUMNS.len(), "{line}");
        let cell = |name: &str| cells[EXPORT_COLUMNS.iter().position(|c| *c == name).unwrap()];
        assert_eq!(cell("email"), "a@example.com");
        assert_eq!(cell("first_name"), "F");
        assert_eq!(cell("last_name"), "L");
        assert_eq!(cell("password_hash"), "hash");
        assert_eq!(cell("is_active"), "true");
    }
}
