//! SQLite's hooks for the token tables written once in `tables/`: the record of
//! a token's use without waiting for the disk, and, until the users' queries
//! are shared, its owner and the update of a reset token's use.

use rusqlite::Transaction;

use super::executor::SqliteSql;
use super::{SqliteStore, fetch_user, update_user_in};
use crate::error::Result;
use crate::storage::sql::Sql;
use crate::storage::tables::UserRows;
use crate::storage::tables::tokens::{self, UnsyncedWrite};
use crate::storage::{AuditEntry, UserUpdate};
use crate::token::TokenInfo;
use crate::user::User;
use jiff::Timestamp;

/// The shared [`tokens::revoke_all`] inside one of this store's own
/// transactions (the users' update, not yet shared).
pub(in crate::storage) fn revoke_all(
    tx: &Transaction,
    user_id: i64,
    at: Timestamp,
) -> Result<Vec<TokenInfo>> {
    tokens::revoke_all(&mut SqliteSql(tx), user_id, at)
}

impl UnsyncedWrite for SqliteStore {
    /// This commit does not wait for the disk (the next synced commit or
    /// checkpoint makes it durable): WAL with `synchronous=NORMAL` keeps
    /// consistency. With other processes writing to the disk, the fsync alone
    /// took 5-40 ms, several times the rest of `verify-token`. The setting is
    /// the connection's, so it is restored for every other write.
    fn write_unsynced<T>(&mut self, f: impl FnOnce(&mut dyn Sql) -> Result<T>) -> Result<T> {
        let previous: i64 = self
            .conn
            .query_row("PRAGMA synchronous", [], |r| r.get(0))?;
        self.conn.pragma_update(None, "synchronous", 1)?;
        let written = self.write(|tx| f(&mut SqliteSql(tx)));
        let restored = self.conn.pragma_update(None, "synchronous", previous);
        let written = written?;
        restored?;
        Ok(written)
    }
}

impl UserRows for SqliteStore {
    fn user_by_id(&self, id: i64) -> Result<User> {
        self.read(|| Ok(fetch_user(&self.conn, id)?))
    }

    fn write_user_update(
        &mut self,
        claim: impl FnOnce(&mut dyn Sql) -> Result<Option<i64>>,
        update: &UserUpdate,
        audit: &[AuditEntry],
    ) -> Result<Option<User>> {
        let user = self.write(|tx| {
            let claimed = claim(&mut SqliteSql(tx))?;
            claimed
                .map(|id| update_user_in(tx, id, update, audit))
                .transpose()
        })?;
        if user.is_some() && update.password.is_some() {
            // The replaced hash is still in the WAL's earlier copy of the page.
            self.scrub_wal = true;
        }
        Ok(user)
    }
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::{TokenRecord, TokenStore, UserRecord, UserStore};
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
