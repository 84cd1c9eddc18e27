//! [`UserStore`] for every engine: tables `users`, `audit_log` and
//! `login_failures` (migrations 0001, 0005 and 0008), with what a user's write
//! carries in the same transaction: its custom field values ([`fields`]), its
//! groups and permissions, its tokens.
//!
//! A taken address is found without catching the engine's constraint error,
//! so that both engines read alike: an insert does nothing `ON CONFLICT`, and
//! an address change looks first, under the writers' lock every write of an
//! address holds ([`crate::storage::UserUpdate::lock`]; the concurrency
//! contract in `storage/mod.rs`), so no other writer can take the address in
//! between.

use jiff::Timestamp;

use super::groups::apply_access;
use super::user_row::{fetch_user, user_columns, user_from_row};
use super::{fields, guard_last_superuser, insert_audit, tokens};
use crate::error::{Error, Result};
use crate::storage::sql::{Dialect, Engine, Sql, Value, args};
use crate::storage::user_filter::user_where;
use crate::storage::{
    AuditEntry, AuditFilter, AuditRecord, GroupStore, LASTING_SUPERUSER, LoginReservation,
    UserRecord, UserStore, UserUpdate,
};
use crate::user::{User, UserFilter};

/// What an engine does after a write that replaced or deleted a secret (a
/// password hash), beyond the shared SQL.
pub(crate) trait ScrubSecrets {
    /// SQLite's `secure_delete` zeroes the old value in the new page, but the
    /// WAL keeps earlier copies of the page until it is checkpointed and reset
    /// (`sqlite/users.rs`). PostgreSQL keeps nothing this store can reach: an
    /// old row version is the server's VACUUM's business.
    fn scrub_secrets(&mut self) {}
}

impl ScrubSecrets for crate::storage::PgStore {}

/// Applies an update inside a write transaction (also the use of a reset token).
pub(crate) fn update_user_in(
    sql: &mut dyn Sql,
    id: i64,
    update: &UserUpdate,
    audit: &[AuditEntry],
) -> Result<User> {
    // The user's row is held first, whichever lock the transaction took: a
    // per-user write of the same user (a token's use, a code, a sign-in)
    // waits for this one or this one for it.
    let was_active_superuser: bool = sql.query_value(
        &format!(
            "SELECT {LASTING_SUPERUSER} FROM users WHERE id = $1{}",
            sql.dialect().for_update()
        ),
        args![id],
    )?;
    let mut sets: Vec<(&str, Value<'_>)> = Vec::new();
    if let Some((email, key)) = &update.email {
        if address_taken(sql, key, id)? {
            return Err(Error::UserExists(email.clone()));
        }
        sets.extend([("email", email.into()), ("email_key", key.into())]);
    }
    let texts = [
        ("password", &update.password),
        ("first_name", &update.first_name),
        ("last_name", &update.last_name),
    ];
    let times = [
        ("last_login", update.last_login),
        ("email_verified_at", update.email_verified_at),
    ];
    let flags = [
        ("is_active", update.is_active),
        ("is_staff", update.is_staff),
        ("is_superuser", update.is_superuser),
        ("must_change_password", update.must_change_password),
    ];
    sets.extend(
        texts
            .map(|(c, v)| v.as_ref().map(|v| (c, v.into())))
            .into_iter()
            .flatten(),
    );
    sets.extend(
        times
            .map(|(c, v)| v.map(|v| (c, v.into())))
            .into_iter()
            .flatten(),
    );
    sets.extend(update.expires_at.map(|v| ("expires_at", v.into())));
    sets.extend(
        flags
            .map(|(c, v)| v.map(|v| (c, v.into())))
            .into_iter()
            .flatten(),
    );
    if !sets.is_empty() {
        let assignments: Vec<String> = (sets.iter().enumerate())
            .map(|(i, (column, _))| format!("{column} = ${}", i + 2))
            .collect();
        let mut values = vec![Value::from(id)];
        values.extend(sets.into_iter().map(|(_, value)| value));
        sql.execute(
            &format!("UPDATE users SET {} WHERE id = $1", assignments.join(", ")),
            &values,
        )?;
    }
    if update.clear_login_failures {
        sql.execute(
            "DELETE FROM login_failures \
             WHERE email_key = (SELECT email_key FROM users WHERE id = $1)",
            args![id],
        )?;
    }
    if update.forget_address_proof {
        sql.execute(
            "UPDATE users SET email_verified_at = NULL WHERE id = $1",
            args![id],
        )?;
        sql.execute("DELETE FROM otp_codes WHERE user_id = $1", args![id])?;
    }
    if let Some(at) = update.revoke_tokens_at {
        tokens::revoke_all(sql, id, at)?;
    }
    fields::write_fields(sql, id, &update.fields)?;
    apply_access(sql, id, &update.access)?;
    let user = fetch_user(sql, id)?;
    let demoted = update.is_superuser == Some(false)
        || update.is_active == Some(false)
        || matches!(update.expires_at, Some(Some(_)));
    if update.protect_last_superuser && demoted && was_active_superuser {
        guard_last_superuser(sql, &user.email)?;
    }
    insert_audit(sql, Some(id), Some(&user.email), audit)?;
    Ok(user)
}

/// Whether a user other than `other_than` has the address `email_key`.
fn address_taken(sql: &mut dyn Sql, email_key: &str, other_than: i64) -> Result<bool> {
    sql.query_value(
        "SELECT EXISTS (SELECT 1 FROM users WHERE email_key = $1 AND id <> $2)",
        args![email_key, other_than],
    )
}

/// A row count for `LIMIT`: none is every row (both engines read the largest
/// integer so; SQLite has no `LIMIT ALL`, PostgreSQL no negative limit).
fn limit(limit: Option<u64>) -> Value<'static> {
    Value::from(limit.unwrap_or(u64::MAX))
}

