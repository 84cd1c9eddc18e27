//! The stores over a PostgreSQL server: the same traits, rules and transactions as
//! SQLite's, in PostgreSQL's dialect.
//!
//! Concurrency (the contract in [`crate::storage`]): every write transaction runs
//! at READ COMMITTED and starts with `SET LOCAL lock_timeout` (the busy timeout).
//! A write under the writers' lock then takes `pg_advisory_xact_lock` on one key
//! per schema, which serialises those writers exactly as SQLite's `BEGIN
//! IMMEDIATE` does: each statement after the lock sees every commit made before
//! it was granted, so the rules run under the lock (limits, the last superuser,
//! unique values) cannot be slipped past by a parallel writer on any machine. A
//! per-user or per-token write takes no advisory lock and relies on the row locks
//! its statements take, so a token check or a sign-in never waits for an import.
//!
//! The schema is the one that **holds** userdb's tables, found once per
//! connection through the connection's `search_path` (where `userdb_migrations`
//! is; on a new database, `current_schema()`, where they will be made), and
//! each write transaction resolves names in it alone (`SET LOCAL search_path`).
//! Two clients reaching the same tables through different paths (`decoy, auth`
//! with `decoy` empty, and `auth`; or a schema named after the role, put first
//! by the default `"$user", public`) take the same lock and write to the same
//! tables.
//!
//! Time: rate-limit windows and expiries use the caller's clock (as on SQLite,
//! so tests can move it); machines sharing a server should keep their clocks in
//! sync (NTP).

mod bulk;
mod copy;
mod executor;
mod lock_check;
mod lock_probe;
mod params;
mod server_error;
mod tokens;

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::time::Duration;

use jiff::Timestamp;
use postgres::{Client, Transaction};

use self::lock_check::LOCK_CLASS;
pub use self::lock_check::LockCheck;
use self::params::{PgTime, param};
pub use self::server_error::ServerError;
use super::{AppliedMigration, Migration, SchemaStore, Target};
use crate::error::{Error, Result};
use crate::storage::sql::Lock;
// The connection (URI, passfile, TLS, resolve) knows no store: its own module.
pub(crate) use crate::pg_connect as connect;
/// The test server (a dev-dependency), once for the library's unit tests.
#[cfg(test)]
pub(crate) use pg_test_server as test_server;

/// PostgreSQL's migrations: the same versions and names as SQLite's.
const MIGRATIONS: &[Migration] = migrations!();

pub struct PgStore {
    /// `RefCell`: the client needs `&mut` even to read, and the traits' reads
    /// take `&self`. A store is used by one thread at a time.
    /// Boxed: `Store` holds a `PgStore` or a `SqliteStore` by value.
    client: RefCell<Box<Client>>,
    /// How to connect again (after a failover; `doctor`'s second session):
    /// the URL and its options.
    url: String,
    password_file: Option<PathBuf>,
    connect_timeout: Duration,
    /// What the server said of itself on connecting (a standby?).
    session: connect::Session,
    /// The URL as messages show it (no password).
    described: String,
    /// Whether the writers' lock was checked to be real (see `lock_probe`).
    lock_checked: bool,
    busy_timeout: Duration,
    /// The schema of userdb's tables, the writers' lock's key for it, and the
    /// connection's role: see [`find_schema`].
    schema: Schema,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore")
            .field("target", &self.described)
            .finish()
    }
}

/// The client's errors become the crate's with `?`, as the server's reason
/// ([`ServerError`]: its message and SQLSTATE, not the client's "db error"); the
/// store names the server, its role and schema on the way out.
impl From<postgres::Error> for Error {
    fn from(source: postgres::Error) -> Self {
        Error::database(ServerError::new(&source))
    }
}

pub(super) fn is_unique_violation(err: &postgres::Error) -> bool {
    err.code() == Some(&postgres::error::SqlState::UNIQUE_VIOLATION)
}

pub(super) fn time(ts: Timestamp) -> PgTime {
    PgTime(ts)
}

pub(super) fn opt_time(ts: Option<Timestamp>) -> Option<PgTime> {
    ts.map(PgTime)
}

