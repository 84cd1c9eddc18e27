//! SQLite's hooks for the token tables written once in `tables/`: the record of
//! a token's use without waiting for the disk.

use super::SqliteStore;
use super::executor::SqliteSql;
use crate::error::Result;
use crate::storage::sql::Sql;
use crate::storage::tables::tokens::UnsyncedWrite;

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
