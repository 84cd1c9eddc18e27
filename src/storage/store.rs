//! [`Store`]: the store of whichever backend a [`Target`] names, opened with one
//! call. The manager and the command line hold a `Store` and never learn which
//! backend is behind it; each method passes straight to the backend's.

use std::path::{Path, PathBuf};
use std::time::Duration;

use jiff::Timestamp;

use super::postgres::connect::ConnectOptions;
use super::sql::{Engine, Sql};
use super::tables::bulk::{BulkEngine, Import};
use super::tables::copy::{CopyEngine, Identity};
use super::{
    AppliedMigration, AuditEntry, AuditFilter, AuditRecord, BulkCounts, BulkUser, GroupStore,
    LoginReservation, Migration, PgStore, ResetTokenInfo, ResetTokenRecord, ResetTokenStore,
    SchemaStore, SqliteStore, Target, TokenRecord, TokenStore, UserRecord, UserStore, UserUpdate,
};
use crate::access::{Group, GroupChange, Permission, UserAccess};
use crate::error::Result;
use crate::token::{TokenDigest, TokenInfo};
use crate::user::{User, UserFilter};

/// An open store of one of the backends.
pub enum Store {
    Sqlite(SqliteStore),
    Postgres(PgStore),
}

/// How to open a store, whatever the backend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenOptions {
    /// How long a write waits for another's lock.
    pub busy_timeout: Duration,
    /// A file holding the PostgreSQL password (`[database] password_file`).
    pub password_file: Option<PathBuf>,
}

impl Default for OpenOptions {
    fn default() -> Self {
        OpenOptions {
            busy_timeout: Duration::from_secs(30),
            password_file: None,
        }
    }
}

/// Whether opening may create the database, and whether it migrates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Open {
    /// Create the database if missing, and apply pending migrations (commands
    /// that write).
    Migrated,
    /// Never create one (a mistyped path is [`crate::Error::NoDatabase`], not a new
    /// empty database); apply pending migrations (commands that read).
    Existing,
    /// Create if missing, migrate nothing (`migrate`, `doctor`).
    Unmigrated,
}

impl Store {
    /// Opens the database `target` names: one call for either backend, so a
    /// service verifies tokens against a shared server as against a file.
    pub fn open(target: &Target, open: Open, options: &OpenOptions) -> Result<Store> {
        let busy = options.busy_timeout;
        match target {
            Target::File(path) => {
                let store = match open {
                    Open::Migrated => SqliteStore::open(path, busy)?,
                    Open::Existing => SqliteStore::open_existing(path, busy)?,
                    Open::Unmigrated => SqliteStore::open_unmigrated(path, busy)?,
                };
                Ok(Store::Sqlite(store))
            }
            Target::Postgres(url) => {
                let connect = ConnectOptions {
                    password_file: options.password_file.as_deref(),
                    connect_timeout: busy,
                };
                // The database itself always exists (a DBA made it): `Existing`
                // and `Migrated` differ only for files.
                let mut store = PgStore::open(url, &connect, busy)?;
                if open != Open::Unmigrated {
                    store.migrate()?;
                }
                Ok(Store::Postgres(store))
            }
        }
    }
}

impl Store {
    /// Whether this open created the database: made the SQLite file. (A
    /// PostgreSQL database is always made beforehand, by name.)
    pub fn created(&self) -> bool {
        match self {
            Store::Sqlite(store) => store.created(),
            Store::Postgres(_) => false,
        }
    }
}

/// The same call on whichever store is open.
macro_rules! each {
    ($self:expr, $store:ident => $call:expr) => {
        match $self {
            Store::Sqlite($store) => $call,
            Store::Postgres($store) => $call,
        }
    };
}

