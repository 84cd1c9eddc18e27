//! [`SecondFactorStore`] for every engine: tables `totp_secrets` and
//! `recovery_codes` (migration 0009), and the imported secrets of a bulk write.

use std::collections::HashMap;

use jiff::Timestamp;

use super::{insert_audit, tokens};
use crate::audit::AuditEvent;
use crate::error::{Error, Result};
use crate::sealed::Sealed;
use crate::storage::sql::{Engine, Row, Sql, args};
use crate::storage::{
    AuditEntry, BulkAudit, BulkUser, SecondFactorRecord, SecondFactorRemoved, SecondFactorStore,
    TotpRecord, TotpSealer,
};

fn totp_from_row(r: &dyn Row) -> Result<(bool, TotpRecord)> {
    Ok((
        r.get(0)?,
        TotpRecord {
            secret: Sealed {
                bytes: r.get(1)?,
                key_id: r.get(2)?,
            },
            created_at: r.get(3)?,
            confirmed_at: r.get(4)?,
            expires_at: r.get(5)?,
            last_step: r.get(6)?,
        },
    ))
}

fn insert_codes(
    sql: &mut dyn Sql,
    user_id: i64,
    digests: &[[u8; 32]],
    at: Timestamp,
) -> Result<()> {
    sql.execute(
        "DELETE FROM recovery_codes WHERE user_id = $1",
        args![user_id],
    )?;
    for digest in digests {
        sql.execute(
            "INSERT INTO recovery_codes (user_id, digest, created_at) VALUES ($1, $2, $3)",
            args![user_id, digest.as_slice(), at],
        )?;
    }
    Ok(())
}