impl<E: Engine + GroupStore + ScrubSecrets> UserStore for E {
    fn insert_user(&mut self, user: &UserRecord, audit: &[AuditEntry]) -> Result<User> {
        self.write(|sql| {
            let id: Option<i64> = sql.query_opt(
                "INSERT INTO users (email, email_key, password, first_name, last_name, \
                 is_active, is_staff, is_superuser, date_joined, must_change_password, \
                 expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
                 ON CONFLICT (email_key) DO NOTHING RETURNING id",
                args![
                    &user.email,
                    &user.email_key,
                    &user.password,
                    &user.first_name,
                    &user.last_name,
                    user.is_active,
                    user.is_staff,
                    user.is_superuser,
                    user.date_joined,
                    user.must_change_password,
                    user.expires_at
                ],
                |r| r.get(0),
            )?;
            let Some(id) = id else {
                return Err(Error::UserExists(user.email.clone()));
            };
            fields::write_fields(sql, id, &user.fields)?;
            apply_access(sql, id, &user.access)?;
            insert_audit(sql, Some(id), Some(&user.email), audit)?;
            fetch_user(sql, id)
        })
    }

    fn user_by_email_key(&self, email_key: &str) -> Result<Option<User>> {
        self.read(|sql| {
            let columns = user_columns(sql.dialect());
            sql.query_opt(
                &format!("SELECT {columns} FROM users WHERE email_key = $1"),
                args![email_key],
                user_from_row,
            )
        })
    }

    fn field_value_holder(
        &self,
        name: &str,
        value: &str,
        other_than: Option<i64>,
    ) -> Result<Option<i64>> {
        self.read(|sql| fields::value_holder(sql, name, value, other_than))
    }

    fn update_user(&mut self, id: i64, update: &UserUpdate, audit: &[AuditEntry]) -> Result<User> {
        let user = self.write_with(update.lock(), |sql| update_user_in(sql, id, update, audit))?;
        if update.password.is_some() {
            self.scrub_secrets();
        }
        Ok(user)
    }