/// Opens a write transaction's scope: the first statements of every write
/// transaction, sent as one round trip. Inside it, unqualified names resolve in
/// the schema of userdb's tables alone (migrations make their tables there
/// too); the settings end with the transaction, so no session state is left
/// behind (a pooler in transaction mode may hand the session to someone else).
/// [`Lock::Database`] then takes the writers' lock; [`Lock::Rows`] takes
/// nothing more, its statements lock their rows (the busy timeout bounds every
/// wait for a lock either way).
fn begin_write(
    tx: &mut Transaction,
    lock: Lock,
    busy_timeout: Duration,
    schema: &Schema,
) -> Result<()> {
    // SET takes no parameters: the numbers are ours, the name quoted.
    let path = match &schema.name {
        Some(name) => format!(
            "SET LOCAL search_path = \"{}\"; ",
            name.replace('"', "\"\"")
        ),
        None => String::new(),
    };
    let writers = match lock {
        Lock::Database => format!(
            "SELECT pg_advisory_xact_lock({LOCK_CLASS}, {})",
            schema.lock_key
        ),
        Lock::Rows => String::new(),
    };
    tx.batch_execute(&format!(
        "SET LOCAL lock_timeout = '{}ms'; {path}{writers}",
        busy_timeout.as_millis().max(1),
    ))?;
    Ok(())
}

/// Finds, once per connection, the schema that holds userdb's tables as the
/// connection's `search_path` resolves them (else the one new tables would go
/// to), the writers' lock key for it (the hash of its name, as older userdb
/// versions computed it from `current_schema()`), and the connection's role.
///
/// Reads resolve names through the connection's own path, so a table of
/// userdb's names that the path finds in another schema first (a `users` of
/// another application in a schema named after the role) would be read while
/// writes went to the real one: such a connection is refused. (Before the
/// first migration nothing is userdb's yet, and the new tables will come first.)
fn find_schema(client: &mut Client) -> Result<Schema> {
    let tables: Vec<&str> = super::copy::TABLES.to_vec();
    let row = client.query_typed_one(
        "SELECT s.name, hashtext(s.name), current_user::text, \
             (SELECT n.nspname::text || '.' || u.t FROM unnest($1::text[]) WITH ORDINALITY u(t, i) \
              JOIN pg_class c ON c.oid = to_regclass(quote_ident(u.t)) \
              JOIN pg_namespace n ON n.oid = c.relnamespace \
              WHERE n.nspname <> s.name AND to_regclass('userdb_migrations') IS NOT NULL \
              ORDER BY u.i LIMIT 1) \
         FROM (SELECT COALESCE( \
             (SELECT n.nspname::text FROM pg_class c \
              JOIN pg_namespace n ON n.oid = c.relnamespace \
              WHERE c.oid = to_regclass('userdb_migrations')), \
             current_schema()::text) AS name) s",
        &[param(&tables)],
    )?;
    if let Some(shadow) = row.try_get::<_, Option<String>>(3)? {
        let schema: Option<String> = row.try_get(0)?;
        return Err(Error::database(std::io::Error::other(format!(
            "the connection's search_path finds {shadow} before userdb's tables in schema {}; \
             put that schema first (options=-csearch_path%3D{} in the URL)",
            schema.as_deref().unwrap_or("?"),
            schema.as_deref().unwrap_or("NAME"),
        ))));
    }
    Ok(Schema {
        name: row.try_get(0)?,
        // No schema on the path exists: every write fails on its own, saying so
        // (3F000); the key only needs to be the same for every such client.
        lock_key: row.try_get::<_, Option<i32>>(1)?.unwrap_or(0),
        role: row.try_get(2)?,
    })
}

/// A failed `BEGIN`; a closed connection there is most likely a pooler that
/// runs no transactions ([`ServerError::closed_at_begin`]).
pub(super) fn begin_failed(err: postgres::Error) -> Error {
    if err.is_closed() {
        return Error::database(ServerError::closed_at_begin());
    }
    err.into()
}

/// What [`find_schema`] found.
struct Schema {
    name: Option<String>,
    lock_key: i32,
    role: String,
}

