//! [`CopyStore`] for every engine: every table read in one snapshot, and
//! written in one transaction under the writers' lock with the ids kept. What
//! differs by engine is named in [`CopyEngine`]: how a snapshot is taken, and
//! [`Identity`] (how a row keeps its id, and where a table's high-water mark
//! lives).

use std::collections::BTreeMap;

use crate::error::{Error, Result};
use crate::storage::copy::{CopiedRow, CopyStore, SEQUENCED, TABLES, count};
use crate::storage::sql::{Engine, Row, Sql, args};

/// What copying needs of an engine besides the shared SQL.
pub(crate) trait CopyEngine: Engine {
    /// Runs `f` over one consistent, read-only snapshot of every table.
    fn snapshot<T>(&self, f: impl FnOnce(&mut dyn Sql) -> Result<T>) -> Result<T>;
    /// How this engine keeps ids.
    fn identity(&self) -> &'static Identity;
}

/// How an engine keeps the ids of copied rows, and the high-water mark of each
/// table of [`SEQUENCED`] (so that a deleted row's id is never handed out
/// again). SQLite's `AUTOINCREMENT` takes any id given and keeps its mark in
/// `sqlite_sequence`; PostgreSQL's identity columns (`GENERATED ALWAYS`) take
/// one only with `OVERRIDING SYSTEM VALUE`, and their sequences do not follow
/// the ids written.
pub(crate) struct Identity {
    /// Written between an `INSERT`'s columns and its `VALUES` when the row
    /// gives its id.
    pub(crate) given_id: &'static str,
    /// The highest id `table`'s sequence has handed out (0 for none).
    pub(crate) ids_used: fn(&mut dyn Sql, table: &str) -> Result<i64>,
    /// After the rows are written: moves `table`'s sequence past every id the
    /// copy wrote and past `high_water` (the source's newest rows may have
    /// been deleted).
    pub(crate) keep_ids_used: fn(&mut dyn Sql, table: &str, high_water: i64) -> Result<()>,
}

/// Each table's columns, in [`TABLES`] order: what a dump reads and a load
/// writes, and the order rows are read in.
const COLUMNS: &[(&str, &str)] = &[
    (
        "id, email, email_key, password, first_name, last_name, is_active, is_staff, \
         is_superuser, date_joined, last_login, email_verified_at, must_change_password, \
         expires_at",
        "id",
    ),
    ("user_id, name, value", "user_id, name"),
    ("id, name", "id"),
    ("group_id, permission", "group_id, permission"),
    ("user_id, group_id", "user_id, group_id"),
    ("user_id, permission", "user_id, permission"),
    ("permission, model", "permission"),
    (
        "id, user_id, name, digest, prefix, created_at, expires_at, last_used_at, revoked_at, \
         scopes",
        "id",
    ),
    (
        "id, user_id, digest, prefix, password_digest, created_at, expires_at, used_at, \
         replaced_at",
        "id",
    ),
    (
        "id, user_id, purpose, code_mac, created_at, expires_at, attempts, used_at",
        "id",
    ),
    ("email_key, purpose, at", "id"),
    (
        "email_key, failures, last_failure, locked_until",
        "email_key",
    ),
    ("id, at, event, user_id, email, detail, actor", "id"),
];

/// How a row of each table (in [`TABLES`] order) becomes a [`CopiedRow`].
type Reader = fn(&dyn Row) -> Result<CopiedRow>;

