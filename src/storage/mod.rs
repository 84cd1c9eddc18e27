//! Storage: the one narrow interface the manager talks to ([`UserStore`]), and its
//! SQLite implementation. Another backend (PostgreSQL, for teams that outgrow one
//! machine) implements the same trait.

mod sqlite;

pub use sqlite::{MIGRATIONS, Migration, SqliteStore};

use jiff::Timestamp;

use crate::error::Result;
use crate::token::{TokenDigest, TokenInfo};
use crate::user::{User, UserFilter};

/// A user as it is first written.
#[derive(Debug, Clone)]
pub struct UserRecord {
    pub email: String,
    pub email_key: String,
    pub password: String,
    pub first_name: String,
    pub last_name: String,
    pub is_active: bool,
    pub is_staff: bool,
    pub is_superuser: bool,
    pub date_joined: Timestamp,
}

/// Columns to change on a stored user; `None` leaves a column alone.
#[derive(Debug, Clone, Default)]
pub struct UserUpdate {
    /// The new email and its key, changed together.
    pub email: Option<(String, String)>,
    pub password: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub is_active: Option<bool>,
    pub is_staff: Option<bool>,
    pub is_superuser: Option<bool>,
    pub last_login: Option<Timestamp>,
    pub email_verified_at: Option<Timestamp>,
    /// Revoke every active token of the user at this time, in the same transaction
    /// (`changepassword --revoke-tokens`).
    pub revoke_tokens_at: Option<Timestamp>,
}

/// One row of the audit log: what happened, never a secret. The store adds the
/// user it concerns.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    pub at: Timestamp,
    pub actor: String,
    pub event: &'static str,
    pub detail: String,
}

/// Everything the manager needs from storage. Each write is one transaction that
/// also records its audit entries, so a change is never logged without happening
/// or the other way round.
pub trait UserStore {
    /// Inserts a user; a clash of `email_key` is [`crate::Error::UserExists`].
    fn insert_user(&mut self, user: &UserRecord, audit: &[AuditEntry]) -> Result<User>;
    fn user_by_email_key(&self, email_key: &str) -> Result<Option<User>>;
    /// Applies an update; a clash of the new `email_key` is `UserExists`.
    fn update_user(&mut self, id: i64, update: &UserUpdate, audit: &[AuditEntry]) -> Result<User>;
    fn delete_user(&mut self, id: i64, audit: &[AuditEntry]) -> Result<()>;
    fn list_users(&self, filter: &UserFilter) -> Result<Vec<User>>;
    /// Records events that change nothing else (a failed sign-in).
    fn record(
        &mut self,
        user_id: Option<i64>,
        email: Option<&str>,
        audit: &[AuditEntry],
    ) -> Result<()>;
}

/// A token as it is first written: its digest, never the token.
#[derive(Debug, Clone)]
pub struct TokenRecord {
    pub user_id: i64,
    pub name: String,
    pub digest: TokenDigest,
    pub prefix: String,
    pub created_at: Timestamp,
    pub expires_at: Option<Timestamp>,
}

/// Token storage, next to [`UserStore`]; the same rules: each write is one
/// transaction with its audit entries.
pub trait TokenStore {
    /// Inserts a token; a name the user already has on an active token is
    /// [`crate::Error::TokenNameTaken`].
    fn insert_token(&mut self, token: &TokenRecord, audit: &[AuditEntry]) -> Result<TokenInfo>;
    /// The token with this digest (one probe of a unique index), its stored digest
    /// and its owner.
    fn token_by_digest(
        &self,
        digest: &TokenDigest,
    ) -> Result<Option<(TokenInfo, TokenDigest, User)>>;
    fn token_by_id(&self, id: i64) -> Result<Option<TokenInfo>>;
    /// Every token of a user, or of everyone, by id.
    fn list_tokens(&self, user_id: Option<i64>) -> Result<Vec<TokenInfo>>;
    /// Tokens of the user neither revoked nor expired at `now`.
    fn count_active_tokens(&self, user_id: i64, now: Timestamp) -> Result<u64>;
    /// Records a successful use, if the token is still usable at `at` (not revoked,
    /// not expired, its user active); `false` (nothing written) when it no longer is.
    /// Bookkeeping: a backend may return before it is durable (SQLite does not wait
    /// for the disk here), never before it is consistent.
    fn mark_token_used(
        &mut self,
        token: &TokenInfo,
        at: Timestamp,
        audit: &[AuditEntry],
    ) -> Result<bool>;
    /// Revokes one token; `false` when it already was (nothing is written then).
    fn revoke_token(&mut self, id: i64, at: Timestamp, audit: &[AuditEntry]) -> Result<bool>;
    /// Revokes every active token of a user; `audit` is told which ones, inside
    /// the transaction, and returns the entries to write.
    fn revoke_user_tokens(
        &mut self,
        user_id: i64,
        at: Timestamp,
        audit: &dyn Fn(&[TokenInfo]) -> Vec<AuditEntry>,
    ) -> Result<Vec<TokenInfo>>;
}
