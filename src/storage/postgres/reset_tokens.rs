//! [`ResetTokenStore`] for [`PgStore`]: the `reset_tokens` table.

use jiff::Timestamp;
use postgres::Row;

use super::executor::PgSql;
use super::{PgStore, PgTime, time};
use crate::error::{Error, Result};
use crate::storage::tables::insert_audit;
use crate::storage::tables::users::update_user_in;
use crate::storage::{
    AuditEntry, ResetTokenInfo, ResetTokenRecord, ResetTokenStore, UserUpdate, credential_digest,
};
use crate::token::TokenDigest;
use crate::user::User;

const COLUMNS: &str =
    "id, user_id, prefix, password_digest, created_at, expires_at, used_at, replaced_at";

fn info_from_row(row: &Row) -> Result<ResetTokenInfo> {
    Ok(ResetTokenInfo {
        id: row.try_get(0)?,
        user_id: row.try_get(1)?,
        prefix: row.try_get(2)?,
        password_digest: row.try_get(3)?,
        created_at: row.try_get::<_, PgTime>(4)?.0,
        expires_at: row.try_get::<_, PgTime>(5)?.0,
        used_at: row.try_get::<_, Option<PgTime>>(6)?.map(|t| t.0),
        replaced_at: row.try_get::<_, Option<PgTime>>(7)?.map(|t| t.0),
    })
}

impl ResetTokenStore for PgStore {
    fn insert_reset_token(
        &mut self,
        token: &ResetTokenRecord,
        audit: &[AuditEntry],
    ) -> Result<i64> {
        self.write(|tx| {
            tx.execute(
                "UPDATE reset_tokens SET replaced_at = $2 \
                 WHERE user_id = $1 AND used_at IS NULL AND replaced_at IS NULL",
                &[&token.user_id, &time(token.created_at)],
            )?;
            let id: i64 = tx
                .query_one(
                    "INSERT INTO reset_tokens (user_id, digest, prefix, password_digest, \
                     created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                    &[
                        &token.user_id,
                        &token.digest.as_slice(),
                        &token.prefix,
                        &token.password_digest.as_slice(),
                        &time(token.created_at),
                        &time(token.expires_at),
                    ],
                )?
                .try_get(0)?;
            let email: String = tx
                .query_one("SELECT email FROM users WHERE id = $1", &[&token.user_id])?
                .try_get(0)?;
            insert_audit(&mut PgSql(tx), Some(token.user_id), Some(&email), audit)?;
            Ok(id)
        })
    }

    fn reset_token_by_digest(
        &self,
        digest: &TokenDigest,
    ) -> Result<Option<(ResetTokenInfo, TokenDigest)>> {
        self.read(|client| {
            let Some(row) = client.query_opt(
                &format!("SELECT {COLUMNS}, digest FROM reset_tokens WHERE digest = $1"),
                &[&digest.as_slice()],
            )?
            else {
                return Ok(None);
            };
            let stored: Vec<u8> = row.try_get(8)?;
            let stored: TokenDigest = stored.try_into().map_err(|_| {
                Error::database(std::io::Error::other("a stored digest is not 32 bytes"))
            })?;
            Ok(Some((info_from_row(&row)?, stored)))
        })
    }

    fn consume_reset_token(
        &mut self,
        id: i64,
        at: Timestamp,
        update: &UserUpdate,
        audit: &[AuditEntry],
    ) -> Result<Option<User>> {
        self.write(|tx| {
            let Some(row) = tx.query_opt(
                "SELECT t.user_id, t.password_digest, u.email_key, u.password FROM reset_tokens t \
                 JOIN users u ON u.id = t.user_id \
                 WHERE t.id = $1 AND t.used_at IS NULL AND t.replaced_at IS NULL \
                 AND t.expires_at > $2",
                &[&id, &time(at)],
            )?
            else {
                return Ok(None);
            };
            let user_id: i64 = row.try_get(0)?;
            let made_with: Vec<u8> = row.try_get(1)?;
            let email_key: String = row.try_get(2)?;
            let password: String = row.try_get(3)?;
            if made_with != credential_digest(&email_key, &password) {
                return Ok(None);
            }
            tx.execute(
                "UPDATE reset_tokens SET used_at = $2 WHERE id = $1",
                &[&id, &time(at)],
            )?;
            update_user_in(&mut PgSql(tx), user_id, update, audit).map(Some)
        })
    }
}
