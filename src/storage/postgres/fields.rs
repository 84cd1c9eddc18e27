//! Custom field values on PostgreSQL: one row per user and field. A field
//! declared unique is checked under the writers' lock (every write holds it), not
//! by a per-field index: creating one inside a write would lock the table, and
//! the lock already makes the check race-free.

use postgres::{Client, Transaction};

use super::is_unique_violation;
use crate::error::{Error, Result};
use crate::storage::FieldWrite;

/// Writes (or, for `None`, removes) a user's field values. A value another user
/// has on a unique field is [`Error::FieldValueTaken`].
pub(super) fn write_fields(
    tx: &mut Transaction,
    user_id: i64,
    writes: &[FieldWrite],
) -> Result<()> {
    for write in writes {
        if let (true, Some(value)) = (write.unique, &write.value) {
            let holder = tx.query_opt(
                "SELECT user_id FROM user_field_values WHERE name = $1 AND value = $2 \
                 AND user_id <> $3 LIMIT 1",
                &[&write.name, value, &user_id],
            )?;
            if holder.is_some() {
                return Err(Error::FieldValueTaken {
                    field: write.name.clone(),
                    value: value.clone(),
                });
            }
        }
        let written = match &write.value {
            Some(value) => tx.execute(
                "INSERT INTO user_field_values (user_id, name, value) VALUES ($1, $2, $3) \
                 ON CONFLICT (user_id, name) DO UPDATE SET value = excluded.value",
                &[&user_id, &write.name, value],
            ),
            None => tx.execute(
                "DELETE FROM user_field_values WHERE user_id = $1 AND name = $2",
                &[&user_id, &write.name],
            ),
        };
        match written {
            Err(e) if is_unique_violation(&e) => {
                return Err(Error::FieldValueTaken {
                    field: write.name.clone(),
                    value: write.value.clone().unwrap_or_default(),
                });
            }
            other => other?,
        };
    }
    Ok(())
}

/// The id of a user, other than `other_than`, holding `value` in field `name`.
pub(super) fn value_holder(
    client: &mut Client,
    name: &str,
    value: &str,
    other_than: Option<i64>,
) -> Result<Option<i64>> {
    Ok(client
        .query_opt(
            "SELECT user_id FROM user_field_values WHERE name = $1 AND value = $2 \
             AND user_id IS DISTINCT FROM $3 LIMIT 1",
            &[&name, &value, &other_than],
        )?
        .map(|r| r.try_get(0))
        .transpose()?)
}
