//! [`BulkStore`] for [`SqliteStore`]: a whole import in one `BEGIN IMMEDIATE`
//! transaction with statements prepared once, and streaming reads for export.

use rusqlite::{OptionalExtension, params};

use super::fields::FieldWriter;
use super::{
    SqliteStore, USER_COLUMNS, active_superusers, guard_last_superuser, is_unique_violation,
    user_from_row,
};
use crate::clock::format_timestamp;
use crate::error::{Error, Result};
use crate::storage::{BulkAudit, BulkCounts, BulkPassword, BulkStore, BulkUser, OnConflict};
use crate::user::User;

const INSERT: &str = "INSERT INTO users (email, email_key, password, first_name, last_name, \
     is_active, is_staff, is_superuser, date_joined, last_login, email_verified_at) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";

/// Fields the row leaves out (NULL parameters) keep their stored value.
const UPDATE: &str = "UPDATE users SET email = ?2, password = coalesce(?3, password), \
     first_name = coalesce(?4, first_name), last_name = coalesce(?5, last_name), \
     is_active = coalesce(?6, is_active), is_staff = coalesce(?7, is_staff), \
     is_superuser = coalesce(?8, is_superuser), date_joined = coalesce(?9, date_joined), \
     last_login = coalesce(?10, last_login), \
     email_verified_at = coalesce(?11, email_verified_at) \
     WHERE email_key = ?1 RETURNING id";

impl BulkStore for SqliteStore {
    fn own_files(&self) -> Vec<std::path::PathBuf> {
        crate::output_file::database_files(&self.path)
    }

    fn for_each_email(&self, f: &mut dyn FnMut(&str, &str)) -> Result<()> {
        self.read(|| {
            let mut stmt = self.conn.prepare("SELECT email_key, email FROM users")?;
            let mut rows = stmt.query([])?;
            while let Some(row) = rows.next()? {
                let key = row.get_ref(0).and_then(|v| Ok(v.as_str()?));
                let email = row.get_ref(1).and_then(|v| Ok(v.as_str()?));
                match (key, email) {
                    (Ok(key), Ok(email)) => f(key, email),
                    (Err(e), _) | (_, Err(e)) => return Err(e.into()),
                }
            }
            Ok(())
        })
    }

    fn for_each_field_value(&self, name: &str, f: &mut dyn FnMut(&str, &str, &str)) -> Result<()> {
        self.read(|| {
            let mut stmt = self.conn.prepare(
                "SELECT v.value, u.email_key, u.email FROM user_field_values v \
                 JOIN users u ON u.id = v.user_id WHERE v.name = ?1",
            )?;
            let mut rows = stmt.query([name])?;
            while let Some(row) = rows.next()? {
                let text = |i| row.get_ref(i).and_then(|v| Ok(v.as_str()?));
                match (text(0), text(1), text(2)) {
                    (Ok(value), Ok(key), Ok(email)) => f(value, key, email),
                    (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return Err(e.into()),
                }
            }
            Ok(())
        })
    }

    fn for_each_user(&self, f: &mut dyn FnMut(&User) -> Result<()>) -> Result<()> {
        self.read(|| {
            let mut stmt = self
                .conn
                .prepare(&format!("SELECT {USER_COLUMNS} FROM users ORDER BY id"))?;
            let mut rows = stmt.query([])?;
            while let Some(row) = rows.next()? {
                let user = user_from_row(row)?;
                f(&user)?;
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
        let now = format_timestamp(audit.at);
        self.write(|tx| {
            let insert_sql = match on_conflict {
                OnConflict::Skip => format!("{INSERT} ON CONFLICT (email_key) DO NOTHING"),
                OnConflict::Fail | OnConflict::Update => INSERT.to_string(),
            };
            let mut insert = tx.prepare(&insert_sql)?;
            let mut update = tx.prepare(UPDATE)?;
            let mut audit_row = tx.prepare(
                "INSERT INTO audit_log (at, event, user_id, email, detail, actor) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            let mut record = |event: &str, id: i64, email: &str| {
                audit_row
                    .execute(params![now, event, id, email, audit.detail, audit.actor])
                    .map(drop)
            };
            let guard = protect_last_superuser && on_conflict == OnConflict::Update;
            let superusers_before = if guard { active_superusers(tx)? } else { 0 };
            let mut last_demoted: Option<String> = None;
            let mut counts = BulkCounts::default();
            let mut fields = FieldWriter::default();
            for row in rows {
                let row = row?;
                let time = |t: Option<jiff::Timestamp>| t.map(format_timestamp);
                let given_password = match &row.password {
                    BulkPassword::Set(hash) => Some(hash.as_str()),
                    BulkPassword::Absent { .. } => None,
                };
                if on_conflict == OnConflict::Update {
                    let id: Option<i64> = update
                        .query_row(
                            params![
                                row.email_key,
                                row.email,
                                given_password,
                                row.first_name,
                                row.last_name,
                                row.is_active,
                                row.is_staff,
                                row.is_superuser,
                                time(row.date_joined),
                                time(row.last_login),
                                time(row.email_verified_at),
                            ],
                            |r| r.get(0),
                        )
                        .optional()?;
                    if let Some(id) = id {
                        if row.is_superuser == Some(false) || row.is_active == Some(false) {
                            last_demoted = Some(row.email.clone());
                        }
                        // Custom field values: the same rules as every other write.
                        fields.write(tx, id, &row.fields)?;
                        record(audit.updated_event, id, &row.email)?;
                        counts.updated += 1;
                        continue;
                    }
                }
                let password = match &row.password {
                    BulkPassword::Set(hash) => hash,
                    BulkPassword::Absent { unusable } => unusable,
                };
                let inserted = insert.execute(params![
                    row.email,
                    row.email_key,
                    password,
                    row.first_name.as_deref().unwrap_or(""),
                    row.last_name.as_deref().unwrap_or(""),
                    row.is_active.unwrap_or(true),
                    row.is_staff.unwrap_or(false),
                    row.is_superuser.unwrap_or(false),
                    time(row.date_joined).unwrap_or_else(|| now.clone()),
                    time(row.last_login),
                    time(row.email_verified_at),
                ]);
                match inserted {
                    Err(e) if is_unique_violation(&e) => {
                        return Err(Error::UserExists(row.email.clone()));
                    }
                    Err(e) => return Err(e.into()),
                    Ok(0) => counts.skipped += 1,
                    Ok(_) => {
                        let id = tx.last_insert_rowid();
                        fields.write(tx, id, &row.fields)?;
                        record(audit.created_event, id, &row.email)?;
                        counts.created += 1;
                    }
                }
            }
            fields.finish(tx)?;
            if superusers_before > 0
                && let Some(email) = last_demoted
            {
                guard_last_superuser(tx, &email)?;
            }
            Ok(counts)
        })
    }
}
