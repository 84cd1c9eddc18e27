//! [`UserStore`] for [`PgStore`]: users, the audit log and sign-in throttling.

use jiff::Timestamp;
use postgres::Transaction;
use postgres::types::ToSql;

use super::{
    PgStore, PgTime, USER_COLUMNS, fetch_user, fields, groups, guard_last_superuser, insert_audit,
    is_unique_violation, opt_time, time, tokens, user_from_row,
};
use crate::error::{Error, Result};
use crate::storage::LASTING_SUPERUSER;
use crate::storage::user_filter::SqlValue;
use crate::storage::{
    AuditEntry, AuditFilter, AuditRecord, LoginReservation, UserRecord, UserStore, UserUpdate,
};
use crate::user::{User, UserFilter};

type Param = Box<dyn ToSql + Sync>;

/// The filter's clause with PostgreSQL's parameters, bound as its values.
fn user_where(filter: &UserFilter) -> (String, Vec<Param>) {
    let (sql, values) = crate::storage::user_filter::user_where(filter, |n| format!("${n}"));
    let values = values
        .into_iter()
        .map(|v| -> Param {
            match v {
                SqlValue::Bool(b) => Box::new(b),
                SqlValue::Text(t) => Box::new(t),
                SqlValue::Time(t) => Box::new(PgTime(t)),
            }
        })
        .collect();
    (sql, values)
}

fn bound(values: &[Param]) -> Vec<&(dyn ToSql + Sync)> {
    values.iter().map(|v| v.as_ref()).collect()
}

fn limit_sql(limit: Option<u64>) -> String {
    match limit {
        Some(l) => i64::try_from(l).unwrap_or(i64::MAX).to_string(),
        None => "ALL".into(),
    }
}

/// Applies an update inside a write transaction (also the use of a reset token).
pub(in crate::storage::postgres) fn update_user_in(
    tx: &mut Transaction,
    id: i64,
    update: &UserUpdate,
    audit: &[AuditEntry],
) -> Result<User> {
    let was_active_superuser: bool = tx
        .query_one(
            &format!("SELECT {LASTING_SUPERUSER} FROM users WHERE id = $1"),
            &[&id],
        )?
        .try_get(0)?;
    let mut sets: Vec<&str> = Vec::new();
    let mut values: Vec<Param> = vec![Box::new(id)];
    if let Some((email, key)) = &update.email {
        sets.extend(["email", "email_key"]);
        values.push(Box::new(email.clone()));
        values.push(Box::new(key.clone()));
    }
    for (column, value) in [
        ("password", &update.password),
        ("first_name", &update.first_name),
        ("last_name", &update.last_name),
    ] {
        if let Some(v) = value {
            sets.push(column);
            values.push(Box::new(v.clone()));
        }
    }
    for (column, value) in [
        ("last_login", update.last_login),
        ("email_verified_at", update.email_verified_at),
    ] {
        if let Some(v) = value {
            sets.push(column);
            values.push(Box::new(PgTime(v)));
        }
    }
    if let Some(expires_at) = update.expires_at {
        sets.push("expires_at");
        values.push(Box::new(expires_at.map(PgTime)));
    }
    for (column, value) in [
        ("is_active", update.is_active),
        ("is_staff", update.is_staff),
        ("is_superuser", update.is_superuser),
        ("must_change_password", update.must_change_password),
    ] {
        if let Some(v) = value {
            sets.push(column);
            values.push(Box::new(v));
        }
    }
    if !sets.is_empty() {
        let assignments: Vec<String> = sets
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c} = ${}", i + 2))
            .collect();
        let sql = format!("UPDATE users SET {} WHERE id = $1", assignments.join(", "));
        match tx.execute(&sql, &bound(&values)) {
            Err(e) if is_unique_violation(&e) => {
                let email = update
                    .email
                    .as_ref()
                    .map(|e| e.0.clone())
                    .unwrap_or_default();
                return Err(Error::UserExists(email));
            }
            other => other?,
        };
    }
    if update.clear_login_failures {
        tx.execute(
            "DELETE FROM login_failures \
                 WHERE email_key = (SELECT email_key FROM users WHERE id = $1)",
            &[&id],
        )?;
    }
    if update.forget_address_proof {
        tx.execute(
            "UPDATE users SET email_verified_at = NULL WHERE id = $1",
            &[&id],
        )?;
        tx.execute("DELETE FROM otp_codes WHERE user_id = $1", &[&id])?;
    }
    if let Some(at) = update.revoke_tokens_at {
        tokens::revoke_all(tx, id, at)?;
    }
    fields::write_fields(tx, id, &update.fields)?;
    groups::apply_access(tx, id, &update.access)?;
    let user = fetch_user(tx, id)?;
    let demoted = update.is_superuser == Some(false)
        || update.is_active == Some(false)
        || matches!(update.expires_at, Some(Some(_)));
    if update.protect_last_superuser && demoted && was_active_superuser {
        guard_last_superuser(tx, &user.email)?;
    }
    insert_audit(tx, Some(id), Some(&user.email), audit)?;
    Ok(user)
}