/// The shared table code (`tables/`) runs on whichever engine the store holds.
impl Engine for Store {
    fn write<T>(&mut self, f: impl FnOnce(&mut dyn Sql) -> Result<T>) -> Result<T> {
        each!(self, s => Engine::write(s, f))
    }
    fn read<T>(&self, f: impl FnOnce(&mut dyn Sql) -> Result<T>) -> Result<T> {
        each!(self, s => Engine::read(s, f))
    }
}

impl SchemaStore for Store {
    fn describe(&self) -> String {
        each!(self, s => s.describe())
    }
    fn file_path(&self) -> Option<&Path> {
        each!(self, s => s.file_path())
    }
    fn migrations(&self) -> &'static [Migration] {
        each!(self, s => s.migrations())
    }
    fn applied_migrations(&self) -> Result<Vec<AppliedMigration>> {
        each!(self, s => s.applied_migrations())
    }
    fn migrate(&mut self) -> Result<Vec<Migration>> {
        each!(self, s => s.migrate())
    }
    fn integrity_check(&self) -> Result<Vec<String>> {
        each!(self, s => s.integrity_check())
    }
    fn migration_blocker(&self) -> Result<Option<(String, String)>> {
        each!(self, s => s.migration_blocker())
    }
    fn backup_to(&self, target: &Path, existing: crate::output_file::Existing) -> Result<()> {
        each!(self, s => s.backup_to(target, existing))
    }
}

impl CopyEngine for Store {
    fn snapshot<T>(&self, f: impl FnOnce(&mut dyn Sql) -> Result<T>) -> Result<T> {
        each!(self, s => s.snapshot(f))
    }
    fn identity(&self) -> &'static Identity {
        each!(self, s => s.identity())
    }
}

impl UserStore for Store {
    fn insert_user(&mut self, user: &UserRecord, audit: &[AuditEntry]) -> Result<User> {
        each!(self, s => s.insert_user(user, audit))
    }
    fn user_by_email_key(&self, email_key: &str) -> Result<Option<User>> {
        each!(self, s => s.user_by_email_key(email_key))
    }
    fn field_value_holder(
        &self,
        name: &str,
        value: &str,
        other_than: Option<i64>,
    ) -> Result<Option<i64>> {
        each!(self, s => s.field_value_holder(name, value, other_than))
    }
    fn update_user(&mut self, id: i64, update: &UserUpdate, audit: &[AuditEntry]) -> Result<User> {
        each!(self, s => s.update_user(id, update, audit))
    }
    fn delete_user(
        &mut self,
        id: i64,
        protect_last_superuser: bool,
        audit: &[AuditEntry],
    ) -> Result<()> {
        each!(self, s => s.delete_user(id, protect_last_superuser, audit))
    }
    fn list_users(&self, filter: &UserFilter) -> Result<Vec<User>> {
        each!(self, s => s.list_users(filter))
    }
    fn audit_entries(&self, filter: &AuditFilter) -> Result<Vec<AuditRecord>> {
        each!(self, s => s.audit_entries(filter))
    }
    fn reserve_login_attempt(
        &mut self,
        email_key: &str,
        now: Timestamp,
        forget_before: Timestamp,
        locked_until: &dyn Fn(u32) -> Option<Timestamp>,
    ) -> Result<LoginReservation> {
        each!(self, s => s.reserve_login_attempt(email_key, now, forget_before, locked_until))
    }
    fn clear_login_failures(
        &mut self,
        email_key: &str,
        user: (i64, &str),
        audit: &[AuditEntry],
    ) -> Result<bool> {
        each!(self, s => s.clear_login_failures(email_key, user, audit))
    }
    fn record(
        &mut self,
        user_id: Option<i64>,
        email: Option<&str>,
        audit: &[AuditEntry],
    ) -> Result<()> {
        each!(self, s => s.record(user_id, email, audit))
    }
}

impl BulkEngine for Store {
    fn store_files(&self) -> Vec<std::path::PathBuf> {
        each!(self, s => s.store_files())
    }
    fn write_import(
        &mut self,
        import: &Import<'_>,
        rows: &mut dyn Iterator<Item = Result<BulkUser>>,
    ) -> Result<BulkCounts> {
        each!(self, s => s.write_import(import, rows))
    }
}

