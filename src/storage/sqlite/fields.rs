//! SQLite's part of custom field values (written in `tables/fields.rs`): a
//! partial unique index per field declared `unique`.

use crate::error::{Error, Result};
use crate::storage::sql::Sql;

/// Makes the database agree with the config on whether `name` is unique: creates
/// its unique index, or drops one left from an earlier declaration. Cheap when
/// nothing changes (`IF [NOT] EXISTS` reads the schema only). Values shared from
/// before the field was declared unique leave the index out (`doctor` reports
/// them); the shared writer still refuses new clashes, and the first write after
/// they are told apart creates it.
pub(crate) fn sync_unique_index(sql: &mut dyn Sql, name: &str, unique: bool) -> Result<()> {
    // Field names are checked identifiers, so they can be part of SQL.
    debug_assert!(crate::fields::check_name(name).is_ok());
    let index = format!("user_field_unique_{name}");
    let ddl = if unique {
        format!(
            "CREATE UNIQUE INDEX IF NOT EXISTS {index} ON user_field_values (value) \
             WHERE name = '{name}'"
        )
    } else {
        format!("DROP INDEX IF EXISTS {index}")
    };
    match sql.execute(&ddl, &[]) {
        Err(Error::Database { source, .. })
            if unique
                && source
                    .downcast_ref::<rusqlite::Error>()
                    .is_some_and(super::is_unique_violation) =>
        {
            Ok(())
        }
        other => other.map(drop),
    }
}
