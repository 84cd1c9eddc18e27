//! Operator-issued password-reset tokens (Kanidm's `credential
//! create-reset-token`): a one-time token handed over out of band, with which
//! the user sets a password. The token has its own prefix and checksum
//! ([`token::RESET_PREFIX`]); only its SHA-256 is stored. It dies when used,
//! when it expires, when a newer one is made, and when the password or the
//! email address changes by any path (it records a digest of the address and
//! the password hash it was made against).

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;

use super::conceal::ProofKind;
use super::sign_in::{Happened, NewPassword, SignInOutcome, admit};
use super::{UserManager, attributes};
use crate::audit::AuditEvent;
use crate::clock::human_timestamp;
use crate::config::MAX_RESET_TOKEN_EXPIRY;
use crate::duration::format_duration;
use crate::email_address::email_key;
use crate::error::{Error, Result};
use crate::storage::{
    ResetTokenRecord, ResetTokenStore, TokenStore, UserStore, UserUpdate, credential_digest,
};
use crate::token::{self, ResetRejection, TokenDigest};
use crate::user::User;

/// A reset token just made: the secret, to be shown once.
pub struct IssuedResetToken {
    pub token: SecretString,
    pub id: i64,
    pub user: String,
    pub expires_at: jiff::Timestamp,
}

impl std::fmt::Debug for IssuedResetToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedResetToken")
            .field("token", &"[REDACTED]")
            .field("id", &self.id)
            .field("user", &self.user)
            .finish()
    }
}

fn rejected(reason: ResetRejection) -> Error {
    Error::ResetTokenRejected(reason)
}

impl<S: UserStore + ResetTokenStore> UserManager<S> {
    /// Makes a reset token for the user, replacing any earlier unused one.
    /// `lifetime` defaults to `[password] reset_token_expiry` and may not exceed
    /// 7 days. The returned secret is the only copy.
    pub fn create_reset_token(
        &mut self,
        email: &str,
        lifetime: Option<Duration>,
    ) -> Result<IssuedResetToken> {
        let lifetime = lifetime.unwrap_or(self.reset_token_expiry);
        if lifetime.is_zero() || lifetime > MAX_RESET_TOKEN_EXPIRY {
            return Err(Error::invalid(
                "reset token lifetime",
                format!(
                    "{} is not between 1s and {}",
                    format_duration(lifetime),
                    format_duration(MAX_RESET_TOKEN_EXPIRY)
                ),
            ));
        }
        let user = self.get_user(email)?;
        let now = self.clock.now();
        // A reset is refused to an account that cannot act (Django's reset
        // leaves inactive users out): a token made for one would not work.
        if let Some((_, err)) = super::cannot_act(&user, now) {
            // Said as a token refused (its hint: reactivate or extend the account).
            return Err(match err {
                Error::InactiveUser(email) => Error::InactiveUserToken(email),
                other => other,
            });
        }
        let expires_at = super::tokens::expiry(now, lifetime)?;
        let secret = token::generate_with(token::RESET_PREFIX);
        let text = secret.expose_secret();
        let record = ResetTokenRecord {
            user_id: user.id,
            digest: token::digest(text),
            prefix: token::display_prefix(text),
            password_digest: bound_to(&user),
            created_at: now,
            expires_at,
        };
        let detail = format!(
            "prefix={}, expires={}",
            record.prefix,
            human_timestamp(expires_at)
        );
        let audit = [self.audit(AuditEvent::ResetTokenCreated, detail)];
        let id = self.store.insert_reset_token(&record, &audit)?;
        Ok(IssuedResetToken {
            token: secret,
            id,
            user: user.email,
            expires_at,
        })
    }

    /// Checks a reset token without using it (before asking for a new
    /// password): the same answers as a reset with it ([`Self::sign_in`]).
    pub fn check_reset_token(&mut self, email: &str, reset_token: &SecretString) -> Result<User> {
        let live = self
            .live_reset_token(email, reset_token)
            .map(|(user, _)| user);
        self.conceal(ProofKind::ResetToken, live)
    }

    /// The user and its token, when the token may be used now.
    fn live_reset_token(
        &mut self,
        email: &str,
        reset_token: &SecretString,
    ) -> Result<(User, crate::storage::ResetTokenInfo)> {
        // What depends only on the token first: a malformed one is told as
        // such whoever holds the address, and the lookup is made for everyone.
        token::check_format_with(token::RESET_PREFIX, reset_token.expose_secret())
            .map_err(|e| rejected(ResetRejection::Malformed(e)))?;
        let digest = token::digest(reset_token.expose_secret());
        let found = self.store.reset_token_by_digest(&digest)?;
        let user = self.get_user(email)?;
        let now = self.clock.now();
        // A dead account's token is not compared.
        if let Some((why, err)) = super::cannot_act(&user, now) {
            return Err(self.refuse_account(&user, why, err)?);
        }
        // The index found it by equality; the final word on a secret-derived
        // value is in constant time, as everywhere else.
        let info = match found {
            Some((info, stored))
                if bool::from(stored.ct_eq(&digest)) && info.user_id == user.id =>
            {
                info
            }
            _ => return Err(self.refuse(&user, ResetRejection::Wrong)?),
        };
        match dead(&info, &user, now) {
            Some(reason) => Err(self.refuse(&user, reason)?),
            None => Ok((user, info)),
        }
    }

