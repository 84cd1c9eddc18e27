//! [`TokenStore`] for every engine: the `tokens` table (migration 0002).

use jiff::Timestamp;

use super::insert_audit;
use super::user_row::{fetch_user, hold_user};
use crate::error::{Error, Result};
use crate::storage::sql::{Engine, Row, Sql, args};
use crate::storage::{AuditEntry, TokenRecord, TokenStore};
use crate::token::{TokenDigest, TokenInfo};
use crate::user::User;

/// The one write whose commit need not wait for the disk: the record of a
/// token's use is bookkeeping, not a decision, and the fsync alone took several
/// times the rest of `verify-token` on a busy disk. The commit is consistent at
/// once and durable with the next synced commit; a crash may lose the last
/// uses, never consistency. The engines differ in where that is set: SQLite per
/// connection (`PRAGMA synchronous`, outside the transaction, restored after),
/// PostgreSQL per transaction (`SET LOCAL synchronous_commit = off`).
///
/// Nor need it wait for bulk work: PostgreSQL writes it under row locks
/// ([`crate::storage::sql::Lock::Rows`]); SQLite, whose one write lock an import
/// holds for seconds, waits briefly for it and otherwise returns `None`, and the
/// use is then answered from a fresh read, unrecorded (no last-used time, no
/// audit line). The revoke race stays closed: a revocation, deactivation or
/// deletion that returned before that read is seen by it, and one that has not
/// returned yet is concurrent with the check, which may answer either way.
pub(crate) trait UnsyncedWrite: Engine {
    /// A per-token write committed without waiting for the disk; `None` when
    /// the engine's write lock stayed held by another writer (SQLite only).
    fn write_unsynced<T>(&mut self, f: impl FnMut(&mut dyn Sql) -> Result<T>) -> Result<Option<T>>;
}

/// A token may be used at `$2` (token `$1`'s row as `tokens`): not revoked,
/// not expired, its user active and not expired.
const USABLE: &str = "revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $2) \
     AND (SELECT is_active AND (expires_at IS NULL OR expires_at > $2) FROM users \
     WHERE users.id = tokens.user_id)";

/// The columns [`token_from_row`] reads, the owner's email last.
pub(crate) const TOKEN_COLUMNS: &str = "t.id, t.name, t.prefix, t.created_at, t.expires_at, \
     t.last_used_at, t.revoked_at, t.user_id, u.email, t.scopes";

const FROM: &str = "FROM tokens t JOIN users u ON u.id = t.user_id";

pub(crate) fn token_from_row(row: &dyn Row) -> Result<TokenInfo> {
    Ok(TokenInfo {
        id: row.get(0)?,
        name: row.get(1)?,
        prefix: row.get(2)?,
        created_at: row.get(3)?,
        expires_at: row.get(4)?,
        last_used_at: row.get(5)?,
        revoked_at: row.get(6)?,
        user_id: row.get(7)?,
        user: row.get(8)?,
        scopes: row
            .get::<Option<String>>(9)?
            .map(|s| s.split_whitespace().map(str::to_string).collect()),
    })
}

pub(crate) fn fetch_token(sql: &mut dyn Sql, id: i64) -> Result<Option<TokenInfo>> {
    sql.query_opt(
        &format!("SELECT {TOKEN_COLUMNS} {FROM} WHERE t.id = $1"),
        args![id],
        token_from_row,
    )
}

/// Revokes the user's active tokens; returns them as they are now, by id.
/// Also used by `update_user` for `changepassword --revoke-tokens`.
pub(crate) fn revoke_all(sql: &mut dyn Sql, user_id: i64, at: Timestamp) -> Result<Vec<TokenInfo>> {
    let ids: Vec<i64> = sql.query(
        "UPDATE tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL RETURNING id",
        args![user_id, at],
        |r| r.get(0),
    )?;
    let mut revoked = Vec::with_capacity(ids.len());
    for id in ids {
        revoked.extend(fetch_token(sql, id)?);
    }
    revoked.sort_by_key(|t| t.id);
    Ok(revoked)
}

impl<E: Engine + UnsyncedWrite> TokenStore for E {
    fn insert_token(&mut self, token: &TokenRecord, audit: &[AuditEntry]) -> Result<TokenInfo> {
        self.write(|sql| {
            let email: String = sql.query_value(
                "SELECT email FROM users WHERE id = $1",
                args![token.user_id],
            )?;
            // No row back is a clash (a failed statement would abort
            // PostgreSQL's transaction). The digest is random (2^-190 to
            // collide): a clash is the name.
            let id: Option<i64> = sql.query_opt(
                "INSERT INTO tokens (user_id, name, digest, prefix, created_at, expires_at, \
                 scopes) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING id",
                args![
                    token.user_id,
                    &token.name,
                    token.digest.as_slice(),
                    &token.prefix,
                    token.created_at,
                    token.expires_at,
                    token.scopes_column(),
                ],
                |r| r.get(0),
            )?;
            let Some(id) = id else {
                return Err(Error::TokenNameTaken {
                    email,
                    name: token.name.clone(),
                });
            };
            insert_audit(sql, Some(token.user_id), Some(&email), audit)?;
            fetch_token(sql, id)?.ok_or(Error::TokenNotFound(id))
        })
    }

