//! The writers' lock is real, checked on writing: the first write under the
//! writers' lock in a process checks, in its own transaction, that the lock
//! it just took is one the server's lock manager holds for this session
//! (`pg_locks`), which a no-op `pg_advisory_xact_lock` never records. One
//! query, no second connection (see `lock_probe.rs` for `doctor`'s probe with
//! a second session, and why opening does not use one).

use postgres::Transaction;
use serde::Serialize;

use super::params::param;
use crate::error::{Error, Result};
use crate::pg_connect as connect;

/// The writers' advisory lock's first key ("user" in ASCII); the second is the
/// hash of the schema the tables live in, so two userdb schemas in one
/// database do not wait for each other.
pub(super) const LOCK_CLASS: i32 = 0x7573_6572;

/// What `doctor`'s probe of the writers' lock found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum LockCheck {
    /// A second session could not take the lock this one held.
    Excludes { engine: String },
    /// A second session took the lock this one held: writes are refused.
    DoesNotExclude { engine: String },
    /// No answer (the reason): e.g. a pooler with one server connection
    /// queues the second session behind the first.
    Unknown { engine: String, why: String },
}

/// The engine as `version()` names it, on one line.
pub(super) fn engine(tx: &mut Transaction<'_>) -> Result<String> {
    let version: String = tx.query_typed_one("SELECT version()", &[])?.try_get(0)?;
    Ok(connect::one_line(&version))
}

/// The decision on opening for writing: the writers' lock this session holds
/// must be one the server's lock manager records, or every rule could be raced.
pub(super) fn refuse_unless_recorded(recorded: bool, engine: &str) -> Result<()> {
    if recorded {
        return Ok(());
    }
    Err(Error::database(std::io::Error::other(format!(
        "the server's advisory locks do not lock (pg_advisory_xact_lock took no lock the \
         server records), so userdb's rules could be raced by a parallel writer: writes are \
         refused on this engine ({engine}); use PostgreSQL, or an engine whose advisory locks \
         exclude other sessions (`userdb doctor` checks)"
    ))))
}

/// Whether the writers' lock `tx` has just taken is held by this session in
/// the server's lock manager (see the module's doc).
pub(super) fn check_writers_lock(tx: &mut Transaction<'_>) -> Result<()> {
    let recorded: bool = tx
        .query_typed_one(
            "SELECT EXISTS (SELECT FROM pg_locks WHERE locktype = 'advisory' \
             AND pid = pg_backend_pid() AND granted AND classid::bigint = $1 \
             AND objsubid = 2)",
            &[param(&i64::from(LOCK_CLASS))],
        )?
        .try_get(0)?;
    if recorded {
        return Ok(());
    }
    refuse_unless_recorded(false, &engine(tx)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lock_the_server_does_not_record_refuses_writes_naming_the_engine() {
        refuse_unless_recorded(true, "PostgreSQL 15.8").unwrap();
        let err = refuse_unless_recorded(false, "NoLockDB 1.0 (PostgreSQL 13 compatible)")
            .unwrap_err()
            .to_string();
        assert!(err.contains("advisory locks do not lock"), "{err}");
        assert!(
            err.contains("NoLockDB 1.0 (PostgreSQL 13 compatible)"),
            "{err}"
        );
        assert_eq!(err.lines().count(), 1);
    }
}
