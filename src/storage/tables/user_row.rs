//! A user's row as every table's queries read it: the columns, in one order,
//! and the [`User`] made from them (the users' own queries, and a token's
//! owner).

use crate::error::{Error, Result};
use crate::storage::sql::{Dialect, Row, Sql, args};
use crate::user::{EncodedPassword, User};

/// The user's columns in the order [`user_from_row`] reads them; `$fields` is
/// the engine's expression for its custom field values as one JSON object.
macro_rules! user_columns {
    ($fields:literal) => {
        concat!(
            "id, email, password, first_name, last_name, is_active, is_staff, is_superuser, \
             date_joined, last_login, email_verified_at, ",
            $fields,
            ", must_change_password, expires_at"
        )
    };
}

/// The user's columns in the order [`user_from_row`] reads them, its custom
/// field values as one JSON object (one probe of their primary key); the
/// engines name the JSON aggregate differently.
pub(crate) fn user_columns(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Sqlite => user_columns!(
            "(SELECT json_group_object(name, value) FROM user_field_values \
             WHERE user_id = users.id)"
        ),
        Dialect::Postgres => user_columns!(
            "(SELECT json_object_agg(name, value)::text FROM user_field_values \
             WHERE user_id = users.id)"
        ),
    }
}

/// A user from a row that starts with [`user_columns`].
pub(crate) fn user_from_row(row: &dyn Row) -> Result<User> {
    let password: String = row.get(2)?;
    let fields = match row.get::<Option<String>>(11)? {
        None => Default::default(),
        Some(json) => {
            serde_json::from_str(&json).map_err(|e| Error::database(std::io::Error::other(e)))?
        }
    };
    Ok(User {
        id: row.get(0)?,
        email: row.get(1)?,
        has_usable_password: crate::password::is_usable(&password),
        password: EncodedPassword(password),
        first_name: row.get(3)?,
        last_name: row.get(4)?,
        is_active: row.get(5)?,
        is_staff: row.get(6)?,
        is_superuser: row.get(7)?,
        date_joined: row.get(8)?,
        last_login: row.get(9)?,
        email_verified_at: row.get(10)?,
        fields,
        must_change_password: row.get(12)?,
        expires_at: row.get(13)?,
    })
}

/// The user `id`, which exists.
pub(crate) fn fetch_user(sql: &mut dyn Sql, id: i64) -> Result<User> {
    let columns = user_columns(sql.dialect());
    sql.query_one(
        &format!("SELECT {columns} FROM users WHERE id = $1"),
        args![id],
        user_from_row,
    )
}

/// Holds a user's row until the transaction ends: the first step of every
/// per-user write, and of the writers that change what those read (the
/// concurrency contract in `storage/mod.rs`). `shared` lets other sharers in
/// (a token's use only reads the row). On SQLite, whose one write lock already
/// excludes every other writer, a plain read. Whether the user exists.
pub(crate) fn hold_user(sql: &mut dyn Sql, id: i64, shared: bool) -> Result<bool> {
    let dialect = sql.dialect();
    let lock = if shared {
        dialect.for_share()
    } else {
        dialect.for_update()
    };
    let found = sql.query_opt(
        &format!("SELECT 1 FROM users WHERE id = $1{lock}"),
        args![id],
        |_| Ok(()),
    )?;
    Ok(found.is_some())
}
