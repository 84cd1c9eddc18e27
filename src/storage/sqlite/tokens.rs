//! [`TokenStore`] for [`SqliteStore`]: the `tokens` table (migration 0002).

use jiff::Timestamp;
use rusqlite::{OptionalExtension, Row, Transaction, params};

use super::executor::SqliteSql;
use super::{DbTime, SqliteStore, is_unique_violation};
use crate::clock::format_timestamp;
use crate::error::{Error, Result};
use crate::storage::tables::insert_audit;
use crate::storage::tables::users::fetch_user;
use crate::storage::{AuditEntry, TokenRecord, TokenStore};
use crate::token::{TokenDigest, TokenInfo};
use crate::user::User;

/// The columns [`token_from_row`] reads, the owner's email last.
const TOKEN_COLUMNS: &str = "t.id, t.name, t.prefix, t.created_at, t.expires_at, t.last_used_at, \
     t.revoked_at, t.user_id, u.email, t.scopes";

const FROM: &str = "FROM tokens t JOIN users u ON u.id = t.user_id";

fn token_from_row(row: &Row) -> rusqlite::Result<TokenInfo> {
    Ok(TokenInfo {
        id: row.get(0)?,
        name: row.get(1)?,
        prefix: row.get(2)?,
        created_at: row.get::<_, DbTime>(3)?.0,
        expires_at: row.get::<_, Option<DbTime>>(4)?.map(|t| t.0),
        last_used_at: row.get::<_, Option<DbTime>>(5)?.map(|t| t.0),
        revoked_at: row.get::<_, Option<DbTime>>(6)?.map(|t| t.0),
        user_id: row.get(7)?,
        user: row.get(8)?,
        scopes: row
            .get::<_, Option<String>>(9)?
            .map(|s| s.split_whitespace().map(str::to_string).collect()),
    })
}

fn fetch_token(conn: &rusqlite::Connection, id: i64) -> rusqlite::Result<Option<TokenInfo>> {
    conn.prepare_cached(&format!("SELECT {TOKEN_COLUMNS} {FROM} WHERE t.id = ?1"))?
        .query_row([id], token_from_row)
        .optional()
}

