//! SQLite's import writer ([`BulkEngine`]): a whole import in one `BEGIN
//! IMMEDIATE` transaction with statements prepared once.

use std::collections::HashMap;

use rusqlite::{OptionalExtension, Transaction, params};

use super::executor::SqliteSql;
use super::{SqliteStore, is_unique_violation};
use crate::clock::format_timestamp;
use crate::error::{Error, Result};
use crate::storage::tables::bulk::{BulkEngine, Import, SuperuserGuard};
use crate::storage::tables::fields::FieldWriter;
use crate::storage::tables::second_factor::write_imported_totp;
use crate::storage::{
    BulkAudit, BulkCounts, BulkDefinitions, BulkPassword, BulkUser, OnConflict, TotpSealer,
};

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

/// Writes a row's must-change-password and expiry, when it gives them.
fn set_lifecycle(tx: &rusqlite::Transaction, id: i64, row: &BulkUser) -> Result<()> {
    if row.sets_lifecycle() {
        tx.prepare_cached(
            "UPDATE users SET must_change_password = coalesce(?2, must_change_password), \
             expires_at = CASE WHEN ?3 THEN ?4 ELSE expires_at END WHERE id = ?1",
        )?
        .execute(params![
            id,
            row.must_change_password,
            row.expires_at.is_some(),
            row.expires_at.flatten().map(format_timestamp)
        ])?;
    }
    Ok(())
}

impl BulkEngine for SqliteStore {
    fn store_files(&self) -> Vec<std::path::PathBuf> {
        crate::output_file::database_files(&self.path)
    }

    fn write_import(
        &mut self,
        import: &Import<'_>,
        rows: &mut dyn Iterator<Item = Result<BulkUser>>,
    ) -> Result<BulkCounts> {
        let now = format_timestamp(import.audit.at);
        self.write(|tx| {
            let mut counts = BulkCounts::default();
            write_definitions(tx, import.definitions, import.audit, &now, &mut counts)?;
            let guard = SuperuserGuard::before(&mut SqliteSql(tx), import)?;
            let mut users = UserWriter::prepare(tx, import, &now)?;
            for row in rows {
                users.write(tx, &row?, &mut counts)?;
            }
            users.fields.finish(&mut SqliteSql(tx))?;
            guard.after(&mut SqliteSql(tx), users.last_demoted.as_deref())?;
            Ok(counts)
        })
    }
}

/// Writes the rows of users, each with its statements prepared once.
struct UserWriter<'a> {
    insert: rusqlite::Statement<'a>,
    update: rusqlite::Statement<'a>,
    audit_row: rusqlite::Statement<'a>,
    fields: FieldWriter,
    access: AccessWriter,
    on_conflict: OnConflict,
    audit: &'a BulkAudit,
    sealer: Option<&'a dyn TotpSealer>,
    now: &'a str,
    /// The last row that deactivated or demoted a stored superuser.
    last_demoted: Option<String>,
}