    fn delete_user(
        &mut self,
        id: i64,
        protect_last_superuser: bool,
        audit: &[AuditEntry],
    ) -> Result<()> {
        self.write(|sql| {
            let (email, was_active_superuser): (String, bool) = sql.query_one(
                &format!("SELECT email, {LASTING_SUPERUSER} FROM users WHERE id = $1"),
                args![id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            sql.execute("DELETE FROM users WHERE id = $1", args![id])?;
            if protect_last_superuser && was_active_superuser {
                guard_last_superuser(sql, &email)?;
            }
            insert_audit(sql, Some(id), Some(&email), audit)
        })?;
        self.scrub_secrets();
        Ok(())
    }

    fn list_users(&self, filter: &UserFilter) -> Result<Vec<User>> {
        self.read(|sql| {
            let (where_sql, mut values) = user_where(filter);
            values.extend([limit(filter.limit), Value::from(filter.offset)]);
            let columns = user_columns(sql.dialect());
            let (l, o) = (values.len() - 1, values.len());
            sql.query(
                &format!(
                    "SELECT {columns} FROM users {where_sql} ORDER BY id LIMIT ${l} OFFSET ${o}"
                ),
                &values,
                user_from_row,
            )
        })
    }

    fn audit_entries(&self, filter: &AuditFilter) -> Result<Vec<AuditRecord>> {
        self.read(|sql| {
            let mut wheres: Vec<String> = Vec::new();
            let mut values: Vec<Value<'_>> = Vec::new();
            if let Some((id, key)) = &filter.user {
                values.extend([Value::from(*id), Value::from(key)]);
                wheres.push(format!(
                    "(user_id = ${} OR lower(email) = ${})",
                    values.len() - 1,
                    values.len()
                ));
            }
            if let Some(event) = &filter.event {
                values.push(event.as_str().into());
                wheres.push(format!("event = ${}", values.len()));
            }
            if let Some(since) = filter.since {
                values.push(since.into());
                wheres.push(format!("at >= ${}", values.len()));
            }
            let where_sql = if wheres.is_empty() {
                String::new()
            } else {
                format!("WHERE {}", wheres.join(" AND "))
            };
            values.push(limit(filter.limit));
            sql.query(
                &format!(
                    "SELECT * FROM (SELECT id, at, event, user_id, email, detail, actor \
                     FROM audit_log {where_sql} ORDER BY id DESC LIMIT ${}) AS newest \
                     ORDER BY id",
                    values.len()
                ),
                &values,
                |r| {
                    Ok(AuditRecord {
                        id: r.get(0)?,
                        at: r.get(1)?,
                        event: r.get(2)?,
                        user_id: r.get(3)?,
                        email: r.get(4)?,
                        detail: r.get(5)?,
                        actor: r.get(6)?,
                    })
                },
            )
        })
    }

    fn reserve_login_attempt(
        &mut self,
        email_key: &str,
        now: Timestamp,
        forget_before: Timestamp,
        locked_until: &dyn Fn(u32) -> Option<Timestamp>,
    ) -> Result<LoginReservation> {
        // A per-address write: the address's row, made if missing and then
        // held, excludes every other count of it (the address may name no
        // user, so the row is the failures' own).
        self.write_rows(|sql| {
            let dialect = sql.dialect();
            sql.execute(
                "INSERT INTO login_failures (email_key, failures, last_failure) \
                 VALUES ($1, 0, $2) ON CONFLICT (email_key) DO NOTHING",
                args![email_key, now],
            )?;
            let row: Option<(i64, Option<Timestamp>, Timestamp)> = sql.query_opt(
                &format!(
                    "SELECT failures, locked_until, last_failure FROM login_failures \
                     WHERE email_key = $1{}",
                    dialect.for_update()
                ),
                args![email_key],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?;
            // Housekeeping of the other addresses, after this one's row is
            // held: rows another sign-in holds are skipped, never waited for, so
            // two sign-ins cannot wait for each other.
            match dialect {
                Dialect::Sqlite => sql.execute(
                    "DELETE FROM login_failures WHERE last_failure < $1 AND email_key <> $2",
                    args![forget_before, email_key],
                )?,
                Dialect::Postgres => sql.execute(
                    "DELETE FROM login_failures WHERE email_key IN (SELECT email_key \
                     FROM login_failures WHERE last_failure < $1 AND email_key <> $2 \
                     FOR UPDATE SKIP LOCKED)",
                    args![forget_before, email_key],
                )?,
            };
            // This address's failures older than the window are forgotten.
            let (failures, until) = match row {
                Some((failures, until, last)) if last >= forget_before => (failures, until),
                _ => (0, None),
            };
            if let Some(until) = until.filter(|u| *u > now) {
                return Ok(LoginReservation::Locked { until });
            }
            let failures = u32::try_from(failures).unwrap_or(0).saturating_add(1);
            let locked_until = locked_until(failures);
            sql.execute(
                "INSERT INTO login_failures (email_key, failures, last_failure, locked_until) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (email_key) DO UPDATE SET \
                 failures = excluded.failures, last_failure = excluded.last_failure, \
                 locked_until = excluded.locked_until",
                // The column is a 32-bit integer on PostgreSQL.
                args![
                    email_key,
                    i32::try_from(failures).unwrap_or(i32::MAX),
                    now,
                    locked_until
                ],
            )?;
            Ok(LoginReservation::Counted {
                failures,
                locked_until,
            })
        })
    }

    fn clear_login_failures(
        &mut self,
        email_key: &str,
        user: (i64, &str),
        audit: &[AuditEntry],
    ) -> Result<bool> {
        // One statement on the address's row.
        self.write_rows(|sql| {
            let deleted = sql.execute(
                "DELETE FROM login_failures WHERE email_key = $1",
                args![email_key],
            )?;
            insert_audit(sql, Some(user.0), Some(user.1), audit)?;
            Ok(deleted > 0)
        })
    }

    fn record(
        &mut self,
        user_id: Option<i64>,
        email: Option<&str>,
        audit: &[AuditEntry],
    ) -> Result<()> {
        // An audit line alone (a rejected token, a refused sign-in) is a rule
        // of no row: it takes no writers' lock.
        self.write_rows(|sql| insert_audit(sql, user_id, email, audit))
    }
}
