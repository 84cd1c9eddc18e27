//! [`BulkStore`] for [`PgStore`]: a whole import in one transaction (under the
//! writers' lock), and streaming reads for export.

use postgres::fallible_iterator::FallibleIterator;

use std::collections::HashSet;

use postgres::Transaction;

use super::{
    PgStore, PgTime, USER_COLUMNS, active_superusers, fields, guard_last_superuser,
    is_unique_violation, opt_time, time, user_from_row,
};
use crate::error::{Error, Result};
use crate::storage::{BulkAudit, BulkCounts, BulkPassword, BulkStore, BulkUser, OnConflict};
use crate::user::User;

const INSERT: &str = "INSERT INTO users (email, email_key, password, first_name, last_name, \
     is_active, is_staff, is_superuser, date_joined, last_login, email_verified_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";

/// Fields the row leaves out (NULL parameters) keep their stored value.
const UPDATE: &str = "UPDATE users SET email = $2, password = coalesce($3, password), \
     first_name = coalesce($4, first_name), last_name = coalesce($5, last_name), \
     is_active = coalesce($6, is_active), is_staff = coalesce($7, is_staff), \
     is_superuser = coalesce($8, is_superuser), date_joined = coalesce($9, date_joined), \
     last_login = coalesce($10, last_login), \
     email_verified_at = coalesce($11, email_verified_at) \
     WHERE email_key = $1 RETURNING id";

impl BulkStore for PgStore {
    fn own_files(&self) -> Vec<std::path::PathBuf> {
        Vec::new()
    }

    fn for_each_email(&self, f: &mut dyn FnMut(&str, &str)) -> Result<()> {
        self.read(|client| {
            let mut rows = client.query_raw(
                "SELECT email_key, email FROM users",
                std::iter::empty::<&str>(),
            )?;
            while let Some(row) = rows.next()? {
                f(row.try_get(0)?, row.try_get(1)?);
            }
            Ok(())
        })
    }

