//! The stores over one SQLite file: WAL, a busy timeout so that parallel commands
//! queue, `BEGIN IMMEDIATE` for every write, and numbered embedded migrations.
//! The tables' queries are written once for both engines in `tables/`.

use std::fs::{DirBuilder, OpenOptions};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

use jiff::Timestamp;
use rusqlite::types::{FromSql, FromSqlError, ValueRef};
use rusqlite::{Connection, TransactionBehavior, params};

// The bulk import and export half of the store, in its own file.
mod bulk;

use super::{AppliedMigration, Migration, SchemaStore};
use crate::clock::{format_timestamp, parse_timestamp};
use crate::error::{Error, Result};

mod copy;
mod executor;
pub(super) mod fields;
pub(super) mod tokens;
mod users;

/// SQLite's migrations: the same versions and names as every backend's.
const MIGRATIONS: &[Migration] = migrations!();

/// The WAL size past which closing the store checkpoints and truncates it
/// ([`SqliteStore::bound_wal`]).
const WAL_TRUNCATE_BYTES: u64 = 1024 * 1024;

pub struct SqliteStore {
    pub(super) conn: Connection,
    pub(super) path: PathBuf,
    /// Set by a deletion or a password change: secure_delete zeroes the old
    /// value in the new page, but the WAL still holds earlier copies of it until
    /// it is checkpointed and reset.
    scrub_wal: bool,
    /// This open made the file (it did not exist before).
    created: bool,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SqliteStore({:?})", self.path)
    }
}

/// A timestamp column, stored as fixed-width RFC 3339 text.
pub(super) struct DbTime(pub(super) Timestamp);

impl FromSql for DbTime {
    fn column_result(value: ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
        let text = value.as_str()?;
        parse_timestamp(text)
            .map(DbTime)
            .ok_or_else(|| FromSqlError::Other(format!("bad timestamp {text:?}").into()))
    }
}

/// rusqlite's errors become the crate's with `?`; the store names the file on the
/// way out (`SqliteStore::write`, `SqliteStore::read`).
impl From<rusqlite::Error> for Error {
    fn from(source: rusqlite::Error) -> Self {
        Error::database(source)
    }
}

fn is_unique_violation(err: &rusqlite::Error) -> bool {
    matches!(err, rusqlite::Error::SqliteFailure(e, _)
        if e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE)
}

impl SqliteStore {
    /// Opens (creating it, mode 0600, if absent) the database and applies pending
    /// migrations.
    pub fn open(path: &Path, busy_timeout: Duration) -> Result<Self> {
        let store = Self::open_unmigrated(path, busy_timeout)?;
        let mut store = store;
        store.migrate()?;
        Ok(store)
    }

