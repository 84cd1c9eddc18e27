//! [`GroupStore`] for every engine: groups, memberships and permissions
//! (migration 0007).

use super::insert_audit;
use crate::access::{AccessChange, Group, GroupChange, Permission, UserAccess};
use crate::error::{Error, Result};
use crate::storage::sql::{Engine, Sql, args};
use crate::storage::{AuditEntry, BulkStore, GroupStore};

/// The permissions granted to a user directly and through groups: one query
/// over two primary-key indexes, whatever the number of groups.
const GRANTED: &str = "SELECT permission FROM user_permissions WHERE user_id = $1 \
     UNION SELECT gp.permission FROM user_groups ug \
     JOIN group_permissions gp ON gp.group_id = ug.group_id WHERE ug.user_id = $1 \
     ORDER BY 1";

fn group_id(sql: &mut dyn Sql, name: &str) -> Result<i64> {
    sql.query_opt("SELECT id FROM groups WHERE name = $1", args![name], |r| {
        r.get(0)
    })?
    .ok_or_else(|| Error::GroupNotFound(name.to_string()))
}

/// The first column of every row of a query about one id.
fn strings(sql: &mut dyn Sql, query: &str, id: i64) -> Result<Vec<String>> {
    sql.query(query, args![id], |r| r.get(0))
}

fn fetch_group(sql: &mut dyn Sql, id: i64) -> Result<Group> {
    let (name, members) = sql.query_one(
        "SELECT name, (SELECT count(*) FROM user_groups WHERE group_id = $1) \
         FROM groups WHERE id = $1",
        args![id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let permissions = strings(
        sql,
        "SELECT permission FROM group_permissions WHERE group_id = $1 ORDER BY permission",
        id,
    )?;
    Ok(Group {
        id,
        name,
        permissions,
        members,
    })
}

fn add_permissions(sql: &mut dyn Sql, group: i64, permissions: &[Permission]) -> Result<()> {
    for p in permissions {
        sql.execute(
            "INSERT INTO group_permissions (group_id, permission) VALUES ($1, $2) \
             ON CONFLICT DO NOTHING",
            args![group, p.as_str()],
        )?;
    }
    Ok(())
}

/// Applies a user's membership and grant changes inside its write.
pub(crate) fn apply_access(sql: &mut dyn Sql, user_id: i64, change: &AccessChange) -> Result<()> {
    let memberships = [
        (
            &change.join,
            "INSERT INTO user_groups (user_id, group_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        ),
        (
            &change.leave,
            "DELETE FROM user_groups WHERE user_id = $1 AND group_id = $2",
        ),
    ];
    for (names, statement) in memberships {
        for name in names {
            let group = group_id(sql, name)?;
            sql.execute(statement, args![user_id, group])?;
        }
    }
    let grants = [
        (
            &change.grant,
            "INSERT INTO user_permissions (user_id, permission) VALUES ($1, $2) \
             ON CONFLICT DO NOTHING",
        ),
        (
            &change.revoke,
            "DELETE FROM user_permissions WHERE user_id = $1 AND permission = $2",
        ),
    ];
    for (permissions, statement) in grants {
        for p in permissions {
            sql.execute(statement, args![user_id, p.as_str()])?;
        }
    }
    Ok(())
}

impl<E: Engine + BulkStore> GroupStore for E {
    fn insert_group(
        &mut self,
        name: &str,
        permissions: &[Permission],
        audit: &[AuditEntry],
    ) -> Result<Group> {
        self.write(|sql| {
            // No row back is the name taken (a failed statement would abort
            // PostgreSQL's transaction).
            let id: i64 = sql
                .query_opt(
                    "INSERT INTO groups (name) VALUES ($1) ON CONFLICT DO NOTHING RETURNING id",
                    args![name],
                    |r| r.get(0),
                )?
                .ok_or_else(|| Error::GroupExists(name.to_string()))?;
            add_permissions(sql, id, permissions)?;
            insert_audit(sql, None, None, audit)?;
            fetch_group(sql, id)
        })
    }

    fn group_by_name(&self, name: &str) -> Result<Option<Group>> {
        self.read(|sql| match group_id(sql, name) {
            Ok(id) => fetch_group(sql, id).map(Some),
            Err(Error::GroupNotFound(_)) => Ok(None),
            Err(e) => Err(e),
        })
    }

    fn list_groups(&self) -> Result<Vec<Group>> {
        // One query, sorted bytewise alike on both engines.
        self.all_groups()
    }

    fn update_group(
        &mut self,
        name: &str,
        change: &GroupChange,
        audit: &[AuditEntry],
    ) -> Result<Group> {
        self.write(|sql| {
            let id = group_id(sql, name)?;
            if let Some(new) = &change.rename {
                // Checked first, under the writers' lock: a failed statement
                // would abort PostgreSQL's transaction.
                let taken = sql.query_opt(
                    "SELECT 1 FROM groups WHERE name = $1 AND id <> $2",
                    args![new, id],
                    |_| Ok(()),
                )?;
                if taken.is_some() {
                    return Err(Error::GroupExists(new.clone()));
                }
                sql.execute("UPDATE groups SET name = $2 WHERE id = $1", args![id, new])?;
            }
            add_permissions(sql, id, &change.add)?;
            for p in &change.remove {
                sql.execute(
                    "DELETE FROM group_permissions WHERE group_id = $1 AND permission = $2",
                    args![id, p.as_str()],
                )?;
            }
            insert_audit(sql, None, None, audit)?;
            fetch_group(sql, id)
        })
    }

    fn delete_group(&mut self, name: &str, audit: &[AuditEntry]) -> Result<Group> {
        self.write(|sql| {
            let id = group_id(sql, name)?;
            let group = fetch_group(sql, id)?;
            sql.execute("DELETE FROM groups WHERE id = $1", args![id])?;
            insert_audit(sql, None, None, audit)?;
            Ok(group)
        })
    }

    fn user_access(&self, user_id: i64) -> Result<UserAccess> {
        self.read(|sql| {
            Ok(UserAccess {
                groups: strings(
                    sql,
                    "SELECT g.name FROM user_groups ug JOIN groups g ON g.id = ug.group_id \
                     WHERE ug.user_id = $1 ORDER BY g.name",
                    user_id,
                )?,
                user_permissions: strings(
                    sql,
                    "SELECT permission FROM user_permissions WHERE user_id = $1 \
                     ORDER BY permission",
                    user_id,
                )?,
                group_permissions: strings(
                    sql,
                    "SELECT DISTINCT gp.permission FROM user_groups ug \
                     JOIN group_permissions gp ON gp.group_id = ug.group_id \
                     WHERE ug.user_id = $1 ORDER BY 1",
                    user_id,
                )?,
            })
        })
    }

    fn granted_permissions(&self, user_id: i64) -> Result<Vec<String>> {
        self.read(|sql| strings(sql, GRANTED, user_id))
    }

    fn permission_models(&self) -> Result<Vec<(String, String)>> {
        self.read(|sql| {
            sql.query(
                "SELECT permission, model FROM permission_models ORDER BY permission",
                args![],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
        })
    }
}
