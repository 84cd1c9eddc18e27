//! The tables' queries, written once for both engines over [`Sql`]. Each file
//! implements one store trait for every [`Engine`] (SQLite's store, PostgreSQL's,
//! and [`Store`](super::Store), which passes to whichever it holds); what
//! really differs between engines (the writers' lock, bulk inserts, identity
//! handling in `copy`, integrity checks, connection and migrations) stays in
//! `sqlite/` and `postgres/`.

pub(crate) mod bulk;
pub(crate) mod copy;
pub(crate) mod fields;
pub(crate) mod groups;
mod otp;
mod reset_tokens;
pub(crate) mod second_factor;
pub(crate) mod tokens;
pub(crate) mod user_row;
pub(crate) mod users;

use super::sql::{Sql, args};
use super::{AuditEntry, LASTING_SUPERUSER};
use crate::error::{Error, Result};

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
pub(crate) fn guard_last_superuser(sql: &mut dyn Sql, email: &str) -> Result<()> {
    if active_superusers(sql)? == 0 {
        return Err(Error::LastSuperuser(email.to_string()));
    }
    Ok(())
}

/// How many superusers are active and will stay so.
pub(crate) fn active_superusers(sql: &mut dyn Sql) -> Result<i64> {
    sql.query_value(
        &format!("SELECT count(*) FROM users WHERE {LASTING_SUPERUSER}"),
        args![],
    )
}