    fn token_by_digest(
        &self,
        digest: &TokenDigest,
    ) -> Result<Option<(TokenInfo, TokenDigest, User)>> {
        let found = self.read(|sql| {
            sql.query_opt(
                &format!("SELECT {TOKEN_COLUMNS}, t.digest {FROM} WHERE t.digest = $1"),
                args![digest.as_slice()],
                |r| Ok((token_from_row(r)?, r.get::<TokenDigest>(10)?)),
            )
        })?;
        let Some((info, stored)) = found else {
            return Ok(None);
        };
        let user = self.read(|sql| fetch_user(sql, info.user_id))?;
        Ok(Some((info, stored, user)))
    }

    fn token_by_id(&self, id: i64) -> Result<Option<TokenInfo>> {
        self.read(|sql| fetch_token(sql, id))
    }

    fn list_tokens(&self, user_id: Option<i64>) -> Result<Vec<TokenInfo>> {
        self.read(|sql| match user_id {
            Some(id) => sql.query(
                &format!("SELECT {TOKEN_COLUMNS} {FROM} WHERE t.user_id = $1 ORDER BY t.id"),
                args![id],
                token_from_row,
            ),
            None => sql.query(
                &format!("SELECT {TOKEN_COLUMNS} {FROM} ORDER BY t.id"),
                args![],
                token_from_row,
            ),
        })
    }

    fn count_active_tokens(&self, user_id: i64, now: Timestamp) -> Result<u64> {
        self.read(|sql| {
            sql.query_value::<i64>(
                "SELECT count(*) FROM tokens WHERE user_id = $1 AND revoked_at IS NULL \
                 AND (expires_at IS NULL OR expires_at > $2)",
                args![user_id, now],
            )
        })
        .map(i64::unsigned_abs)
    }

    fn mark_token_used(
        &mut self,
        token: &TokenInfo,
        at: Timestamp,
        audit: &[AuditEntry],
    ) -> Result<bool> {
        let recorded = self.write_unsynced(|sql| {
            // A per-token write (no writers' lock on PostgreSQL). The owner's
            // row is held first, so a deactivation or deletion in flight
            // either commits before the re-check below (which then sees it) or
            // waits for this use to commit; a revocation changes the token's
            // row, which the UPDATE waits for and re-checks.
            if !hold_user(sql, token.user_id, true)? {
                return Ok(false);
            }
            // Re-checked under those locks: a revocation, deactivation or
            // expiry that landed since the lookup wins.
            let changed = sql.execute(
                &format!("UPDATE tokens SET last_used_at = $2 WHERE id = $1 AND {USABLE}"),
                args![token.id, at],
            )?;
            if changed == 0 {
                return Ok(false);
            }
            insert_audit(sql, Some(token.user_id), Some(&token.user), audit)?;
            Ok(true)
        })?;
        match recorded {
            Some(usable) => Ok(usable),
            // The write lock is held (an import): re-checked by a fresh read.
            None => self.read(|sql| {
                sql.query_value(
                    &format!("SELECT EXISTS (SELECT 1 FROM tokens WHERE id = $1 AND {USABLE})"),
                    args![token.id, at],
                )
            }),
        }
    }

    fn revoke_token(&mut self, id: i64, at: Timestamp, audit: &[AuditEntry]) -> Result<bool> {
        self.write(|sql| {
            let changed = sql.execute(
                "UPDATE tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
                args![id, at],
            )?;
            if changed == 0 {
                return Ok(false);
            }
            let token = fetch_token(sql, id)?.ok_or(Error::TokenNotFound(id))?;
            insert_audit(sql, Some(token.user_id), Some(&token.user), audit)?;
            Ok(true)
        })
    }

    fn revoke_user_tokens(
        &mut self,
        user_id: i64,
        at: Timestamp,
        audit: &dyn Fn(&[TokenInfo]) -> Vec<AuditEntry>,
    ) -> Result<Vec<TokenInfo>> {
        self.write(|sql| {
            let revoked = revoke_all(sql, user_id, at)?;
            if let Some(first) = revoked.first() {
                insert_audit(sql, Some(user_id), Some(&first.user), &audit(&revoked))?;
            }
            Ok(revoked)
        })
    }
}
