//! API tokens in the manager: issue, verify, list, revoke. The format is
//! [`crate::token`]'s; storage is any [`TokenStore`].

use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;

use super::{UserManager, Validation};
use crate::access::Permission;
use crate::audit::AuditEvent;
use crate::clock::human_timestamp;
use crate::error::{Error, Result};
use crate::storage::{
    AuditEntry, SecondFactorStore, TokenRecord, TokenStore, UserStore, UserUpdate,
};
use crate::token::{self, Rejection, TokenInfo, TokenState};
use crate::user::User;

/// A token's name: at most this many characters.
pub const MAX_TOKEN_NAME_LEN: usize = 100;

/// Why a token is refused, and what the audit log says of it (when it does).
pub(super) struct TokenRefusal {
    pub error: Error,
    pub audit: Option<&'static str>,
}

/// Why `user`, as they are at `now`, may not be issued a token, if they may
/// not: the one rule for every path that issues one (`issue-token`,
/// `authenticate --issue-token`, a code's `--issue-token`). Inactive or
/// expired; unverified where verification is mandatory; or bound to change a
/// password an operator set; or, `unenrolled`, covered by `[mfa] required`
/// without a confirmed second factor. A code's sign-in judges the user as its step
/// leaves them (a first verification proves the address; a password chosen in
/// it meets a must-change), before the code is used up.
pub(super) fn token_refusal(
    verification: crate::registration::EmailVerification,
    now: Timestamp,
    user: &User,
    unenrolled: bool,
) -> Option<TokenRefusal> {
    let refuse = |error, audit| Some(TokenRefusal { error, audit });
    if !user.is_active {
        return refuse(Error::InactiveUserToken(user.email.clone()), None);
    }
    if verification == crate::registration::EmailVerification::Mandatory
        && user.email_verified_at.is_none()
    {
        return refuse(
            Error::EmailNotVerified(user.email.clone()),
            Some("email not verified"),
        );
    }
    if let Some(at) = user.expires_at.filter(|at| *at <= now) {
        let email = user.email.clone();
        return refuse(Error::AccountExpired { email, at }, None);
    }
    if user.must_change_password {
        return refuse(
            Error::MustChangePassword(user.email.clone()),
            Some("must change password"),
        );
    }
    if unenrolled {
        return refuse(
            Error::SecondFactorNotEnrolled(user.email.clone()),
            Some("no second factor, which [mfa] required asks of this user"),
        );
    }
    None
}

/// A token just issued: the secret, to be shown once, and what is stored about it.
pub struct IssuedToken {
    pub token: SecretString,
    pub info: TokenInfo,
}

impl std::fmt::Debug for IssuedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedToken")
            .field("token", &"[REDACTED]")
            .field("info", &self.info)
            .finish()
    }
}

/// The outcome of revoking one token.
#[derive(Debug, Clone, PartialEq)]
pub enum Revoked {
    /// Revoked now.
    Now(TokenInfo),
    /// It already was (nothing changed).
    Already(TokenInfo),
}

impl<S: UserStore + TokenStore + SecondFactorStore> UserManager<S> {
    /// Issues a token to an active user. `name` defaults to `token-N` (N counts the
    /// user's tokens, the first free one); `lifetime` `None` means it never expires.
    /// The returned secret is the only copy: only its SHA-256 is stored.
    pub fn issue_token(
        &mut self,
        email: &str,
        name: Option<&str>,
        lifetime: Option<Duration>,
    ) -> Result<IssuedToken> {
        self.issue_scoped_token(email, name, lifetime, &[])
    }

