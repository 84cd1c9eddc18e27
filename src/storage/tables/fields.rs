//! A user's custom field values (table `user_field_values`, migration 0004),
//! for every engine: one row per user and field.
//!
//! A field declared unique is checked here, under the writers' lock that every
//! write of field values holds, so the check is race-free on both engines. SQLite also keeps a
//! partial unique index per such field (the hook in `sqlite/fields.rs`);
//! PostgreSQL does not: creating one inside a write would lock the table, and
//! the lock already makes the check race-free.

use std::collections::{BTreeSet, HashSet};

use crate::error::{Error, Result};
use crate::storage::FieldWrite;
use crate::storage::sql::{Dialect, Sql, args};

/// Writes field values within one transaction and keeps each field's unique
/// index (SQLite's) in line with its declaration once per transaction, not once
/// a row: a bulk import brings an index up to date (or fails to, over shared
/// values) once.
#[derive(Default)]
pub(crate) struct FieldWriter {
    /// Non-unique fields whose stale unique index has been dropped already.
    dropped: HashSet<String>,
    /// Unique fields whose index is made when the writing is done.
    unique: BTreeSet<String>,
}

impl FieldWriter {
    /// Writes (or, for `None`, removes) a user's field values. A value another
    /// user has on a unique field is [`Error::FieldValueTaken`].
    pub(crate) fn write(
        &mut self,
        sql: &mut dyn Sql,
        user_id: i64,
        writes: &[FieldWrite],
    ) -> Result<()> {
        for write in writes {
            if write.unique {
                self.unique.insert(write.name.clone());
            } else if self.dropped.insert(write.name.clone()) {
                // Before the write: an index from an earlier declaration would refuse it.
                unique_index(sql, &write.name, false)?;
            }
            if let (true, Some(value)) = (write.unique, &write.value)
                && value_holder(sql, &write.name, value, Some(user_id))?.is_some()
            {
                return Err(Error::FieldValueTaken {
                    field: write.name.clone(),
                    value: value.clone(),
                });
            }
            match &write.value {
                // An upsert on the primary key only: SQLite's `INSERT OR REPLACE`
                // would settle a clash on the unique index by deleting the other
                // user's value.
                Some(value) => sql.execute(
                    "INSERT INTO user_field_values (user_id, name, value) VALUES ($1, $2, $3) \
                     ON CONFLICT (user_id, name) DO UPDATE SET value = excluded.value",
                    args![user_id, &write.name, value],
                )?,
                None => sql.execute(
                    "DELETE FROM user_field_values WHERE user_id = $1 AND name = $2",
                    args![user_id, &write.name],
                )?,
            };
        }
        Ok(())
    }

    /// Makes the unique indexes of the unique fields written, after the writes,
    /// which may just have told shared values apart.
    pub(crate) fn finish(self, sql: &mut dyn Sql) -> Result<()> {
        for name in &self.unique {
            unique_index(sql, name, true)?;
        }
        Ok(())
    }
}

/// The engine's part of a unique declaration (see the module's comment).
fn unique_index(sql: &mut dyn Sql, name: &str, unique: bool) -> Result<()> {
    match sql.dialect() {
        Dialect::Sqlite => crate::storage::sqlite::fields::sync_unique_index(sql, name, unique),
        Dialect::Postgres => Ok(()),
    }
}

/// One user's field values, in the caller's transaction ([`FieldWriter`] for one row).
pub(crate) fn write_fields(sql: &mut dyn Sql, user_id: i64, writes: &[FieldWrite]) -> Result<()> {
    let mut writer = FieldWriter::default();
    writer.write(sql, user_id, writes)?;
    writer.finish(sql)
}

/// The id of a user, other than `other_than`, holding `value` in field `name`
/// (one index probe).
pub(crate) fn value_holder(
    sql: &mut dyn Sql,
    name: &str,
    value: &str,
    other_than: Option<i64>,
) -> Result<Option<i64>> {
    sql.query_opt(
        "SELECT user_id FROM user_field_values WHERE name = $1 AND value = $2 \
         AND user_id IS DISTINCT FROM $3 LIMIT 1",
        args![name, value, other_than],
        |r| r.get(0),
    )
}