    fn for_each_field_value(&self, name: &str, f: &mut dyn FnMut(&str, &str, &str)) -> Result<()> {
        self.read(|client| {
            let mut rows = client.query_raw(
                "SELECT v.value, u.email_key, u.email FROM user_field_values v \
                 JOIN users u ON u.id = v.user_id WHERE v.name = $1",
                [name],
            )?;
            while let Some(row) = rows.next()? {
                f(row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
            }
            Ok(())
        })
    }

    fn for_each_user(&self, f: &mut dyn FnMut(&User) -> Result<()>) -> Result<()> {
        self.read(|client| {
            let mut rows = client.query_raw(
                &format!("SELECT {USER_COLUMNS} FROM users ORDER BY id"),
                std::iter::empty::<&str>(),
            )?;
            while let Some(row) = rows.next()? {
                f(&user_from_row(&row)?)?;
            }
            Ok(())
        })
    }

    fn bulk_write(
        &mut self,
        rows: &mut dyn Iterator<Item = Result<BulkUser>>,
        on_conflict: OnConflict,
        protect_last_superuser: bool,
        audit: &BulkAudit,
    ) -> Result<BulkCounts> {
        self.write(|tx| {
            let insert_sql = match on_conflict {
                OnConflict::Skip => {
                    format!("{INSERT} ON CONFLICT (email_key) DO NOTHING RETURNING id")
                }
                OnConflict::Fail | OnConflict::Update => format!("{INSERT} RETURNING id"),
            };
            let insert = tx.prepare(&insert_sql)?;
            let update = tx.prepare(UPDATE)?;
            let audit_row = tx.prepare(
                "INSERT INTO audit_log (at, event, user_id, email, detail, actor) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )?;
            let now = time(audit.at);
            let guard = protect_last_superuser && on_conflict == OnConflict::Update;
            let superusers_before = if guard { active_superusers(tx)? } else { 0 };
            let mut last_demoted: Option<String> = None;
            let mut counts = BulkCounts::default();
            let mut batch = Batch::default();
            for row in rows {
                let row = row?;
                // New users without field values go many to a statement: the
                // round trips, not the rows, are what costs over a network.
                if on_conflict != OnConflict::Update && row.fields.is_empty() {
                    if on_conflict == OnConflict::Fail && !batch.keys.insert(row.email_key.clone())
                    {
                        return Err(Error::UserExists(row.email));
                    }
                    batch.push(&row, now);
                    if batch.len() == BATCH_ROWS {
                        batch.flush(tx, on_conflict, audit, &mut counts)?;
                    }
                    continue;
                }
                batch.flush(tx, on_conflict, audit, &mut counts)?;
                let given_password = match &row.password {
                    BulkPassword::Set(hash) => Some(hash.as_str()),
                    BulkPassword::Absent { .. } => None,
                };
                if on_conflict == OnConflict::Update {
                    let updated = tx.query_opt(
                        &update,
                        &[
                            &row.email_key,
                            &row.email,
                            &given_password,
                            &row.first_name,
                            &row.last_name,
                            &row.is_active,
                            &row.is_staff,
                            &row.is_superuser,
                            &opt_time(row.date_joined),
                            &opt_time(row.last_login),
                            &opt_time(row.email_verified_at),
                        ],
                    )?;
                    if let Some(updated) = updated {
                        let id: i64 = updated.try_get(0)?;
                        if row.is_superuser == Some(false) || row.is_active == Some(false) {
                            last_demoted = Some(row.email.clone());
                        }
                        fields::write_fields(tx, id, &row.fields)?;
                        tx.execute(
                            &audit_row,
                            &[
                                &now,
                                &audit.updated_event,
                                &id,
                                &row.email,
                                &audit.detail,
                                &audit.actor,
                            ],
                        )?;
                        counts.updated += 1;
                        continue;
                    }
                }
                let password = match &row.password {
                    BulkPassword::Set(hash) => hash,
                    BulkPassword::Absent { unusable } => unusable,
                };
                let inserted = tx.query_opt(
                    &insert,
                    &[
                        &row.email,
                        &row.email_key,
                        password,
                        &row.first_name.as_deref().unwrap_or(""),
                        &row.last_name.as_deref().unwrap_or(""),
                        &row.is_active.unwrap_or(true),
                        &row.is_staff.unwrap_or(false),
                        &row.is_superuser.unwrap_or(false),
                        &opt_time(row.date_joined).unwrap_or(now),
                        &opt_time(row.last_login),
                        &opt_time(row.email_verified_at),
                    ],
                );
                match inserted {
                    Err(e) if is_unique_violation(&e) => {
                        return Err(Error::UserExists(row.email.clone()));
                    }
                    Err(e) => return Err(e.into()),
                    Ok(None) => counts.skipped += 1,
                    Ok(Some(inserted)) => {
                        let id: i64 = inserted.try_get(0)?;
                        fields::write_fields(tx, id, &row.fields)?;
                        tx.execute(
                            &audit_row,
                            &[
                                &now,
                                &audit.created_event,
                                &id,
                                &row.email,
                                &audit.detail,
                                &audit.actor,
                            ],
                        )?;
                        counts.created += 1;
                    }
                }
            }
            batch.flush(tx, on_conflict, audit, &mut counts)?;
            if superusers_before > 0
                && let Some(email) = last_demoted
            {
                guard_last_superuser(tx, &email)?;
            }
            Ok(counts)
        })
    }
}

/// How many new users one statement inserts (about 1,000: larger arrays gain
/// little and hold more memory).
const BATCH_ROWS: usize = 1000;

/// New users waiting to be inserted together, column by column.
#[derive(Default)]
struct Batch {
    email: Vec<String>,
    email_key: Vec<String>,
    password: Vec<String>,
    first_name: Vec<String>,
    last_name: Vec<String>,
    is_active: Vec<bool>,
    is_staff: Vec<bool>,
    is_superuser: Vec<bool>,
    date_joined: Vec<PgTime>,
    last_login: Vec<Option<PgTime>>,
    email_verified_at: Vec<Option<PgTime>>,
    /// Every key batched in this import (with `Fail`, a repeat is a clash).
    keys: HashSet<String>,
}

impl Batch {
    fn len(&self) -> usize {
        self.email.len()
    }

    fn push(&mut self, row: &BulkUser, now: PgTime) {
        let password = match &row.password {
            BulkPassword::Set(hash) => hash,
            BulkPassword::Absent { unusable } => unusable,
        };
        self.email.push(row.email.clone());
        self.email_key.push(row.email_key.clone());
        self.password.push(password.clone());
        self.first_name
            .push(row.first_name.clone().unwrap_or_default());
        self.last_name
            .push(row.last_name.clone().unwrap_or_default());
        self.is_active.push(row.is_active.unwrap_or(true));
        self.is_staff.push(row.is_staff.unwrap_or(false));
        self.is_superuser.push(row.is_superuser.unwrap_or(false));
        self.date_joined
            .push(opt_time(row.date_joined).unwrap_or(now));
        self.last_login.push(opt_time(row.last_login));
        self.email_verified_at.push(opt_time(row.email_verified_at));
    }

    /// Inserts the batch and its audit rows in one statement, and empties it.
    /// An address already stored is left alone with `Skip` (counted as skipped)
    /// and is [`Error::UserExists`] with `Fail`.
    fn flush(
        &mut self,
        tx: &mut Transaction,
        on_conflict: OnConflict,
        audit: &BulkAudit,
        counts: &mut BulkCounts,
    ) -> Result<()> {
        if self.email.is_empty() {
            return Ok(());
        }
        let skip = match on_conflict {
            OnConflict::Skip => "ON CONFLICT (email_key) DO NOTHING",
            OnConflict::Fail | OnConflict::Update => "",
        };
        let sql = format!(
            "WITH inserted AS (
                INSERT INTO users (email, email_key, password, first_name, last_name,
                    is_active, is_staff, is_superuser, date_joined, last_login, email_verified_at)
                SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
                    $6::bool[], $7::bool[], $8::bool[], $9::timestamptz[], $10::timestamptz[],
                    $11::timestamptz[])
                {skip}
                RETURNING id, email
            ), audited AS (
                INSERT INTO audit_log (at, event, user_id, email, detail, actor)
                SELECT $12, $13, id, email, $14, $15 FROM inserted ORDER BY id
            )
            SELECT count(*) FROM inserted"
        );
        let inserted = tx.query_one(
            &sql,
            &[
                &self.email,
                &self.email_key,
                &self.password,
                &self.first_name,
                &self.last_name,
                &self.is_active,
                &self.is_staff,
                &self.is_superuser,
                &self.date_joined,
                &self.last_login,
                &self.email_verified_at,
                &time(audit.at),
                &audit.created_event,
                &audit.detail,
                &audit.actor,
            ],
        );
        let inserted: i64 = match inserted {
            // With `Fail` the statement has no ON CONFLICT (it costs the
            // others): a stored address fails it, and rolls the import back.
            Err(e) if is_unique_violation(&e) => {
                let key = taken_key(&e);
                let at = self.email_key.iter().position(|k| Some(k) == key.as_ref());
                let email = at.map_or_else(|| key.unwrap_or_default(), |i| self.email[i].clone());
                return Err(Error::UserExists(email));
            }
            other => other?.try_get(0)?,
        };
        let inserted = inserted.unsigned_abs();
        counts.created += inserted;
        counts.skipped += (self.len() as u64).saturating_sub(inserted);
        let keys = std::mem::take(&mut self.keys);
        *self = Batch {
            keys,
            ..Batch::default()
        };
        Ok(())
    }
}

/// The address in a unique violation's detail ("Key (email_key)=(…) already
/// exists."), which PostgreSQL gives in its own words.
fn taken_key(err: &postgres::Error) -> Option<String> {
    let detail = err.as_db_error()?.detail()?;
    let (_, rest) = detail.split_once("=(")?;
    let (key, _) = rest.rsplit_once(") already exists")?;
    Some(key.to_string())
}