impl TokenStore for Store {
    fn insert_token(&mut self, token: &TokenRecord, audit: &[AuditEntry]) -> Result<TokenInfo> {
        each!(self, s => s.insert_token(token, audit))
    }
    fn token_by_digest(
        &self,
        digest: &TokenDigest,
    ) -> Result<Option<(TokenInfo, TokenDigest, User)>> {
        each!(self, s => s.token_by_digest(digest))
    }
    fn token_by_id(&self, id: i64) -> Result<Option<TokenInfo>> {
        each!(self, s => s.token_by_id(id))
    }
    fn list_tokens(&self, user_id: Option<i64>) -> Result<Vec<TokenInfo>> {
        each!(self, s => s.list_tokens(user_id))
    }
    fn count_active_tokens(&self, user_id: i64, now: Timestamp) -> Result<u64> {
        each!(self, s => s.count_active_tokens(user_id, now))
    }
    fn mark_token_used(
        &mut self,
        token: &TokenInfo,
        at: Timestamp,
        audit: &[AuditEntry],
    ) -> Result<bool> {
        each!(self, s => s.mark_token_used(token, at, audit))
    }
    fn revoke_token(&mut self, id: i64, at: Timestamp, audit: &[AuditEntry]) -> Result<bool> {
        each!(self, s => s.revoke_token(id, at, audit))
    }
    fn revoke_user_tokens(
        &mut self,
        user_id: i64,
        at: Timestamp,
        audit: &dyn Fn(&[TokenInfo]) -> Vec<AuditEntry>,
    ) -> Result<Vec<TokenInfo>> {
        each!(self, s => s.revoke_user_tokens(user_id, at, audit))
    }
}

impl GroupStore for Store {
    fn insert_group(
        &mut self,
        name: &str,
        permissions: &[Permission],
        audit: &[AuditEntry],
    ) -> Result<Group> {
        each!(self, s => s.insert_group(name, permissions, audit))
    }
    fn group_by_name(&self, name: &str) -> Result<Option<Group>> {
        each!(self, s => s.group_by_name(name))
    }
    fn list_groups(&self) -> Result<Vec<Group>> {
        each!(self, s => s.list_groups())
    }
    fn update_group(
        &mut self,
        name: &str,
        change: &GroupChange,
        audit: &[AuditEntry],
    ) -> Result<Group> {
        each!(self, s => s.update_group(name, change, audit))
    }
    fn delete_group(&mut self, name: &str, audit: &[AuditEntry]) -> Result<Group> {
        each!(self, s => s.delete_group(name, audit))
    }
    fn user_access(&self, user_id: i64) -> Result<UserAccess> {
        each!(self, s => s.user_access(user_id))
    }
    fn granted_permissions(&self, user_id: i64) -> Result<Vec<String>> {
        each!(self, s => s.granted_permissions(user_id))
    }
    fn permission_models(&self) -> Result<Vec<(String, String)>> {
        each!(self, s => s.permission_models())
    }
}

impl ResetTokenStore for Store {
    fn insert_reset_token(
        &mut self,
        token: &ResetTokenRecord,
        audit: &[AuditEntry],
    ) -> Result<i64> {
        each!(self, s => s.insert_reset_token(token, audit))
    }
    fn reset_token_by_digest(
        &self,
        digest: &TokenDigest,
    ) -> Result<Option<(ResetTokenInfo, TokenDigest)>> {
        each!(self, s => s.reset_token_by_digest(digest))
    }
    fn consume_reset_token(
        &mut self,
        id: i64,
        at: Timestamp,
        update: &UserUpdate,
        audit: &[AuditEntry],
    ) -> Result<Option<User>> {
        each!(self, s => s.consume_reset_token(id, at, update, audit))
    }
}