    /// [`Self::issue_token`], limited to `scopes`: the token may be used only for
    /// those permissions, and only while its user holds them. A scope the user
    /// does not hold now is [`Error::ScopeNotHeld`]. No scopes: the token carries
    /// whatever its user holds at each use.
    pub fn issue_scoped_token(
        &mut self,
        email: &str,
        name: Option<&str>,
        lifetime: Option<Duration>,
        scopes: &[Permission],
    ) -> Result<IssuedToken> {
        let user = self.get_user(email)?;
        let unenrolled = self.lacks_required_second_factor(&user)?;
        if let Some(refusal) = token_refusal(self.verification, self.clock.now(), &user, unenrolled)
        {
            if let Some(detail) = refusal.audit {
                let audit = [self.audit(AuditEvent::TokenRefused, detail)];
                self.store
                    .record(Some(user.id), Some(&user.email), &audit)?;
            }
            return Err(refusal.error);
        }
        // No scopes asked, nothing to look up (a token issue needs no permission query).
        let effective = if scopes.is_empty() {
            None
        } else {
            Some(self.effective_permissions(&user)?)
        };
        let missing = effective.as_ref().map_or(Vec::new(), |e| e.missing(scopes));
        if !missing.is_empty() {
            return Err(Error::ScopeNotHeld {
                email: user.email,
                missing: missing.iter().map(|p| p.to_string()).collect(),
            });
        }
        let scopes: Option<Vec<Permission>> = (!scopes.is_empty()).then(|| {
            let set: std::collections::BTreeSet<_> = scopes.iter().cloned().collect();
            set.into_iter().collect()
        });
        let now = self.clock.now();
        let expires_at = lifetime.map(|d| expiry(now, d)).transpose()?;
        let name = name.map(clean_token_name).transpose()?;
        // A default name can be taken by a concurrent issue: pick the next one.
        let mut attempts = 0;
        loop {
            let chosen = match &name {
                Some(name) => name.clone(),
                None => self.default_token_name(user.id)?,
            };
            match self.insert_token(&user, chosen, now, expires_at, scopes.clone()) {
                Err(Error::TokenNameTaken { .. }) if name.is_none() && attempts < 3 => {
                    attempts += 1;
                }
                other => return other,
            }
        }
    }
}

impl<S: UserStore + TokenStore> UserManager<S> {
    fn insert_token(
        &mut self,
        user: &User,
        name: String,
        now: Timestamp,
        expires_at: Option<Timestamp>,
        scopes: Option<Vec<Permission>>,
    ) -> Result<IssuedToken> {
        let token = token::generate();
        let record = TokenRecord {
            user_id: user.id,
            name,
            digest: token::digest(token.expose_secret()),
            prefix: token::display_prefix(token.expose_secret()),
            created_at: now,
            expires_at,
            scopes,
        };
        let mut detail = format!(
            "name={}, expires={}",
            record.name,
            expires_at.map_or("never".to_string(), human_timestamp)
        );
        if let Some(scopes) = record.scopes_column() {
            detail.push_str(&format!(", scopes={scopes}"));
        }
        let audit = [self.audit(AuditEvent::TokenIssued, detail)];
        let info = self.store.insert_token(&record, &audit)?;
        Ok(IssuedToken { token, info })
    }

    /// The user's tokens that are not revoked (a reset revokes them).
    pub(super) fn unrevoked_tokens(&self, user: &User) -> Result<usize> {
        let tokens = self.store.list_tokens(Some(user.id))?;
        Ok(tokens.iter().filter(|t| t.revoked_at.is_none()).count())
    }

    /// `token-N` for the smallest N above the number of the user's tokens that no
    /// active token of the user is named.
    fn default_token_name(&self, user_id: i64) -> Result<String> {
        let tokens = self.store.list_tokens(Some(user_id))?;
        let taken = |name: &str| {
            tokens
                .iter()
                .any(|t| t.revoked_at.is_none() && t.name == name)
        };
        let mut n = tokens.len() + 1;
        while taken(&format!("token-{n}")) {
            n += 1;
        }
        Ok(format!("token-{n}"))
    }

    /// Checks a token, for a service that authenticates requests with one: the
    /// format and checksum first (no database work for a mistyped token), then one
    /// index probe by SHA-256. On success records the use (`last_used_at` and a
    /// `token_used` audit row, in one transaction) and returns the owner.
    /// A rejection says why ([`Rejection`]); where the owner is known it is logged.
    pub fn verify_token(&mut self, token: &SecretString) -> Result<(User, TokenInfo)> {
        self.verify_token_for(token, &[])
    }