const READERS: &[Reader] = &[
    |r| {
        Ok(CopiedRow::User {
            id: r.get(0)?,
            email: r.get(1)?,
            email_key: r.get(2)?,
            password: r.get(3)?,
            first_name: r.get(4)?,
            last_name: r.get(5)?,
            is_active: r.get(6)?,
            is_staff: r.get(7)?,
            is_superuser: r.get(8)?,
            date_joined: r.get(9)?,
            last_login: r.get(10)?,
            email_verified_at: r.get(11)?,
            must_change_password: r.get(12)?,
            expires_at: r.get(13)?,
        })
    },
    |r| {
        Ok(CopiedRow::FieldValue {
            user_id: r.get(0)?,
            name: r.get(1)?,
            value: r.get(2)?,
        })
    },
    |r| {
        Ok(CopiedRow::Group {
            id: r.get(0)?,
            name: r.get(1)?,
        })
    },
    |r| {
        Ok(CopiedRow::GroupPermission {
            group_id: r.get(0)?,
            permission: r.get(1)?,
        })
    },
    |r| {
        Ok(CopiedRow::UserGroup {
            user_id: r.get(0)?,
            group_id: r.get(1)?,
        })
    },
    |r| {
        Ok(CopiedRow::UserPermission {
            user_id: r.get(0)?,
            permission: r.get(1)?,
        })
    },
    |r| {
        Ok(CopiedRow::PermissionModel {
            permission: r.get(0)?,
            model: r.get(1)?,
        })
    },
    |r| {
        Ok(CopiedRow::Token {
            id: r.get(0)?,
            user_id: r.get(1)?,
            name: r.get(2)?,
            digest: r.get(3)?,
            prefix: r.get(4)?,
            created_at: r.get(5)?,
            expires_at: r.get(6)?,
            last_used_at: r.get(7)?,
            revoked_at: r.get(8)?,
            scopes: r.get(9)?,
        })
    },
    |r| {
        Ok(CopiedRow::ResetToken {
            id: r.get(0)?,
            user_id: r.get(1)?,
            digest: r.get(2)?,
            prefix: r.get(3)?,
            password_digest: r.get(4)?,
            created_at: r.get(5)?,
            expires_at: r.get(6)?,
            used_at: r.get(7)?,
            replaced_at: r.get(8)?,
        })
    },
    |r| {
        Ok(CopiedRow::OtpCode {
            id: r.get(0)?,
            user_id: r.get(1)?,
            purpose: r.get(2)?,
            code_mac: r.get(3)?,
            created_at: r.get(4)?,
            expires_at: r.get(5)?,
            attempts: r.get(6)?,
            used_at: r.get(7)?,
        })
    },
    |r| {
        Ok(CopiedRow::OtpSend {
            email_key: r.get(0)?,
            purpose: r.get(1)?,
            at: r.get(2)?,
        })
    },
    |r| {
        Ok(CopiedRow::LoginFailure {
            email_key: r.get(0)?,
            failures: r.get(1)?,
            last_failure: r.get(2)?,
            locked_until: r.get(3)?,
        })
    },
    |r| {
        Ok(CopiedRow::Audit {
            id: r.get(0)?,
            at: r.get(1)?,
            event: r.get(2)?,
            user_id: r.get(3)?,
            email: r.get(4)?,
            detail: r.get(5)?,
            actor: r.get(6)?,
        })
    },
];

/// Each table's `INSERT` (in [`TABLES`] order), made once per load.
fn inserts(identity: &Identity) -> Vec<String> {
    TABLES
        .iter()
        .zip(COLUMNS)
        .map(|(table, (columns, _))| {
            let given = if SEQUENCED.contains(table) {
                identity.given_id
            } else {
                ""
            };
            let values: Vec<String> = (1..=columns.split(',').count())
                .map(|n| format!("${n}"))
                .collect();
            format!(
                "INSERT INTO {table} ({columns}) {given} VALUES ({})",
                values.join(", ")
            )
        })
        .collect()
}

/// A count as PostgreSQL's `integer` columns hold it (SQLite's are wider): past
/// the top it stays at the top, which means the same to every check.
fn int4(n: i64) -> i64 {
    i32::try_from(n).unwrap_or(i32::MAX).into()
}

impl<E: CopyEngine> CopyStore for E {
    fn dump(&self, sink: &mut dyn FnMut(CopiedRow) -> Result<()>) -> Result<()> {
        let identity = self.identity();
        self.snapshot(|sql| {
            for ((table, (columns, order)), reader) in TABLES.iter().zip(COLUMNS).zip(READERS) {
                sql.each_row(
                    &format!("SELECT {columns} FROM {table} ORDER BY {order}"),
                    args![],
                    &mut |row| sink(reader(row)?),
                )?;
            }
            for table in SEQUENCED {
                let high_water = (identity.ids_used)(sql, table)?;
                sink(CopiedRow::IdsUsed {
                    table: (*table).to_string(),
                    high_water,
                })?;
            }
            Ok(())
        })
    }

