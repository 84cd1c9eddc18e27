//! [`OtpStore`] for every engine: tables `otp_codes` and `otp_sends`
//! (migrations 0003 and 0006).

use jiff::Timestamp;

use super::user_row::hold_user;
use super::{insert_audit, tokens};
use crate::error::Result;
use crate::storage::sql::{Engine, args};
use crate::storage::{
    AuditEntry, CodeOwner, NewOtpCode, OtpCode, OtpSendCheck, OtpStore, OtpVerdict, OtpWrite,
};

impl<E: Engine> OtpStore for E {
    fn begin_otp_send(
        &mut self,
        email_key: &str,
        purpose: &str,
        at: Timestamp,
        since: Timestamp,
        check: OtpSendCheck<'_>,
    ) -> Result<i64> {
        self.write(|sql| {
            sql.execute(
                "DELETE FROM otp_sends WHERE email_key = $1 AND at < $2",
                args![email_key, since],
            )?;
            let sends = sql.query(
                "SELECT purpose, at FROM otp_sends WHERE email_key = $1 ORDER BY at",
                args![email_key],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            check(&sends)?;
            sql.query_value(
                "INSERT INTO otp_sends (email_key, purpose, at) VALUES ($1, $2, $3) RETURNING id",
                args![email_key, purpose, at],
            )
        })
    }

    fn cancel_otp_send(
        &mut self,
        send_id: i64,
        user_id: Option<i64>,
        email: &str,
        audit: &[AuditEntry],
    ) -> Result<()> {
        self.write(|sql| {
            sql.execute("DELETE FROM otp_sends WHERE id = $1", args![send_id])?;
            insert_audit(sql, user_id, Some(email), audit)
        })
    }

    fn save_otp(&mut self, code: &NewOtpCode, email: &str, audit: &[AuditEntry]) -> Result<()> {
        self.write(|sql| {
            // The user's row first, as a judgement takes it: a new code never
            // lands between a judgement's read of the old one and its write.
            hold_user(sql, code.user_id, false)?;
            sql.execute(
                "INSERT INTO otp_codes (user_id, purpose, code_mac, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (user_id, purpose) DO UPDATE SET code_mac = excluded.code_mac, \
                 created_at = excluded.created_at, expires_at = excluded.expires_at, \
                 attempts = 0, used_at = NULL",
                args![
                    code.user_id,
                    code.purpose,
                    &code.code_mac,
                    code.created_at,
                    code.expires_at
                ],
            )?;
            insert_audit(sql, Some(code.user_id), Some(email), audit)
        })
    }

    fn judge_otp<R>(
        &mut self,
        user_id: i64,
        email: &str,
        purpose: &str,
        mut judge: impl FnMut(Option<&OtpCode>, &CodeOwner) -> OtpVerdict<R>,
    ) -> Result<R> {
        // A per-user write: the user's row, held first, excludes every other
        // judgement (and every other per-user write) of this user's codes.
        self.write_rows(|sql| {
            hold_user(sql, user_id, false)?;
            let count = |n: i64| u32::try_from(n).unwrap_or(u32::MAX);
            let code = sql.query_opt(
                "SELECT id, code_mac, created_at, expires_at, attempts, used_at \
                 FROM otp_codes WHERE user_id = $1 AND purpose = $2",
                args![user_id, purpose],
                |r| {
                    Ok(OtpCode {
                        id: r.get(0)?,
                        code_mac: r.get(1)?,
                        created_at: r.get(2)?,
                        expires_at: r.get(3)?,
                        attempts: count(r.get(4)?),
                        used_at: r.get(5)?,
                    })
                },
            )?;
            let mut owner = sql.query_one(
                "SELECT email_verified_at IS NOT NULL, substr(password, 1, 1) <> '!', \
                 (SELECT count(*) FROM tokens WHERE user_id = $1 AND revoked_at IS NULL), \
                 (SELECT count(*) FROM otp_codes WHERE user_id = $1 AND purpose <> $2 \
                  AND used_at IS NULL), must_change_password \
                 FROM users WHERE id = $1",
                args![user_id, purpose],
                |r| {
                    Ok(CodeOwner {
                        verified: r.get(0)?,
                        usable_password: r.get(1)?,
                        live_tokens: count(r.get(2)?),
                        other_codes: count(r.get(3)?),
                        must_change_password: r.get(4)?,
                        token_names: Vec::new(),
                    })
                },
            )?;
            owner.token_names = sql.query(
                "SELECT name FROM tokens WHERE user_id = $1 AND revoked_at IS NULL",
                args![user_id],
                |r| r.get(0),
            )?;
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
                    sql.execute(
                        "UPDATE otp_codes SET used_at = $2 WHERE id = $1",
                        args![code.id, *used_at],
                    )?;
                    if let Some(hash) = new_password {
                        sql.execute(
                            // A password the user chose meets a must-change-password;
                            // one made unusable does not.
                            "UPDATE users SET password = $2, \
                             must_change_password = must_change_password AND substr($2, 1, 1) = '!' \
                             WHERE id = $1",
                            args![user_id, hash.as_str()],
                        )?;
                    }
                    if *revoke_tokens {
                        tokens::revoke_all(sql, user_id, *used_at)?;
                    }
                    if *discard_other_codes {
                        sql.execute(
                            "DELETE FROM otp_codes WHERE user_id = $1 AND id <> $2",
                            args![user_id, code.id],
                        )?;
                    }
                    if let Some(at) = verified_at {
                        sql.execute(
                            "UPDATE users SET email_verified_at = $2 WHERE id = $1",
                            args![user_id, *at],
                        )?;
                    }
                    if let Some(at) = last_login {
                        sql.execute(
                            "UPDATE users SET last_login = $2 WHERE id = $1",
                            args![user_id, *at],
                        )?;
                    }
                }
                (OtpWrite::CountFailure, Some(code)) => {
                    sql.execute(
                        "UPDATE otp_codes SET attempts = attempts + 1 WHERE id = $1",
                        args![code.id],
                    )?;
                }
                _ => {}
            }
            insert_audit(sql, Some(user_id), Some(email), &verdict.audit)?;
            Ok(verdict.result)
        })
    }
}