    /// Audits a refusal of the account (`why`, the audit's words); `err`, to return.
    fn refuse_account(&mut self, user: &User, why: &str, err: Error) -> Result<Error> {
        let audit = [self.audit(AuditEvent::ResetTokenRejected, format!("reason={why}"))];
        self.store
            .record(Some(user.id), Some(&user.email), &audit)?;
        Ok(err)
    }

    /// Audits a refusal; the error to return.
    fn refuse(&mut self, user: &User, reason: ResetRejection) -> Result<Error> {
        let audit = [self.audit(
            AuditEvent::ResetTokenRejected,
            format!("reason={}", reason.reason()),
        )];
        self.store
            .record(Some(user.id), Some(&user.email), &audit)?;
        Ok(rejected(reason))
    }
}

impl<S: UserStore + ResetTokenStore + TokenStore> UserManager<S> {
    /// A reset token's path of [`Self::sign_in`]: a wrong, used, expired or
    /// replaced token, or one made before the password or the address last
    /// changed, is [`Error::ResetTokenRejected`] saying which (and audited); an
    /// inactive or expired user is refused ([`Error::InactiveUser`],
    /// [`Error::AccountExpired`]). The usual validators apply; the token is
    /// used, the password set, a must-change-password met and (as
    /// [`Self::set_reset_revokes_tokens`] says) the API tokens revoked, in one
    /// transaction.
    pub(super) fn reset_with_token(
        &mut self,
        email: &str,
        reset_token: &SecretString,
        new_password: NewPassword<'_>,
    ) -> Result<SignInOutcome> {
        let revoke_tokens = self.reset_revokes_tokens;
        let (user, info) = self.live_reset_token(email, reset_token)?;
        // The token is right: every sign-in's one gate, before anything is written.
        if let Some((why, err)) = admit(&self.admission(false), &user) {
            return Err(self.refuse_account(&user, why, err)?);
        }
        let digest = token::digest(reset_token.expose_secret());
        let now = self.clock.now();
        let hash = self.hash_new_password(
            new_password.password,
            &attributes(&user),
            new_password.validation,
        )?;
        let unrevoked = if revoke_tokens {
            self.unrevoked_tokens(&user)?
        } else {
            0
        };
        let mut update = UserUpdate {
            password: Some(hash),
            must_change_password: user.must_change_password.then_some(false),
            clear_login_failures: true,
            ..UserUpdate::default()
        };
        let mut audit = vec![self.audit(
            AuditEvent::PasswordReset,
            format!("with reset token {}", info.prefix),
        )];
        if revoke_tokens {
            audit.push(self.audit(
                AuditEvent::TokenRevoked,
                "all of the user's tokens, with the password reset",
            ));
            update = super::tokens::revoking_tokens(update, now);
        }
        match self
            .store
            .consume_reset_token(info.id, now, &update, &audit)?
        {
            Some(user) => Ok(SignInOutcome {
                happened: Happened::PasswordReset {
                    revoked_tokens: revoke_tokens.then_some(unrevoked),
                },
                user,
                token: None,
                password_discarded: false,
                second_factor: None,
            }),
            // Used, replaced or outrun by a password change since the lookup:
            // look again to say which.
            None => {
                let (info, _) = self
                    .store
                    .reset_token_by_digest(&digest)?
                    .ok_or_else(|| rejected(ResetRejection::Wrong))?;
                let user = self.get_user(email)?;
                let reason = dead(&info, &user, now).unwrap_or(ResetRejection::Wrong);
                Err(self.refuse(&user, reason)?)
            }
        }
    }
}

/// What a reset token made for `user` now is bound to: the address and the
/// password (see [`credential_digest`]).
fn bound_to(user: &User) -> TokenDigest {
    credential_digest(&email_key(&user.email), user.password_hash())
}