impl UserStore for PgStore {
    fn insert_user(&mut self, user: &UserRecord, audit: &[AuditEntry]) -> Result<User> {
        self.write(|tx| {
            let inserted = tx.query_one(
                "INSERT INTO users (email, email_key, password, first_name, last_name, \
                 is_active, is_staff, is_superuser, date_joined, must_change_password, \
                 expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
                &[
                    &user.email,
                    &user.email_key,
                    &user.password,
                    &user.first_name,
                    &user.last_name,
                    &user.is_active,
                    &user.is_staff,
                    &user.is_superuser,
                    &time(user.date_joined),
                    &user.must_change_password,
                    &opt_time(user.expires_at),
                ],
            );
            let id: i64 = match inserted {
                Err(e) if is_unique_violation(&e) => {
                    return Err(Error::UserExists(user.email.clone()));
                }
                other => other?.try_get(0)?,
            };
            fields::write_fields(tx, id, &user.fields)?;
            groups::apply_access(tx, id, &user.access)?;
            insert_audit(tx, Some(id), Some(&user.email), audit)?;
            fetch_user(tx, id)
        })
    }

    fn user_by_email_key(&self, email_key: &str) -> Result<Option<User>> {
        self.read(|client| {
            client
                .query_opt(
                    &format!("SELECT {USER_COLUMNS} FROM users WHERE email_key = $1"),
                    &[&email_key],
                )?
                .map(|row| user_from_row(&row))
                .transpose()
        })
    }

    fn field_value_holder(
        &self,
        name: &str,
        value: &str,
        other_than: Option<i64>,
    ) -> Result<Option<i64>> {
        self.read(|client| fields::value_holder(client, name, value, other_than))
    }

    fn update_user(&mut self, id: i64, update: &UserUpdate, audit: &[AuditEntry]) -> Result<User> {
        self.write(|tx| update_user_in(tx, id, update, audit))
    }

    fn delete_user(
        &mut self,
        id: i64,
        protect_last_superuser: bool,
        audit: &[AuditEntry],
    ) -> Result<()> {
        self.write(|tx| {
            let row = tx.query_one(
                &format!("SELECT email, {LASTING_SUPERUSER} FROM users WHERE id = $1"),
                &[&id],
            )?;
            let email: String = row.try_get(0)?;
            let was_active_superuser: bool = row.try_get(1)?;
            tx.execute("DELETE FROM users WHERE id = $1", &[&id])?;
            if protect_last_superuser && was_active_superuser {
                guard_last_superuser(tx, &email)?;
            }
            insert_audit(tx, Some(id), Some(&email), audit)
        })
    }

