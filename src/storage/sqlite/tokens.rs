//! SQLite's hooks for the token tables written once in `tables/`: the record of
//! a token's use without waiting for the disk.

use std::time::Duration;

use rusqlite::TransactionBehavior;

use super::SqliteStore;
use super::executor::SqliteSql;
use crate::error::Result;
use crate::storage::sql::Sql;
use crate::storage::tables::tokens::UnsyncedWrite;

/// How long the record of a token's use waits for SQLite's one write lock. A
/// check must not wait for an import (or `apply`, or `copy`) that holds it for
/// seconds; past this wait the use is not recorded and the check answers from a
/// fresh read (see [`UnsyncedWrite`]). Long enough for another command's
/// ordinary write (about a millisecond) to pass, short beside a check's own
/// ~12 ms: with 50 ms, the slowest check during a 400,000-user import took
/// 6.5 times an idle one (`benches/bulk_contention.sh`).
pub(crate) const USE_WAIT: Duration = Duration::from_millis(10);

impl UnsyncedWrite for SqliteStore {
    /// This commit does not wait for the disk (the next synced commit or
    /// checkpoint makes it durable): WAL with `synchronous=NORMAL` keeps
    /// consistency. With other processes writing to the disk, the fsync alone
    /// took 5-40 ms, several times the rest of `verify-token`. Nor does it wait
    /// long for the write lock: `None` after [`USE_WAIT`]. Both settings are
    /// the connection's, so they are restored for every other write.
    fn write_unsynced<T>(
        &mut self,
        mut f: impl FnMut(&mut dyn Sql) -> Result<T>,
    ) -> Result<Option<T>> {
        let (sync, busy): (i64, i64) = self.conn.query_row(
            "SELECT * FROM pragma_synchronous, pragma_busy_timeout",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        self.conn.pragma_update(None, "synchronous", 1)?;
        self.conn.busy_timeout(USE_WAIT)?;
        let run = || -> Result<Option<T>> {
            let tx = match self
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
            {
                Err(rusqlite::Error::SqliteFailure(e, _))
                    if e.code == rusqlite::ErrorCode::DatabaseBusy =>
                {
                    return Ok(None);
                }
                tx => tx?,
            };
            let value = f(&mut SqliteSql(&tx))?;
            tx.commit()?;
            Ok(Some(value))
        };
        let written = { run }();
        let restored = self
            .conn
            .pragma_update(None, "synchronous", sync)
            .and_then(|()| self.conn.pragma_update(None, "busy_timeout", busy));
        let written =
            written.map_err(|e: crate::Error| e.on_target(&self.path.display().to_string()))?;
        restored?;
        Ok(written)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::{TokenRecord, TokenStore, UserRecord, UserStore};
    use jiff::Timestamp;
    use std::time::Duration;

    #[test]
    fn only_the_record_of_a_use_skips_the_disk_sync() {
        let dir = tempfile::tempdir().unwrap();
        let mut store =
            SqliteStore::open(&dir.path().join("db.sqlite3"), Duration::from_secs(5)).unwrap();
        let sync = |s: &SqliteStore| -> i64 {
            s.conn
                .query_row("PRAGMA synchronous", [], |r| r.get(0))
                .unwrap()
        };
        let before = sync(&store);
        let now: Timestamp = "2026-01-02T03:04:05Z".parse().unwrap();
        let user = store
            .insert_user(
                &UserRecord {
                    email: "a@example.com".into(),
                    email_key: "a@example.com".into(),
                    password: "!x".into(),
                    first_name: String::new(),
                    last_name: String::new(),
                    is_active: true,
                    is_staff: false,
                    is_superuser: false,
                    date_joined: now,
                    fields: Vec::new(),
                    access: Default::default(),
                    must_change_password: false,
                    expires_at: None,
                },
                &[],
            )
            .unwrap();
        let info = store
            .insert_token(
                &TokenRecord {
                    user_id: user.id,
                    name: "t".into(),
                    digest: [7; 32],
                    prefix: "udb_abcd".into(),
                    created_at: now,
                    expires_at: None,
                    scopes: None,
                },
                &[],
            )
            .unwrap();
        assert!(store.mark_token_used(&info, now, &[]).unwrap());
        assert_eq!(sync(&store), before, "restored for every other write");
        assert_eq!(
            store.token_by_id(info.id).unwrap().unwrap().last_used_at,
            Some(now)
        );
    }
}