    fn load(&mut self, rows: &mut dyn Iterator<Item = Result<CopiedRow>>) -> Result<Vec<u64>> {
        let identity = self.identity();
        let inserts = inserts(identity);
        self.write(|sql| {
            let held: i64 = sql.query_value(
                "SELECT (SELECT count(*) FROM users) + (SELECT count(*) FROM tokens) \
                 + (SELECT count(*) FROM audit_log) + (SELECT count(*) FROM groups)",
                args![],
            )?;
            if held > 0 {
                return Err(Error::NotEmpty);
            }
            let mut counts = vec![0; TABLES.len()];
            let mut high_waters = BTreeMap::new();
            for row in rows {
                let row = row?;
                count(&mut counts, &row);
                let insert = TABLES
                    .iter()
                    .position(|t| *t == row.table())
                    .map(|i| inserts[i].as_str());
                match (insert, &row) {
                    (_, CopiedRow::IdsUsed { table, high_water }) => {
                        high_waters.insert(table.clone(), *high_water);
                    }
                    (Some(insert), row) => write_row(sql, insert, row)?,
                    (None, _) => {}
                }
            }
            for table in SEQUENCED {
                let high_water = high_waters.get(*table).copied().unwrap_or(0);
                (identity.keep_ids_used)(sql, table, high_water)?;
            }
            Ok(counts)
        })
    }
}

/// Writes one row with its table's `insert`.
fn write_row(sql: &mut dyn Sql, insert: &str, row: &CopiedRow) -> Result<()> {
    match row {
        CopiedRow::User {
            id,
            email,
            email_key,
            password,
            first_name,
            last_name,
            is_active,
            is_staff,
            is_superuser,
            date_joined,
            last_login,
            email_verified_at,
            must_change_password,
            expires_at,
        } => sql.execute(
            insert,
            args![
                *id,
                email,
                email_key,
                password,
                first_name,
                last_name,
                *is_active,
                *is_staff,
                *is_superuser,
                *date_joined,
                *last_login,
                *email_verified_at,
                *must_change_password,
                *expires_at
            ],
        ),
        CopiedRow::FieldValue {
            user_id,
            name,
            value,
        } => sql.execute(insert, args![*user_id, name, value]),
        CopiedRow::Group { id, name } => sql.execute(insert, args![*id, name]),
        CopiedRow::GroupPermission {
            group_id,
            permission,
        } => sql.execute(insert, args![*group_id, permission]),
        CopiedRow::UserGroup { user_id, group_id } => {
            sql.execute(insert, args![*user_id, *group_id])
        }
        CopiedRow::UserPermission {
            user_id,
            permission,
        } => sql.execute(insert, args![*user_id, permission]),
        CopiedRow::PermissionModel { permission, model } => {
            sql.execute(insert, args![permission, model])
        }
        CopiedRow::Token {
            id,
            user_id,
            name,
            digest,
            prefix,
            created_at,
            expires_at,
            last_used_at,
            revoked_at,
            scopes,
        } => sql.execute(
            insert,
            args![
                *id,
                *user_id,
                name,
                digest,
                prefix,
                *created_at,
                *expires_at,
                *last_used_at,
                *revoked_at,
                scopes.as_deref()
            ],
        ),
        CopiedRow::ResetToken {
            id,
            user_id,
            digest,
            prefix,
            password_digest,
            created_at,
            expires_at,
            used_at,
            replaced_at,
        } => sql.execute(
            insert,
            args![
                *id,
                *user_id,
                digest,
                prefix,
                password_digest,
                *created_at,
                *expires_at,
                *used_at,
                *replaced_at
            ],
        ),
        CopiedRow::OtpCode {
            id,
            user_id,
            purpose,
            code_mac,
            created_at,
            expires_at,
            attempts,
            used_at,
        } => sql.execute(
            insert,
            args![
                *id,
                *user_id,
                purpose,
                code_mac,
                *created_at,
                *expires_at,
                int4(*attempts),
                *used_at
            ],
        ),
        CopiedRow::OtpSend {
            email_key,
            purpose,
            at,
        } => sql.execute(insert, args![email_key, purpose, *at]),
        CopiedRow::LoginFailure {
            email_key,
            failures,
            last_failure,
            locked_until,
        } => sql.execute(
            insert,
            args![email_key, int4(*failures), *last_failure, *locked_until],
        ),
        CopiedRow::Audit {
            id,
            at,
            event,
            user_id,
            email,
            detail,
            actor,
        } => sql.execute(
            insert,
            args![*id, *at, event, *user_id, email.as_deref(), detail, actor],
        ),
        CopiedRow::IdsUsed { .. } => Ok(0),
    }?;
    Ok(())
}