    /// [`Self::verify_token`] for a request that needs `required`: the token must
    /// also have each in its scopes (when it has scopes), and its user must hold
    /// each now, so a user who lost a group loses the scope with it. Otherwise
    /// [`Rejection::NotPermitted`], and the use is not recorded.
    pub fn verify_token_for(
        &mut self,
        token: &SecretString,
        required: &[Permission],
    ) -> Result<(User, TokenInfo)> {
        let parsed =
            token::parse(token).map_err(|e| Error::TokenRejected(Rejection::Malformed(e)))?;
        let digest = parsed.digest();
        // Twice at most: the write re-checks the token, and if it changed since the
        // lookup (revoked, its user deactivated) the second look says why.
        for _ in 0..2 {
            let Some((mut info, stored, user)) = self.store.token_by_digest(&digest)? else {
                return Err(Error::TokenRejected(Rejection::Unknown));
            };
            // The index found it by equality already; this keeps the final word on a
            // secret-derived value in constant time, as everywhere else.
            if !bool::from(stored.ct_eq(&digest)) {
                return Err(Error::TokenRejected(Rejection::Unknown));
            }
            let now = self.clock.now();
            let mut rejection = rejection(&info, &user, now).or_else(|| {
                self.blocked_unverified(&user)
                    .then(|| Rejection::EmailNotVerified(user.email.clone()))
            });
            if rejection.is_none() && !required.is_empty() {
                rejection = self.not_permitted(&info, &user, required)?;
            }
            if let Some(rejection) = rejection {
                let detail = format!("id={}, reason={}", info.id, rejection.reason());
                let audit = [self.audit(AuditEvent::TokenRejected, detail)];
                self.store
                    .record(Some(user.id), Some(&user.email), &audit)?;
                return Err(Error::TokenRejected(rejection));
            }
            let audit = [self.audit(AuditEvent::TokenUsed, format!("id={}", info.id))];
            if self.store.mark_token_used(&info, now, &audit)? {
                info.last_used_at = Some(now);
                return Ok((user, info));
            }
        }
        Err(Error::TokenRejected(Rejection::Unknown))
    }

    /// The first of `required` the token may not be used for, and why.
    fn not_permitted(
        &self,
        info: &TokenInfo,
        user: &User,
        required: &[Permission],
    ) -> Result<Option<Rejection>> {
        let effective = self.effective_permissions(user)?;
        let refuse = |permission: &Permission, why| Rejection::NotPermitted {
            id: info.id,
            name: info.name.clone(),
            permission: permission.to_string(),
            why,
        };
        for permission in required {
            let in_scope = (info.scopes.as_ref())
                .is_none_or(|scopes| scopes.iter().any(|s| s == permission.as_str()));
            if !in_scope {
                return Ok(Some(refuse(
                    permission,
                    "it is not among the token's scopes",
                )));
            }
            if !effective.holds(permission) {
                return Ok(Some(refuse(permission, "its user does not hold it")));
            }
        }
        Ok(None)
    }

    /// The tokens of one user (by email), or of everyone; never a secret.
    pub fn list_tokens(&self, email: Option<&str>) -> Result<Vec<TokenInfo>> {
        let user_id = email.map(|e| self.get_user(e)).transpose()?.map(|u| u.id);
        self.store.list_tokens(user_id)
    }

    /// The user's token that holds this name, if any: one not revoked (an
    /// expired one holds its name until it is revoked).
    pub fn token_named(&self, email: &str, name: &str) -> Result<Option<TokenInfo>> {
        let name = clean_token_name(name)?;
        let tokens = self.list_tokens(Some(email))?;
        Ok(tokens
            .into_iter()
            .find(|t| t.name == name && t.revoked_at.is_none()))
    }

    /// How many of the user's tokens are neither revoked nor expired.
    pub fn active_token_count(&self, user: &User) -> Result<u64> {
        self.store.count_active_tokens(user.id, self.clock.now())
    }

    /// Revokes a token by id. Revoking a revoked token changes nothing and says so.
    pub fn revoke_token(&mut self, id: i64) -> Result<Revoked> {
        let info = self
            .store
            .token_by_id(id)?
            .ok_or(Error::TokenNotFound(id))?;
        if info.revoked_at.is_some() {
            return Ok(Revoked::Already(info));
        }
        let audit = [self.audit(
            AuditEvent::TokenRevoked,
            format!("id={id}, name={}", info.name),
        )];
        let revoked_now = self.store.revoke_token(id, self.clock.now(), &audit)?;
        let info = self
            .store
            .token_by_id(id)?
            .ok_or(Error::TokenNotFound(id))?;
        Ok(if revoked_now {
            Revoked::Now(info)
        } else {
            Revoked::Already(info)
        })
    }

