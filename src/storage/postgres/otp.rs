//! [`OtpStore`] for [`PgStore`]: tables `otp_codes` and `otp_sends`.

use jiff::Timestamp;

use super::{PgStore, PgTime, insert_audit, time, tokens};
use crate::error::Result;
use crate::storage::{
    AuditEntry, CodeOwner, NewOtpCode, OtpCode, OtpSendCheck, OtpStore, OtpVerdict, OtpWrite,
};

impl OtpStore for PgStore {
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
                "DELETE FROM otp_sends WHERE email_key = $1 AND at < $2",
                &[&email_key, &time(since)],
            )?;
            let sends = tx
                .query(
                    "SELECT purpose, at FROM otp_sends WHERE email_key = $1 ORDER BY at",
                    &[&email_key],
                )?
                .iter()
                .map(|r| Ok((r.try_get(0)?, r.try_get::<_, PgTime>(1)?.0)))
                .collect::<Result<Vec<(String, Timestamp)>>>()?;
            check(&sends)?;
            Ok(tx
                .query_one(
                    "INSERT INTO otp_sends (email_key, purpose, at) VALUES ($1, $2, $3) \
                     RETURNING id",
                    &[&email_key, &purpose, &time(at)],
                )?
                .try_get(0)?)
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
            tx.execute("DELETE FROM otp_sends WHERE id = $1", &[&send_id])?;
            insert_audit(tx, user_id, Some(email), audit)
        })
    }

    fn save_otp(&mut self, code: &NewOtpCode, email: &str, audit: &[AuditEntry]) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO otp_codes (user_id, purpose, code_mac, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (user_id, purpose) DO UPDATE SET code_mac = excluded.code_mac, \
                 created_at = excluded.created_at, expires_at = excluded.expires_at, \
                 attempts = 0, used_at = NULL",
                &[
                    &code.user_id,
                    &code.purpose,
                    &code.code_mac,
                    &time(code.created_at),
                    &time(code.expires_at),
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
                .query_opt(
                    "SELECT id, code_mac, created_at, expires_at, attempts, used_at \
                     FROM otp_codes WHERE user_id = $1 AND purpose = $2",
                    &[&user_id, &purpose],
                )?
                .map(|r| -> Result<OtpCode> {
                    Ok(OtpCode {
                        id: r.try_get(0)?,
                        code_mac: r.try_get(1)?,
                        created_at: r.try_get::<_, PgTime>(2)?.0,
                        expires_at: r.try_get::<_, PgTime>(3)?.0,
                        attempts: u32::try_from(r.try_get::<_, i32>(4)?).unwrap_or(u32::MAX),
                        used_at: r.try_get::<_, Option<PgTime>>(5)?.map(|t| t.0),
                    })
                })
                .transpose()?;
            let row = tx.query_one(
                "SELECT email_verified_at IS NOT NULL, substr(password, 1, 1) <> '!', \
                 (SELECT count(*) FROM tokens WHERE user_id = $1 AND revoked_at IS NULL), \
                 (SELECT count(*) FROM otp_codes WHERE user_id = $1 AND purpose <> $2 \
                  AND used_at IS NULL), must_change_password \
                 FROM users WHERE id = $1",
                &[&user_id, &purpose],
            )?;
            let count = |i| -> Result<u32> {
                Ok(u32::try_from(row.try_get::<_, i64>(i)?).unwrap_or(u32::MAX))
            };
            let owner = CodeOwner {
                verified: row.try_get(0)?,
                usable_password: row.try_get(1)?,
                live_tokens: count(2)?,
                other_codes: count(3)?,
                must_change_password: row.try_get(4)?,
                token_names: tx
                    .query(
                        "SELECT name FROM tokens WHERE user_id = $1 AND revoked_at IS NULL",
                        &[&user_id],
                    )?
                    .iter()
                    .map(|r| r.try_get(0))
                    .collect::<std::result::Result<_, _>>()?,
            };
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
                        "UPDATE otp_codes SET used_at = $2 WHERE id = $1",
                        &[&code.id, &time(*used_at)],
                    )?;
                    if let Some(hash) = new_password {
                        tx.execute(
                            // A password the user chose meets a must-change-password;
                            // one made unusable does not.
                            "UPDATE users SET password = $2, \
                             must_change_password = must_change_password AND left($2, 1) = '!' \
                             WHERE id = $1",
                            &[&user_id, hash],
                        )?;
                    }
                    if *revoke_tokens {
                        tokens::revoke_all(tx, user_id, *used_at)?;
                    }
                    if *discard_other_codes {
                        tx.execute(
                            "DELETE FROM otp_codes WHERE user_id = $1 AND id <> $2",
                            &[&user_id, &code.id],
                        )?;
                    }
                    if let Some(at) = verified_at {
                        tx.execute(
                            "UPDATE users SET email_verified_at = $2 WHERE id = $1",
                            &[&user_id, &time(*at)],
                        )?;
                    }
                    if let Some(at) = last_login {
                        tx.execute(
                            "UPDATE users SET last_login = $2 WHERE id = $1",
                            &[&user_id, &time(*at)],
                        )?;
                    }
                }
                (OtpWrite::CountFailure, Some(code)) => {
                    tx.execute(
                        "UPDATE otp_codes SET attempts = attempts + 1 WHERE id = $1",
                        &[&code.id],
                    )?;
                }
                _ => {}
            }
            insert_audit(tx, Some(user_id), Some(email), &verdict.audit)?;
            Ok(verdict.result)
        })
    }
}
