//! [`ResetTokenStore`] for [`SqliteStore`]: the `reset_tokens` table (migration
//! 0008).

use jiff::Timestamp;
use rusqlite::{OptionalExtension, Row, params};

use super::executor::SqliteSql;
use super::{DbTime, SqliteStore};
use crate::clock::format_timestamp;
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

fn info_from_row(row: &Row) -> rusqlite::Result<ResetTokenInfo> {
    Ok(ResetTokenInfo {
        id: row.get(0)?,
        user_id: row.get(1)?,
        prefix: row.get(2)?,
        password_digest: row.get(3)?,
        created_at: row.get::<_, DbTime>(4)?.0,
        expires_at: row.get::<_, DbTime>(5)?.0,
        used_at: row.get::<_, Option<DbTime>>(6)?.map(|t| t.0),
        replaced_at: row.get::<_, Option<DbTime>>(7)?.map(|t| t.0),
    })
}

impl ResetTokenStore for SqliteStore {
    fn insert_reset_token(
        &mut self,
        token: &ResetTokenRecord,
        audit: &[AuditEntry],
    ) -> Result<i64> {
        self.write(|tx| {
            let created = format_timestamp(token.created_at);
            tx.execute(
                "UPDATE reset_tokens SET replaced_at = ?2 \
                 WHERE user_id = ?1 AND used_at IS NULL AND replaced_at IS NULL",
                params![token.user_id, created],
            )?;
            tx.execute(
                "INSERT INTO reset_tokens (user_id, digest, prefix, password_digest, \
                 created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    token.user_id,
                    token.digest.as_slice(),
                    token.prefix,
                    token.password_digest.as_slice(),
                    created,
                    format_timestamp(token.expires_at)
                ],
            )?;
            let id = tx.last_insert_rowid();
            let email: String = tx.query_row(
                "SELECT email FROM users WHERE id = ?1",
                [token.user_id],
                |r| r.get(0),
            )?;
            insert_audit(&mut SqliteSql(tx), Some(token.user_id), Some(&email), audit)?;
            Ok(id)
        })
    }

    fn reset_token_by_digest(
        &self,
        digest: &TokenDigest,
    ) -> Result<Option<(ResetTokenInfo, TokenDigest)>> {
        self.read(|| {
            let found = self
                .conn
                .prepare_cached(&format!(
                    "SELECT {COLUMNS}, digest FROM reset_tokens WHERE digest = ?1"
                ))?
                .query_row([digest.as_slice()], |row| {
                    Ok((info_from_row(row)?, row.get::<_, Vec<u8>>(8)?))
                })
                .optional()?;
            found
                .map(|(info, stored)| {
                    let stored: TokenDigest = stored
                        .try_into()
                        .map_err(|_| Error::database(rusqlite::Error::InvalidQuery))?;
                    Ok((info, stored))
                })
                .transpose()
        })
    }

    fn consume_reset_token(
        &mut self,
        id: i64,
        at: Timestamp,
        update: &UserUpdate,
        audit: &[AuditEntry],
    ) -> Result<Option<User>> {
        let user = self.write(|tx| {
            let row = tx
                .query_row(
                    "SELECT t.user_id, t.password_digest, u.email_key, u.password FROM reset_tokens t \
                     JOIN users u ON u.id = t.user_id \
                     WHERE t.id = ?1 AND t.used_at IS NULL AND t.replaced_at IS NULL \
                     AND t.expires_at > ?2",
                    params![id, format_timestamp(at)],
                    |r| {
                        Ok((
                            r.get::<_, i64>(0)?,
                            r.get::<_, Vec<u8>>(1)?,
                            credential_digest(&r.get::<_, String>(2)?, &r.get::<_, String>(3)?),
                        ))
                    },
                )
                .optional()?;
            let Some((user_id, made_with, now_with)) = row else {
                return Ok(None);
            };
            if made_with != now_with {
                return Ok(None);
            }
            tx.execute(
                "UPDATE reset_tokens SET used_at = ?2 WHERE id = ?1",
                params![id, format_timestamp(at)],
            )?;
            update_user_in(&mut SqliteSql(tx), user_id, update, audit).map(Some)
        })?;
        if user.is_some() {
            // The replaced hash is still in the WAL's earlier copy of the page.
            self.scrub_wal = true;
        }
        Ok(user)
    }
}