    /// Revokes every token of a user that is not revoked yet; returns them.
    pub fn revoke_all_tokens(&mut self, email: &str) -> Result<(User, Vec<TokenInfo>)> {
        let user = self.get_user(email)?;
        let entry = self.audit(AuditEvent::TokenRevoked, "");
        let audit = |tokens: &[TokenInfo]| -> Vec<AuditEntry> {
            tokens
                .iter()
                .map(|t| AuditEntry {
                    detail: format!("id={}, name={}, all of the user's tokens", t.id, t.name),
                    ..entry.clone()
                })
                .collect()
        };
        let revoked = self
            .store
            .revoke_user_tokens(user.id, self.clock.now(), &audit)?;
        Ok((user, revoked))
    }

    /// `changepassword --revoke-tokens`: sets the password and revokes every token
    /// of the user in one transaction; returns the user and how many were revoked.
    pub fn set_password_revoking_tokens(
        &mut self,
        email: &str,
        password: Option<&SecretString>,
        validation: Validation,
    ) -> Result<(User, usize)> {
        let user = self.get_user(email)?;
        let unrevoked = self
            .store
            .list_tokens(Some(user.id))?
            .iter()
            .filter(|t| t.revoked_at.is_none())
            .count();
        let user = self.change_password(&user, password, validation, true)?;
        Ok((user, unrevoked))
    }
}

/// Why a token found in the store is not accepted at `now`, if it is not.
fn rejection(info: &TokenInfo, user: &User, now: Timestamp) -> Option<Rejection> {
    match info.state(now) {
        TokenState::Revoked => Some(Rejection::Revoked {
            id: info.id,
            name: info.name.clone(),
            at: info.revoked_at.unwrap_or(now),
        }),
        TokenState::Expired => Some(Rejection::Expired {
            id: info.id,
            name: info.name.clone(),
            at: info.expires_at.unwrap_or(now),
        }),
        TokenState::Active if !user.is_active => Some(Rejection::InactiveUser(user.email.clone())),
        TokenState::Active if user.is_expired(now) => Some(Rejection::AccountExpired {
            email: user.email.clone(),
            at: user.expires_at.unwrap_or(now),
        }),
        TokenState::Active => None,
    }
}

