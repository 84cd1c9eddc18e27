//! [`CopyStore`] for [`PgStore`]: every table read in one REPEATABLE READ
//! snapshot, and written in one transaction under the writers' lock with the
//! ids kept (`OVERRIDING SYSTEM VALUE`), the identity sequences moved past them.

use postgres::Row;
use postgres::fallible_iterator::FallibleIterator;

use super::{PgStore, PgTime, opt_time, time};
use crate::error::{Error, Result};
use crate::storage::copy::{CopiedRow, CopyStore, SEQUENCED, TABLES, count};

fn ts(row: &Row, i: usize) -> Result<jiff::Timestamp> {
    Ok(row.try_get::<_, PgTime>(i)?.0)
}

fn opt_ts(row: &Row, i: usize) -> Result<Option<jiff::Timestamp>> {
    Ok(row.try_get::<_, Option<PgTime>>(i)?.map(|t| t.0))
}

type Reader = fn(&Row) -> Result<CopiedRow>;

const QUERIES: &[(&str, Reader)] = &[
    (
        "SELECT id, email, email_key, password, first_name, last_name, is_active, is_staff, \
         is_superuser, date_joined, last_login, email_verified_at, must_change_password, \
         expires_at FROM users ORDER BY id",
        |r| {
            Ok(CopiedRow::User {
                id: r.try_get(0)?,
                email: r.try_get(1)?,
                email_key: r.try_get(2)?,
                password: r.try_get(3)?,
                first_name: r.try_get(4)?,
                last_name: r.try_get(5)?,
                is_active: r.try_get(6)?,
                is_staff: r.try_get(7)?,
                is_superuser: r.try_get(8)?,
                date_joined: ts(r, 9)?,
                last_login: opt_ts(r, 10)?,
                email_verified_at: opt_ts(r, 11)?,
                must_change_password: r.try_get(12)?,
                expires_at: opt_ts(r, 13)?,
            })
        },
    ),
    (
        "SELECT user_id, name, value FROM user_field_values ORDER BY user_id, name",
        |r| {
            Ok(CopiedRow::FieldValue {
                user_id: r.try_get(0)?,
                name: r.try_get(1)?,
                value: r.try_get(2)?,
            })
        },
    ),
    ("SELECT id, name FROM groups ORDER BY id", |r| {
        Ok(CopiedRow::Group {
            id: r.try_get(0)?,
            name: r.try_get(1)?,
        })
    }),
    (
        "SELECT group_id, permission FROM group_permissions ORDER BY group_id, permission",
        |r| {
            Ok(CopiedRow::GroupPermission {
                group_id: r.try_get(0)?,
                permission: r.try_get(1)?,
            })
        },
    ),
    (
        "SELECT user_id, group_id FROM user_groups ORDER BY user_id, group_id",
        |r| {
            Ok(CopiedRow::UserGroup {
                user_id: r.try_get(0)?,
                group_id: r.try_get(1)?,
            })
        },
    ),
    (
        "SELECT user_id, permission FROM user_permissions ORDER BY user_id, permission",
        |r| {
            Ok(CopiedRow::UserPermission {
                user_id: r.try_get(0)?,
                permission: r.try_get(1)?,
            })
        },
    ),
    (
        "SELECT permission, model FROM permission_models ORDER BY permission",
        |r| {
            Ok(CopiedRow::PermissionModel {
                permission: r.try_get(0)?,
                model: r.try_get(1)?,
            })
        },
    ),
    (
        "SELECT id, user_id, name, digest, prefix, created_at, expires_at, last_used_at, \
         revoked_at, scopes FROM tokens ORDER BY id",
        |r| {
            Ok(CopiedRow::Token {
                id: r.try_get(0)?,
                user_id: r.try_get(1)?,
                name: r.try_get(2)?,
                digest: r.try_get(3)?,
                prefix: r.try_get(4)?,
                created_at: ts(r, 5)?,
                expires_at: opt_ts(r, 6)?,
                last_used_at: opt_ts(r, 7)?,
                revoked_at: opt_ts(r, 8)?,
                scopes: r.try_get(9)?,
            })
        },
    ),
    (
        "SELECT id, user_id, digest, prefix, password_digest, created_at, expires_at, used_at, \
         replaced_at FROM reset_tokens ORDER BY id",
        |r| {
            Ok(CopiedRow::ResetToken {
                id: r.try_get(0)?,
                user_id: r.try_get(1)?,
                digest: r.try_get(2)?,
                prefix: r.try_get(3)?,
                password_digest: r.try_get(4)?,
                created_at: ts(r, 5)?,
                expires_at: ts(r, 6)?,
                used_at: opt_ts(r, 7)?,
                replaced_at: opt_ts(r, 8)?,
            })
        },
    ),
    (
        "SELECT id, user_id, purpose, code_mac, created_at, expires_at, attempts::bigint, used_at \
         FROM otp_codes ORDER BY id",
        |r| {
            Ok(CopiedRow::OtpCode {
                id: r.try_get(0)?,
                user_id: r.try_get(1)?,
                purpose: r.try_get(2)?,
                code_mac: r.try_get(3)?,
                created_at: ts(r, 4)?,
                expires_at: ts(r, 5)?,
                attempts: r.try_get(6)?,
                used_at: opt_ts(r, 7)?,
            })
        },
    ),
    (
        "SELECT email_key, purpose, at FROM otp_sends ORDER BY id",
        |r| {
            Ok(CopiedRow::OtpSend {
                email_key: r.try_get(0)?,
                purpose: r.try_get(1)?,
                at: ts(r, 2)?,
            })
        },
    ),
    (
        "SELECT email_key, failures::bigint, last_failure, locked_until FROM login_failures",
        |r| {
            Ok(CopiedRow::LoginFailure {
                email_key: r.try_get(0)?,
                failures: r.try_get(1)?,
                last_failure: ts(r, 2)?,
                locked_until: opt_ts(r, 3)?,
            })
        },
    ),
    (
        "SELECT id, at, event, user_id, email, detail, actor FROM audit_log ORDER BY id",
        |r| {
            Ok(CopiedRow::Audit {
                id: r.try_get(0)?,
                at: ts(r, 1)?,
                event: r.try_get(2)?,
                user_id: r.try_get(3)?,
                email: r.try_get(4)?,
                detail: r.try_get(5)?,
                actor: r.try_get(6)?,
            })
        },
    ),
];