    fn list_users(&self, filter: &UserFilter) -> Result<Vec<User>> {
        self.read(|client| {
            let (where_sql, values) = user_where(filter);
            let offset = i64::try_from(filter.offset).unwrap_or(i64::MAX);
            let sql = format!(
                "SELECT {USER_COLUMNS} FROM users {where_sql} ORDER BY id LIMIT {} OFFSET {offset}",
                limit_sql(filter.limit)
            );
            client
                .query(&sql, &bound(&values))?
                .iter()
                .map(user_from_row)
                .collect()
        })
    }

    fn audit_entries(&self, filter: &AuditFilter) -> Result<Vec<AuditRecord>> {
        self.read(|client| {
            let mut wheres: Vec<String> = Vec::new();
            let mut values: Vec<Param> = Vec::new();
            if let Some((id, key)) = &filter.user {
                values.push(Box::new(*id));
                values.push(Box::new(key.clone()));
                wheres.push(format!(
                    "(user_id = ${} OR lower(email) = ${})",
                    values.len() - 1,
                    values.len()
                ));
            }
            if let Some(event) = &filter.event {
                values.push(Box::new(event.as_str()));
                wheres.push(format!("event = ${}", values.len()));
            }
            if let Some(since) = filter.since {
                values.push(Box::new(PgTime(since)));
                wheres.push(format!("at >= ${}", values.len()));
            }
            let where_sql = if wheres.is_empty() {
                String::new()
            } else {
                format!("WHERE {}", wheres.join(" AND "))
            };
            let sql = format!(
                "SELECT * FROM (SELECT id, at, event, user_id, email, detail, actor \
                 FROM audit_log {where_sql} ORDER BY id DESC LIMIT {}) AS newest ORDER BY id",
                limit_sql(filter.limit)
            );
            client
                .query(&sql, &bound(&values))?
                .iter()
                .map(|r| {
                    Ok(AuditRecord {
                        id: r.try_get(0)?,
                        at: r.try_get::<_, PgTime>(1)?.0,
                        event: r.try_get(2)?,
                        user_id: r.try_get(3)?,
                        email: r.try_get(4)?,
                        detail: r.try_get(5)?,
                        actor: r.try_get(6)?,
                    })
                })
                .collect()
        })
    }

    fn reserve_login_attempt(
        &mut self,
        email_key: &str,
        now: Timestamp,
        forget_before: Timestamp,
        locked_until: &dyn Fn(u32) -> Option<Timestamp>,
    ) -> Result<LoginReservation> {
        self.write(|tx| {
            tx.execute(
                "DELETE FROM login_failures WHERE last_failure < $1",
                &[&time(forget_before)],
            )?;
            let row = tx.query_opt(
                "SELECT failures, locked_until FROM login_failures WHERE email_key = $1",
                &[&email_key],
            )?;
            let (failures, until) = match row {
                Some(r) => (
                    r.try_get::<_, i32>(0)?,
                    r.try_get::<_, Option<PgTime>>(1)?.map(|t| t.0),
                ),
                None => (0, None),
            };
            if let Some(until) = until.filter(|u| *u > now) {
                return Ok(LoginReservation::Locked { until });
            }
            let failures = u32::try_from(failures).unwrap_or(0).saturating_add(1);
            let locked_until = locked_until(failures);
            tx.execute(
                "INSERT INTO login_failures (email_key, failures, last_failure, locked_until) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (email_key) DO UPDATE SET \
                 failures = excluded.failures, last_failure = excluded.last_failure, \
                 locked_until = excluded.locked_until",
                &[
                    &email_key,
                    &i32::try_from(failures).unwrap_or(i32::MAX),
                    &time(now),
                    &opt_time(locked_until),
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
        self.write(|tx| {
            let deleted = tx.execute(
                "DELETE FROM login_failures WHERE email_key = $1",
                &[&email_key],
            )?;
            insert_audit(tx, Some(user.0), Some(user.1), audit)?;
            Ok(deleted > 0)
        })
    }

    fn record(
        &mut self,
        user_id: Option<i64>,
        email: Option<&str>,
        audit: &[AuditEntry],
    ) -> Result<()> {
        self.write(|tx| insert_audit(tx, user_id, email, audit))
    }
}
