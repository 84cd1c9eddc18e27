//! [`OtpStore`] for [`SqliteStore`]: tables `otp_codes` and `otp_sends`
//! (migration 0003).

use jiff::Timestamp;
use rusqlite::{OptionalExtension, params};

use super::{DbTime, SqliteStore, insert_audit};
use crate::clock::format_timestamp;
use crate::error::Result;
use crate::storage::{
    AuditEntry, CodeOwner, NewOtpCode, OtpCode, OtpSendCheck, OtpStore, OtpVerdict, OtpWrite,
};

impl OtpStore for SqliteStore {
    fn begin_otp_send(
        &mut self,
        email_key: &str,
        purpose: &str,
        at: Timestamp,
        since: Timestamp,
        check: OtpSendCheck<'_>,
    ) -> Result<i64> {
        self.write(|tx| {
            tx.execute(
                "DELETE FROM otp_sends WHERE email_key = ?1 AND at < ?2",
                params![email_key, format_timestamp(since)],
            )?;
            let mut stmt = tx.prepare_cached(
                "SELECT purpose, at FROM otp_sends WHERE email_key = ?1 ORDER BY at",
            )?;
            let sends = stmt
                .query_map([email_key], |r| Ok((r.get(0)?, r.get::<_, DbTime>(1)?.0)))?
                .collect::<rusqlite::Result<Vec<(String, Timestamp)>>>()?;
            check(&sends)?;
            tx.execute(
                "INSERT INTO otp_sends (email_key, purpose, at) VALUES (?1, ?2, ?3)",
                params![email_key, purpose, format_timestamp(at)],
            )?;
            Ok(tx.last_insert_rowid())
        })
    }

    fn cancel_otp_send(
        &mut self,
        send_id: i64,
        user_id: Option<i64>,
        email: &str,
        audit: &[AuditEntry],
    ) -> Result<()> {
        self.write(|tx| {
            tx.execute("DELETE FROM otp_sends WHERE id = ?1", [send_id])?;
            insert_audit(tx, user_id, Some(email), audit)
        })
    }

    fn save_otp(&mut self, code: &NewOtpCode, email: &str, audit: &[AuditEntry]) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO otp_codes (user_id, purpose, code_mac, created_at, expires_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5) \
                 ON CONFLICT (user_id, purpose) DO UPDATE SET code_mac = excluded.code_mac, \
                 created_at = excluded.created_at, expires_at = excluded.expires_at, \
                 attempts = 0, used_at = NULL",
                params![
                    code.user_id,
                    code.purpose,
                    code.code_mac,
                    format_timestamp(code.created_at),
                    format_timestamp(code.expires_at)
                ],
            )?;
            insert_audit(tx, Some(code.user_id), Some(email), audit)
        })
    }

    fn judge_otp<R>(
        &mut self,
        user_id: i64,
        email: &str,
        purpose: &str,
        judge: impl FnOnce(Option<&OtpCode>, &CodeOwner) -> OtpVerdict<R>,
    ) -> Result<R> {
        self.write(|tx| {
            let code = tx
                .query_row(
                    "SELECT id, code_mac, created_at, expires_at, attempts, used_at \
                     FROM otp_codes WHERE user_id = ?1 AND purpose = ?2",
                    params![user_id, purpose],
                    |r| {
                        Ok(OtpCode {
                            id: r.get(0)?,
                            code_mac: r.get(1)?,
                            created_at: r.get::<_, DbTime>(2)?.0,
                            expires_at: r.get::<_, DbTime>(3)?.0,
                            attempts: r.get(4)?,
                            used_at: r.get::<_, Option<DbTime>>(5)?.map(|t| t.0),
                        })
                    },
                )
                .optional()?;
            let owner = tx.query_row(
                "SELECT email_verified_at IS NOT NULL, substr(password, 1, 1) <> '!', \
                     (SELECT count(*) FROM tokens WHERE user_id = ?1 AND revoked_at IS NULL), \
                     (SELECT count(*) FROM otp_codes WHERE user_id = ?1 AND purpose <> ?2 \
                      AND used_at IS NULL), must_change_password \
                     FROM users WHERE id = ?1",
                params![user_id, purpose],
                |r| {
                    Ok(CodeOwner {
                        verified: r.get(0)?,
                        usable_password: r.get(1)?,
                        live_tokens: r.get(2)?,
                        other_codes: r.get(3)?,
                        must_change_password: r.get(4)?,
                        token_names: Vec::new(),
                    })
                },
            )?;
            let mut owner = owner;
            owner.token_names = tx
                .prepare("SELECT name FROM tokens WHERE user_id = ?1 AND revoked_at IS NULL")?
                .query_map([user_id], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            let verdict = judge(code.as_ref(), &owner);
            match (&verdict.write, &code) {
                (
                    OtpWrite::Consume {
                        used_at,
                        verified_at,
                        new_password,
                        revoke_tokens,
                        discard_other_codes,
                        last_login,
                    },
                    Some(code),
                ) => {
                    tx.execute(
                        "UPDATE otp_codes SET used_at = ?2 WHERE id = ?1",
                        params![code.id, format_timestamp(*used_at)],
                    )?;
                    if let Some(hash) = new_password {
                        tx.execute(
                            // A password the user chose meets a must-change-password;
                            // one made unusable does not.
                            "UPDATE users SET password = ?2, \
                             must_change_password = must_change_password AND substr(?2, 1, 1) = '!' \
                             WHERE id = ?1",
                            params![user_id, hash],
                        )?;
                    }
                    if *revoke_tokens {
                        super::tokens::revoke_all(tx, user_id, *used_at)?;
                    }
                    if *discard_other_codes {
                        tx.execute(
                            "DELETE FROM otp_codes WHERE user_id = ?1 AND id <> ?2",
                            params![user_id, code.id],
                        )?;
                    }
                    if let Some(at) = verified_at {
                        tx.execute(
                            "UPDATE users SET email_verified_at = ?2 WHERE id = ?1",
                            params![user_id, format_timestamp(*at)],
                        )?;
                    }
                    if let Some(at) = last_login {
                        tx.execute(
                            "UPDATE users SET last_login = ?2 WHERE id = ?1",
                            params![user_id, format_timestamp(*at)],
                        )?;
                    }
                }
                (OtpWrite::CountFailure, Some(code)) => {
                    tx.execute(
                        "UPDATE otp_codes SET attempts = attempts + 1 WHERE id = ?1",
                        [code.id],
                    )?;
                }
                _ => {}
            }
            insert_audit(tx, Some(user_id), Some(email), &verdict.audit)?;
            Ok(verdict.result)
        })
    }
}
