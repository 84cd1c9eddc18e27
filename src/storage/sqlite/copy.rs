//! [`CopyStore`] for [`SqliteStore`]: every table, read in one snapshot and
//! written in one `BEGIN IMMEDIATE` transaction with the ids kept.

use rusqlite::{OptionalExtension, Row, params};

use super::{DbTime, SqliteStore};
use crate::clock::format_timestamp;
use crate::error::{Error, Result};
use crate::storage::copy::{CopiedRow, CopyStore, SEQUENCED, TABLES, count};

fn time(row: &Row, i: usize) -> rusqlite::Result<jiff::Timestamp> {
    Ok(row.get::<_, DbTime>(i)?.0)
}

fn opt_time(row: &Row, i: usize) -> rusqlite::Result<Option<jiff::Timestamp>> {
    Ok(row.get::<_, Option<DbTime>>(i)?.map(|t| t.0))
}

/// Each table's query, and how a row of it becomes a [`CopiedRow`].
type Reader = fn(&Row) -> rusqlite::Result<CopiedRow>;

const QUERIES: &[(&str, Reader)] = &[
    (
        "SELECT id, email, email_key, password, first_name, last_name, is_active, is_staff, \
         is_superuser, date_joined, last_login, email_verified_at, must_change_password, \
         expires_at FROM users ORDER BY id",
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
                date_joined: time(r, 9)?,
                last_login: opt_time(r, 10)?,
                email_verified_at: opt_time(r, 11)?,
                must_change_password: r.get(12)?,
                expires_at: opt_time(r, 13)?,
            })
        },
    ),
    (
        "SELECT user_id, name, value FROM user_field_values ORDER BY user_id, name",
        |r| {
            Ok(CopiedRow::FieldValue {
                user_id: r.get(0)?,
                name: r.get(1)?,
                value: r.get(2)?,
            })
        },
    ),
    ("SELECT id, name FROM groups ORDER BY id", |r| {
        Ok(CopiedRow::Group {
            id: r.get(0)?,
            name: r.get(1)?,
        })
    }),
    (
        "SELECT group_id, permission FROM group_permissions ORDER BY group_id, permission",
        |r| {
            Ok(CopiedRow::GroupPermission {
                group_id: r.get(0)?,
                permission: r.get(1)?,
            })
        },
    ),
    (
        "SELECT user_id, group_id FROM user_groups ORDER BY user_id, group_id",
        |r| {
            Ok(CopiedRow::UserGroup {
                user_id: r.get(0)?,
                group_id: r.get(1)?,
            })
        },
    ),
    (
        "SELECT user_id, permission FROM user_permissions ORDER BY user_id, permission",
        |r| {
            Ok(CopiedRow::UserPermission {
                user_id: r.get(0)?,
                permission: r.get(1)?,
            })
        },
    ),
    (
        "SELECT permission, model FROM permission_models ORDER BY permission",
        |r| {
            Ok(CopiedRow::PermissionModel {
                permission: r.get(0)?,
                model: r.get(1)?,
            })
        },
    ),
    (
        "SELECT id, user_id, name, digest, prefix, created_at, expires_at, last_used_at, \
         revoked_at, scopes FROM tokens ORDER BY id",
        |r| {
            Ok(CopiedRow::Token {
                id: r.get(0)?,
                user_id: r.get(1)?,
                name: r.get(2)?,
                digest: r.get(3)?,
                prefix: r.get(4)?,
                created_at: time(r, 5)?,
                expires_at: opt_time(r, 6)?,
                last_used_at: opt_time(r, 7)?,
                revoked_at: opt_time(r, 8)?,
                scopes: r.get(9)?,
            })
        },
    ),
    (
        "SELECT id, user_id, digest, prefix, password_digest, created_at, expires_at, used_at, \
         replaced_at FROM reset_tokens ORDER BY id",
        |r| {
            Ok(CopiedRow::ResetToken {
                id: r.get(0)?,
                user_id: r.get(1)?,
                digest: r.get(2)?,
                prefix: r.get(3)?,
                password_digest: r.get(4)?,
                created_at: time(r, 5)?,
                expires_at: time(r, 6)?,
                used_at: opt_time(r, 7)?,
                replaced_at: opt_time(r, 8)?,
            })
        },
    ),
    (
        "SELECT id, user_id, purpose, code_mac, created_at, expires_at, attempts, used_at \
         FROM otp_codes ORDER BY id",
        |r| {
            Ok(CopiedRow::OtpCode {
                id: r.get(0)?,
                user_id: r.get(1)?,
                purpose: r.get(2)?,
                code_mac: r.get(3)?,
                created_at: time(r, 4)?,
                expires_at: time(r, 5)?,
                attempts: r.get(6)?,
                used_at: opt_time(r, 7)?,
            })
        },
    ),
    (
        "SELECT email_key, purpose, at FROM otp_sends ORDER BY id",
        |r| {
            Ok(CopiedRow::OtpSend {
                email_key: r.get(0)?,
                purpose: r.get(1)?,
                at: time(r, 2)?,
            })
        },
    ),
    (
        "SELECT email_key, failures, last_failure, locked_until FROM login_failures",
        |r| {
            Ok(CopiedRow::LoginFailure {
                email_key: r.get(0)?,
                failures: r.get(1)?,
                last_failure: time(r, 2)?,
                locked_until: opt_time(r, 3)?,
            })
        },
    ),
    (
        "SELECT id, at, event, user_id, email, detail, actor FROM audit_log ORDER BY id",
        |r| {
            Ok(CopiedRow::Audit {
                id: r.get(0)?,
                at: time(r, 1)?,
                event: r.get(2)?,
                user_id: r.get(3)?,
                email: r.get(4)?,
                detail: r.get(5)?,
                actor: r.get(6)?,
            })
        },
    ),
];