impl PgStore {
    /// Connects to the server the URL names (see [`connect::connect`]).
    pub(crate) fn open(
        url: &str,
        options: &connect::ConnectOptions<'_>,
        busy_timeout: Duration,
    ) -> Result<Self> {
        let connect::Connection {
            mut client,
            session,
        } = connect::connect(url, options)?;
        let described = Target::Postgres(url.to_string()).describe();
        let schema = find_schema(&mut client).map_err(|e| e.on_target(&described))?;
        Ok(PgStore {
            client: RefCell::new(Box::new(client)),
            url: url.to_string(),
            password_file: options.password_file.map(Path::to_path_buf),
            connect_timeout: options.connect_timeout,
            session,
            described,
            lock_checked: false,
            busy_timeout,
            schema,
        })
    }

    /// A fresh connection through the same URL: after a failover, to whichever
    /// server now fits it.
    fn reconnect(&mut self) -> Result<()> {
        let connect::Connection {
            mut client,
            session,
        } = connect::connect(&self.url, &self.connect_options())?;
        self.schema = find_schema(&mut client).map_err(|e| e.on_target(&self.described))?;
        self.session = session;
        **self.client.borrow_mut() = client;
        Ok(())
    }

    /// Runs `f` in one transaction holding the writers' lock: committed when it
    /// returns `Ok`, rolled back otherwise. Not retried (bulk writes stream
    /// their input once).
    pub(super) fn write<T>(&mut self, f: impl FnOnce(&mut Transaction) -> Result<T>) -> Result<T> {
        self.write_with(Lock::Database, f)
    }

    /// [`Self::write_with`], run again once, from the start, on a fresh
    /// connection through the same URL, when the first attempt failed before
    /// its COMMIT was sent because the server went away or cannot write (a
    /// failover: the connection lost or refused, an administrator's shutdown,
    /// a standby not yet promoted). Nothing of the first attempt was
    /// committed, so the second cannot apply anything twice. A failure during
    /// the COMMIT is not retried: [`Error::CommitOutcomeUnknown`].
    pub(super) fn write_retried<T>(
        &mut self,
        lock: Lock,
        mut f: impl FnMut(&mut Transaction) -> Result<T>,
    ) -> Result<T> {
        match self.write_with(lock, &mut f) {
            Err(err) if server_error::is_failover(&err) => {
                self.reconnect()?;
                self.write_with(lock, f)
            }
            other => other,
        }
    }

    /// Runs `f` in one READ COMMITTED transaction under `lock`: committed when
    /// it returns `Ok`, rolled back otherwise. A connection lost while the
    /// COMMIT was under way is [`Error::CommitOutcomeUnknown`], never a plain
    /// failure: the server may have committed.
    pub(super) fn write_with<T>(
        &mut self,
        lock: Lock,
        f: impl FnOnce(&mut Transaction) -> Result<T>,
    ) -> Result<T> {
        let (busy_timeout, schema) = (self.busy_timeout, &self.schema);
        let described = &self.described;
        let check_lock = lock == Lock::Database && !self.lock_checked;
        let run = || {
            let mut client = self.client.borrow_mut();
            let mut tx = client.transaction().map_err(begin_failed)?;
            begin_write(&mut tx, lock, busy_timeout, schema)?;
            if check_lock {
                lock_check::check_writers_lock(&mut tx)?;
            }
            let value = f(&mut tx)?;
            tx.commit().map_err(|e| {
                if server_error::outcome_unknown(&e) {
                    Error::CommitOutcomeUnknown {
                        target: described.clone(),
                        reason: connect::chain_text(&e),
                    }
                } else {
                    Error::from(e)
                }
            })?;
            Ok(value)
        };
        let result = run().map_err(|e| self.named(e));
        self.lock_checked |= check_lock && result.is_ok();
        result
    }

