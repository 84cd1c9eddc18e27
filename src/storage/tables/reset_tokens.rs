//! [`ResetTokenStore`] for every engine: the `reset_tokens` table (migration
//! 0008).

use jiff::Timestamp;

use super::insert_audit;
use super::user_row::hold_user;
use super::users::{ScrubSecrets, update_user_in};
use crate::error::Result;
use crate::storage::sql::{Engine, Row, Sql, args};
use crate::storage::{
    AuditEntry, ResetTokenInfo, ResetTokenRecord, ResetTokenStore, UserUpdate, credential_digest,
};
use crate::token::TokenDigest;
use crate::user::User;

/// The columns [`info_from_row`] reads.
const COLUMNS: &str =
    "id, user_id, prefix, password_digest, created_at, expires_at, used_at, replaced_at";

fn info_from_row(row: &dyn Row) -> Result<ResetTokenInfo> {
    Ok(ResetTokenInfo {
        id: row.get(0)?,
        user_id: row.get(1)?,
        prefix: row.get(2)?,
        password_digest: row.get(3)?,
        created_at: row.get(4)?,
        expires_at: row.get(5)?,
        used_at: row.get(6)?,
        replaced_at: row.get(7)?,
    })
}

/// Marks the token used if it still may be: unused, not replaced, unexpired at
/// `at`, and its user's address and password hash still those it was made for.
/// Its user's id then; `None` (nothing written) otherwise.
fn claim(sql: &mut dyn Sql, id: i64, at: Timestamp) -> Result<Option<i64>> {
    // The owner's row is held first, as every per-user write takes it, then the
    // token's: a second claim waits, then reads the token used.
    let for_update = sql.dialect().for_update();
    let owner: Option<i64> = sql.query_opt(
        "SELECT user_id FROM reset_tokens WHERE id = $1",
        args![id],
        |r| r.get(0),
    )?;
    let Some(owner) = owner else {
        return Ok(None);
    };
    hold_user(sql, owner, false)?;
    let row = sql.query_opt(
        &format!(
            "SELECT t.user_id, t.password_digest, u.email_key, u.password FROM reset_tokens t \
             JOIN users u ON u.id = t.user_id \
             WHERE t.id = $1 AND t.used_at IS NULL AND t.replaced_at IS NULL \
             AND t.expires_at > $2{for_update}"
        ),
        args![id, at],
        |r| {
            Ok((
                r.get::<i64>(0)?,
                r.get::<Vec<u8>>(1)?,
                credential_digest(&r.get::<String>(2)?, &r.get::<String>(3)?),
            ))
        },
    )?;
    let Some((user_id, made_with, now_with)) = row else {
        return Ok(None);
    };
    if made_with != now_with {
        return Ok(None);
    }
    sql.execute(
        "UPDATE reset_tokens SET used_at = $2 WHERE id = $1",
        args![id, at],
    )?;
    Ok(Some(user_id))
}

impl<E: Engine + ScrubSecrets> ResetTokenStore for E {
    fn insert_reset_token(
        &mut self,
        token: &ResetTokenRecord,
        audit: &[AuditEntry],
    ) -> Result<i64> {
        self.write(|sql| {
            sql.execute(
                "UPDATE reset_tokens SET replaced_at = $2 \
                 WHERE user_id = $1 AND used_at IS NULL AND replaced_at IS NULL",
                args![token.user_id, token.created_at],
            )?;
            let id = sql.query_value(
                "INSERT INTO reset_tokens (user_id, digest, prefix, password_digest, \
                 created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                args![
                    token.user_id,
                    token.digest.as_slice(),
                    &token.prefix,
                    token.password_digest.as_slice(),
                    token.created_at,
                    token.expires_at
                ],
            )?;
            let email: String = sql.query_value(
                "SELECT email FROM users WHERE id = $1",
                args![token.user_id],
            )?;
            insert_audit(sql, Some(token.user_id), Some(&email), audit)?;
            Ok(id)
        })
    }

    fn reset_token_by_digest(
        &self,
        digest: &TokenDigest,
    ) -> Result<Option<(ResetTokenInfo, TokenDigest)>> {
        self.read(|sql| {
            sql.query_opt(
                &format!("SELECT {COLUMNS}, digest FROM reset_tokens WHERE digest = $1"),
                args![digest.as_slice()],
                |r| Ok((info_from_row(r)?, r.get::<TokenDigest>(8)?)),
            )
        })
    }

    fn consume_reset_token(
        &mut self,
        id: i64,
        at: Timestamp,
        update: &UserUpdate,
        audit: &[AuditEntry],
    ) -> Result<Option<User>> {
        let user = self.write_with(update.lock(), |sql| {
            claim(sql, id, at)?
                .map(|user_id| update_user_in(sql, user_id, update, audit))
                .transpose()
        })?;
        if user.is_some() && update.password.is_some() {
            self.scrub_secrets();
        }
        Ok(user)
    }
}