impl CopyStore for PgStore {
    fn dump(&self, sink: &mut dyn FnMut(CopiedRow) -> Result<()>) -> Result<()> {
        self.read(|client| {
            let mut tx = client
                .build_transaction()
                .isolation_level(postgres::IsolationLevel::RepeatableRead)
                .read_only(true)
                .start()?;
            for (sql, reader) in QUERIES {
                let mut rows = tx.query_raw(*sql, std::iter::empty::<&str>())?;
                while let Some(row) = rows.next()? {
                    sink(reader(&row)?)?;
                }
            }
            for table in SEQUENCED {
                // NULL until the sequence first hands out an id.
                let high_water: i64 = tx
                    .query_one(
                        "SELECT coalesce(pg_sequence_last_value(\
                         pg_get_serial_sequence($1, 'id')::regclass), 0)",
                        &[table],
                    )?
                    .try_get(0)?;
                sink(CopiedRow::IdsUsed {
                    table: (*table).to_string(),
                    high_water,
                })?;
            }
            tx.commit()?;
            Ok(())
        })
    }

    fn load(&mut self, rows: &mut dyn Iterator<Item = Result<CopiedRow>>) -> Result<Vec<u64>> {
        self.write(|tx| {
            let held: i64 = tx
                .query_one(
                    "SELECT (SELECT count(*) FROM users) + (SELECT count(*) FROM tokens) \
                     + (SELECT count(*) FROM audit_log) + (SELECT count(*) FROM groups)",
                    &[],
                )?
                .try_get(0)?;
            if held > 0 {
                return Err(Error::NotEmpty);
            }
            let mut counts = vec![0; TABLES.len()];
            let mut high_waters = std::collections::BTreeMap::new();
            for row in rows {
                let row = row?;
                count(&mut counts, &row);
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
                    } => tx.execute(
                        "INSERT INTO users (id, email, email_key, password, first_name, \
                         last_name, is_active, is_staff, is_superuser, date_joined, last_login, \
                         email_verified_at, must_change_password, expires_at) \
                         OVERRIDING SYSTEM VALUE VALUES ($1, $2, $3, $4, $5, \
                         $6, $7, $8, $9, $10, $11, $12, $13, $14)",
                        &[
                            &id,
                            &email,
                            &email_key,
                            &password,
                            &first_name,
                            &last_name,
                            &is_active,
                            &is_staff,
                            &is_superuser,
                            &time(date_joined),
                            &opt_time(last_login),
                            &opt_time(email_verified_at),
                            &must_change_password,
                            &opt_time(expires_at),
                        ],
                    )?,
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
                    } => tx.execute(
                        "INSERT INTO reset_tokens (id, user_id, digest, prefix, password_digest, \
                         created_at, expires_at, used_at, replaced_at) OVERRIDING SYSTEM VALUE \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                        &[
                            &id,
                            &user_id,
                            &digest,
                            &prefix,
                            &password_digest,
                            &time(created_at),
                            &time(expires_at),
                            &opt_time(used_at),
                            &opt_time(replaced_at),
                        ],
                    )?,
                    CopiedRow::FieldValue {
                        user_id,
                        name,
                        value,
                    } => tx.execute(
                        "INSERT INTO user_field_values (user_id, name, value) VALUES ($1, $2, $3)",
                        &[&user_id, &name, &value],
                    )?,
                    CopiedRow::Group { id, name } => tx.execute(
                        "INSERT INTO groups (id, name) OVERRIDING SYSTEM VALUE VALUES ($1, $2)",
                        &[&id, &name],
                    )?,
                    CopiedRow::GroupPermission {
                        group_id,
                        permission,
                    } => tx.execute(
                        "INSERT INTO group_permissions (group_id, permission) VALUES ($1, $2)",
                        &[&group_id, &permission],
                    )?,
                    CopiedRow::UserGroup { user_id, group_id } => tx.execute(
                        "INSERT INTO user_groups (user_id, group_id) VALUES ($1, $2)",
                        &[&user_id, &group_id],
                    )?,
                    CopiedRow::UserPermission {
                        user_id,
                        permission,
                    } => tx.execute(
                        "INSERT INTO user_permissions (user_id, permission) VALUES ($1, $2)",
                        &[&user_id, &permission],
                    )?,
                    CopiedRow::PermissionModel { permission, model } => tx.execute(
                        "INSERT INTO permission_models (permission, model) VALUES ($1, $2)",
                        &[&permission, &model],
                    )?,
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
                    } => tx.execute(
                        "INSERT INTO tokens (id, user_id, name, digest, prefix, created_at, \
                         expires_at, last_used_at, revoked_at, scopes) OVERRIDING SYSTEM VALUE \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                        &[
                            &id,
                            &user_id,
                            &name,
                            &digest,
                            &prefix,
                            &time(created_at),
                            &opt_time(expires_at),
                            &opt_time(last_used_at),
                            &opt_time(revoked_at),
                            &scopes,
                        ],
                    )?,
                    CopiedRow::OtpCode {
                        id,
                        user_id,
                        purpose,
                        code_mac,
                        created_at,
                        expires_at,
                        attempts,
                        used_at,
                    } => tx.execute(
                        "INSERT INTO otp_codes (id, user_id, purpose, code_mac, created_at, \
                         expires_at, attempts, used_at) OVERRIDING SYSTEM VALUE \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                        &[
                            &id,
                            &user_id,
                            &purpose,
                            &code_mac,
                            &time(created_at),
                            &time(expires_at),
                            &i32::try_from(attempts).unwrap_or(i32::MAX),
                            &opt_time(used_at),
                        ],
                    )?,
                    CopiedRow::OtpSend {
                        email_key,
                        purpose,
                        at,
                    } => tx.execute(
                        "INSERT INTO otp_sends (email_key, purpose, at) VALUES ($1, $2, $3)",
                        &[&email_key, &purpose, &time(at)],
                    )?,
                    CopiedRow::LoginFailure {
                        email_key,
                        failures,
                        last_failure,
                        locked_until,
                    } => tx.execute(
                        "INSERT INTO login_failures (email_key, failures, last_failure, \
                         locked_until) VALUES ($1, $2, $3, $4)",
                        &[
                            &email_key,
                            &i32::try_from(failures).unwrap_or(i32::MAX),
                            &time(last_failure),
                            &opt_time(locked_until),
                        ],
                    )?,
                    CopiedRow::Audit {
                        id,
                        at,
                        event,
                        user_id,
                        email,
                        detail,
                        actor,
                    } => tx.execute(
                        "INSERT INTO audit_log (id, at, event, user_id, email, detail, actor) \
                         OVERRIDING SYSTEM VALUE VALUES ($1, $2, $3, $4, $5, $6, $7)",
                        &[&id, &time(at), &event, &user_id, &email, &detail, &actor],
                    )?,
                    CopiedRow::IdsUsed { table, high_water } => {
                        high_waters.insert(table, high_water);
                        0
                    }
                };
            }
            // New rows get ids after the copied ones, and after every id the
            // source handed out (its newest rows may have been deleted).
            for table in SEQUENCED {
                let high_water = high_waters.get(*table).copied().unwrap_or(0);
                tx.execute(
                    &format!(
                        // Called at the value (so that a dump reads it back),
                        // unless no id was ever handed out.
                        "WITH used AS (SELECT greatest(coalesce(max(id), 0), $1) AS n FROM {table}) \
                         SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                         greatest(n, 1), n > 0) FROM used"
                    ),
                    &[&high_water],
                )?;
            }
            Ok(counts)
        })
    }
}
