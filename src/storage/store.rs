//! [`Store`]: the store of whichever backend a [`Target`] names, opened with one
//! call. The manager and the command line hold a `Store` and never learn which
//! backend is behind it; each method passes straight to the backend's.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::postgres::connect::ConnectOptions;
use super::sql::{Engine, Lock, Sql};
use super::tables::bulk::{BulkEngine, Import};
use super::tables::copy::{CopyEngine, Identity, Loader};
use super::tables::tokens::UnsyncedWrite;
use super::tables::users::ScrubSecrets;
use super::{
    AppliedMigration, BulkCounts, BulkUser, Migration, PgStore, SchemaStore, SqliteStore, Target,
};
use crate::error::Result;

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
    fn write_with<T>(&mut self, lock: Lock, f: impl FnMut(&mut dyn Sql) -> Result<T>) -> Result<T> {
        each!(self, s => Engine::write_with(s, lock, f))
    }
    fn read<T>(&self, f: impl FnOnce(&mut dyn Sql) -> Result<T>) -> Result<T> {
        each!(self, s => Engine::read(s, f))
    }
}

impl UnsyncedWrite for Store {
    fn write_unsynced<T>(&mut self, f: impl FnMut(&mut dyn Sql) -> Result<T>) -> Result<Option<T>> {
        each!(self, s => s.write_unsynced(f))
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
    fn lock_check(&self) -> Result<Option<super::LockCheck>> {
        each!(self, s => s.lock_check())
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
    fn load_in<T>(&mut self, f: impl FnOnce(&mut dyn Loader) -> Result<T>) -> Result<T> {
        each!(self, s => s.load_in(f))
    }
}

/// A password change or a deletion asks whichever store is open to scrub.
impl ScrubSecrets for Store {
    fn scrub_secrets(&mut self) {
        each!(self, s => s.scrub_secrets())
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