fn ts(t: jiff::Timestamp) -> String {
    format_timestamp(t)
}

fn opt_ts(t: Option<jiff::Timestamp>) -> Option<String> {
    t.map(format_timestamp)
}

impl CopyStore for SqliteStore {
    fn dump(&self, sink: &mut dyn FnMut(CopiedRow) -> Result<()>) -> Result<()> {
        self.read(|| {
            // One read transaction: one snapshot of every table.
            self.conn.execute_batch("BEGIN DEFERRED")?;
            let result = (|| {
                for (sql, reader) in QUERIES {
                    let mut stmt = self.conn.prepare(sql)?;
                    let mut rows = stmt.query([])?;
                    while let Some(row) = rows.next()? {
                        sink(reader(row)?)?;
                    }
                }
                for table in SEQUENCED {
                    let high_water: Option<i64> = self
                        .conn
                        .query_row(
                            "SELECT seq FROM sqlite_sequence WHERE name = ?1",
                            [table],
                            |r| r.get(0),
                        )
                        .optional()?;
                    sink(CopiedRow::IdsUsed {
                        table: (*table).to_string(),
                        high_water: high_water.unwrap_or(0),
                    })?;
                }
                Ok(())
            })();
            self.conn.execute_batch("COMMIT")?;
            result
        })
    }