    /// How `doctor`'s second session connects: as this one did.
    fn connect_options(&self) -> connect::ConnectOptions<'_> {
        connect::ConnectOptions {
            password_file: self.password_file.as_deref(),
            connect_timeout: self.connect_timeout,
        }
    }

    /// Runs a read on the client, naming the server in its error.
    pub(super) fn read<T>(&self, f: impl FnOnce(&mut Client) -> Result<T>) -> Result<T> {
        let result = f(&mut self.client.borrow_mut());
        result.map_err(|e| self.named(e))
    }

    /// Names the server in an error, and gives a server's reason the role and
    /// schema its hint names.
    fn named(&self, err: Error) -> Error {
        // A standby says so in one line; a primary made read-only
        // (`default_transaction_read_only`) keeps the server's reason and hint.
        if self.session.in_recovery && server_error::is_read_only(&err) {
            return Error::ReadOnlyStandby {
                target: self.described.clone(),
            };
        }
        let err = match err {
            Error::Database { target, source } => match source.downcast::<ServerError>() {
                Ok(server) => Error::Database {
                    target,
                    source: Box::new(
                        server.in_context(&self.schema.role, self.schema.name.as_deref()),
                    ),
                },
                Err(source) => Error::Database { target, source },
            },
            other => other,
        };
        err.on_target(&self.described)
    }
}

impl SchemaStore for PgStore {
    fn describe(&self) -> String {
        self.described.clone()
    }

    fn file_path(&self) -> Option<&Path> {
        None
    }