/// Revokes the user's active tokens; returns them as they are now. Also used by
/// `update_user` for `changepassword --revoke-tokens`.
pub(in crate::storage) fn revoke_all(
    tx: &Transaction,
    user_id: i64,
    at: Timestamp,
) -> rusqlite::Result<Vec<TokenInfo>> {
    let ids: Vec<i64> = tx
        .prepare_cached(
            "UPDATE tokens SET revoked_at = ?2 WHERE user_id = ?1 AND revoked_at IS NULL \
             RETURNING id",
        )?
        .query_map(params![user_id, format_timestamp(at)], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut revoked = Vec::with_capacity(ids.len());
    for id in ids {
        revoked.extend(fetch_token(tx, id)?);
    }
    revoked.sort_by_key(|t| t.id);
    Ok(revoked)
}

impl TokenStore for SqliteStore {
    fn insert_token(&mut self, token: &TokenRecord, audit: &[AuditEntry]) -> Result<TokenInfo> {
        self.write(|tx| {
            let inserted = tx.execute(
                "INSERT INTO tokens (user_id, name, digest, prefix, created_at, expires_at, \
                 scopes) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    token.user_id,
                    token.name,
                    token.digest.as_slice(),
                    token.prefix,
                    format_timestamp(token.created_at),
                    token.expires_at.map(format_timestamp),
                    token.scopes_column(),
                ],
            );
            let email: String = tx.query_row(
                "SELECT email FROM users WHERE id = ?1",
                [token.user_id],
                |r| r.get(0),
            )?;
            match inserted {
                // The digest is random (2^-190 to collide): a clash is the name.
                Err(e) if is_unique_violation(&e) => {
                    return Err(Error::TokenNameTaken {
                        email,
                        name: token.name.clone(),
                    });
                }
                other => other?,
            };
            let id = tx.last_insert_rowid();
            insert_audit(&mut SqliteSql(tx), Some(token.user_id), Some(&email), audit)?;
            fetch_token(tx, id)?.ok_or(Error::TokenNotFound(id))
        })
    }

    fn token_by_digest(
        &self,
        digest: &TokenDigest,
    ) -> Result<Option<(TokenInfo, TokenDigest, User)>> {
        self.read(|| {
            let found = self
                .conn
                .prepare_cached(&format!(
                    "SELECT {TOKEN_COLUMNS}, t.digest {FROM} WHERE t.digest = ?1"
                ))
                .and_then(|mut stmt| {
                    stmt.query_row([digest.as_slice()], |row| {
                        let stored: Vec<u8> = row.get(10)?;
                        Ok((token_from_row(row)?, stored))
                    })
                    .optional()
                })?;
            let Some((info, stored)) = found else {
                return Ok(None);
            };
            let stored: TokenDigest = stored
                .try_into()
                .map_err(|_| Error::database(rusqlite::Error::InvalidQuery))?;
            let user = fetch_user(&mut SqliteSql(&self.conn), info.user_id)?;
            Ok(Some((info, stored, user)))
        })
    }

    fn token_by_id(&self, id: i64) -> Result<Option<TokenInfo>> {
        self.read(|| fetch_token(&self.conn, id).map_err(Error::from))
    }

    fn list_tokens(&self, user_id: Option<i64>) -> Result<Vec<TokenInfo>> {
        self.read(|| {
            let sql = match user_id {
                Some(_) => {
                    format!("SELECT {TOKEN_COLUMNS} {FROM} WHERE t.user_id = ?1 ORDER BY t.id")
                }
                None => format!("SELECT {TOKEN_COLUMNS} {FROM} ORDER BY t.id"),
            };
            let mut stmt = self.conn.prepare(&sql)?;
            let rows = match user_id {
                Some(id) => stmt.query_map([id], token_from_row),
                None => stmt.query_map([], token_from_row),
            }?;
            rows.collect::<rusqlite::Result<_>>().map_err(Error::from)
        })
    }

    fn count_active_tokens(&self, user_id: i64, now: Timestamp) -> Result<u64> {
        self.read(|| {
            self.conn
                .prepare_cached(
                    "SELECT count(*) FROM tokens WHERE user_id = ?1 AND revoked_at IS NULL \
                 AND (expires_at IS NULL OR expires_at > ?2)",
                )
                .and_then(|mut stmt| {
                    stmt.query_row(params![user_id, format_timestamp(now)], |r| {
                        r.get::<_, i64>(0)
                    })
                })
                .map(|n| n.unsigned_abs())
                .map_err(Error::from)
        })
    }

    fn mark_token_used(
        &mut self,
        token: &TokenInfo,
        at: Timestamp,
        audit: &[AuditEntry],
    ) -> Result<bool> {
        // Bookkeeping, not a decision: this commit does not wait for the disk (the
        // next synced commit or checkpoint makes it durable). A power cut may lose the
        // last uses, never consistency (WAL with synchronous=NORMAL). With other
        // processes writing to the disk, the fsync alone took 5-40 ms, several times
        // the rest of `verify-token`.
        let previous: i64 = self
            .conn
            .query_row("PRAGMA synchronous", [], |r| r.get(0))?;
        self.conn.pragma_update(None, "synchronous", 1)?;
        let used = self.record_use(token, at, audit);
        let restored = self.conn.pragma_update(None, "synchronous", previous);
        let used = used?;
        restored?;
        Ok(used)
    }

    fn revoke_token(&mut self, id: i64, at: Timestamp, audit: &[AuditEntry]) -> Result<bool> {
        self.write(|tx| {
            let changed = tx.execute(
                "UPDATE tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
                params![id, format_timestamp(at)],
            )?;
            if changed == 0 {
                return Ok(false);
            }
            let token = fetch_token(tx, id)?.ok_or(Error::TokenNotFound(id))?;
            insert_audit(
                &mut SqliteSql(tx),
                Some(token.user_id),
                Some(&token.user),
                audit,
            )?;
            Ok(true)
        })
    }

    fn revoke_user_tokens(
        &mut self,
        user_id: i64,
        at: Timestamp,
        audit: &dyn Fn(&[TokenInfo]) -> Vec<AuditEntry>,
    ) -> Result<Vec<TokenInfo>> {
        self.write(|tx| {
            let revoked = revoke_all(tx, user_id, at)?;
            if let Some(first) = revoked.first() {
                insert_audit(
                    &mut SqliteSql(tx),
                    Some(user_id),
                    Some(&first.user),
                    &audit(&revoked),
                )?;
            }
            Ok(revoked)
        })
    }
}

impl SqliteStore {
    /// The write of [`TokenStore::mark_token_used`].
    fn record_use(
        &mut self,
        token: &TokenInfo,
        at: Timestamp,
        audit: &[AuditEntry],
    ) -> Result<bool> {
        self.write(|tx| {
            // Re-checked under the write lock: a revocation, deactivation or expiry that
            // landed since the lookup wins.
            let changed = tx
                .prepare_cached(
                    "UPDATE tokens SET last_used_at = ?2 WHERE id = ?1 AND revoked_at IS NULL \
                     AND (expires_at IS NULL OR expires_at > ?2) \
                     AND (SELECT is_active AND (expires_at IS NULL OR expires_at > ?2) FROM users \
                     WHERE users.id = tokens.user_id)",
                )
                .and_then(|mut stmt| stmt.execute(params![token.id, format_timestamp(at)]))?;
            if changed == 0 {
                return Ok(false);
            }
            insert_audit(
                &mut SqliteSql(tx),
                Some(token.user_id),
                Some(&token.user),
                audit,
            )?;
            Ok(true)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::{UserRecord, UserStore};
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
