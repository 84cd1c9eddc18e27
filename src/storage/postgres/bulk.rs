//! PostgreSQL's import writer ([`BulkEngine`]): a whole import in one
//! transaction (under the writers' lock), new users sent in batches.

use std::collections::{BTreeMap, HashMap, HashSet};

use postgres::Transaction;

use super::executor::PgSql;
use super::params::{PgTime, param};
use super::{PgStore, is_unique_violation, opt_time, time};
use crate::error::{Error, Result};
use crate::storage::tables::bulk::{BulkEngine, Import, SuperuserGuard};
use crate::storage::tables::fields;
use crate::storage::tables::second_factor::write_imported_totp;
use crate::storage::{
    BulkAudit, BulkCounts, BulkDefinitions, BulkPassword, BulkUser, OnConflict, TotpSealer,
};

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

/// Writes a row's must-change-password and expiry, when it gives them.
fn set_lifecycle(tx: &mut Transaction, id: i64, row: &BulkUser) -> Result<()> {
    if row.sets_lifecycle() {
        tx.execute_typed(
            "UPDATE users SET must_change_password = coalesce($2, must_change_password), \
             expires_at = CASE WHEN $3 THEN $4 ELSE expires_at END WHERE id = $1",
            &[
                param(&id),
                param(&row.must_change_password),
                param(&row.expires_at.is_some()),
                param(&opt_time(row.expires_at.flatten())),
            ],
        )?;
    }
    Ok(())
}

impl BulkEngine for PgStore {
    fn store_files(&self) -> Vec<std::path::PathBuf> {
        Vec::new()
    }

    fn write_import(
        &mut self,
        import: &Import<'_>,
        rows: &mut dyn Iterator<Item = Result<BulkUser>>,
    ) -> Result<BulkCounts> {
        let (on_conflict, audit) = (import.on_conflict, import.audit);
        let sealer = import.sealer;
        self.write(|tx| {
            let mut counts = BulkCounts::default();
            write_definitions(tx, import.definitions, audit, &mut counts)?;
            let guard = SuperuserGuard::before(&mut PgSql(&mut *tx), import)?;
            let mut users = UserWriter::prepare(tx, on_conflict, audit, sealer)?;
            for row in rows {
                users.write(tx, row?, &mut counts)?;
            }
            users.batch.flush(tx, on_conflict, audit, &mut counts)?;
            guard.after(&mut PgSql(&mut *tx), users.last_demoted.as_deref())?;
            Ok(counts)
        })
    }
}

/// Writes the rows of users: new ones without field values in batches, the
/// others one by one with statements prepared once.
///
/// Named statements, unlike everywhere else (see `executor::inferred`): a
/// prepared UPDATE costs much less than an unnamed one planned again for
/// each row (an import updating 20,000 users took 6.3 s with unnamed ones,
/// 2.3-3.1 s prepared). They are safe behind a transaction pooler: prepared
/// inside the import's one transaction, which a pooler keeps on one server
/// connection, and closed (dropped) before its COMMIT, so no name outlives
/// it; and userdb leaves no named statement behind on a server connection
/// for one of these to meet.
struct UserWriter<'a> {
    insert: postgres::Statement,
    update: postgres::Statement,
    audit_row: postgres::Statement,
    batch: Batch,
    access: AccessWriter,
    on_conflict: OnConflict,
    audit: &'a BulkAudit,
    sealer: Option<&'a dyn TotpSealer>,
    now: PgTime,
    /// The last row that deactivated or demoted a stored superuser.
    last_demoted: Option<String>,
}

