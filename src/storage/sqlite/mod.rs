//! [`UserStore`] over one SQLite file: WAL, a busy timeout so that parallel commands
//! queue, `BEGIN IMMEDIATE` for every write, and numbered embedded migrations.

use std::fs::{DirBuilder, OpenOptions};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

use jiff::Timestamp;
use rusqlite::types::{FromSql, FromSqlError, ValueRef};
use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params};

// The bulk import and export half of the store, in its own file.
mod bulk;

use super::LASTING_SUPERUSER;
use super::user_filter::SqlValue;
use super::{
    AppliedMigration, AuditEntry, AuditFilter, AuditRecord, LoginReservation, Migration,
    SchemaStore, UserRecord, UserStore, UserUpdate,
};
use crate::clock::{format_timestamp, parse_timestamp};
use crate::error::{Error, Result};
use crate::user::{EncodedPassword, User, UserFilter};

mod copy;
mod executor;
mod fields;
mod groups;
pub(super) mod tokens;

/// SQLite's migrations: the same versions and names as every backend's.
const MIGRATIONS: &[Migration] = migrations!();

/// The WAL size past which closing the store checkpoints and truncates it
/// ([`SqliteStore::bound_wal`]).
const WAL_TRUNCATE_BYTES: u64 = 1024 * 1024;

/// The user's columns, and its custom field values as one JSON object (one probe
/// of the field values' primary key).
const USER_COLUMNS: &str = user_columns!(
    "(SELECT json_group_object(name, value) FROM user_field_values WHERE user_id = users.id)"
);

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
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .finish()
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

fn user_from_row(row: &Row) -> rusqlite::Result<User> {
    let password: String = row.get(2)?;
    Ok(User {
        id: row.get(0)?,
        email: row.get(1)?,
        has_usable_password: crate::password::is_usable(&password),
        password: EncodedPassword(password),
        first_name: row.get(3)?,
        last_name: row.get(4)?,
        is_active: row.get(5)?,
        is_staff: row.get(6)?,
        is_superuser: row.get(7)?,
        date_joined: row.get::<_, DbTime>(8)?.0,
        last_login: row.get::<_, Option<DbTime>>(9)?.map(|t| t.0),
        email_verified_at: row.get::<_, Option<DbTime>>(10)?.map(|t| t.0),
        fields: field_values(row, 11)?,
        must_change_password: row.get(12)?,
        expires_at: row.get::<_, Option<DbTime>>(13)?.map(|t| t.0),
    })
}

/// A user's field values from the JSON object [`USER_COLUMNS`] ends with.
fn field_values(
    row: &Row,
    index: usize,
) -> rusqlite::Result<std::collections::BTreeMap<String, String>> {
    let json: Option<String> = row.get(index)?;
    match json {
        None => Ok(Default::default()),
        Some(json) => serde_json::from_str(&json).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(index, rusqlite::types::Type::Text, e.into())
        }),
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

pub(super) fn insert_audit(
    tx: &rusqlite::Transaction,
    user_id: Option<i64>,
    email: Option<&str>,
    audit: &[AuditEntry],
) -> Result<()> {
    let mut stmt = tx.prepare_cached(
        "INSERT INTO audit_log (at, event, user_id, email, detail, actor) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for entry in audit {
        stmt.execute(params![
            format_timestamp(entry.at),
            entry.event.as_str(),
            user_id,
            email,
            entry.detail,
            entry.actor
        ])?;
    }
    Ok(())
}

/// Fails, so that the transaction rolls back, when no active superuser is left.
/// The one home of the last-superuser rule for this backend: single writes and
/// bulk writes both call it, inside their transaction.
fn guard_last_superuser(tx: &rusqlite::Transaction, email: &str) -> Result<()> {
    if active_superusers(tx)? == 0 {
        return Err(Error::LastSuperuser(email.to_string()));
    }
    Ok(())
}

fn active_superusers(tx: &rusqlite::Transaction) -> Result<i64> {
    Ok(tx.query_row(
        &format!("SELECT count(*) FROM users WHERE {LASTING_SUPERUSER}"),
        [],
        |r| r.get(0),
    )?)
}

fn fetch_user(tx: &Connection, id: i64) -> rusqlite::Result<User> {
    tx.query_row(
        &format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?1"),
        [id],
        user_from_row,
    )
}

