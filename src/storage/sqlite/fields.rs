//! Custom field values in SQLite: one row per user and field, and a partial unique
//! index per field declared `unique`.

use std::collections::{BTreeSet, HashSet};

use rusqlite::{OptionalExtension, Transaction, params};

use crate::error::{Error, Result};
use crate::storage::FieldWrite;

/// The unique index of one field. Field names are checked identifiers
/// ([`crate::fields::check_name`]), so they can be part of SQL.
fn unique_index(name: &str) -> String {
    format!("user_field_unique_{name}")
}

/// Makes the database agree with the config on whether `name` is unique: creates
/// its unique index, or drops one left from an earlier declaration. Cheap when
/// nothing changes (`IF [NOT] EXISTS` reads the schema only). Values shared from
/// before the field was declared unique leave the index out (`doctor` reports
/// them); [`FieldWriter`] still refuses new clashes, and the first write after
/// they are told apart creates it.
fn sync_unique_index(tx: &Transaction, name: &str, unique: bool) -> rusqlite::Result<()> {
    debug_assert!(crate::fields::check_name(name).is_ok());
    let index = unique_index(name);
    let sql = if unique {
        format!(
            "CREATE UNIQUE INDEX IF NOT EXISTS {index} ON user_field_values (value) \
             WHERE name = '{name}'"
        )
    } else {
        format!("DROP INDEX IF EXISTS {index}")
    };
    match tx.execute_batch(&sql) {
        Err(e) if unique && super::is_unique_violation(&e) => Ok(()),
        other => other,
    }
}

/// Writes field values within one transaction and keeps each field's unique
/// index in line with its declaration once per transaction, not once a row: a
/// bulk import brings an index up to date (or fails to, over shared values) once.
#[derive(Default)]
pub(crate) struct FieldWriter {
    /// Non-unique fields whose stale unique index has been dropped already.
    dropped: HashSet<String>,
    /// Unique fields whose index is made when the writing is done.
    unique: BTreeSet<String>,
}

impl FieldWriter {
    /// Writes (or, for `None`, removes) a user's field values. A value another
    /// user has on a unique field is [`Error::FieldValueTaken`]: checked here,
    /// under the write lock, and by the index.
    pub(crate) fn write(
        &mut self,
        tx: &Transaction,
        user_id: i64,
        writes: &[FieldWrite],
    ) -> Result<()> {
        for write in writes {
            let taken = || Error::FieldValueTaken {
                field: write.name.clone(),
                value: write.value.clone().unwrap_or_default(),
            };
            if write.unique {
                self.unique.insert(write.name.clone());
            } else if self.dropped.insert(write.name.clone()) {
                // Before the write: an index from an earlier declaration would refuse it.
                sync_unique_index(tx, &write.name, false)?;
            }
            if let (true, Some(value)) = (write.unique, &write.value)
                && value_holder(tx, &write.name, value, Some(user_id))?.is_some()
            {
                return Err(taken());
            }
            let written = match &write.value {
                // An upsert on the primary key only: `INSERT OR REPLACE` would settle a
                // clash on the unique index by deleting the other user's value.
                Some(value) => tx
                    .prepare_cached(
                        "INSERT INTO user_field_values (user_id, name, value) VALUES (?1, ?2, ?3) \
                         ON CONFLICT (user_id, name) DO UPDATE SET value = excluded.value",
                    )
                    .and_then(|mut s| s.execute(params![user_id, write.name, value])),
                None => tx
                    .prepare_cached(
                        "DELETE FROM user_field_values WHERE user_id = ?1 AND name = ?2",
                    )
                    .and_then(|mut s| s.execute(params![user_id, write.name])),
            };
            match written {
                Err(e) if super::is_unique_violation(&e) => return Err(taken()),
                other => other?,
            };
        }
        Ok(())
    }

    /// Makes the unique indexes of the unique fields written, after the writes,
    /// which may just have told shared values apart.
    pub(crate) fn finish(self, tx: &Transaction) -> Result<()> {
        for name in &self.unique {
            sync_unique_index(tx, name, true)?;
        }
        Ok(())
    }
}

/// One user's field values, in the caller's transaction ([`FieldWriter`] for one row).
pub(crate) fn write_fields(tx: &Transaction, user_id: i64, writes: &[FieldWrite]) -> Result<()> {
    let mut writer = FieldWriter::default();
    writer.write(tx, user_id, writes)?;
    writer.finish(tx)
}

/// The id of a user, other than `other_than`, holding `value` in field `name` (one
/// index probe).
pub(crate) fn value_holder(
    conn: &rusqlite::Connection,
    name: &str,
    value: &str,
    other_than: Option<i64>,
) -> rusqlite::Result<Option<i64>> {
    conn.prepare_cached(
        "SELECT user_id FROM user_field_values WHERE name = ?1 AND value = ?2 \
         AND user_id IS NOT ?3 LIMIT 1",
    )?
    .query_row(params![name, value, other_than], |r| r.get(0))
    .optional()
}