impl<'a> UserWriter<'a> {
    fn prepare(tx: &'a Transaction, import: &Import<'a>, now: &'a str) -> Result<Self> {
        let on_conflict = import.on_conflict;
        let insert_sql = match on_conflict {
            OnConflict::Skip => format!("{INSERT} ON CONFLICT (email_key) DO NOTHING"),
            OnConflict::Fail | OnConflict::Update => INSERT.to_string(),
        };
        Ok(UserWriter {
            insert: tx.prepare(&insert_sql)?,
            update: tx.prepare(UPDATE)?,
            audit_row: tx.prepare(
                "INSERT INTO audit_log (at, event, user_id, email, detail, actor) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?,
            fields: FieldWriter::default(),
            access: AccessWriter::default(),
            on_conflict,
            audit: import.audit,
            sealer: import.sealer,
            now,
            last_demoted: None,
        })
    }

    /// One row: an update of the stored user with `Update`, else an insert.
    fn write(&mut self, tx: &Transaction, row: &BulkUser, counts: &mut BulkCounts) -> Result<()> {
        if self.on_conflict == OnConflict::Update && self.update_stored(tx, row)? {
            counts.updated += 1;
        } else if self.insert_new(tx, row)? {
            counts.created += 1;
        } else {
            counts.skipped += 1;
        }
        Ok(())
    }

    /// Updates the user the row names; false when there is none.
    fn update_stored(&mut self, tx: &Transaction, row: &BulkUser) -> Result<bool> {
        let given_password = match &row.password {
            BulkPassword::Set(hash) => Some(hash.as_str()),
            BulkPassword::Absent { .. } => None,
        };
        let id: Option<i64> = self
            .update
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
        let Some(id) = id else {
            return Ok(false);
        };
        if row.demotes() {
            self.last_demoted = Some(row.email.clone());
        }
        self.write_extras(tx, id, row, false)?;
        Ok(true)
    }

    /// Inserts the row as a new user; false when `Skip` left a stored one alone.
    fn insert_new(&mut self, tx: &Transaction, row: &BulkUser) -> Result<bool> {
        let password = match &row.password {
            BulkPassword::Set(hash) => hash,
            BulkPassword::Absent { unusable } => unusable,
        };
        let inserted = self.insert.execute(params![
            row.email,
            row.email_key,
            password,
            row.first_name.as_deref().unwrap_or(""),
            row.last_name.as_deref().unwrap_or(""),
            row.is_active.unwrap_or(true),
            row.is_staff.unwrap_or(false),
            row.is_superuser.unwrap_or(false),
            time(row.date_joined).unwrap_or_else(|| self.now.to_string()),
            time(row.last_login),
            time(row.email_verified_at),
        ]);
        match inserted {
            Err(e) if is_unique_violation(&e) => Err(Error::UserExists(row.email.clone())),
            Err(e) => Err(e.into()),
            Ok(0) => Ok(false),
            Ok(_) => {
                self.write_extras(tx, tx.last_insert_rowid(), row, true)?;
                Ok(true)
            }
        }
    }

    /// What a written user's row holds besides its columns: lifecycle, custom
    /// fields (the same rules as every other write), access, its audit row,
    /// and an imported second factor.
    fn write_extras(&mut self, tx: &Transaction, id: i64, row: &BulkUser, new: bool) -> Result<()> {
        set_lifecycle(tx, id, row)?;
        self.fields.write(&mut SqliteSql(tx), id, &row.fields)?;
        self.access.write(tx, id, row, new)?;
        let event = self.audit.user_event(new).as_str();
        let detail = self.audit.user_detail(row);
        self.audit_row.execute(params![
            self.now,
            event,
            id,
            row.email,
            detail,
            self.audit.actor
        ])?;
        write_imported_totp(&mut SqliteSql(tx), self.sealer, self.audit, id, row)
    }
}

fn time(t: Option<jiff::Timestamp>) -> Option<String> {
    t.map(format_timestamp)
}

/// Creates the groups a file defines, or sets their permissions, with an audit
/// row for each one created or changed; then stores the permissions' models.
fn write_definitions(
    tx: &Transaction,
    definitions: &BulkDefinitions,
    audit: &BulkAudit,
    now: &str,
    counts: &mut BulkCounts,
) -> Result<()> {
    let mut add = tx.prepare(
        "INSERT INTO group_permissions (group_id, permission) VALUES (?1, ?2) \
         ON CONFLICT DO NOTHING",
    )?;
    for group in &definitions.groups {
        let found: Option<i64> = tx
            .query_row(
                "SELECT id FROM groups WHERE name = ?1",
                [&group.name],
                |r| r.get(0),
            )
            .optional()?;
        let wanted: Vec<&str> = group.permissions.iter().map(|p| p.as_str()).collect();
        let (id, event) = match found {
            None => {
                tx.execute("INSERT INTO groups (name) VALUES (?1)", [&group.name])?;
                counts.groups_created += 1;
                (tx.last_insert_rowid(), audit.group_created_event)
            }
            Some(id) => {
                let mut current: Vec<String> = tx
                    .prepare("SELECT permission FROM group_permissions WHERE group_id = ?1")?
                    .query_map([id], |r| r.get(0))?
                    .collect::<rusqlite::Result<_>>()?;
                current.sort_unstable();
                if current == wanted {
                    continue;
                }
                tx.execute("DELETE FROM group_permissions WHERE group_id = ?1", [id])?;
                counts.groups_updated += 1;
                (id, audit.group_updated_event)
            }
        };
        for permission in &wanted {
            add.execute(params![id, permission])?;
        }
        tx.execute(
            "INSERT INTO audit_log (at, event, user_id, email, detail, actor) \
             VALUES (?1, ?2, NULL, NULL, ?3, ?4)",
            params![now, event.as_str(), audit.group_detail(group), audit.actor],
        )?;
    }
    let mut model = tx.prepare(
        "INSERT INTO permission_models (permission, model) VALUES (?1, ?2) \
         ON CONFLICT (permission) DO UPDATE SET model = excluded.model",
    )?;
    for (permission, name) in &definitions.permission_models {
        model.execute(params![permission.as_str(), name])?;
    }
    Ok(())
}

/// Sets the memberships and direct permissions a row gives, exactly.
#[derive(Default)]
struct AccessWriter {
    /// Every group's id by name, read at the first row that names groups
    /// (after the file's own groups are written).
    group_ids: Option<HashMap<String, i64>>,
}

impl AccessWriter {
    fn write(&mut self, tx: &Transaction, user_id: i64, row: &BulkUser, new: bool) -> Result<()> {
        if let Some(groups) = &row.groups {
            let ids = match &mut self.group_ids {
                Some(ids) => ids,
                none => none.insert(
                    tx.prepare("SELECT name, id FROM groups")?
                        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                        .collect::<rusqlite::Result<_>>()?,
                ),
            };
            if !new {
                tx.prepare_cached("DELETE FROM user_groups WHERE user_id = ?1")?
                    .execute([user_id])?;
            }
            let mut join = tx.prepare_cached(
                "INSERT INTO user_groups (user_id, group_id) VALUES (?1, ?2) \
                 ON CONFLICT DO NOTHING",
            )?;
            for name in groups {
                let group = ids
                    .get(name)
                    .ok_or_else(|| Error::GroupNotFound(name.clone()))?;
                join.execute([user_id, *group])?;
            }
        }
        if let Some(permissions) = &row.permissions {
            if !new {
                tx.prepare_cached("DELETE FROM user_permissions WHERE user_id = ?1")?
                    .execute([user_id])?;
            }
            let mut grant = tx.prepare_cached(
                "INSERT INTO user_permissions (user_id, permission) VALUES (?1, ?2) \
                 ON CONFLICT DO NOTHING",
            )?;
            for permission in permissions {
                grant.execute(params![user_id, permission.as_str()])?;
            }
        }
        Ok(())
    }
}
