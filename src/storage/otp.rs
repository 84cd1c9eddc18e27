//! [`OtpStore`] for [`SqliteStore`]: tables `otp_codes` and `otp_sends`
//! (migration 0003).

use jiff::Timestamp;
use rusqlite::{OptionalExtension, params};

use super::sqlite::{DbTime, insert_audit};
use super::{
    AuditEntry, CodeOwner, NewOtpCode, OtpCode, OtpSendCheck, OtpStore, OtpVerdict, OtpWrite,
    SqliteStore,
};
use crate::clock::format_timestamp;
use crate::error::{Error, Result};

impl OtpStore for SqliteStore {
    fn begin_otp_send(
        &mut self,
        email_key: &str,
        purpose: &str,
        at: Timestamp,
        since: Timestamp,
        check: OtpSendCheck<'_>,
    ) -> Result<i64> {
        let path = self.path.clone();
        self.write(|tx| {
            let db_err = |source| Error::Database {
                path: path.clone(),
                source,
            };
            tx.execute(
                "DELETE FROM otp_sends WHERE email_key = ?1 AND at < ?2",
                params![email_key, format_timestamp(since)],
            )
            .map_err(db_err)?;
            let mut stmt = tx
                .prepare_cached(
                    "SELECT purpose, at FROM otp_sends WHERE email_key = ?1 ORDER BY at",
                )
                .map_err(db_err)?;
            let sends = stmt
                .query_map([email_key], |r| Ok((r.get(0)?, r.get::<_, DbTime>(1)?.0)))
                .map_err(db_err)?
                .collect::<rusqlite::Result<Vec<(String, Timestamp)>>>()
                .map_err(db_err)?;
            check(&sends)?;
            tx.execute(
                "INSERT INTO otp_sends (email_key, purpose, at) VALUES (?1, ?2, ?3)",
                params![email_key, purpose, format_timestamp(at)],
            )
            .map_err(db_err)?;
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
        let path = self.path.clone();
        self.write(|tx| {
            let db_err = |source| Error::Database {
                path: path.clone(),
                source,
            };
            tx.execute("DELETE FROM otp_sends WHERE id = ?1", [send_id])
                .map_err(db_err)?;
            insert_audit(tx, user_id, Some(email), audit).map_err(db_err)
        })
    }

    fn save_otp(&mut self, code: &NewOtpCode, email: &str, audit: &[AuditEntry]) -> Result<()> {
        let path = self.path.clone();
        self.write(|tx| {
            let db_err = |source| Error::Database {
                path: path.clone(),
                source,
            };
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
            )
            .map_err(db_err)?;
            insert_audit(tx, Some(code.user_id), Some(email), audit).map_err(db_err)
        })
    }

    fn judge_otp<R>(
        &mut self,
        user_id: i64,
        email: &str,
        purpose: &str,
        judge: impl FnOnce(Option<&OtpCode>, &CodeOwner) -> OtpVerdict<R>,
    ) -> Result<R> {
        let path = self.path.clone();
        self.write(|tx| {
            let db_err = |source| Error::Database {
                path: path.clone(),
                source,
            };
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
                .optional()
                .map_err(db_err)?;
            let owner = tx
                .query_row(
                    "SELECT email_verified_at IS NOT NULL, substr(password, 1, 1) <> '!', \
                     (SELECT count(*) FROM tokens WHERE user_id = ?1 AND revoked_at IS NULL), \
                     (SELECT count(*) FROM otp_codes WHERE user_id = ?1 AND purpose <> ?2 \
                      AND used_at IS NULL) \
                     FROM users WHERE id = ?1",
                    params![user_id, purpose],
                    |r| {
                        Ok(CodeOwner {
                            verified: r.get(0)?,
                            usable_password: r.get(1)?,
                            live_tokens: r.get(2)?,
                            other_codes: r.get(3)?,
                        })
                    },
                )
                .map_err(db_err)?;
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
                    )
                    .map_err(db_err)?;
                    if let Some(hash) = new_password {
                        tx.execute(
                            "UPDATE users SET password = ?2 WHERE id = ?1",
                            params![user_id, hash],
                        )
                        .map_err(db_err)?;
                    }
                    if *revoke_tokens {
                        super::sqlite::tokens::revoke_all(tx, user_id, *used_at).map_err(db_err)?;
                    }
                    if *discard_other_codes {
                        tx.execute(
                            "DELETE FROM otp_codes WHERE user_id = ?1 AND id <> ?2",
                            params![user_id, code.id],
                        )
                        .map_err(db_err)?;
                    }
                    if let Some(at) = verified_at {
                        tx.execute(
                            "UPDATE users SET email_verified_at = ?2 WHERE id = ?1",
                            params![user_id, format_timestamp(*at)],
                        )
                        .map_err(db_err)?;
                    }
                    if let Some(at) = last_login {
                        tx.execute(
                            "UPDATE users SET last_login = ?2 WHERE id = ?1",
                            params![user_id, format_timestamp(*at)],
                        )
                        .map_err(db_err)?;
                    }
                }
                (OtpWrite::CountFailure, Some(code)) => {
                    tx.execute(
                        "UPDATE otp_codes SET attempts = attempts + 1 WHERE id = ?1",
                        [code.id],
                    )
                    .map_err(db_err)?;
                }
                _ => {}
            }
            insert_audit(tx, Some(user_id), Some(email), &verdict.audit).map_err(db_err)?;
            Ok(verdict.result)
        })
    }
}
