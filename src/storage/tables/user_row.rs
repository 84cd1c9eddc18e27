//! A user as every engine reads it: its columns and custom field values in one
//! row, written once for the shared table code.

use crate::error::{Error, Result};
use crate::storage::sql::{Dialect, Row};
use crate::user::{EncodedPassword, User};

/// The user's columns as [`user_from_row`] reads them, its custom field values
/// as one JSON object (one probe of the field values' primary key).
pub(crate) fn user_columns(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Sqlite => user_columns!(
            "(SELECT json_group_object(name, value) FROM user_field_values WHERE user_id = users.id)"
        ),
        Dialect::Postgres => user_columns!(
            "(SELECT json_object_agg(name, value)::text FROM user_field_values \
             WHERE user_id = users.id)"
        ),
    }
}

/// A user from a row that starts with [`user_columns`].
pub(crate) fn user_from_row(r: &dyn Row) -> Result<User> {
    let password: String = r.get(2)?;
    let fields: Option<String> = r.get(11)?;
    let fields = match fields {
        None => Default::default(),
        Some(json) => {
            serde_json::from_str(&json).map_err(|e| Error::database(std::io::Error::other(e)))?
        }
    };
    Ok(User {
        id: r.get(0)?,
        email: r.get(1)?,
        has_usable_password: crate::password::is_usable(&password),
        password: EncodedPassword(password),
        first_name: r.get(3)?,
        last_name: r.get(4)?,
        is_active: r.get(5)?,
        is_staff: r.get(6)?,
        is_superuser: r.get(7)?,
        date_joined: r.get(8)?,
        last_login: r.get(9)?,
        email_verified_at: r.get(10)?,
        fields,
        must_change_password: r.get(12)?,
        expires_at: r.get(13)?,
    })
}