/// The filter's clause with SQLite's parameters, bound as rusqlite values.
fn user_where(filter: &UserFilter) -> (String, Vec<Box<dyn rusqlite::ToSql>>) {
    let (sql, values) = super::user_filter::user_where(filter, |n| format!("?{n}"));
    let values = values
        .into_iter()
        .map(|v| -> Box<dyn rusqlite::ToSql> {
            match v {
                SqlValue::Bool(b) => Box::new(b),
                SqlValue::Text(t) => Box::new(t),
                SqlValue::Time(t) => Box::new(format_timestamp(t)),
            }
        })
        .collect();
    (sql, values)
}

/// Applies an update inside a write transaction (also the use of a reset token).
pub(super) fn update_user_in(
    tx: &rusqlite::Transaction,
    id: i64,
    update: &UserUpdate,
    audit: &[AuditEntry],
) -> Result<User> {
    let was_active_superuser: bool = tx.query_row(
        &format!("SELECT {LASTING_SUPERUSER} FROM users WHERE id = ?1"),
        [id],
        |r| r.get(0),
    )?;
    let mut sets: Vec<&str> = Vec::new();
    let mut values: Vec<Box<dyn rusqlite::ToSql>> = Vec::new();
    if let Some((email, key)) = &update.email {
        sets.extend(["email", "email_key"]);
        values.push(Box::new(email.clone()));
        values.push(Box::new(key.clone()));
    }
    let mut text = |column, value: &Option<String>| {
        if let Some(v) = value {
            sets.push(column);
            values.push(Box::new(v.clone()));
        }
    };
    text("password", &update.password);
    text("first_name", &update.first_name);
    text("last_name", &update.last_name);
    text("last_login", &update.last_login.map(format_timestamp));
    text(
        "email_verified_at",
        &update.email_verified_at.map(format_timestamp),
    );
    if let Some(expires_at) = update.expires_at {
        sets.push("expires_at");
        values.push(Box::new(expires_at.map(format_timestamp)));
    }
    for (column, value) in [
        ("is_active", update.is_active),
        ("is_staff", update.is_staff),
        ("is_superuser", update.is_superuser),
        ("must_change_password", update.must_change_password),
    ] {
        if let Some(v) = value {
            sets.push(column);
            values.push(Box::new(v));
        }
    }
    if !sets.is_empty() {
        let assignments: Vec<String> = sets
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c} = ?{}", i + 2))
            .collect();
        let sql = format!("UPDATE users SET {} WHERE id = ?1", assignments.join(", "));
        let mut bound: Vec<&dyn rusqlite::ToSql> = vec![&id];
        bound.extend(values.iter().map(|v| v.as_ref()));
        match tx.execute(&sql, bound.as_slice()) {
            Err(e) if is_unique_violation(&e) => {
                let email = update
                    .email
                    .as_ref()
                    .map(|e| e.0.clone())
                    .unwrap_or_default();
                return Err(Error::UserExists(email));
            }
            other => other?,
        };
    }
    if update.clear_login_failures {
        tx.execute(
            "DELETE FROM login_failures \
                 WHERE email_key = (SELECT email_key FROM users WHERE id = ?1)",
            [id],
        )?;
    }
    if update.forget_address_proof {
        tx.execute(
            "UPDATE users SET email_verified_at = NULL WHERE id = ?1",
            [id],
        )?;
        tx.execute("DELETE FROM otp_codes WHERE user_id = ?1", [id])?;
    }
    if let Some(at) = update.revoke_tokens_at {
        tokens::revoke_all(tx, id, at)?;
    }
    fields::write_fields(tx, id, &update.fields)?;
    groups::apply_access(tx, id, &update.access)?;
    let user = fetch_user(tx, id)?;
    let demoted = update.is_superuser == Some(false)
        || update.is_active == Some(false)
        || matches!(update.expires_at, Some(Some(_)));
    if update.protect_last_superuser && demoted && was_active_superuser {
        guard_last_superuser(tx, &user.email)?;
    }
    insert_audit(tx, Some(id), Some(&user.email), audit)?;
    Ok(user)
}