    /// Opens an existing database (never creating one) and applies pending
    /// migrations: for commands that only read, so that a mistyped path is an error
    /// ([`Error::NoDatabase`]) rather than a new, empty database.
    pub fn open_existing(path: &Path, busy_timeout: Duration) -> Result<Self> {
        check_plain_path(path)?;
        if std::fs::metadata(path).is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound) {
            return Err(Error::NoDatabase(path.to_path_buf()));
        }
        Self::open(path, busy_timeout)
    }

    /// Opens without migrating: for `migrate --check` and for listing.
    pub fn open_unmigrated(path: &Path, busy_timeout: Duration) -> Result<Self> {
        check_plain_path(path)?;
        let created = create_private_file(path)?;
        let conn = connect(path, busy_timeout)
            .map_err(|e| Error::database(e).on_target(&path.display().to_string()))?;
        Ok(SqliteStore {
            conn,
            path: path.to_path_buf(),
            scrub_wal: false,
            created,
        })
    }

    /// Whether this open created the file: the first command tells the operator
    /// where their database went.
    pub fn created(&self) -> bool {
        self.created
    }

    /// The migrations of SQLite's schema.
    pub const MIGRATIONS: &'static [Migration] = MIGRATIONS;

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` in one `BEGIN IMMEDIATE` transaction: committed when it returns
    /// `Ok`, rolled back otherwise.
    pub(super) fn write<T>(
        &mut self,
        f: impl FnOnce(&rusqlite::Transaction) -> Result<T>,
    ) -> Result<T> {
        let run = || {
            let tx = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)?;
            let value = f(&tx)?;
            tx.commit()?;
            Ok(value)
        };
        run().map_err(|e| self.named(e))
    }

    /// Runs a read (a closure over `self`), naming the file in its error.
    fn read<T>(&self, f: impl FnOnce() -> Result<T>) -> Result<T> {
        f().map_err(|e| self.named(e))
    }

    /// An error as it leaves the store: a database error names the file.
    fn named(&self, err: Error) -> Error {
        err.on_target(&self.path.display().to_string())
    }

    /// Keeps the WAL small across short-lived processes (called at close). Each
    /// command skips the checkpoint at close, so the next process to open the database
    /// finds no WAL index and rebuilds it by reading the whole WAL; and SQLite's
    /// auto-checkpoint never restarts the log (that takes a later write in the same
    /// process, which a one-write command never makes). Left alone, the WAL grows
    /// without bound and every command reads all of it at start (measured: 19 MB
    /// after 800 token verifications, 2.6 -> 8.7 ms per `verify-token`). So a store
    /// that closes with the WAL past [`WAL_TRUNCATE_BYTES`] checkpoints and truncates
    /// it. A long-lived store (a service) pays nothing while it runs: within one
    /// connection SQLite's auto-checkpoint does restart the log. Best effort and never
    /// waiting: with a reader in the way it is left to the next one to close.
    fn bound_wal(&self) {
        let mut wal = self.path.clone().into_os_string();
        wal.push("-wal");
        if !std::fs::metadata(&wal).is_ok_and(|m| m.len() > WAL_TRUNCATE_BYTES) {
            return;
        }
        let Ok(timeout) = self
            .conn
            .query_row("PRAGMA busy_timeout", [], |r| r.get::<_, i64>(0))
        else {
            return;
        };
        if self.conn.pragma_update(None, "busy_timeout", 0).is_ok() {
            let _ = self
                .conn
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
        }
        let _ = self.conn.pragma_update(None, "busy_timeout", timeout);
    }
}

impl SchemaStore for SqliteStore {
    fn describe(&self) -> String {
        self.path.display().to_string()
    }

    fn file_path(&self) -> Option<&Path> {
        Some(&self.path)
    }

    fn migrations(&self) -> &'static [Migration] {
        MIGRATIONS
    }

    fn applied_migrations(&self) -> Result<Vec<AppliedMigration>> {
        self.read(|| {
        let exists: bool = self
            .conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'userdb_migrations')",
                [],
                |r| r.get(0),
            )?;
        if !exists {
            return Ok(Vec::new());
        }
        let mut stmt = self
            .conn
            .prepare("SELECT version, name, applied_at FROM userdb_migrations ORDER BY version")?;
        let rows = stmt
            .query_map([], |r| {
                Ok(AppliedMigration {
                    version: r.get(0)?,
                    name: r.get(1)?,
                    applied_at: r.get::<_, DbTime>(2)?.0,
                })
            })?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(Error::from)
            })
    }

    /// SQLite's `PRAGMA integrity_check`.
    fn integrity_check(&self) -> Result<Vec<String>> {
        self.read(|| {
            let mut stmt = self.conn.prepare("PRAGMA integrity_check")?;
            let lines = stmt
                .query_map([], |r| r.get::<_, String>(0))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(lines.into_iter().filter(|l| l != "ok").collect())
        })
    }

    /// Each migration re-checks under the write lock (`BEGIN IMMEDIATE`), so a
    /// concurrent `migrate` applies nothing twice.
    fn migrate(&mut self) -> Result<Vec<Migration>> {
        self.read(|| {
            let pending = self.pending_migrations()?;
            let mut applied = Vec::new();
            for migration in pending {
                let tx = rusqlite::Transaction::new_unchecked(
                    &self.conn,
                    TransactionBehavior::Immediate,
                )?;
                tx.execute_batch(
                    "CREATE TABLE IF NOT EXISTS userdb_migrations (
                    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL
                ) STRICT",
                )?;
                let done: bool = tx.query_row(
                    "SELECT EXISTS (SELECT 1 FROM userdb_migrations WHERE version = ?1)",
                    [migration.version],
                    |r| r.get(0),
                )?;
                if !done {
                    tx.execute_batch(migration.sql)?;
                    tx.execute(
                    "INSERT INTO userdb_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
                    params![
                        migration.version,
                        migration.name,
                        format_timestamp(Timestamp::now())
                    ],
                )?;
                    applied.push(migration);
                }
                tx.commit()?;
            }
            Ok(applied)
        })
    }

    /// Writes a complete, consistent copy of the database (what the WAL holds
    /// too) to `target` as one file, mode 0600, while other connections keep
    /// reading and writing: SQLite's `VACUUM INTO` reads one snapshot. Written
    /// through [`OutputFile`](crate::output_file::OutputFile): never over the
    /// database's own files, a link, a pipe or a device, and put in place only
    /// when complete.
    fn backup_to(&self, target: &Path, existing: crate::output_file::Existing) -> Result<()> {
        use std::os::unix::fs::FileTypeExt;
        let not_a_pipe = || Error::UnsafeOutput {
            path: target.to_path_buf(),
            reason: "a backup is a database file, written to a regular file only".into(),
        };
        if std::fs::metadata(target).is_ok_and(|m| m.file_type().is_fifo()) {
            return Err(not_a_pipe());
        }
        let protected = crate::output_file::database_files(&self.path);
        let out = crate::output_file::OutputFile::create(target, existing, &protected)?;
        let temp = out.temp_path().ok_or_else(not_a_pipe)?;
        let temp = temp.to_str().ok_or_else(|| Error::UnsafeOutput {
            path: target.to_path_buf(),
            reason: "its folder's path is not UTF-8".into(),
        })?;
        self.read(|| Ok(self.conn.execute("VACUUM INTO ?1", [temp])?))?;
        out.commit()
    }
}

impl Drop for SqliteStore {
    fn drop(&mut self) {
        if self.scrub_wal {
            // After a deletion, copy the zeroed pages into the database and empty
            // the WAL, so that no earlier copy of the deleted row (its password
            // hash) stays in either file. Waits for readers up to the busy timeout;
            // with one still in the way, the WAL is overwritten when it restarts.
            let _ = self
                .conn
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
        } else {
            self.bound_wal();
        }
    }
}

/// A connection to the file at `path`, set up as every command needs it.
fn connect(path: &Path, busy_timeout: Duration) -> rusqlite::Result<Connection> {
    // The path is a file name, never a URI: no SQLITE_OPEN_URI, and a relative
    // path gets "./" so that SQLite cannot read "file:…?mode=memory" as one even
    // where URIs are enabled globally.
    let literal = if path.is_relative() {
        Path::new(".").join(path)
    } else {
        path.to_path_buf()
    };
    let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE
        | rusqlite::OpenFlags::SQLITE_OPEN_CREATE
        | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(&literal, flags)?;
    conn.busy_timeout(busy_timeout)?;
    conn.pragma_update(None, "foreign_keys", true)?;
    // A deleted user's hash (or a revoked token's) is overwritten with zeros,
    // not left in a free page of the file or the WAL.
    conn.pragma_update(None, "secure_delete", true)?;
    // Each command is a short process: checkpointing the WAL at every exit would
    // cost three extra fsyncs. `bound_wal` (at close) keeps the WAL bounded.
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
        true,
    )?;
    let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        switch_to_wal(&conn, busy_timeout)?;
    }
    Ok(conn)
}

/// Switches a new database to WAL. The switch needs an exclusive lock, and SQLite
/// reports a clash with another process opening the same new file as "database
/// is locked" without waiting on the busy handler: wait for it here, up to the
/// busy timeout, as every other lock wait does.
fn switch_to_wal(conn: &Connection, busy_timeout: Duration) -> rusqlite::Result<()> {
    let deadline = std::time::Instant::now() + busy_timeout;
    loop {
        match conn.pragma_update(None, "journal_mode", "WAL") {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::DatabaseBusy
                    && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(Duration::from_millis(5));
            }
            other => return other,
        }
    }
}

/// Refuses a URL given as a database path: it would be created as a local tree of
/// folders named like it. The URL is not echoed (it may hold a password).
fn check_plain_path(path: &Path) -> Result<()> {
    if let super::Target::Postgres(_) = super::Target::parse(path)? {
        return Err(Error::UnsupportedDatabase(
            "a SQLite store opens files: a postgres:// URL needs the PostgreSQL backend".into(),
        ));
    }
    // Before SQLite opens it: given /dev/null it would create a `-journal`
    // (mode 0666 as root) in /dev; a directory or a FIFO is no database either.
    // Followed through links, as SQLite follows them.
    if let Ok(meta) = std::fs::metadata(path)
        && !meta.is_file()
    {
        return Err(Error::NotADatabaseFile {
            path: path.to_path_buf(),
            kind: crate::private_file::kind_name(meta.file_type()),
        });
    }
    Ok(())
}

/// Creates the file with mode 0600 before SQLite opens it (SQLite would use the
/// umask); its parent directory, if missing, with 0700. SQLite gives the `-wal`
/// and `-shm` files the database file's permissions. A new database is never
/// created through a symbolic link (whose target could be anyone's file or place).
/// True when this call made the file (`create_new`: of two processes racing, one).
fn create_private_file(path: &Path) -> Result<bool> {
    if let Ok(meta) = std::fs::symlink_metadata(path) {
        if meta.file_type().is_symlink() && std::fs::metadata(path).is_err() {
            return Err(Error::UnsafeOutput {
                path: path.to_path_buf(),
                reason: "it is a symbolic link to nothing, and a new database is never created through a link; give the real path".into(),
            });
        }
        return Ok(false);
    }
    if let Some(parent) = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty() && !p.exists())
    {
        DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(parent)
            .map_err(|e| Error::io(format!("cannot create directory {}", parent.display()), e))?;
    }
    match OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)
    {
        Ok(_) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(Error::io(
            format!("cannot create database {}", path.display()),
            e,
        )),
    }
}

#[cfg(test)]
mod wal_tests {
    use super::*;
    use crate::storage::{AuditEntry, UserStore};

    /// One write per process, as the command line does: without `bound_wal` the WAL
    /// only grows (each new process rebuilds the WAL index and never restarts the log).
    #[test]
    fn one_write_per_connection_keeps_the_wal_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite3");
        let wal = dir.path().join("db.sqlite3-wal");
        let entry = AuditEntry {
            at: Timestamp::now(),
            actor: "test".into(),
            event: crate::audit::AuditEvent::UserUpdated,
            detail: "x".repeat(2000),
        };
        let mut largest = 0;
        for _ in 0..300 {
            let mut store = SqliteStore::open(&path, Duration::from_secs(5)).unwrap();
            store
                .record(None, None, std::slice::from_ref(&entry))
                .unwrap();
            drop(store);
            largest = largest.max(std::fs::metadata(&wal).map_or(0, |m| m.len()));
        }
        assert!(
            largest > WAL_TRUNCATE_BYTES / 2,
            "the test wrote enough: {largest}"
        );
        assert!(
            largest <= WAL_TRUNCATE_BYTES + 64 * 1024,
            "the WAL grew to {largest} bytes"
        );
    }
}

#[cfg(test)]
mod error_tests {
    use super::*;
    use crate::storage::UserStore;

    /// Every engine error leaves the store naming the file, however deep the `?`
    /// that raised it: at open, in a read, in a write.
    #[test]
    fn engine_errors_name_the_database_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite3");
        std::fs::write(&path, vec![b'x'; 4096]).unwrap();
        let err = SqliteStore::open(&path, Duration::from_secs(1)).unwrap_err();
        let prefix = format!("database {}: ", path.display());
        assert!(err.to_string().starts_with(&prefix), "{err}");

        std::fs::remove_file(&path).unwrap();
        let mut store = SqliteStore::open(&path, Duration::from_secs(1)).unwrap();
        store
            .conn
            .execute_batch("DROP TABLE login_failures")
            .unwrap();
        let err =
            (store.clear_login_failures("a@example.com", (1, "a@example.com"), &[])).unwrap_err();
        assert!(err.to_string().starts_with(&prefix), "{err}");
        store
            .conn
            .execute_batch("DROP TABLE tokens; DROP TABLE users")
            .unwrap();
        let err = store.user_by_email_key("a@example.com").unwrap_err();
        assert!(err.to_string().starts_with(&prefix), "{err}");
    }
}