/// Why a token found for `user` may no longer be used, if it may not.
fn dead(
    info: &crate::storage::ResetTokenInfo,
    user: &User,
    now: jiff::Timestamp,
) -> Option<ResetRejection> {
    if let Some(at) = info.used_at {
        return Some(ResetRejection::Used(at));
    }
    if let Some(at) = info.replaced_at {
        return Some(ResetRejection::Replaced(at));
    }
    if info.expires_at <= now {
        return Some(ResetRejection::Expired(info.expires_at));
    }
    if info.password_digest != bound_to(user) {
        return Some(ResetRejection::PasswordChanged);
    }
    None
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::Validation;
    use crate::clock::FixedClock;
    use crate::manager::test_manager;
    use crate::storage::SqliteStore;
    use crate::user::NewUser;

    fn manager_at(dir: &std::path::Path, now: &str) -> UserManager<SqliteStore> {
        test_manager(dir, Arc::new(FixedClock(now.parse().unwrap())))
    }

    fn secret(s: &str) -> SecretString {
        SecretString::from(s.to_string())
    }

    const NOW: &str = "2026-01-02T03:04:05Z";

    #[test]
    fn a_reset_token_sets_the_password_once_and_meets_a_must_change() {
        let dir = tempfile::tempdir().unwrap();
        let mut m = manager_at(dir.path(), NOW);
        m.reveal_reasons(true);
        let new = NewUser {
            must_change_password: Some(true),
            ..NewUser::new("ada@example.com")
        };
        m.create_user(
            new,
            Some(&secret("correct horse battery staple")),
            Validation::Enforce,
        )
        .unwrap();
        assert!(matches!(
            m.issue_token("ada@example.com", None, None),
            Err(Error::MustChangePassword(_))
        ));
        let issued = m.create_reset_token("ada@example.com", None).unwrap();
        assert!(issued.token.expose_secret().starts_with("udbr_"));
        assert_eq!(issued.expires_at, "2026-01-03T03:04:05Z".parse().unwrap());
        assert!(format!("{issued:?}").contains("REDACTED"));
        m.check_reset_token("ada@example.com", &issued.token)
            .unwrap();
        let password = secret("a brand new passphrase");
        let user = m
            .reset_password_with_token(
                "ada@example.com",
                &issued.token,
                &password,
                Validation::Enforce,
                true,
            )
            .unwrap();
        assert!(!user.must_change_password);
        m.authenticate("ada@example.com", &password).unwrap();
        assert!(matches!(
            m.reset_password_with_token(
                "ada@example.com",
                &issued.token,
                &password,
                Validation::Enforce,
                true
            ),
            Err(Error::ResetTokenRejected(ResetRejection::Used(_)))
        ));
        m.issue_token("ada@example.com", None, None).unwrap();
    }

    #[test]
    fn a_reset_token_says_why_it_is_dead() {
        let dir = tempfile::tempdir().unwrap();
        let mut m = manager_at(dir.path(), NOW);
        m.reveal_reasons(true);
        m.create_user(NewUser::new("ada@example.com"), None, Validation::Enforce)
            .unwrap();
        let api = crate::token::generate();
        assert!(matches!(
            m.check_reset_token("ada@example.com", &api),
            Err(Error::ResetTokenRejected(ResetRejection::Malformed(_)))
        ));
        assert!(
            m.create_reset_token("ada@example.com", Some(Duration::from_secs(8 * 86400)))
                .is_err()
        );
        let short = m
            .create_reset_token("ada@example.com", Some(Duration::from_secs(60)))
            .unwrap();
        let mut later = manager_at(dir.path(), "2026-01-02T03:05:05Z");
        // A service's one answer; the operator's says why.
        assert!(matches!(
            later.check_reset_token("ada@example.com", &short.token),
            Err(Error::InvalidResetToken)
        ));
        assert!(matches!(
            later.check_reset_token("nobody@example.com", &short.token),
            Err(Error::InvalidResetToken)
        ));
        later.reveal_reasons(true);
        assert!(matches!(
            later.check_reset_token("ada@example.com", &short.token),
            Err(Error::ResetTokenRejected(ResetRejection::Expired(_)))
        ));
        let newer = m.create_reset_token("ada@example.com", None).unwrap();
        assert!(matches!(
            m.check_reset_token("ada@example.com", &short.token),
            Err(Error::ResetTokenRejected(ResetRejection::Replaced(_)))
        ));
        m.set_password(
            "ada@example.com",
            Some(&secret("correct horse battery staple")),
            Validation::Enforce,
        )
        .unwrap();
        assert!(matches!(
            m.check_reset_token("ada@example.com", &newer.token),
            Err(Error::ResetTokenRejected(ResetRejection::PasswordChanged))
        ));
    }

    #[test]
    fn an_expired_account_signs_in_nowhere_and_holds_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut m = manager_at(dir.path(), NOW);
        m.reveal_reasons(true);
        let password = secret("correct horse battery staple");
        let new = NewUser {
            expires_at: Some("2026-01-02T04:00:00Z".parse().unwrap()),
            ..NewUser::new("ada@example.com")
        };
        m.create_superuser(new, Some(&password), Validation::Enforce)
            .unwrap();
        let token = m.issue_token("ada@example.com", None, None).unwrap();
        let mut later = manager_at(dir.path(), "2026-01-02T04:00:00Z");
        later.reveal_reasons(true);
        assert!(matches!(
            later.authenticate("ada@example.com", &password),
            Err(Error::AccountExpired { .. })
        ));
        assert!(matches!(
            later.verify_token(&token.token),
            Err(Error::TokenRejected(
                crate::token::Rejection::AccountExpired { .. }
            ))
        ));
        let user = later.get_user("ada@example.com").unwrap();
        assert!(!later.effective_permissions(&user).unwrap().all);
        // A service's one answer hides why.
        later.reveal_reasons(false);
        assert!(matches!(
            later.authenticate("ada@example.com", &password),
            Err(Error::InvalidCredentials)
        ));
    }
}
