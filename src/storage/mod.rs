//! Storage: the one narrow interface the manager talks to ([`UserStore`]), and its
//! SQLite implementation. Another backend (PostgreSQL, for teams that outgrow one
//! machine) implements the same trait.

mod sqlite;

pub use sqlite::{MIGRATIONS, Migration, SqliteStore};

use jiff::Timestamp;

use crate::error::Result;
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

/// What a bulk import does with a row whose email is already taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnConflict {
    /// The whole import fails (nothing is written).
    #[default]
    Fail,
    /// The row is left out; the stored user is unchanged.
    Skip,
    /// The stored user takes the row's values (fields the row leaves out are kept).
    Update,
}

/// The password of a [`BulkUser`].
#[derive(Clone, PartialEq, Eq)]
pub enum BulkPassword {
    /// An encoded hash (or an unusable marker) to store.
    Set(String),
    /// None given: a new user gets this unusable marker, an existing one keeps its password.
    Absent { unusable: String },
}

impl std::fmt::Debug for BulkPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BulkPassword::Set(_) => f.write_str("Set(..)"),
            BulkPassword::Absent { .. } => f.write_str("Absent"),
        }
    }
}

/// One user of a bulk import. `None` fields take the column's default when the
/// user is created and are left unchanged when it is updated.
#[derive(Debug, Clone)]
pub struct BulkUser {
    pub email: String,
    pub email_key: String,
    pub password: BulkPassword,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub is_active: Option<bool>,
    pub is_staff: Option<bool>,
    pub is_superuser: Option<bool>,
    /// `None` on creation: [`BulkAudit::at`].
    pub date_joined: Option<Timestamp>,
    pub last_login: Option<Timestamp>,
    pub email_verified_at: Option<Timestamp>,
}

/// How a bulk write is recorded: one audit row per created or updated user.
#[derive(Debug, Clone)]
pub struct BulkAudit {
    pub at: Timestamp,
    pub actor: String,
    pub created_event: &'static str,
    pub updated_event: &'static str,
    pub detail: String,
}

/// What a bulk write did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BulkCounts {
    pub created: u64,
    pub updated: u64,
    pub skipped: u64,
}

/// Bulk provisioning: one transaction for a whole import, and streaming reads, so
/// that memory does not grow with the number of users.
pub trait BulkStore {
    /// Calls `f(email_key, email)` for every stored user.
    fn for_each_email(&self, f: &mut dyn FnMut(&str, &str)) -> Result<()>;
    /// Calls `f` for every stored user in id order, stopping at its first error.
    fn for_each_user(&self, f: &mut dyn FnMut(&User) -> Result<()>) -> Result<()>;
    /// Writes every row in one transaction with its audit rows: all of it or, at the
    /// first error (from `rows` or from the database), none. With
    /// [`OnConflict::Fail`] a taken email is [`crate::Error::UserExists`]. With
    /// `protect_last_superuser`, a write that leaves no active superuser where
    /// there was one is [`crate::Error::LastSuperuser`] (checked before commit).
    fn bulk_write(
        &mut self,
        rows: &mut dyn Iterator<Item = Result<BulkUser>>,
        on_conflict: OnConflict,
        protect_last_superuser: bool,
        audit: &BulkAudit,
    ) -> Result<BulkCounts>;
}
