//! [`GroupStore`] for [`PgStore`]: groups, memberships and permissions.

use postgres::{GenericClient, Transaction};

use super::executor::PgSql;
use super::{PgStore, is_unique_violation};
use crate::access::{Group, GroupChange, Permission, UserAccess};
use crate::error::{Error, Result};
use crate::storage::tables::insert_audit;
use crate::storage::{AuditEntry, GroupStore};

/// The permissions granted to a user directly and through groups: one query
/// over two primary-key indexes, whatever the number of groups.
const GRANTED: &str = "SELECT permission FROM user_permissions WHERE user_id = $1 \
     UNION SELECT gp.permission FROM user_groups ug \
     JOIN group_permissions gp ON gp.group_id = ug.group_id WHERE ug.user_id = $1 \
     ORDER BY 1";

fn group_id(client: &mut impl GenericClient, name: &str) -> Result<i64> {
    client
        .query_opt("SELECT id FROM groups WHERE name = $1", &[&name])?
        .map(|row| row.try_get(0))
        .transpose()?
        .ok_or_else(|| Error::GroupNotFound(name.to_string()))
}

fn strings(client: &mut impl GenericClient, sql: &str, id: i64) -> Result<Vec<String>> {
    client
        .query(sql, &[&id])?
        .iter()
        .map(|row| Ok(row.try_get(0)?))
        .collect()
}

fn fetch_group(client: &mut impl GenericClient, id: i64) -> Result<Group> {
    let row = client.query_one(
        "SELECT name, (SELECT count(*) FROM user_groups WHERE group_id = $1) \
         FROM groups WHERE id = $1",
        &[&id],
    )?;
    let members: i64 = row.try_get(1)?;
    let permissions = strings(
        client,
        "SELECT permission FROM group_permissions WHERE group_id = $1 ORDER BY permission",
        id,
    )?;
    Ok(Group {
        id,
        name: row.try_get(0)?,
        permissions,
        members: u64::try_from(members).unwrap_or(0),
    })
}

fn add_permissions(tx: &mut Transaction, group: i64, permissions: &[Permission]) -> Result<()> {
    for p in permissions {
        tx.execute(
            "INSERT INTO group_permissions (group_id, permission) VALUES ($1, $2) \
             ON CONFLICT DO NOTHING",
            &[&group, &p.as_str()],
        )?;
    }
    Ok(())
}

impl GroupStore for PgStore {
    fn insert_group(
        &mut self,
        name: &str,
        permissions: &[Permission],
        audit: &[AuditEntry],
    ) -> Result<Group> {
        self.write(|tx| {
            let id: i64 = match tx.query_one(
                "INSERT INTO groups (name) VALUES ($1) RETURNING id",
                &[&name],
            ) {
                Err(e) if is_unique_violation(&e) => {
                    return Err(Error::GroupExists(name.to_string()));
                }
                other => other?.try_get(0)?,
            };
            add_permissions(tx, id, permissions)?;
            insert_audit(&mut PgSql(tx), None, None, audit)?;
            fetch_group(tx, id)
        })
    }

    fn group_by_name(&self, name: &str) -> Result<Option<Group>> {
        self.read(|client| match group_id(client, name) {
            Ok(id) => fetch_group(client, id).map(Some),
            Err(Error::GroupNotFound(_)) => Ok(None),
            Err(e) => Err(e),
        })
    }

    fn list_groups(&self) -> Result<Vec<Group>> {
        // One query, sorted bytewise alike on both backends.
        crate::storage::BulkStore::all_groups(self)
    }

    fn update_group(
        &mut self,
        name: &str,
        change: &GroupChange,
        audit: &[AuditEntry],
    ) -> Result<Group> {
        self.write(|tx| {
            let id = group_id(tx, name)?;
            if let Some(new) = &change.rename {
                // Checked first: a failed statement would abort the transaction.
                if tx
                    .query_opt(
                        "SELECT 1 FROM groups WHERE name = $1 AND id <> $2",
                        &[new, &id],
                    )?
                    .is_some()
                {
                    return Err(Error::GroupExists(new.clone()));
                }
                tx.execute("UPDATE groups SET name = $2 WHERE id = $1", &[&id, new])?;
            }
            add_permissions(tx, id, &change.add)?;
            for p in &change.remove {
                tx.execute(
                    "DELETE FROM group_permissions WHERE group_id = $1 AND permission = $2",
                    &[&id, &p.as_str()],
                )?;
            }
            insert_audit(&mut PgSql(tx), None, None, audit)?;
            fetch_group(tx, id)
        })
    }

    fn delete_group(&mut self, name: &str, audit: &[AuditEntry]) -> Result<Group> {
        self.write(|tx| {
            let id = group_id(tx, name)?;
            let group = fetch_group(tx, id)?;
            tx.execute("DELETE FROM groups WHERE id = $1", &[&id])?;
            insert_audit(&mut PgSql(tx), None, None, audit)?;
            Ok(group)
        })
    }

    fn user_access(&self, user_id: i64) -> Result<UserAccess> {
        self.read(|client| {
            Ok(UserAccess {
                groups: strings(
                    client,
                    "SELECT g.name FROM user_groups ug JOIN groups g ON g.id = ug.group_id \
                     WHERE ug.user_id = $1 ORDER BY g.name",
                    user_id,
                )?,
                user_permissions: strings(
                    client,
                    "SELECT permission FROM user_permissions WHERE user_id = $1 \
                     ORDER BY permission",
                    user_id,
                )?,
                group_permissions: strings(
                    client,
                    "SELECT DISTINCT gp.permission FROM user_groups ug \
                     JOIN group_permissions gp ON gp.group_id = ug.group_id \
                     WHERE ug.user_id = $1 ORDER BY 1",
                    user_id,
                )?,
            })
        })
    }

    fn granted_permissions(&self, user_id: i64) -> Result<Vec<String>> {
        self.read(|client| strings(client, GRANTED, user_id))
    }

    fn permission_models(&self) -> Result<Vec<(String, String)>> {
        self.read(|client| {
            client
                .query(
                    "SELECT permission, model FROM permission_models ORDER BY permission",
                    &[],
                )?
                .iter()
                .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
                .collect()
        })
    }
}