fn codes_left(sql: &mut dyn Sql, user_id: i64) -> Result<u32> {
    let n: i64 = sql.query_value(
        "SELECT count(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL",
        args![user_id],
    )?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

impl<E: Engine> SecondFactorStore for E {
    fn second_factor(&self, user_id: i64) -> Result<SecondFactorRecord> {
        self.read(|sql| {
            let rows = sql.query(
                "SELECT pending, secret, key_id, created_at, confirmed_at, expires_at, \
                 last_step FROM totp_secrets WHERE user_id = $1",
                args![user_id],
                totp_from_row,
            )?;
            let mut record = SecondFactorRecord {
                recovery_codes_left: codes_left(sql, user_id)?,
                ..SecondFactorRecord::default()
            };
            for (pending, totp) in rows {
                if pending {
                    record.pending = Some(totp);
                } else {
                    record.confirmed = Some(totp);
                }
            }
            Ok(record)
        })
    }

    fn sealed_totp_secrets(&self) -> Result<Vec<(i64, String, Sealed)>> {
        self.read(|sql| {
            sql.query(
                "SELECT t.user_id, u.email, t.secret, t.key_id FROM totp_secrets t \
                 JOIN users u ON u.id = t.user_id ORDER BY t.user_id, t.pending",
                args![],
                |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        Sealed {
                            bytes: r.get(2)?,
                            key_id: r.get(3)?,
                        },
                    ))
                },
            )
        })
    }

    fn second_factors_between(
        &self,
        first: i64,
        last: i64,
    ) -> Result<HashMap<i64, SecondFactorRecord>> {
        self.read(|sql| {
            let mut records: HashMap<i64, SecondFactorRecord> = HashMap::new();
            let rows = sql.query(
                "SELECT pending, secret, key_id, created_at, confirmed_at, expires_at, \
                 last_step, user_id FROM totp_secrets WHERE user_id BETWEEN $1 AND $2",
                args![first, last],
                |r| Ok((r.get::<i64>(7)?, totp_from_row(r)?)),
            )?;
            for (user_id, (pending, totp)) in rows {
                let record = records.entry(user_id).or_default();
                if pending {
                    record.pending = Some(totp);
                } else {
                    record.confirmed = Some(totp);
                }
            }
            let counts = sql.query(
                "SELECT user_id, count(*) FROM recovery_codes WHERE used_at IS NULL \
                 AND user_id BETWEEN $1 AND $2 GROUP BY user_id",
                args![first, last],
                |r| Ok((r.get::<i64>(0)?, r.get::<i64>(1)?)),
            )?;
            for (user_id, left) in counts {
                records.entry(user_id).or_default().recovery_codes_left =
                    u32::try_from(left).unwrap_or(u32::MAX);
            }
            Ok(records)
        })
    }

    fn begin_totp_enrolment(
        &mut self,
        user_id: i64,
        record: &TotpRecord,
        replace: bool,
        email: &str,
        audit: &[AuditEntry],
    ) -> Result<()> {
        self.write(|sql| {
            if !replace {
                let confirmed: i64 = sql.query_value(
                    "SELECT count(*) FROM totp_secrets WHERE user_id = $1 AND NOT pending",
                    args![user_id],
                )?;
                if confirmed > 0 {
                    return Err(Error::SecondFactorExists(email.to_string()));
                }
            }
            sql.execute(
                "INSERT INTO totp_secrets (user_id, pending, secret, key_id, created_at, \
                 expires_at) VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (user_id, pending) DO UPDATE SET secret = excluded.secret, \
                 key_id = excluded.key_id, created_at = excluded.created_at, \
                 expires_at = excluded.expires_at",
                args![
                    user_id,
                    true,
                    &record.secret.bytes,
                    &record.secret.key_id,
                    record.created_at,
                    record.expires_at
                ],
            )?;
            insert_audit(sql, Some(user_id), Some(email), audit)
        })
    }

    fn confirm_totp(
        &mut self,
        user_id: i64,
        created_at: Timestamp,
        at: Timestamp,
        step: i64,
        recovery_codes: &[[u8; 32]],
        email: &str,
        audit: &[AuditEntry],
    ) -> Result<bool> {
        self.write(|sql| {
            let live = sql.query_value::<i64>(
                "SELECT count(*) FROM totp_secrets WHERE user_id = $1 AND pending \
                 AND created_at = $2 AND expires_at > $3",
                args![user_id, created_at, at],
            )?;
            if live != 1 {
                return Ok(false);
            }
            sql.execute(
                "DELETE FROM totp_secrets WHERE user_id = $1 AND NOT pending",
                args![user_id],
            )?;
            sql.execute(
                "UPDATE totp_secrets SET pending = $2, confirmed_at = $3, expires_at = NULL, \
                 last_step = $4 WHERE user_id = $1 AND pending",
                args![user_id, false, at, step],
            )?;
            insert_codes(sql, user_id, recovery_codes, at)?;
            insert_audit(sql, Some(user_id), Some(email), audit)?;
            Ok(true)
        })
    }

    fn accept_totp_step(
        &mut self,
        user_id: i64,
        step: i64,
        reseal: Option<(&Sealed, &Sealed)>,
        email: &str,
        audit: &[AuditEntry],
    ) -> Result<bool> {
        // One conditional update of this user's row: a row lock, not the
        // writers' lock (a disable or a new set deletes the row first or after).
        self.write_rows(|sql| {
            let changed = match reseal {
                None => sql.execute(
                    "UPDATE totp_secrets SET last_step = $2 WHERE user_id = $1 AND NOT pending \
                     AND (last_step IS NULL OR last_step < $2)",
                    args![user_id, step],
                )?,
                // Only the secret the code was checked against is replaced
                // (not one a concurrent enrolment confirmed meanwhile).
                Some((old, new)) => sql.execute(
                    "UPDATE totp_secrets SET last_step = $2, secret = $3, key_id = $4 \
                     WHERE user_id = $1 AND NOT pending \
                     AND (last_step IS NULL OR last_step < $2) AND secret = $5 AND key_id = $6",
                    args![
                        user_id,
                        step,
                        &new.bytes,
                        &new.key_id,
                        &old.bytes,
                        &old.key_id
                    ],
                )?,
            };
            if changed != 1 {
                return Ok(false);
            }
            insert_audit(sql, Some(user_id), Some(email), audit)?;
            Ok(true)
        })
    }

    fn use_recovery_code(
        &mut self,
        user_id: i64,
        digest: &[u8; 32],
        at: Timestamp,
        email: &str,
        audit: &[AuditEntry],
    ) -> Result<Option<u32>> {
        // One conditional update of this user's row: a row lock, not the
        // writers' lock (a disable or a new set deletes the row first or after).
        self.write_rows(|sql| {
            let changed = sql.execute(
                "UPDATE recovery_codes SET used_at = $3 WHERE user_id = $1 AND digest = $2 \
                 AND used_at IS NULL",
                args![user_id, digest.as_slice(), at],
            )?;
            if changed != 1 {
                return Ok(None);
            }
            insert_audit(sql, Some(user_id), Some(email), audit)?;
            codes_left(sql, user_id).map(Some)
        })
    }

    fn replace_recovery_codes(
        &mut self,
        user_id: i64,
        digests: &[[u8; 32]],
        at: Timestamp,
        email: &str,
        audit: &[AuditEntry],
    ) -> Result<bool> {
        self.write(|sql| {
            let confirmed: i64 = sql.query_value(
                "SELECT count(*) FROM totp_secrets WHERE user_id = $1 AND NOT pending",
                args![user_id],
            )?;
            if confirmed == 0 {
                return Ok(false);
            }
            insert_codes(sql, user_id, digests, at)?;
            insert_audit(sql, Some(user_id), Some(email), audit)?;
            Ok(true)
        })
    }

    fn disable_second_factor(
        &mut self,
        user_id: i64,
        revoke_tokens_at: Option<Timestamp>,
        email: &str,
        audit: &[AuditEntry],
    ) -> Result<SecondFactorRemoved> {
        self.write(|sql| {
            let totp = sql.execute(
                "DELETE FROM totp_secrets WHERE user_id = $1",
                args![user_id],
            )?;
            let recovery_codes = sql.execute(
                "DELETE FROM recovery_codes WHERE user_id = $1",
                args![user_id],
            )?;
            let revoked_tokens = match revoke_tokens_at {
                Some(at) => tokens::revoke_all(sql, user_id, at)?,
                None => Vec::new(),
            };
            insert_audit(sql, Some(user_id), Some(email), audit)?;
            Ok(SecondFactorRemoved {
                totp: totp > 0,
                recovery_codes,
                revoked_tokens,
            })
        })
    }
}