impl<'a> UserWriter<'a> {
    fn prepare(
        tx: &mut Transaction,
        on_conflict: OnConflict,
        audit: &'a BulkAudit,
        sealer: Option<&'a dyn TotpSealer>,
    ) -> Result<Self> {
        let insert_sql = match on_conflict {
            OnConflict::Skip => {
                format!("{INSERT} ON CONFLICT (email_key) DO NOTHING RETURNING id")
            }
            OnConflict::Fail | OnConflict::Update => format!("{INSERT} RETURNING id"),
        };
        Ok(UserWriter {
            insert: tx.prepare(&insert_sql)?,
            update: tx.prepare(UPDATE)?,
            audit_row: tx.prepare(
                "INSERT INTO audit_log (at, event, user_id, email, detail, actor) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )?,
            batch: Batch::default(),
            access: AccessWriter::default(),
            on_conflict,
            audit,
            sealer,
            now: time(audit.at),
            last_demoted: None,
        })
    }

    /// One row: into the batch when it can go there; else, after the batch
    /// (rows stay in file order), an update of the stored user with `Update`,
    /// or an insert.
    fn write(
        &mut self,
        tx: &mut Transaction,
        row: BulkUser,
        counts: &mut BulkCounts,
    ) -> Result<()> {
        if self.batches(&row) {
            return self.add_to_batch(tx, row, counts);
        }
        self.batch.flush(tx, self.on_conflict, self.audit, counts)?;
        if self.on_conflict == OnConflict::Update && self.update_stored(tx, &row)? {
            counts.updated += 1;
        } else if self.insert_new(tx, &row)? {
            counts.created += 1;
        } else {
            counts.skipped += 1;
        }
        Ok(())
    }

    /// New users without field values go many to a statement: the round
    /// trips, not the rows, are what costs over a network. An imported
    /// second factor needs its user's id: such a row goes alone.
    fn batches(&self, row: &BulkUser) -> bool {
        self.on_conflict != OnConflict::Update
            && row.fields.is_empty()
            && !row.sets_lifecycle()
            && row.totp.is_none()
    }

    fn add_to_batch(
        &mut self,
        tx: &mut Transaction,
        row: BulkUser,
        counts: &mut BulkCounts,
    ) -> Result<()> {
        if self.on_conflict == OnConflict::Fail && !self.batch.keys.insert(row.email_key.clone()) {
            return Err(Error::UserExists(row.email));
        }
        let groups = self.access.group_ids(tx, row.groups.as_deref())?;
        self.batch.push(&row, self.now, groups, self.audit);
        if self.batch.len() == BATCH_ROWS {
            self.batch.flush(tx, self.on_conflict, self.audit, counts)?;
        }
        Ok(())
    }

    /// Updates the user the row names; false when there is none.
    fn update_stored(&mut self, tx: &mut Transaction, row: &BulkUser) -> Result<bool> {
        let given_password = match &row.password {
            BulkPassword::Set(hash) => Some(hash.as_str()),
            BulkPassword::Absent { .. } => None,
        };
        let updated = tx.query_opt(
            &self.update,
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
        let Some(updated) = updated else {
            return Ok(false);
        };
        let id: i64 = updated.try_get(0)?;
        if row.demotes() {
            self.last_demoted = Some(row.email.clone());
        }
        self.write_extras(tx, id, row, false)?;
        Ok(true)
    }

    /// Inserts the row as a new user; false when `Skip` left a stored one alone.
    fn insert_new(&mut self, tx: &mut Transaction, row: &BulkUser) -> Result<bool> {
        let password = match &row.password {
            BulkPassword::Set(hash) => hash,
            BulkPassword::Absent { unusable } => unusable,
        };
        let inserted = tx.query_opt(
            &self.insert,
            &[
                &row.email,
                &row.email_key,
                password,
                &row.first_name.as_deref().unwrap_or(""),
                &row.last_name.as_deref().unwrap_or(""),
                &row.is_active.unwrap_or(true),
                &row.is_staff.unwrap_or(false),
                &row.is_superuser.unwrap_or(false),
                &opt_time(row.date_joined).unwrap_or(self.now),
                &opt_time(row.last_login),
                &opt_time(row.email_verified_at),
            ],
        );
        match inserted {
            Err(e) if is_unique_violation(&e) => Err(Error::UserExists(row.email.clone())),
            Err(e) => Err(e.into()),
            Ok(None) => Ok(false),
            Ok(Some(inserted)) => {
                let id: i64 = inserted.try_get(0)?;
                self.write_extras(tx, id, row, true)?;
                Ok(true)
            }
        }
    }

    /// What a written user's row holds besides its columns: lifecycle, custom
    /// fields, access, its audit row, and an imported second factor.
    fn write_extras(
        &mut self,
        tx: &mut Transaction,
        id: i64,
        row: &BulkUser,
        new: bool,
    ) -> Result<()> {
        set_lifecycle(tx, id, row)?;
        fields::write_fields(&mut PgSql(tx), id, &row.fields)?;
        self.access.write(tx, id, row, new)?;
        let event = self.audit.user_event(new).as_str();
        tx.execute(
            &self.audit_row,
            &[
                &self.now,
                &event,
                &id,
                &row.email,
                &self.audit.user_detail(row),
                &self.audit.actor,
            ],
        )?;
        write_imported_totp(&mut PgSql(tx), self.sealer, self.audit, id, row)
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
    /// The audit details of rows that set groups or permissions, by email key
    /// (the others take the import's).
    detail_keys: Vec<String>,
    details: Vec<String>,
    /// Memberships of the new users: (email key, group id) pairs.
    member_keys: Vec<String>,
    member_groups: Vec<i64>,
    /// Direct permissions of the new users: (email key, permission) pairs.
    grant_keys: Vec<String>,
    grant_permissions: Vec<String>,
    /// Every key batched in this import (with `Fail`, a repeat is a clash).
    keys: HashSet<String>,
}

impl Batch {
    fn len(&self) -> usize {
        self.email.len()
    }

    fn push(&mut self, row: &BulkUser, now: PgTime, groups: Option<Vec<i64>>, audit: &BulkAudit) {
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
        if row.groups.is_some() || row.permissions.is_some() {
            self.detail_keys.push(row.email_key.clone());
            self.details.push(audit.user_detail(row).into_owned());
        }
        // Without repeats: the statement has no ON CONFLICT (a new user has
        // no rows yet, and speculative insertion costs).
        let mut groups = groups.unwrap_or_default();
        groups.sort_unstable();
        groups.dedup();
        for group in groups {
            self.member_keys.push(row.email_key.clone());
            self.member_groups.push(group);
        }
        let mut permissions: Vec<&str> = (row.permissions.iter().flatten())
            .map(|p| p.as_str())
            .collect();
        permissions.sort_unstable();
        permissions.dedup();
        for permission in permissions {
            self.grant_keys.push(row.email_key.clone());
            self.grant_permissions.push(permission.to_string());
        }
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
        let access = !self.detail_keys.is_empty();
        let sql = Self::statement(on_conflict, access);
        let at = time(audit.at);
        let event = audit.created_event.as_str();
        let mut params = vec![
            param(&self.email),
            param(&self.email_key),
            param(&self.password),
            param(&self.first_name),
            param(&self.last_name),
            param(&self.is_active),
            param(&self.is_staff),
            param(&self.is_superuser),
            param(&self.date_joined),
            param(&self.last_login),
            param(&self.email_verified_at),
            param(&at),
            param(&event),
            param(&audit.detail),
            param(&audit.actor),
        ];
        if access {
            params.extend([
                param(&self.detail_keys),
                param(&self.details),
                param(&self.member_keys),
                param(&self.member_groups),
                param(&self.grant_keys),
                param(&self.grant_permissions),
            ]);
        }
        let inserted = tx.query_typed_one(&sql, &params);
        let inserted: i64 = match inserted {
            // With `Fail` the statement has no ON CONFLICT (it costs the
            // others): a stored address fails it, and rolls the import back.
            Err(e) if is_unique_violation(&e) => {
                return Err(Error::UserExists(self.taken_email(&e)));
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

    /// The statement of a batch: the users, their audit rows and, when
    /// `access`, their memberships, grants and details of their own.
    fn statement(on_conflict: OnConflict, access: bool) -> String {
        let skip = match on_conflict {
            OnConflict::Skip => "ON CONFLICT (email_key) DO NOTHING",
            OnConflict::Fail | OnConflict::Update => "",
        };
        // Memberships, grants and details of their own are joined to the
        // inserted users by email key (a skipped row inserts no user, so it
        // gets none); a batch without any keeps the plain statement.
        let (detail, with_access) = if access {
            (
                "coalesce(d.detail, $14)",
                "LEFT JOIN unnest($16::text[], $17::text[]) AS d(email_key, detail) USING (email_key)",
            )
        } else {
            ("$14", "")
        };
        let access_ctes = if access {
            "), joined AS (
                INSERT INTO user_groups (user_id, group_id)
                SELECT i.id, m.group_id
                FROM unnest($18::text[], $19::bigint[]) AS m(email_key, group_id)
                JOIN inserted i USING (email_key)
            ), granted AS (
                INSERT INTO user_permissions (user_id, permission)
                SELECT i.id, p.permission
                FROM unnest($20::text[], $21::text[]) AS p(email_key, permission)
                JOIN inserted i USING (email_key)"
        } else {
            ""
        };
        format!(
            "WITH inserted AS (
                INSERT INTO users (email, email_key, password, first_name, last_name,
                    is_active, is_staff, is_superuser, date_joined, last_login, email_verified_at)
                SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
                    $6::bool[], $7::bool[], $8::bool[], $9::timestamptz[], $10::timestamptz[],
                    $11::timestamptz[])
                {skip}
                RETURNING id, email, email_key
            ), audited AS (
                INSERT INTO audit_log (at, event, user_id, email, detail, actor)
                SELECT $12, $13, i.id, i.email, {detail}, $15 FROM inserted i {with_access}
                ORDER BY i.id
            {access_ctes})
            SELECT count(*) FROM inserted"
        )
    }

    /// The address of the batch a unique violation names, as the file gives it.
    fn taken_email(&self, err: &postgres::Error) -> String {
        let key = taken_key(err);
        let at = self.email_key.iter().position(|k| Some(k) == key.as_ref());
        at.map_or_else(|| key.unwrap_or_default(), |i| self.email[i].clone())
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

/// Creates the groups a file defines, or sets their permissions, with an audit
/// row for each one created or changed; then stores the permissions' models.
fn write_definitions(
    tx: &mut Transaction,
    definitions: &BulkDefinitions,
    audit: &BulkAudit,
    counts: &mut BulkCounts,
) -> Result<()> {
    let at = time(audit.at);
    for group in &definitions.groups {
        let found = tx.query_typed_opt(
            "SELECT id FROM groups WHERE name = $1",
            &[param(&group.name)],
        )?;
        let wanted: Vec<&str> = group.permissions.iter().map(|p| p.as_str()).collect();
        let (id, event) = match found {
            None => {
                let id: i64 = tx
                    .query_typed_one(
                        "INSERT INTO groups (name) VALUES ($1) RETURNING id",
                        &[param(&group.name)],
                    )?
                    .try_get(0)?;
                counts.groups_created += 1;
                (id, audit.group_created_event)
            }
            Some(found) => {
                let id: i64 = found.try_get(0)?;
                let mut current: Vec<String> = tx
                    .query_typed(
                        "SELECT permission FROM group_permissions WHERE group_id = $1",
                        &[param(&id)],
                    )?
                    .iter()
                    .map(|row| row.try_get(0))
                    .collect::<Result<_, _>>()?;
                current.sort_unstable();
                if current == wanted {
                    continue;
                }
                tx.execute_typed(
                    "DELETE FROM group_permissions WHERE group_id = $1",
                    &[param(&id)],
                )?;
                counts.groups_updated += 1;
                (id, audit.group_updated_event)
            }
        };
        tx.execute_typed(
            "INSERT INTO group_permissions (group_id, permission) \
             SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING",
            &[param(&id), param(&wanted)],
        )?;
        tx.execute_typed(
            "INSERT INTO audit_log (at, event, user_id, email, detail, actor) \
             VALUES ($1, $2, NULL, NULL, $3, $4)",
            &[
                param(&at),
                param(&event.as_str()),
                param(&audit.group_detail(group)),
                param(&audit.actor),
            ],
        )?;
    }
    // One row per permission (the last model given wins, as SQLite's upserts
    // one by one do): a statement may not upsert the same row twice.
    let models: BTreeMap<&str, &str> = (definitions.permission_models.iter())
        .map(|(permission, model)| (permission.as_str(), model.as_str()))
        .collect();
    if !models.is_empty() {
        let permissions: Vec<&str> = models.keys().copied().collect();
        let names: Vec<&str> = models.values().copied().collect();
        tx.execute_typed(
            "INSERT INTO permission_models (permission, model) \
             SELECT * FROM unnest($1::text[], $2::text[]) \
             ON CONFLICT (permission) DO UPDATE SET model = excluded.model",
            &[param(&permissions), param(&names)],
        )?;
    }
    Ok(())
}

/// Sets the memberships and direct permissions a row gives, exactly.
#[derive(Default)]
struct AccessWriter {
    /// Every group's id by name, read at the first row that names groups
    /// (after the file's own groups are written).
    ids: Option<HashMap<String, i64>>,
}

impl AccessWriter {
    /// The ids of the groups named; an unknown one is [`Error::GroupNotFound`].
    fn group_ids(
        &mut self,
        tx: &mut Transaction,
        names: Option<&[String]>,
    ) -> Result<Option<Vec<i64>>> {
        let Some(names) = names else {
            return Ok(None);
        };
        let ids = match &mut self.ids {
            Some(ids) => ids,
            none => none.insert(
                tx.query_typed("SELECT name, id FROM groups", &[])?
                    .iter()
                    .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
                    .collect::<Result<_>>()?,
            ),
        };
        names
            .iter()
            .map(|name| {
                ids.get(name)
                    .copied()
                    .ok_or_else(|| Error::GroupNotFound(name.clone()))
            })
            .collect::<Result<Vec<i64>>>()
            .map(Some)
    }

    fn write(
        &mut self,
        tx: &mut Transaction,
        user_id: i64,
        row: &BulkUser,
        new: bool,
    ) -> Result<()> {
        if let Some(groups) = self.group_ids(tx, row.groups.as_deref())? {
            // The rows kept and the rows added never meet: one statement.
            let sql = if new {
                "INSERT INTO user_groups (user_id, group_id) SELECT $1, unnest($2::bigint[]) \
                 ON CONFLICT DO NOTHING"
            } else {
                "WITH gone AS (DELETE FROM user_groups \
                   WHERE user_id = $1 AND NOT (group_id = ANY ($2::bigint[]))) \
                 INSERT INTO user_groups (user_id, group_id) SELECT $1, unnest($2::bigint[]) \
                 ON CONFLICT DO NOTHING"
            };
            tx.execute_typed(sql, &[param(&user_id), param(&groups)])?;
        }
        if let Some(permissions) = &row.permissions {
            let permissions: Vec<&str> = permissions.iter().map(|p| p.as_str()).collect();
            let sql = if new {
                "INSERT INTO user_permissions (user_id, permission) \
                 SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING"
            } else {
                "WITH gone AS (DELETE FROM user_permissions \
                   WHERE user_id = $1 AND NOT (permission = ANY ($2::text[]))) \
                 INSERT INTO user_permissions (user_id, permission) \
                 SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING"
            };
            tx.execute_typed(sql, &[param(&user_id), param(&permissions)])?;
        }
        Ok(())
    }
}
