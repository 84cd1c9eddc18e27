//! [`BulkStore`] for every engine: the streaming reads of export and import's
//! checks are written once here. The import's writer is the engine's own
//! ([`BulkEngine::write_import`]): SQLite prepares each statement once for the
//! whole file, PostgreSQL sends new users a thousand to a statement (`unnest`
//! arrays), as round trips are what costs over a network.

use std::path::PathBuf;

use super::user_row::{user_columns, user_from_row};
use super::{active_superusers, guard_last_superuser};
use crate::access::Group;
use crate::error::Result;
use crate::storage::sql::{Dialect, Engine, Sql, args};
use crate::storage::{
    BulkAudit, BulkCounts, BulkDefinitions, BulkStore, BulkUser, Memberships, OnConflict,
    TotpSealer,
};
use crate::user::User;

/// How many columns [`user_columns`] names: a query's own columns follow.
const USER_COLUMN_COUNT: usize = 14;

/// An import as the engines' writers take it ([`BulkStore::bulk_write`]).
pub(crate) struct Import<'a> {
    pub(crate) definitions: &'a BulkDefinitions,
    pub(crate) on_conflict: OnConflict,
    pub(crate) protect_last_superuser: bool,
    pub(crate) audit: &'a BulkAudit,
    pub(crate) sealer: Option<&'a dyn TotpSealer>,
}

/// What bulk provisioning needs of an engine besides the shared SQL.
pub(crate) trait BulkEngine: Engine {
    /// [`BulkStore::own_files`].
    fn store_files(&self) -> Vec<PathBuf>;
    /// [`BulkStore::bulk_write`], in this engine's fastest way. It keeps the
    /// last-superuser rule with a [`SuperuserGuard`].
    fn write_import(
        &mut self,
        import: &Import<'_>,
        rows: &mut dyn Iterator<Item = Result<BulkUser>>,
    ) -> Result<BulkCounts>;
}

/// The last-superuser rule of an import: the active superusers counted before
/// the rows are written, checked again (before commit) if a row demoted one.
pub(crate) struct SuperuserGuard(i64);

impl SuperuserGuard {
    /// Counts, when the import may demote a stored superuser (`Update`).
    pub(crate) fn before(sql: &mut dyn Sql, import: &Import<'_>) -> Result<Self> {
        let guard = import.protect_last_superuser && import.on_conflict == OnConflict::Update;
        Ok(SuperuserGuard(if guard {
            active_superusers(sql)?
        } else {
            0
        }))
    }

    /// Fails, naming `last_demoted` (the last row that deactivated or demoted a
    /// stored superuser), when the rows left none where there was one.
    pub(crate) fn after(self, sql: &mut dyn Sql, last_demoted: Option<&str>) -> Result<()> {
        match last_demoted {
            Some(email) if self.0 > 0 => guard_last_superuser(sql, email),
            _ => Ok(()),
        }
    }
}

/// A list aggregated into one text column, and its separator.
fn aggregated(row: Option<String>, separator: char) -> Vec<String> {
    let mut items: Vec<String> = row
        .as_deref()
        .map(|t| t.split(separator).map(str::to_string).collect())
        .unwrap_or_default();
    // Bytewise, the same on every engine (ORDER BY would follow the collation).
    items.sort_unstable();
    items
}

impl<E: BulkEngine> BulkStore for E {
    fn own_files(&self) -> Vec<PathBuf> {
        self.store_files()
    }

    fn for_each_email(&self, f: &mut dyn FnMut(&str, &str)) -> Result<()> {
        self.read(|sql| {
            sql.each_row("SELECT email_key, email FROM users", args![], &mut |r| {
                f(r.text(0)?, r.text(1)?);
                Ok(())
            })
        })
    }

    fn for_each_field_value(&self, name: &str, f: &mut dyn FnMut(&str, &str, &str)) -> Result<()> {
        self.read(|sql| {
            sql.each_row(
                "SELECT v.value, u.email_key, u.email FROM user_field_values v \
                 JOIN users u ON u.id = v.user_id WHERE v.name = $1",
                args![name],
                &mut |r| {
                    f(r.text(0)?, r.text(1)?, r.text(2)?);
                    Ok(())
                },
            )
        })
    }

    fn for_each_user(&self, f: &mut dyn FnMut(&User, &Memberships) -> Result<()>) -> Result<()> {
        self.read(|sql| {
            // Without any membership or grant (most databases), the query is
            // the plain one: no lookups per user.
            let (groups, grants): (bool, bool) = sql.query_one(
                "SELECT EXISTS (SELECT 1 FROM user_groups), EXISTS (SELECT 1 FROM user_permissions)",
                args![],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            // Group names hold no control character: U+001F separates them.
            let unit_separator = match sql.dialect() {
                Dialect::Sqlite => "char(31)",
                Dialect::Postgres => "chr(31)",
            };
            let groups_sql = if groups {
                format!(
                    "(SELECT string_agg(g.name, {unit_separator}) FROM user_groups ug \
                     JOIN groups g ON g.id = ug.group_id WHERE ug.user_id = users.id)"
                )
            } else {
                "NULL".to_string()
            };
            let grants_sql = if grants {
                "(SELECT string_agg(permission, ' ') FROM user_permissions \
                 WHERE user_id = users.id)"
            } else {
                "NULL"
            };
            let columns = user_columns(sql.dialect());
            sql.each_row(
                &format!("SELECT {columns}, {groups_sql}, {grants_sql} FROM users ORDER BY id"),
                args![],
                &mut |r| {
                    // The two lists follow the user's columns.
                    let memberships = Memberships {
                        groups: aggregated(r.get(USER_COLUMN_COUNT)?, '\u{1f}'),
                        user_permissions: aggregated(r.get(USER_COLUMN_COUNT + 1)?, ' '),
                    };
                    f(&user_from_row(r)?, &memberships)
                },
            )
        })
    }

    fn all_groups(&self) -> Result<Vec<Group>> {
        let mut groups = self.read(|sql| {
            sql.query(
                "SELECT g.id, g.name, (SELECT count(*) FROM user_groups WHERE group_id = g.id), \
                 (SELECT string_agg(permission, ' ') FROM group_permissions \
                  WHERE group_id = g.id) FROM groups g",
                args![],
                |r| {
                    Ok(Group {
                        id: r.get(0)?,
                        name: r.get(1)?,
                        permissions: aggregated(r.get(3)?, ' '),
                        members: r.get::<i64>(2)?.try_into().unwrap_or(0),
                    })
                },
            )
        })?;
        groups.sort_unstable_by(|a, b| a.name.cmp(&b.name));
        Ok(groups)
    }

    fn bulk_write(
        &mut self,
        definitions: &BulkDefinitions,
        rows: &mut dyn Iterator<Item = Result<BulkUser>>,
        on_conflict: OnConflict,
        protect_last_superuser: bool,
        audit: &BulkAudit,
        sealer: Option<&dyn TotpSealer>,
    ) -> Result<BulkCounts> {
        let import = Import {
            definitions,
            on_conflict,
            protect_last_superuser,
            audit,
            sealer,
        };
        self.write_import(&import, rows)
    }
}