/// Tokens' names: trimmed, not empty, bounded, printable.
pub(super) fn clean_token_name(name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::invalid("token name", "it is empty"));
    }
    if name.chars().count() > MAX_TOKEN_NAME_LEN {
        return Err(Error::invalid(
            "token name",
            format!("longer than {MAX_TOKEN_NAME_LEN} characters"),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(Error::invalid("token name", "contains control characters"));
    }
    Ok(name.to_string())
}

pub(super) fn expiry(now: Timestamp, lifetime: Duration) -> Result<Timestamp> {
    if lifetime.is_zero() {
        return Err(Error::invalid(
            "expiry",
            "0s would issue a token that is already expired",
        ));
    }
    SignedDuration::try_from(lifetime)
        .ok()
        .and_then(|d| now.checked_add(d).ok())
        .ok_or_else(|| Error::invalid("expiry", "too far in the future"))
}

/// The update that revokes the tokens with a password change, for the store.
pub(super) fn revoking_tokens(mut update: UserUpdate, at: Timestamp) -> UserUpdate {
    update.revoke_tokens_at = Some(at);
    update
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::FixedClock;
    use crate::storage::SqliteStore;
    use crate::user::{NewUser, UserChanges};
    use std::sync::Arc;

    const NOW: &str = "2026-01-02T03:04:05Z";

    struct Fixture {
        dir: tempfile::TempDir,
        manager: UserManager<SqliteStore>,
    }

    fn manager_at(dir: &std::path::Path, now: &str) -> UserManager<SqliteStore> {
        crate::manager::test_manager(dir, Arc::new(FixedClock(now.parse().unwrap())))
    }

    fn fixture() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let mut manager = manager_at(dir.path(), NOW);
        manager
            .create_user(NewUser::new("ada@example.com"), None, Validation::Enforce)
            .unwrap();
        Fixture { dir, manager }
    }

    fn days(n: u64) -> Option<Duration> {
        Some(Duration::from_secs(n * 86_400))
    }

    fn rejection(result: Result<(User, TokenInfo)>) -> Rejection {
        match result {
            Err(Error::TokenRejected(r)) => r,
            other => panic!("expected a rejection, got {other:?}"),
        }
    }

    #[test]
    fn an_issued_token_verifies_and_records_its_use() {
        let mut f = fixture();
        let issued = f
            .manager
            .issue_token("ADA@example.com", Some("ci"), days(30))
            .unwrap();
        assert_eq!(issued.info.name, "ci");
        assert_eq!(issued.info.user, "ada@example.com");
        assert_eq!(
            issued.info.expires_at,
            Some("2026-02-01T03:04:05Z".parse().unwrap())
        );
        assert!(
            issued
                .token
                .expose_secret()
                .starts_with(&issued.info.prefix)
        );
        let (user, info) = f.manager.verify_token(&issued.token).unwrap();
        assert_eq!(user.email, "ada@example.com");
        assert_eq!(info.id, issued.info.id);
        assert_eq!(info.last_used_at, Some(NOW.parse().unwrap()));
        let listed = f.manager.list_tokens(Some("ada@example.com")).unwrap();
        assert_eq!(listed[0].last_used_at, Some(NOW.parse().unwrap()));
        assert!(!format!("{issued:?}").contains(issued.token.expose_secret()));
    }

    #[test]
    fn rejections_tell_malformed_unknown_expired_revoked_and_inactive_apart() {
        let mut f = fixture();
        let issued = f
            .manager
            .issue_token("ada@example.com", None, days(1))
            .unwrap();
        let mut typo = issued.token.expose_secret().to_string();
        let last = if typo.ends_with('A') { "B" } else { "A" };
        typo.replace_range(41..42, last);
        assert!(matches!(
            rejection(f.manager.verify_token(&SecretString::from(typo))),
            Rejection::Malformed(token::FormatError::Checksum)
        ));
        assert_eq!(
            rejection(f.manager.verify_token(&token::generate())),
            Rejection::Unknown
        );

        let mut later = manager_at(f.dir.path(), "2026-01-03T03:04:05Z");
        assert!(matches!(
            rejection(later.verify_token(&issued.token)),
            Rejection::Expired { .. }
        ));

        let other = f
            .manager
            .issue_token("ada@example.com", None, None)
            .unwrap();
        f.manager
            .update_user(
                "ada@example.com",
                &UserChanges {
                    is_active: Some(false),
                    ..UserChanges::default()
                },
                false,
            )
            .unwrap();
        assert_eq!(
            rejection(f.manager.verify_token(&other.token)),
            Rejection::InactiveUser("ada@example.com".into())
        );
        assert!(matches!(
            f.manager.revoke_token(other.info.id).unwrap(),
            Revoked::Now(_)
        ));
        assert!(matches!(
            rejection(f.manager.verify_token(&other.token)),
            Rejection::Revoked { .. }
        ));
        assert!(matches!(
            f.manager.revoke_token(other.info.id).unwrap(),
            Revoked::Already(_)
        ));
        assert!(matches!(
            f.manager.revoke_token(999),
            Err(Error::TokenNotFound(999))
        ));
        assert!(matches!(
            f.manager.issue_token("ada@example.com", None, None),
            Err(Error::InactiveUserToken(_))
        ));
    }

    #[test]
    fn names_are_unique_per_user_among_unrevoked_tokens() {
        let mut f = fixture();
        f.manager
            .create_user(NewUser::new("bob@example.com"), None, Validation::Enforce)
            .unwrap();
        let first = f
            .manager
            .issue_token("ada@example.com", None, None)
            .unwrap();
        assert_eq!(first.info.name, "token-1");
        f.manager
            .issue_token("ada@example.com", Some("token-2"), None)
            .unwrap();
        assert_eq!(
            f.manager
                .issue_token("ada@example.com", None, None)
                .unwrap()
                .info
                .name,
            "token-3"
        );
        assert!(matches!(
            f.manager
                .issue_token("ada@example.com", Some(" token-1 "), None),
            Err(Error::TokenNameTaken { .. })
        ));
        f.manager
            .issue_token("bob@example.com", Some("token-1"), None)
            .unwrap();
        f.manager.revoke_token(first.info.id).unwrap();
        f.manager
            .issue_token("ada@example.com", Some("token-1"), None)
            .unwrap();
        for bad in ["", "   ", "a\nb"] {
            assert!(matches!(
                f.manager.issue_token("ada@example.com", Some(bad), None),
                Err(Error::InvalidValue { .. })
            ));
        }
        assert!(matches!(
            f.manager
                .issue_token("ada@example.com", None, Some(Duration::ZERO)),
            Err(Error::InvalidValue { .. })
        ));
    }

    #[test]
    fn revoke_all_and_a_password_change_revoke_every_token() {
        let mut f = fixture();
        let a = f
            .manager
            .issue_token("ada@example.com", None, None)
            .unwrap();
        let b = f
            .manager
            .issue_token("ada@example.com", None, None)
            .unwrap();
        let user = f.manager.get_user("ada@example.com").unwrap();
        assert_eq!(f.manager.active_token_count(&user).unwrap(), 2);
        let (_, revoked) = f.manager.revoke_all_tokens("ada@example.com").unwrap();
        assert_eq!(revoked.len(), 2);
        assert_eq!(f.manager.active_token_count(&user).unwrap(), 0);
        let (_, again) = f.manager.revoke_all_tokens("ada@example.com").unwrap();
        assert!(again.is_empty());
        for t in [&a, &b] {
            assert!(matches!(
                rejection(f.manager.verify_token(&t.token)),
                Rejection::Revoked { .. }
            ));
        }

        let c = f
            .manager
            .issue_token("ada@example.com", None, None)
            .unwrap();
        let (_, count) = f
            .manager
            .set_password_revoking_tokens(
                "ada@example.com",
                Some(&SecretString::from("correct horse battery staple")),
                Validation::Enforce,
            )
            .unwrap();
        assert_eq!(count, 1);
        assert!(matches!(
            rejection(f.manager.verify_token(&c.token)),
            Rejection::Revoked { .. }
        ));
    }

    #[test]
    fn a_revocation_or_deactivation_after_the_lookup_still_wins() {
        let mut f = fixture();
        let a = f
            .manager
            .issue_token("ada@example.com", None, None)
            .unwrap();
        let b = f
            .manager
            .issue_token("ada@example.com", None, None)
            .unwrap();
        let mut store =
            SqliteStore::open(&f.dir.path().join("db.sqlite3"), Duration::from_secs(5)).unwrap();
        let look = |t: &IssuedToken| {
            store
                .token_by_digest(&token::digest(t.token.expose_secret()))
                .unwrap()
                .unwrap()
                .0
        };
        let (info_a, info_b) = (look(&a), look(&b));
        let now: Timestamp = NOW.parse().unwrap();
        assert!(store.mark_token_used(&info_a, now, &[]).unwrap());
        f.manager.revoke_token(info_a.id).unwrap();
        assert!(!store.mark_token_used(&info_a, now, &[]).unwrap());
        f.manager
            .update_user(
                "ada@example.com",
                &UserChanges {
                    is_active: Some(false),
                    ..UserChanges::default()
                },
                false,
            )
            .unwrap();
        assert!(!store.mark_token_used(&info_b, now, &[]).unwrap());
    }

    #[test]
    fn deleting_the_user_deletes_the_tokens() {
        let mut f = fixture();
        let issued = f
            .manager
            .issue_token("ada@example.com", None, None)
            .unwrap();
        f.manager.delete_user("ada@example.com", false).unwrap();
        assert!(f.manager.list_tokens(None).unwrap().is_empty());
        assert_eq!(
            rejection(f.manager.verify_token(&issued.token)),
            Rejection::Unknown
        );
    }
}
