//! The tables' queries, written once for both engines over [`Sql`]. Each file
//! implements one store trait for every [`Engine`] (SQLite's store, PostgreSQL's,
//! and [`Store`](super::Store), which passes to whichever it holds); what
//! really differs between engines (the writers' lock, bulk inserts, identity
//! handling in `copy`, integrity checks, connection and migrations) stays in
//! `sqlite/` and `postgres/`.

pub(crate) mod groups;
mod otp;
mod reset_tokens;
pub(crate) mod tokens;

use super::sql::{Engine, Sql, args};
use super::{AuditEntry, LASTING_SUPERUSER, UserUpdate};
use crate::error::{Error, Result};
use crate::user::User;

/// The users' queries the shared tables need, while each engine still writes
/// them itself (`sqlite/mod.rs`, `postgres/users.rs`: a user's row reads its
/// custom fields through engine-specific SQL, and the update is a body per
/// engine). Once the users' queries are written here, these become plain
/// functions over [`Sql`] and this trait goes.
pub(crate) trait UserRows: Engine {
    /// The user with this id (one a row names: a database error if none).
    fn user_by_id(&self, id: i64) -> Result<User>;
    /// One write: `claim` runs first and names the user (`None`: nothing more
    /// is written), and `update` with its audit is then applied to that user,
    /// as [`UserStore::update_user`](super::UserStore::update_user) does (SQLite
    /// also scrubs its WAL at close when a password was replaced).
    fn write_user_update(
        &mut self,
        claim: impl FnOnce(&mut dyn Sql) -> Result<Option<i64>>,
        update: &UserUpdate,
        audit: &[AuditEntry],
    ) -> Result<Option<User>>;
}

/// Appends `audit` to the audit log, every entry about one user (or none).
pub(crate) fn insert_audit(
    sql: &mut dyn Sql,
    user_id: Option<i64>,
    email: Option<&str>,
    audit: &[AuditEntry],
) -> Result<()> {
    for entry in audit {
        sql.execute(
            "INSERT INTO audit_log (at, event, user_id, email, detail, actor) \
             VALUES ($1, $2, $3, $4, $5, $6)",
            args![
                entry.at,
                entry.event.as_str(),
                user_id,
                email,
                &entry.detail,
                &entry.actor
            ],
        )?;
    }
    Ok(())
}

/// The one home of the last-superuser rule (single and bulk writes): fails,
/// so that the transaction rolls back, when no active superuser is left.
#[allow(dead_code)] // until the users' writes move here
pub(crate) fn guard_last_superuser(sql: &mut dyn Sql, email: &str) -> Result<()> {
    if active_superusers(sql)? == 0 {
        return Err(Error::LastSuperuser(email.to_string()));
    }
    Ok(())
}

/// How many superusers are active and will stay so.
#[allow(dead_code)] // until the users' writes move here
pub(crate) fn active_superusers(sql: &mut dyn Sql) -> Result<i64> {
    sql.query_value(
        &format!("SELECT count(*) FROM users WHERE {LASTING_SUPERUSER}"),
        args![],
    )
}