    fn migrations(&self) -> &'static [Migration] {
        MIGRATIONS
    }

    fn applied_migrations(&self) -> Result<Vec<AppliedMigration>> {
        self.read(|client| {
            let exists: bool = client
                .query_typed_one("SELECT to_regclass('userdb_migrations') IS NOT NULL", &[])?
                .try_get(0)?;
            if !exists {
                return Ok(Vec::new());
            }
            client
                .query_typed(
                    "SELECT version, name, applied_at FROM userdb_migrations ORDER BY version",
                    &[],
                )?
                .iter()
                .map(|r| {
                    Ok(AppliedMigration {
                        version: r.try_get(0)?,
                        name: r.try_get(1)?,
                        applied_at: r.try_get::<_, PgTime>(2)?.0,
                    })
                })
                .collect()
        })
    }

    /// Each migration in its own transaction under the writers' lock, re-checked
    /// there: a second process migrating at once waits, then applies nothing twice.
    fn migrate(&mut self) -> Result<Vec<Migration>> {
        let pending = self.pending_migrations()?;
        // A standby takes no write: say what to do rather than fail on the
        // first statement.
        if !pending.is_empty() && self.session.in_recovery {
            return Err(Error::StandbyNeedsMigrations {
                target: self.described.clone(),
                pending: pending.iter().map(|m| m.name.to_string()).collect(),
            });
        }
        let mut applied = Vec::new();
        for migration in pending {
            let done = self.write(|tx| {
                tx.batch_execute(
                    "CREATE TABLE IF NOT EXISTS userdb_migrations (
                        version BIGINT PRIMARY KEY, name TEXT NOT NULL,
                        applied_at TIMESTAMPTZ NOT NULL)",
                )?;
                let done: bool = tx
                    .query_typed_one(
                        "SELECT EXISTS (SELECT 1 FROM userdb_migrations WHERE version = $1)",
                        &[param(&migration.version)],
                    )?
                    .try_get(0)?;
                if !done {
                    tx.batch_execute(migration.sql)?;
                    tx.execute_typed(
                        "INSERT INTO userdb_migrations (version, name, applied_at) \
                         VALUES ($1, $2, $3)",
                        &[
                            param(&migration.version),
                            param(&migration.name),
                            param(&time(Timestamp::now())),
                        ],
                    )?;
                }
                Ok(done)
            })?;
            if !done {
                applied.push(migration);
            }
        }
        Ok(applied)
    }

    /// Pending migrations make tables in the schema and change userdb's tables:
    /// the role must be allowed to create there, and own them (or be a member
    /// of their owner).
    fn migration_blocker(&self) -> Result<Option<(String, String)>> {
        let role = server_error::quote(&self.schema.role);
        let Some(schema) = self.schema.name.as_deref() else {
            return Ok(Some((
                "no schema on the connection's search_path exists, so there is nowhere to \
                 create userdb's tables"
                    .into(),
                format!(
                    "create it (CREATE SCHEMA NAME AUTHORIZATION {role}) or correct \
                     options=-csearch_path%3DNAME in the URL, then run `userdb migrate`"
                ),
            )));
        };
        let row = self.read(|client| {
            Ok(client.query_typed_one(
                "SELECT has_schema_privilege($1::text, 'CREATE'), \
                 pg_has_role(c.relowner, 'USAGE'), pg_get_userbyid(c.relowner)::text \
                 FROM (SELECT 1) one LEFT JOIN pg_class c \
                 ON c.oid = to_regclass(quote_ident($1::text) || '.users')",
                &[param(&schema)],
            )?)
        })?;
        let can_create: bool = row.try_get(0)?;
        let owns: Option<bool> = row.try_get(1)?;
        let owner: Option<String> = row.try_get(2)?;
        let schema = server_error::quote(schema);
        if !can_create {
            return Ok(Some((
                format!(
                    "role {role} may not create tables in schema {schema}, so `userdb migrate` \
                     would fail"
                ),
                format!(
                    "{}; then run `userdb migrate`",
                    server_error::grant_create_hint(&role, &schema)
                ),
            )));
        }
        if owns == Some(false) {
            return Ok(Some((
                format!(
                    "role {role} does not own userdb's tables (role {} does), so `userdb \
                     migrate` would fail",
                    server_error::quote(owner.as_deref().unwrap_or("?"))
                ),
                server_error::owner_hint(&role),
            )));
        }
        Ok(None)
    }

    /// The constraints the rules rely on are in place.
    fn integrity_check(&self) -> Result<Vec<String>> {
        const EXPECTED: &[(&str, &str)] = &[
            ("users_email_key_key", "addresses are unique"),
            ("tokens_digest_key", "token digests are unique"),
            ("tokens_user_id_fkey", "a user's tokens go with the user"),
            ("otp_codes_user_id_fkey", "a user's codes go with the user"),
            (
                "user_field_values_user_id_fkey",
                "a user's field values go with the user",
            ),
        ];
        if self.applied_migrations()?.is_empty() {
            return Ok(Vec::new());
        }
        self.read(|client| {
            let mut problems = Vec::new();
            for (name, rule) in EXPECTED {
                let present: bool = client
                    .query_typed_one(
                        "SELECT EXISTS (SELECT 1 FROM pg_constraint c \
                         JOIN pg_namespace n ON n.oid = c.connamespace \
                         WHERE c.conname = $1 AND n.nspname::text = $2)",
                        &[param(name), param(&self.schema.name)],
                    )?
                    .try_get(0)?;
                if !present {
                    problems.push(format!("constraint {name} is missing ({rule})"));
                }
            }
            Ok(problems)
        })
    }

    fn lock_check(&self) -> Result<Option<LockCheck>> {
        self.probe_lock().map(Some).map_err(|e| self.named(e))
    }

    fn backup_to(&self, _: &Path, _: crate::output_file::Existing) -> Result<()> {
        Err(Error::NotOnThisBackend {
            what: "`userdb backup` copies a SQLite file".into(),
            hint: "back up a PostgreSQL database with pg_dump (see the README)".into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both backends know the same migrations, by version and name: a database
    /// moved from one to the other (`userdb copy`) is at the same schema version.
    #[test]
    fn both_backends_have_the_same_migrations() {
        let names = |list: &[Migration]| -> Vec<(i64, &str)> {
            list.iter().map(|m| (m.version, m.name)).collect()
        };
        assert_eq!(
            names(MIGRATIONS),
            names(super::super::SqliteStore::MIGRATIONS)
        );
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/storage");
        for backend in ["sqlite", "postgres"] {
            let mut files: Vec<String> = std::fs::read_dir(format!("{dir}/{backend}/migrations"))
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            files.sort();
            let listed: Vec<String> = MIGRATIONS
                .iter()
                .map(|m| format!("{}.sql", m.name))
                .collect();
            assert_eq!(files, listed, "{backend}/migrations");
        }
    }
}
