//! [`GroupStore`] for [`SqliteStore`]: groups, memberships and permissions
//! (migration 0007).

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::executor::SqliteSql;
use super::{SqliteStore, is_unique_violation};
use crate::access::{Group, GroupChange, Permission, UserAccess};
use crate::error::{Error, Result};
use crate::storage::tables::insert_audit;
use crate::storage::{AuditEntry, GroupStore};

/// The permissions granted to a user directly and through groups: one query
/// over two primary-key indexes, whatever the number of groups.
pub(super) const GRANTED: &str = "SELECT permission FROM user_permissions WHERE user_id = ?1 \
     UNION SELECT gp.permission FROM user_groups ug \
     JOIN group_permissions gp ON gp.group_id = ug.group_id WHERE ug.user_id = ?1 \
     ORDER BY 1";

fn group_id(conn: &Connection, name: &str) -> Result<i64> {
    conn.prepare_cached("SELECT id FROM groups WHERE name = ?1")?
        .query_row([name], |r| r.get(0))
        .optional()?
        .ok_or_else(|| Error::GroupNotFound(name.to_string()))
}

fn strings(conn: &Connection, sql: &str, id: i64) -> rusqlite::Result<Vec<String>> {
    conn.prepare_cached(sql)?
        .query_map([id], |r| r.get(0))?
        .collect()
}

fn fetch_group(conn: &Connection, id: i64) -> Result<Group> {
    let (name, members) = conn.query_row(
        "SELECT name, (SELECT count(*) FROM user_groups WHERE group_id = ?1) \
         FROM groups WHERE id = ?1",
        [id],
        |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)),
    )?;
    let permissions = strings(
        conn,
        "SELECT permission FROM group_permissions WHERE group_id = ?1 ORDER BY permission",
        id,
    )?;
    Ok(Group {
        id,
        name,
        permissions,
        members: u64::try_from(members).unwrap_or(0),
    })
}

fn add_permissions(tx: &Transaction, group: i64, permissions: &[Permission]) -> Result<()> {
    let mut insert = tx.prepare_cached(
        "INSERT INTO group_permissions (group_id, permission) VALUES (?1, ?2) \
         ON CONFLICT DO NOTHING",
    )?;
    for p in permissions {
        insert.execute(params![group, p.as_str()])?;
    }
    Ok(())
}

impl GroupStore for SqliteStore {
    fn insert_group(
        &mut self,
        name: &str,
        permissions: &[Permission],
        audit: &[AuditEntry],
    ) -> Result<Group> {
        self.write(|tx| {
            match tx.execute("INSERT INTO groups (name) VALUES (?1)", [name]) {
                Err(e) if is_unique_violation(&e) => {
                    return Err(Error::GroupExists(name.to_string()));
                }
                other => other?,
            };
            let id = tx.last_insert_rowid();
            add_permissions(tx, id, permissions)?;
            insert_audit(&mut SqliteSql(tx), None, None, audit)?;
            fetch_group(tx, id)
        })
    }

    fn group_by_name(&self, name: &str) -> Result<Option<Group>> {
        self.read(|| match group_id(&self.conn, name) {
            Ok(id) => fetch_group(&self.conn, id).map(Some),
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
                match tx.execute(
                    "UPDATE groups SET name = ?2 WHERE id = ?1",
                    params![id, new],
                ) {
                    Err(e) if is_unique_violation(&e) => {
                        return Err(Error::GroupExists(new.clone()));
                    }
                    other => other?,
                };
            }
            add_permissions(tx, id, &change.add)?;
            for p in &change.remove {
                tx.execute(
                    "DELETE FROM group_permissions WHERE group_id = ?1 AND permission = ?2",
                    params![id, p.as_str()],
                )?;
            }
            insert_audit(&mut SqliteSql(tx), None, None, audit)?;
            fetch_group(tx, id)
        })
    }

    fn delete_group(&mut self, name: &str, audit: &[AuditEntry]) -> Result<Group> {
        self.write(|tx| {
            let id = group_id(tx, name)?;
            let group = fetch_group(tx, id)?;
            tx.execute("DELETE FROM groups WHERE id = ?1", [id])?;
            insert_audit(&mut SqliteSql(tx), None, None, audit)?;
            Ok(group)
        })
    }

    fn user_access(&self, user_id: i64) -> Result<UserAccess> {
        self.read(|| {
            Ok(UserAccess {
                groups: strings(
                    &self.conn,
                    "SELECT g.name FROM user_groups ug JOIN groups g ON g.id = ug.group_id \
                     WHERE ug.user_id = ?1 ORDER BY g.name",
                    user_id,
                )?,
                user_permissions: strings(
                    &self.conn,
                    "SELECT permission FROM user_permissions WHERE user_id = ?1 \
                     ORDER BY permission",
                    user_id,
                )?,
                group_permissions: strings(
                    &self.conn,
                    "SELECT DISTINCT gp.permission FROM user_groups ug \
                     JOIN group_permissions gp ON gp.group_id = ug.group_id \
                     WHERE ug.user_id = ?1 ORDER BY 1",
                    user_id,
                )?,
            })
        })
    }

    fn granted_permissions(&self, user_id: i64) -> Result<Vec<String>> {
        self.read(|| Ok(strings(&self.conn, GRANTED, user_id)?))
    }

    fn permission_models(&self) -> Result<Vec<(String, String)>> {
        self.read(|| {
            Ok(self
                .conn
                .prepare("SELECT permission, model FROM permission_models ORDER BY permission")?
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?)
        })
    }
}
