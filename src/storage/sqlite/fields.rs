//! Custom field values in SQLite: one row per user and field, and a partial unique
//! index per field declared `unique`.

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
/// nothing changes (`IF [NOT] EXISTS` reads the schema only).
fn sync_unique_index(tx: &Transaction, name: &str, unique: bool) -> Result<(), rusqlite::Error> {
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
    tx.execute_batch(&sql)
}

/// Writes (or, for `None`, removes) a user's field values, in the caller's
/// transaction. A value another user has on a unique field is
/// [`Error::FieldValueTaken`].
pub(crate) fn write_fields(
    tx: &Transaction,
    user_id: i64,
    writes: &[FieldWrite],
    db_err: &dyn Fn(rusqlite::Error) -> Error,
) -> Result<()> {
    for write in writes {
        sync_unique_index(tx, &write.name, write.unique).map_err(|e| {
            if super::is_unique_violation(&e) {
                Error::FieldNotUnique(write.name.clone())
            } else {
                db_err(e)
            }
        })?;
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
                .prepare_cached("DELETE FROM user_field_values WHERE user_id = ?1 AND name = ?2")
                .and_then(|mut s| s.execute(params![user_id, write.name])),
        };
        match written {
            Err(e) if super::is_unique_violation(&e) => {
                return Err(Error::FieldValueTaken {
                    field: write.name.clone(),
                    value: write.value.clone().unwrap_or_default(),
                });
            }
            other => other.map_err(db_err)?,
        };
    }
    Ok(())
}

/// The id of a user holding `value` in field `name` (one index probe).
pub(crate) fn value_owner(
    conn: &rusqlite::Connection,
    name: &str,
    value: &str,
) -> rusqlite::Result<Option<i64>> {
    conn.prepare_cached(
        "SELECT user_id FROM user_field_values WHERE name = ?1 AND value = ?2 LIMIT 1",
    )?
    .query_row(params![name, value], |r| r.get(0))
    .optional()
}