/// A bulk write's imported TOTP secret (the row's [`BulkUser::totp`]), once
/// the row is written as user `user_id`: sealed to that id, it becomes the
/// confirmed secret (replacing any; no step used yet) and the old secret's
/// recovery codes go (none are made: the operator makes a set when the user
/// needs one). One audit row, never the secret. Both engines' writers call it.
pub(crate) fn write_imported_totp(
    sql: &mut dyn Sql,
    sealer: Option<&dyn TotpSealer>,
    audit: &BulkAudit,
    user_id: i64,
    row: &BulkUser,
) -> Result<()> {
    let Some(in_transit) = &row.totp else {
        return Ok(());
    };
    let sealer = sealer.ok_or_else(|| {
        Error::invalid(
            "the import",
            "a row carries a TOTP secret, and no secret key was given to seal it",
        )
    })?;
    let secret = sealer.seal_to_user(in_transit, &row.email_key, user_id)?;
    sql.execute(
        "DELETE FROM totp_secrets WHERE user_id = $1 AND NOT pending",
        args![user_id],
    )?;
    sql.execute(
        "DELETE FROM recovery_codes WHERE user_id = $1",
        args![user_id],
    )?;
    sql.execute(
        "INSERT INTO totp_secrets (user_id, pending, secret, key_id, created_at, confirmed_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
        args![
            user_id,
            false,
            &secret.bytes,
            &secret.key_id,
            audit.at,
            audit.at
        ],
    )?;
    let entry = AuditEntry {
        at: audit.at,
        actor: audit.actor.clone(),
        event: AuditEvent::TotpImported,
        detail: audit.detail.clone(),
    };
    insert_audit(sql, Some(user_id), Some(&row.email), &[entry])
}