impl UserStore for SqliteStore {
    fn insert_user(&mut self, user: &UserRecord, audit: &[AuditEntry]) -> Result<User> {
        self.write(|tx| {
            let inserted = tx.execute(
                "INSERT INTO users (email, email_key, password, first_name, last_name, is_active, \
                 is_staff, is_superuser, date_joined, must_change_password, expires_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                params![
                    user.email,
                    user.email_key,
                    user.password,
                    user.first_name,
                    user.last_name,
                    user.is_active,
                    user.is_staff,
                    user.is_superuser,
                    format_timestamp(user.date_joined),
                    user.must_change_password,
                    user.expires_at.map(format_timestamp)
                ],
            );
            match inserted {
                Err(e) if is_unique_violation(&e) => {
                    return Err(Error::UserExists(user.email.clone()));
                }
                other => other?,
            };
            let id = tx.last_insert_rowid();
            fields::write_fields(tx, id, &user.fields)?;
            groups::apply_access(tx, id, &user.access)?;
            insert_audit(tx, Some(id), Some(&user.email), audit)?;
            Ok(fetch_user(tx, id)?)
        })
    }

    fn user_by_email_key(&self, email_key: &str) -> Result<Option<User>> {
        self.read(|| {
            self.conn
                .prepare_cached(&format!(
                    "SELECT {USER_COLUMNS} FROM users WHERE email_key = ?1"
                ))
                .and_then(|mut stmt| stmt.query_row([email_key], user_from_row).optional())
                .map_err(Error::from)
        })
    }

    fn field_value_holder(
        &self,
        name: &str,
        value: &str,
        other_than: Option<i64>,
    ) -> Result<Option<i64>> {
        self.read(|| fields::value_holder(&self.conn, name, value, other_than).map_err(Error::from))
    }

    fn update_user(&mut self, id: i64, update: &UserUpdate, audit: &[AuditEntry]) -> Result<User> {
        let user = self.write(|tx| update_user_in(tx, id, update, audit))?;
        if update.password.is_some() {
            // The replaced hash is still in the WAL's earlier copy of the page.
            self.scrub_wal = true;
        }
        Ok(user)
    }

    fn delete_user(
        &mut self,
        id: i64,
        protect_last_superuser: bool,
        audit: &[AuditEntry],
    ) -> Result<()> {
        self.write(|tx| {
            let (email, was_active_superuser): (String, bool) = tx.query_row(
                &format!("SELECT email, {LASTING_SUPERUSER} FROM users WHERE id = ?1"),
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            tx.execute("DELETE FROM users WHERE id = ?1", [id])?;
            if protect_last_superuser && was_active_superuser {
                guard_last_superuser(tx, &email)?;
            }
            insert_audit(tx, Some(id), Some(&email), audit)
        })?;
        self.scrub_wal = true;
        Ok(())
    }

    fn list_users(&self, filter: &UserFilter) -> Result<Vec<User>> {
        self.read(|| {
            let (where_sql, values) = user_where(filter);
            let limit = filter
                .limit
                .map_or(-1, |l| i64::try_from(l).unwrap_or(i64::MAX));
            let offset = i64::try_from(filter.offset).unwrap_or(i64::MAX);
            let sql = format!(
                "SELECT {USER_COLUMNS} FROM users {where_sql} ORDER BY id LIMIT {limit} OFFSET {offset}"
            );
            let bound: Vec<&dyn rusqlite::ToSql> = values.iter().map(|v| v.as_ref()).collect();
            let mut stmt = self.conn.prepare(&sql)?;
            let rows = stmt
                .query_map(bound.as_slice(), user_from_row)?;
            rows.collect::<rusqlite::Result<_>>()
                .map_err(Error::from)
        })
    }

    fn audit_entries(&self, filter: &AuditFilter) -> Result<Vec<AuditRecord>> {
        self.read(|| {
            let mut wheres: Vec<String> = Vec::new();
            let mut values: Vec<Box<dyn rusqlite::ToSql>> = Vec::new();
            if let Some((id, key)) = &filter.user {
                values.push(Box::new(*id));
                values.push(Box::new(key.clone()));
                wheres.push(format!(
                    "(user_id = ?{} OR lower(email) = ?{})",
                    values.len() - 1,
                    values.len()
                ));
            }
            if let Some(event) = &filter.event {
                values.push(Box::new(event.as_str()));
                wheres.push(format!("event = ?{}", values.len()));
            }
            if let Some(since) = filter.since {
                values.push(Box::new(format_timestamp(since)));
                wheres.push(format!("at >= ?{}", values.len()));
            }
            let where_sql = if wheres.is_empty() {
                String::new()
            } else {
                format!("WHERE {}", wheres.join(" AND "))
            };
            let limit = filter
                .limit
                .map_or(-1, |l| i64::try_from(l).unwrap_or(i64::MAX));
            let sql = format!(
                "SELECT * FROM (SELECT id, at, event, user_id, email, detail, actor FROM audit_log \
             {where_sql} ORDER BY id DESC LIMIT {limit}) ORDER BY id"
            );
            let bound: Vec<&dyn rusqlite::ToSql> = values.iter().map(|v| v.as_ref()).collect();
            let mut stmt = self.conn.prepare(&sql)?;
            let rows = stmt.query_map(bound.as_slice(), |r| {
                Ok(AuditRecord {
                    id: r.get(0)?,
                    at: r.get::<_, DbTime>(1)?.0,
                    event: r.get(2)?,
                    user_id: r.get(3)?,
                    email: r.get(4)?,
                    detail: r.get(5)?,
                    actor: r.get(6)?,
                })
            })?;
            rows.collect::<rusqlite::Result<_>>().map_err(Error::from)
        })
    }

    fn reserve_login_attempt(
        &mut self,
        email_key: &str,
        now: Timestamp,
        forget_before: Timestamp,
        locked_until: &dyn Fn(u32) -> Option<Timestamp>,
    ) -> Result<LoginReservation> {
        self.write(|tx| {
            tx.execute(
                "DELETE FROM login_failures WHERE last_failure < ?1",
                [format_timestamp(forget_before)],
            )?;
            let row: Option<(u32, Option<DbTime>)> = tx
                .query_row(
                    "SELECT failures, locked_until FROM login_failures WHERE email_key = ?1",
                    [email_key],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            let (failures, until) = row.map_or((0, None), |(f, u)| (f, u.map(|t| t.0)));
            if let Some(until) = until.filter(|u| *u > now) {
                return Ok(LoginReservation::Locked { until });
            }
            let failures = failures.saturating_add(1);
            let locked_until = locked_until(failures);
            tx.execute(
                "INSERT INTO login_failures (email_key, failures, last_failure, locked_until) \
                 VALUES (?1, ?2, ?3, ?4) ON CONFLICT (email_key) DO UPDATE SET \
                 failures = excluded.failures, last_failure = excluded.last_failure, \
                 locked_until = excluded.locked_until",
                params![
                    email_key,
                    failures,
                    format_timestamp(now),
                    locked_until.map(format_timestamp)
                ],
            )?;
            Ok(LoginReservation::Counted {
                failures,
                locked_until,
            })
        })
    }

    fn clear_login_failures(
        &mut self,
        email_key: &str,
        user: (i64, &str),
        audit: &[AuditEntry],
    ) -> Result<bool> {
        self.write(|tx| {
            let deleted = tx.execute(
                "DELETE FROM login_failures WHERE email_key = ?1",
                [email_key],
            )?;
            insert_audit(tx, Some(user.0), Some(user.1), audit)?;
            Ok(deleted > 0)
        })
    }

    fn record(
        &mut self,
        user_id: Option<i64>,
        email: Option<&str>,
        audit: &[AuditEntry],
    ) -> Result<()> {
        self.write(|tx| insert_audit(tx, user_id, email, audit))
    }
}

#[cfg(test)]
mod field_query_tests {
    use super::*;

    /// `--where NAME=VALUE` must stay an index lookup as users grow.
    #[test]
    fn a_field_condition_is_an_index_lookup_not_a_scan() {
        let dir = tempfile::tempdir().unwrap();
        let store =
            SqliteStore::open(&dir.path().join("db.sqlite3"), Duration::from_secs(5)).unwrap();
        let filter = UserFilter {
            fields: vec![("team".into(), Some("Ops".into()))],
            ..UserFilter::default()
        };
        let (where_sql, values) = user_where(&filter);
        let bound: Vec<&dyn rusqlite::ToSql> = values.iter().map(|v| v.as_ref()).collect();
        let mut stmt = store
            .conn
            .prepare(&format!(
                "EXPLAIN QUERY PLAN SELECT id FROM users {where_sql}"
            ))
            .unwrap();
        let plan: Vec<String> = stmt
            .query_map(bound.as_slice(), |r| r.get::<_, String>(3))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        let plan = plan.join("\n");
        assert!(
            plan.contains("USING COVERING INDEX user_field_values_lookup"),
            "{plan}"
        );
        assert!(plan.contains("USING INTEGER PRIMARY KEY"), "{plan}");
        assert!(!plan.contains("SCAN users"), "{plan}");
    }
}

#[cfg(test)]
mod wal_tests {
    use super::*;

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
        store.conn.execute_batch("DROP TABLE audit_log").unwrap();
        let err = store.record(None, None, &[]).unwrap_err();
        assert!(err.to_string().starts_with(&prefix), "{err}");
        store
            .conn
            .execute_batch("DROP TABLE tokens; DROP TABLE users")
            .unwrap();
        let err = store.user_by_email_key("a@example.com").unwrap_err();
        assert!(err.to_string().starts_with(&prefix), "{err}");
    }
}
