//! [`TokenStore`] for [`PgStore`]: the `tokens` table.

use jiff::Timestamp;
use postgres::{GenericClient, Row, Transaction};

use super::executor::PgSql;
use super::{PgStore, PgTime, is_unique_violation, opt_time, time};
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

fn token_from_row(row: &Row) -> Result<TokenInfo> {
    Ok(TokenInfo {
        id: row.try_get(0)?,
        name: row.try_get(1)?,
        prefix: row.try_get(2)?,
        created_at: row.try_get::<_, PgTime>(3)?.0,
        expires_at: row.try_get::<_, Option<PgTime>>(4)?.map(|t| t.0),
        last_used_at: row.try_get::<_, Option<PgTime>>(5)?.map(|t| t.0),
        revoked_at: row.try_get::<_, Option<PgTime>>(6)?.map(|t| t.0),
        user_id: row.try_get(7)?,
        user: row.try_get(8)?,
        scopes: row
            .try_get::<_, Option<String>>(9)?
            .map(|s| s.split_whitespace().map(str::to_string).collect()),
    })
}

fn fetch_token(client: &mut impl GenericClient, id: i64) -> Result<Option<TokenInfo>> {
    client
        .query_opt(
            &format!("SELECT {TOKEN_COLUMNS} {FROM} WHERE t.id = $1"),
            &[&id],
        )?
        .map(|row| token_from_row(&row))
        .transpose()
}

/// Revokes the user's active tokens; returns them as they are now.
pub(super) fn revoke_all(
    tx: &mut Transaction,
    user_id: i64,
    at: Timestamp,
) -> Result<Vec<TokenInfo>> {
    tx.query(
        &format!(
            "WITH revoked AS (UPDATE tokens SET revoked_at = $2 \
             WHERE user_id = $1 AND revoked_at IS NULL RETURNING *) \
             SELECT {} FROM revoked t JOIN users u ON u.id = t.user_id ORDER BY t.id",
            TOKEN_COLUMNS
        ),
        &[&user_id, &time(at)],
    )?
    .iter()
    .map(token_from_row)
    .collect()
}

impl TokenStore for PgStore {
    fn insert_token(&mut self, token: &TokenRecord, audit: &[AuditEntry]) -> Result<TokenInfo> {
        self.write(|tx| {
            // Before the insert: after a failed statement the transaction only
            // rolls back.
            let email: String = tx
                .query_one("SELECT email FROM users WHERE id = $1", &[&token.user_id])?
                .try_get(0)?;
            let inserted = tx.query_one(
                "INSERT INTO tokens (user_id, name, digest, prefix, created_at, expires_at, \
                 scopes) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                &[
                    &token.user_id,
                    &token.name,
                    &token.digest.as_slice(),
                    &token.prefix,
                    &time(token.created_at),
                    &opt_time(token.expires_at),
                    &token.scopes_column(),
                ],
            );
            let id: i64 = match inserted {
                // The digest is random (2^-190 to collide): a clash is the name.
                Err(e) if is_unique_violation(&e) => {
                    return Err(Error::TokenNameTaken {
                        email,
                        name: token.name.clone(),
                    });
                }
                other => other?.try_get(0)?,
            };
            insert_audit(&mut PgSql(tx), Some(token.user_id), Some(&email), audit)?;
            fetch_token(tx, id)?.ok_or(Error::TokenNotFound(id))
        })
    }

    fn token_by_digest(
        &self,
        digest: &TokenDigest,
    ) -> Result<Option<(TokenInfo, TokenDigest, User)>> {
        self.read(|client| {
            let row = client.query_opt(
                &format!("SELECT {TOKEN_COLUMNS}, t.digest {FROM} WHERE t.digest = $1"),
                &[&digest.as_slice()],
            )?;
            let Some(row) = row else {
                return Ok(None);
            };
            let info = token_from_row(&row)?;
            let stored: Vec<u8> = row.try_get(10)?;
            let stored: TokenDigest = stored.try_into().map_err(|_| {
                Error::database(std::io::Error::other("a stored digest is not 32 bytes"))
            })?;
            let user = fetch_user(&mut PgSql(client), info.user_id)?;
            Ok(Some((info, stored, user)))
        })
    }

    fn token_by_id(&self, id: i64) -> Result<Option<TokenInfo>> {
        self.read(|client| fetch_token(client, id))
    }

    fn list_tokens(&self, user_id: Option<i64>) -> Result<Vec<TokenInfo>> {
        self.read(|client| {
            let rows = match user_id {
                Some(id) => client.query(
                    &format!("SELECT {TOKEN_COLUMNS} {FROM} WHERE t.user_id = $1 ORDER BY t.id"),
                    &[&id],
                )?,
                None => {
                    client.query(&format!("SELECT {TOKEN_COLUMNS} {FROM} ORDER BY t.id"), &[])?
                }
            };
            rows.iter().map(token_from_row).collect()
        })
    }

    fn count_active_tokens(&self, user_id: i64, now: Timestamp) -> Result<u64> {
        self.read(|client| {
            let n: i64 = client
                .query_one(
                    "SELECT count(*) FROM tokens WHERE user_id = $1 AND revoked_at IS NULL \
                     AND (expires_at IS NULL OR expires_at > $2)",
                    &[&user_id, &time(now)],
                )?
                .try_get(0)?;
            Ok(n.unsigned_abs())
        })
    }

    /// Bookkeeping, not a decision: the commit does not wait for the server's
    /// disk (`synchronous_commit = off` for this transaction only). A crash may
    /// lose the last uses, never consistency.
    fn mark_token_used(
        &mut self,
        token: &TokenInfo,
        at: Timestamp,
        audit: &[AuditEntry],
    ) -> Result<bool> {
        self.write(|tx| {
            tx.batch_execute("SET LOCAL synchronous_commit = off")?;
            // Re-checked under the lock: a revocation, deactivation or expiry that landed
            // since the lookup wins.
            let changed = tx.execute(
                "UPDATE tokens SET last_used_at = $2 WHERE id = $1 AND revoked_at IS NULL \
                 AND (expires_at IS NULL OR expires_at > $2) \
                 AND (SELECT is_active AND (expires_at IS NULL OR expires_at > $2) FROM users \
                     WHERE users.id = tokens.user_id)",
                &[&token.id, &time(at)],
            )?;
            if changed == 0 {
                return Ok(false);
            }
            insert_audit(
                &mut PgSql(tx),
                Some(token.user_id),
                Some(&token.user),
                audit,
            )?;
            Ok(true)
        })
    }

    fn revoke_token(&mut self, id: i64, at: Timestamp, audit: &[AuditEntry]) -> Result<bool> {
        self.write(|tx| {
            let changed = tx.execute(
                "UPDATE tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
                &[&id, &time(at)],
            )?;
            if changed == 0 {
                return Ok(false);
            }
            let token = fetch_token(tx, id)?.ok_or(Error::TokenNotFound(id))?;
            insert_audit(
                &mut PgSql(tx),
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
                    &mut PgSql(tx),
                    Some(user_id),
                    Some(&first.user),
                    &audit(&revoked),
                )?;
            }
            Ok(revoked)
        })
    }
}