    fn load(&mut self, rows: &mut dyn Iterator<Item = Result<CopiedRow>>) -> Result<Vec<u64>> {
        self.write(|tx| {
            let held: i64 = tx.query_row(
                "SELECT (SELECT count(*) FROM users) + (SELECT count(*) FROM tokens) \
                 + (SELECT count(*) FROM audit_log) + (SELECT count(*) FROM groups)",
                [],
                |r| r.get(0),
            )?;
            if held > 0 {
                return Err(Error::NotEmpty);
            }
            let mut counts = vec![0; TABLES.len()];
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
                         email_verified_at, must_change_password, expires_at) VALUES (?1, ?2, \
                         ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
                        params![
                            id,
                            email,
                            email_key,
                            password,
                            first_name,
                            last_name,
                            is_active,
                            is_staff,
                            is_superuser,
                            ts(date_joined),
                            opt_ts(last_login),
                            opt_ts(email_verified_at),
                            must_change_password,
                            opt_ts(expires_at)
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
                         created_at, expires_at, used_at, replaced_at) \
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                        params![
                            id,
                            user_id,
                            digest,
                            prefix,
                            password_digest,
                            ts(created_at),
                            ts(expires_at),
                            opt_ts(used_at),
                            opt_ts(replaced_at)
                        ],
                    )?,
                    CopiedRow::FieldValue {
                        user_id,
                        name,
                        value,
                    } => tx.execute(
                        "INSERT INTO user_field_values (user_id, name, value) VALUES (?1, ?2, ?3)",
                        params![user_id, name, value],
                    )?,
                    CopiedRow::Group { id, name } => tx.execute(
                        "INSERT INTO groups (id, name) VALUES (?1, ?2)",
                        params![id, name],
                    )?,
                    CopiedRow::GroupPermission {
                        group_id,
                        permission,
                    } => tx.execute(
                        "INSERT INTO group_permissions (group_id, permission) VALUES (?1, ?2)",
                        params![group_id, permission],
                    )?,
                    CopiedRow::UserGroup { user_id, group_id } => tx.execute(
                        "INSERT INTO user_groups (user_id, group_id) VALUES (?1, ?2)",
                        params![user_id, group_id],
                    )?,
                    CopiedRow::UserPermission {
                        user_id,
                        permission,
                    } => tx.execute(
                        "INSERT INTO user_permissions (user_id, permission) VALUES (?1, ?2)",
                        params![user_id, permission],
                    )?,
                    CopiedRow::PermissionModel { permission, model } => tx.execute(
                        "INSERT INTO permission_models (permission, model) VALUES (?1, ?2)",
                        params![permission, model],
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
                         expires_at, last_used_at, revoked_at, scopes) \
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                        params![
                            id,
                            user_id,
                            name,
                            digest,
                            prefix,
                            ts(created_at),
                            opt_ts(expires_at),
                            opt_ts(last_used_at),
                            opt_ts(revoked_at),
                            scopes
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
                         expires_at, attempts, used_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                        params![
                            id,
                            user_id,
                            purpose,
                            code_mac,
                            ts(created_at),
                            ts(expires_at),
                            attempts,
                            opt_ts(used_at)
                        ],
                    )?,
                    CopiedRow::OtpSend {
                        email_key,
                        purpose,
                        at,
                    } => tx.execute(
                        "INSERT INTO otp_sends (email_key, purpose, at) VALUES (?1, ?2, ?3)",
                        params![email_key, purpose, ts(at)],
                    )?,
                    CopiedRow::LoginFailure {
                        email_key,
                        failures,
                        last_failure,
                        locked_until,
                    } => tx.execute(
                        "INSERT INTO login_failures (email_key, failures, last_failure, \
                         locked_until) VALUES (?1, ?2, ?3, ?4)",
                        params![email_key, failures, ts(last_failure), opt_ts(locked_until)],
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
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                        params![id, ts(at), event, user_id, email, detail, actor],
                    )?,
                    // The rows inserted moved the sequence to their highest id;
                    // the source's may be higher (its newest rows deleted).
                    CopiedRow::IdsUsed { table, high_water } => {
                        if !SEQUENCED.contains(&table.as_str()) {
                            continue;
                        }
                        let moved = tx.execute(
                            "UPDATE sqlite_sequence SET seq = max(seq, ?2) WHERE name = ?1",
                            params![table, high_water],
                        )?;
                        if moved == 0 && high_water > 0 {
                            tx.execute(
                                "INSERT INTO sqlite_sequence (name, seq) VALUES (?1, ?2)",
                                params![table, high_water],
                            )?;
                        }
                        0
                    }
                };
            }
            Ok(counts)
        })
    }
}
