//! Storage: the narrow interface the manager talks to, and its engines. The
//! traits ([`SchemaStore`], [`UserStore`], [`OtpStore`], [`TokenStore`],
//! [`ResetTokenStore`], [`GroupStore`], [`BulkStore`], [`SecondFactorStore`])
//! are engine-neutral, and
//! [`Store`] holds whichever engine a [`Target`] names.
//!
//! # Layout: one body per query
//!
//! - `tables/`: every table's queries, written once over the executor in
//!   `sql.rs` (`$n` parameters, engine-neutral values and rows). Each store
//!   trait is implemented there once for every [`sql::Engine`]: SQLite's store,
//!   PostgreSQL's, and [`Store`] itself.
//! - `sqlite/` and `postgres/`: what really differs, as named hooks: opening
//!   and migrating, the writers' lock (`Engine::write`), the unsynced write of
//!   a token's use, scrubbing SQLite's WAL after a secret is replaced, the bulk
//!   insert statements of import, identity handling and the snapshot of
//!   `copy`, and integrity checks.
//! - A new table: its migration in each engine's folder (and a line in
//!   `migrations!` below), its trait here, its queries in one `tables/` file,
//!   its columns in `copy.rs`'s `copied_rows!` (so that `copy` carries it), and
//!   its behaviour in the conformance suite, which runs on both engines.
//!
//! # Concurrency contract
//!
//! Every `&mut self` method is one transaction, under one of two locks
//! ([`sql::Lock`]); `&self` methods read committed data and take no lock. An
//! engine error anywhere rolls the whole transaction back.
//!
//! - **The writers' lock** (`Lock::Database`): between the transaction's first
//!   read and its commit no other writer of this lock, in any process or on any
//!   machine, commits. Rules that span rows run under it: the last lasting
//!   superuser, unique addresses and custom field values, group changes,
//!   sends' limits (a send limit's `check` spans a user's codes and an
//!   address), new tokens and reset tokens, every bulk write (import, apply,
//!   copy) and migrations. SQLite: `BEGIN IMMEDIATE`; PostgreSQL: an advisory
//!   lock keyed on the schema, the transaction's first statement, at READ
//!   COMMITTED (each later statement sees every commit made before the lock was
//!   granted).
//! - **Row locks** (`Lock::Rows`): per-user and per-token writes, which must
//!   not wait for bulk work: recording a token's use, counting a failed sign-in
//!   (reserving an attempt) and clearing failures, judging an emailed code,
//!   consuming a reset token, and an update of a user's own columns
//!   ([`UserUpdate::lock`]: a login, a password, revoking the user's tokens),
//!   and an audit line alone (a rejected token, a refused sign-in).
//!   On PostgreSQL they take no advisory lock: at READ COMMITTED they hold
//!   the row their rule is about (`FOR UPDATE`/`FOR SHARE`) before reading
//!   anything else, so every later statement sees every commit made before the
//!   row was granted. SQLite has one writer: the same `BEGIN IMMEDIATE`.
//!
//! Why each rule stays race-free on PostgreSQL:
//! - *A token's use after a revocation, deactivation or deletion* (0 uses
//!   after it returns): the use holds the owner's row `FOR SHARE`, then updates
//!   the token only if it, and its owner, still may be used. Every write that
//!   ends a token's life locks a row the use needs: revoking updates the
//!   token's row (the use's UPDATE waits, then re-checks the new version);
//!   deactivating or deleting updates the user's row (`update_user_in` takes it
//!   `FOR UPDATE` first, whichever lock), which the use's `FOR SHARE` waits for.
//!   Whichever commits first, the other sees it.
//! - *Exactly N guesses counted*: the address's `login_failures` row is made if
//!   missing (`ON CONFLICT DO NOTHING`) and held `FOR UPDATE` before it is read;
//!   concurrent reservations of one address run one after another. Stale rows
//!   count as none whether or not the housekeeping delete (which skips rows
//!   others hold) has pruned them.
//! - *An emailed code judged once per attempt, consumed once*: the judgement
//!   holds the user's row `FOR UPDATE` first, so two judgements of one user run
//!   one after another; a send (writers' lock) that replaces the code changes
//!   the code's row, which the judgement's writes wait for.
//! - *One use of a reset token*: the claim holds the owner's row, then the
//!   token's `FOR UPDATE` with `used_at IS NULL` in its condition: a second
//!   claim waits and then finds it used.
//! - *A TOTP step or a recovery code accepted once*: one conditional UPDATE
//!   of the secret's (or the code's) row, `last_step < $s` / `used_at IS
//!   NULL` in its condition; a second acceptor waits on the row and then
//!   changes none. A disable or a new set (writers' lock) deletes the rows: an
//!   acceptance after it finds nothing.
//! - *Rules spanning rows* keep the writers' lock, and the writers that change
//!   a user's row lock it (an UPDATE's own row lock, or `FOR UPDATE` first):
//!   a row-locked writer of the same user is ordered before or after them.
//!   Every transaction takes a user's row before that user's token or code
//!   rows, so the two kinds cannot deadlock each other.

/// Every backend's migrations, listed once: the same versions and names for
/// each, the SQL read from the invoking backend's own `migrations/` folder
/// (`include_str!` resolves beside the file that invokes this). A new
/// migration is one line here and a file in each folder.
macro_rules! migrations {
    () => {
        migrations![
            1 "0001_users",
            2 "0002_tokens",
            3 "0003_otp",
            4 "0004_user_fields",
            5 "0005_login_failures",
            6 "0006_sends_by_address",
            7 "0007_groups",
            8 "0008_lifecycle",
            9 "0009_second_factor",
        ]
    };
    ($($version:literal $name:literal),* $(,)?) => {
        &[$(Migration {
            version: $version,
            name: $name,
            sql: include_str!(concat!("migrations/", $name, ".sql")),
        }),*]
    };
}

#[cfg(test)]
mod conformance;
pub mod copy;
mod postgres;
mod sql;
mod sqlite;
mod store;
mod tables;
mod target;
mod user_filter;

#[doc(hidden)]
pub use postgres::connect::fuzz_url;
pub use postgres::{LockCheck, PgStore, ServerError};
pub use sqlite::SqliteStore;
pub use store::{Open, OpenOptions, Store};
pub use target::Target;

use jiff::Timestamp;
use serde::Serialize;

use crate::access::{AccessChange, Group, GroupChange, Permission, UserAccess};
use crate::audit::AuditEvent;
use crate::error::Result;
use crate::token::{TokenDigest, TokenInfo};
use crate::user::{User, UserFilter};

/// A schema change: applied once, in order, never edited after release. Every
/// backend has the same versions and names, each with its own SQL.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub(crate) sql: &'static str,
}

/// A migration a database records as applied.
#[derive(Debug, Clone, PartialEq)]
pub struct AppliedMigration {
    pub version: i64,
    pub name: String,
    pub applied_at: Timestamp,
}

/// The database itself, whatever the backend: what it is, its schema, its
/// soundness and a copy of it.
pub trait SchemaStore {
    /// The database as messages name it: a file's path, or a server's address
    /// (never with a password).
    fn describe(&self) -> String;
    /// The file that holds the data, for a backend that keeps one (its mode is
    /// checked).
    fn file_path(&self) -> Option<&std::path::Path>;
    /// The migrations this build knows for the backend, oldest first.
    fn migrations(&self) -> &'static [Migration];
    /// The migrations applied, oldest first, with when.
    fn applied_migrations(&self) -> Result<Vec<AppliedMigration>>;
    /// Applies pending migrations, each in its own transaction and recorded;
    /// returns those applied. Two processes migrating at once apply each once.
    fn migrate(&mut self) -> Result<Vec<Migration>>;
    /// The engine's own consistency check: the problems found (empty when sound).
    fn integrity_check(&self) -> Result<Vec<String>>;
    /// A complete, consistent copy in one new file, mode 0600, made while other
    /// commands keep running.
    fn backup_to(
        &self,
        target: &std::path::Path,
        existing: crate::output_file::Existing,
    ) -> Result<()>;

    /// Whether the writers' lock really excludes a second session, for a
    /// backend that must rely on the server for it (PostgreSQL's advisory
    /// locks; SQLite's lock is the file's own).
    fn lock_check(&self) -> Result<Option<LockCheck>> {
        Ok(None)
    }

    /// Why this connection cannot apply pending migrations, when the backend can
    /// tell beforehand (PostgreSQL: the role's privileges), as (what, what to do).
    fn migration_blocker(&self) -> Result<Option<(String, String)>> {
        Ok(None)
    }

    /// Migrations known to this build and not applied; a database migrated by a
    /// newer build is [`crate::Error::SchemaTooNew`].
    fn pending_migrations(&self) -> Result<Vec<Migration>> {
        let applied = self.applied_migrations()?;
        let newest = applied.last().map_or(0, |m| m.version);
        let known = self.migrations().last().map_or(0, |m| m.version);
        if newest > known {
            return Err(crate::Error::SchemaTooNew {
                target: self.describe(),
                found: newest,
                known,
            });
        }
        Ok(self
            .migrations()
            .iter()
            .filter(|m| !applied.iter().any(|a| a.version == m.version))
            .copied()
            .collect())
    }
}

/// The condition, over `users`, of a superuser the last-superuser rail keeps:
/// active and not expiring (a temporary break-glass superuser does not count).
pub(crate) const LASTING_SUPERUSER: &str = "(is_superuser AND is_active AND expires_at IS NULL)";

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
    pub must_change_password: bool,
    pub expires_at: Option<Timestamp>,
    /// Custom field values to store with the user.
    pub fields: Vec<FieldWrite>,
    /// Groups to join and permissions to grant (only `join` and `grant` apply).
    pub access: AccessChange,
}

impl UserUpdate {
    /// The lock the update needs: the writers' lock when it touches a rule that
    /// spans rows (an address, unique field values, the last lasting superuser
    /// through `is_active`, `is_superuser` or an expiry, groups); otherwise the
    /// user's row alone (recording a login, a new password, revoking the user's
    /// tokens).
    pub(crate) fn lock(&self) -> sql::Lock {
        let spans_rows = self.email.is_some()
            || self.is_active.is_some()
            || self.is_superuser.is_some()
            || self.expires_at.is_some()
            || !self.fields.is_empty()
            || !self.access.is_empty();
        if spans_rows {
            sql::Lock::Database
        } else {
            sql::Lock::Rows
        }
    }
}

/// One custom field value to write, as canonical text; `None` removes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldWrite {
    pub name: String,
    pub value: Option<String>,
    /// The config declares the field unique: the store enforces it (and, when the
    /// config no longer does, stops enforcing it).
    pub unique: bool,
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
    pub must_change_password: Option<bool>,
    /// `Some(None)`: the account no longer expires.
    pub expires_at: Option<Option<Timestamp>>,
    /// Refuse (inside the transaction) a change that leaves no lasting active
    /// superuser (`LASTING_SUPERUSER`).
    pub protect_last_superuser: bool,
    /// Revoke every active token of the user at this time, in the same transaction
    /// (`changepassword --revoke-tokens`).
    pub revoke_tokens_at: Option<Timestamp>,
    /// Custom field values to set or remove.
    pub fields: Vec<FieldWrite>,
    /// A success: forget the user's failed sign-ins (its address's row).
    pub clear_login_failures: bool,
    /// The address changed: clear `email_verified_at` and delete every code
    /// (all were sent to the old address), in the same transaction.
    pub forget_address_proof: bool,
    /// Groups to join or leave, permissions to grant or revoke.
    pub access: AccessChange,
}

/// One row of the audit log: what happened, never a secret. The store adds the
/// user it concerns.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    pub at: Timestamp,
    pub actor: String,
    pub event: AuditEvent,
    pub detail: String,
}

/// One row of the audit log as read back.
#[derive(Debug, Clone, Serialize)]
pub struct AuditRecord {
    pub id: i64,
    #[serde(with = "crate::clock::serde_timestamp")]
    pub at: Timestamp,
    pub event: String,
    pub user_id: Option<i64>,
    pub email: Option<String>,
    pub detail: String,
    pub actor: String,
}

/// Which audit rows to read; every `Some` narrows.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Rows about this user: its id, or (for deleted users) its email key.
    pub user: Option<(Option<i64>, String)>,
    pub event: Option<AuditEvent>,
    pub since: Option<Timestamp>,
    /// Only the newest N rows (still printed oldest first).
    pub limit: Option<u64>,
}

/// Everything the manager needs from storage. Each write is one transaction that
/// also records its audit entries, so a change is never logged without happening
/// or the other way round. Groups come with it: a user's memberships are
/// written in the user's transaction.
pub trait UserStore: GroupStore {
    /// Inserts a user; a clash of `email_key` is [`crate::Error::UserExists`].
    fn insert_user(&mut self, user: &UserRecord, audit: &[AuditEntry]) -> Result<User>;
    fn user_by_email_key(&self, email_key: &str) -> Result<Option<User>>;
    /// The id of a user other than `other_than` whose custom field `name` holds
    /// `value` (canonical text).
    fn field_value_holder(
        &self,
        name: &str,
        value: &str,
        other_than: Option<i64>,
    ) -> Result<Option<i64>>;
    /// Applies an update; a clash of the new `email_key` is `UserExists`.
    fn update_user(&mut self, id: i64, update: &UserUpdate, audit: &[AuditEntry]) -> Result<User>;
    /// Deletes a user; with `protect_last_superuser`, refuses to delete the last
    /// active superuser (checked inside the transaction, so two concurrent
    /// deletions cannot both pass).
    fn delete_user(
        &mut self,
        id: i64,
        protect_last_superuser: bool,
        audit: &[AuditEntry],
    ) -> Result<()>;
    fn list_users(&self, filter: &UserFilter) -> Result<Vec<User>>;
    /// Audit rows, oldest first.
    fn audit_entries(&self, filter: &AuditFilter) -> Result<Vec<AuditRecord>>;
    /// Throttling, in one transaction: forgets failure rows last touched before
    /// `forget_before`; then refuses when the address is locked at `now`, or else
    /// counts one more failure in advance (the password check is slow, and a
    /// parallel guess must see it), with the lock `locked_until` gives for the new
    /// count. A success or an unlock deletes the row
    /// ([`UserUpdate::clear_login_failures`], [`UserStore::clear_login_failures`]).
    fn reserve_login_attempt(
        &mut self,
        email_key: &str,
        now: Timestamp,
        forget_before: Timestamp,
        locked_until: &dyn Fn(u32) -> Option<Timestamp>,
    ) -> Result<LoginReservation>;
    /// Deletes the failure row of an address, with `audit` (an operator's unlock);
    /// whether there was one.
    fn clear_login_failures(
        &mut self,
        email_key: &str,
        user: (i64, &str),
        audit: &[AuditEntry],
    ) -> Result<bool>;
    /// Records events that change nothing else (a failed sign-in).
    fn record(
        &mut self,
        user_id: Option<i64>,
        email: Option<&str>,
        audit: &[AuditEntry],
    ) -> Result<()>;
}

/// The answer of [`UserStore::reserve_login_attempt`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginReservation {
    /// Locked: the attempt is refused, nothing counted.
    Locked { until: Timestamp },
    /// The attempt may go on; it is counted as the `failures`-th failure in a row
    /// until it succeeds, and the address is locked until `locked_until` if it fails.
    Counted {
        failures: u32,
        locked_until: Option<Timestamp>,
    },
}

/// A stored one-time code (only its HMAC).
#[derive(Debug, Clone, PartialEq)]
pub struct OtpCode {
    pub id: i64,
    pub code_mac: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub attempts: u32,
    pub used_at: Option<Timestamp>,
}

/// A code about to be stored, replacing the user's code of the same purpose.
#[derive(Debug, Clone)]
pub struct NewOtpCode<'a> {
    pub user_id: i64,
    pub purpose: &'a str,
    pub code_mac: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

/// The state of a code's user that its verdict depends on, read in the
/// verdict's transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeOwner {
    /// The address is verified (`email_verified_at` is set).
    pub verified: bool,
    pub usable_password: bool,
    /// An operator set the password: no token until the user chose one.
    pub must_change_password: bool,
    /// The names of the tokens not revoked (a new token cannot take one).
    pub token_names: Vec<String>,
    /// Tokens not revoked (expired ones included).
    pub live_tokens: u32,
    /// Codes of other purposes, not used yet.
    pub other_codes: u32,
}

/// What to write after looking at a code, decided by the manager.
#[derive(Debug, Clone, PartialEq)]
pub enum OtpWrite {
    /// Mark it used; with `Some`, also set the user's `email_verified_at`.
    Consume {
        used_at: Timestamp,
        verified_at: Option<Timestamp>,
        /// A password reset: the new hash, set in the same transaction. A
        /// usable one meets a must-change-password (the user chose it); an
        /// unusable one does not.
        new_password: Option<String>,
        /// Also revoke every active token of the user (at `used_at`).
        revoke_tokens: bool,
        /// Also delete the user's other codes (the first proof of an address:
        /// codes sent before it was proven go).
        discard_other_codes: bool,
        /// A sign-in with the code: the user's `last_login`.
        last_login: Option<Timestamp>,
    },
    /// Count one wrong try.
    CountFailure,
    /// Change nothing (the audit entries are still written).
    Nothing,
}

/// The manager's verdict on a code: what to write, what to log, what to return.
pub struct OtpVerdict<R> {
    pub write: OtpWrite,
    pub audit: Vec<AuditEntry>,
    pub result: R,
}

/// A past send: its purpose and when.
pub type OtpSendRecord = (String, Timestamp);

/// The manager's rate-limit rule, run on the sends of the window.
pub type OtpSendCheck<'a> = &'a dyn Fn(&[OtpSendRecord]) -> Result<()>;

/// Storage for one-time codes and their send limits. Each method is one
/// transaction; the rules stay in the manager, passed in as closures that run
/// under the write lock, so parallel commands cannot both slip past a limit.
pub trait OtpStore {
    /// Looks at the sends to the address (`email_key`) at or after `since`
    /// (purpose, time), codes and notices alike; if `check` allows it, records a
    /// send of `purpose` at `at` and returns its id. The address's older send rows
    /// are pruned.
    fn begin_otp_send(
        &mut self,
        email_key: &str,
        purpose: &str,
        at: Timestamp,
        since: Timestamp,
        check: OtpSendCheck<'_>,
    ) -> Result<i64>;

    /// Forgets a send whose message was not accepted, and logs why (with the
    /// user, if the address has one).
    fn cancel_otp_send(
        &mut self,
        send_id: i64,
        user_id: Option<i64>,
        email: &str,
        audit: &[AuditEntry],
    ) -> Result<()>;

    /// Stores a code, replacing the user's code of the same purpose.
    fn save_otp(&mut self, code: &NewOtpCode, email: &str, audit: &[AuditEntry]) -> Result<()>;

    /// Reads the user's code of `purpose`, and whether the user's address is
    /// verified, and applies the verdict `judge` gives on them, in one transaction
    /// (so two verifications cannot both be the first).
    fn judge_otp<R>(
        &mut self,
        user_id: i64,
        email: &str,
        purpose: &str,
        judge: impl FnMut(Option<&OtpCode>, &CodeOwner) -> OtpVerdict<R>,
    ) -> Result<R>;
}

/// A stored TOTP secret, still sealed.
#[derive(Debug, Clone, PartialEq)]
pub struct TotpRecord {
    pub secret: crate::sealed::Sealed,
    pub created_at: Timestamp,
    /// `None` while pending.
    pub confirmed_at: Option<Timestamp>,
    /// A pending enrolment's end.
    pub expires_at: Option<Timestamp>,
    /// The last accepted time step.
    pub last_step: Option<i64>,
}

/// A user's second factor as stored.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SecondFactorRecord {
    /// The confirmed secret, which sign-ins ask for.
    pub confirmed: Option<TotpRecord>,
    /// An enrolment waiting for its first code (expired ones included).
    pub pending: Option<TotpRecord>,
    /// Recovery codes not used yet.
    pub recovery_codes_left: u32,
}

/// What [`SecondFactorStore::disable_second_factor`] removed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SecondFactorRemoved {
    /// A confirmed secret or a pending enrolment was removed.
    pub totp: bool,
    /// Recovery codes removed, used ones included.
    pub recovery_codes: u64,
    /// Tokens revoked, as they are now.
    pub revoked_tokens: Vec<TokenInfo>,
}

/// A user's second factor: TOTP secrets (sealed), recovery codes (keyed
/// digests). Each method is one transaction with its audit entries; the
/// single-use rules (a time step, a recovery code) are one conditional update
/// each, so parallel sign-ins on any engine accept a code once.
pub trait SecondFactorStore {
    /// The user's confirmed secret, pending enrolment and recovery codes left.
    fn second_factor(&self, user_id: i64) -> Result<SecondFactorRecord>;

    /// Every stored TOTP secret, confirmed or pending, still sealed, with its
    /// user's id and email (to check that a key opens them all).
    fn sealed_totp_secrets(&self) -> Result<Vec<(i64, String, crate::sealed::Sealed)>>;

    /// The second factors of the users whose ids lie in `first..=last` (a
    /// page of `list_users`, in one read), by user id; users without any row
    /// are left out.
    fn second_factors_between(
        &self,
        first: i64,
        last: i64,
    ) -> Result<std::collections::HashMap<i64, SecondFactorRecord>>;

    /// Stores a pending enrolment (`record.confirmed_at` is `None`), replacing
    /// any pending one. Without `replace`, a confirmed secret is
    /// [`crate::Error::SecondFactorExists`] (checked in the transaction).
    fn begin_totp_enrolment(
        &mut self,
        user_id: i64,
        record: &TotpRecord,
        replace: bool,
        email: &str,
        audit: &[AuditEntry],
    ) -> Result<()>;

    /// Activates the pending enrolment made at `created_at` if it has not
    /// expired at `at`: it becomes the confirmed secret (replacing the old
    /// one) with `step` as its last step, and `recovery_codes` replace the
    /// user's codes. False (nothing written) when that enrolment is gone or
    /// expired.
    #[allow(clippy::too_many_arguments)]
    fn confirm_totp(
        &mut self,
        user_id: i64,
        created_at: Timestamp,
        at: Timestamp,
        step: i64,
        recovery_codes: &[[u8; 32]],
        email: &str,
        audit: &[AuditEntry],
    ) -> Result<bool>;

    /// Accepts time step `step` of the user's confirmed secret: true (and the
    /// audit written) only when it is later than every step accepted before,
    /// by one conditional update. With `reseal` (the stored secret, and the
    /// same secret sealed under the current key), that update also replaces
    /// the secret, and only if it is still the one stored.
    fn accept_totp_step(
        &mut self,
        user_id: i64,
        step: i64,
        reseal: Option<(&crate::sealed::Sealed, &crate::sealed::Sealed)>,
        email: &str,
        audit: &[AuditEntry],
    ) -> Result<bool>;

    /// Uses the unused recovery code with `digest`: the codes left after it,
    /// or `None` (nothing written) when there is no such unused code.
    fn use_recovery_code(
        &mut self,
        user_id: i64,
        digest: &[u8; 32],
        at: Timestamp,
        email: &str,
        audit: &[AuditEntry],
    ) -> Result<Option<u32>>;

    /// Replaces the user's recovery codes with `digests`; false (nothing
    /// written) when the user has no confirmed secret.
    fn replace_recovery_codes(
        &mut self,
        user_id: i64,
        digests: &[[u8; 32]],
        at: Timestamp,
        email: &str,
        audit: &[AuditEntry],
    ) -> Result<bool>;

    /// Removes the secret, any pending enrolment and the recovery codes, and
    /// with `revoke_tokens_at` revokes the user's active tokens, in one
    /// transaction with `audit`.
    fn disable_second_factor(
        &mut self,
        user_id: i64,
        revoke_tokens_at: Option<Timestamp>,
        email: &str,
        audit: &[AuditEntry],
    ) -> Result<SecondFactorRemoved>;
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
    /// Custom field values: set on creation and update; fields left out are kept.
    pub fields: Vec<FieldWrite>,
    /// The groups (by name) the user is in after the write, exactly: the others
    /// are left. `None` leaves the memberships alone. A group that does not
    /// exist is [`crate::Error::GroupNotFound`].
    pub groups: Option<Vec<String>>,
    /// The permissions granted to the user directly after the write, exactly.
    /// `None` leaves them alone.
    pub permissions: Option<Vec<Permission>>,
    /// `None`: false on creation, left alone on update.
    pub must_change_password: Option<bool>,
    /// `Some(None)`: the account no longer expires; `None`: never on creation,
    /// left alone on update.
    pub expires_at: Option<Option<Timestamp>>,
    /// An imported TOTP secret, sealed in transit to the row's email key (the
    /// user's id, which the stored secret is sealed to, exists only once the
    /// row is written: the [`TotpSealer`] seals it again then). It becomes
    /// the user's confirmed secret, replacing any, and the old recovery codes
    /// go. `None` leaves the second factor alone.
    pub totp: Option<crate::sealed::Sealed>,
}

impl BulkUser {
    /// A row for this address that sets nothing else (an unusable password on
    /// creation, every other column its default or left alone).
    pub fn new(email: impl Into<String>, email_key: impl Into<String>) -> Self {
        let unusable = crate::password::make_unusable_password();
        BulkUser::with_password(email, email_key, BulkPassword::Absent { unusable })
    }

    /// A row for this address that sets this password and nothing else (a
    /// caller that has the password spares making an unusable marker).
    pub fn with_password(
        email: impl Into<String>,
        email_key: impl Into<String>,
        password: BulkPassword,
    ) -> Self {
        BulkUser {
            email: email.into(),
            email_key: email_key.into(),
            password,
            first_name: None,
            last_name: None,
            is_active: None,
            is_staff: None,
            is_superuser: None,
            date_joined: None,
            last_login: None,
            email_verified_at: None,
            fields: Vec::new(),
            groups: None,
            permissions: None,
            must_change_password: None,
            expires_at: None,
            totp: None,
        }
    }

    /// The row sets the lifecycle columns (written apart from the others).
    pub(crate) fn sets_lifecycle(&self) -> bool {
        self.must_change_password.is_some() || self.expires_at.is_some()
    }

    /// The row takes a superuser out of the lasting ones the rail keeps.
    pub(crate) fn demotes(&self) -> bool {
        self.is_superuser == Some(false)
            || self.is_active == Some(false)
            || matches!(self.expires_at, Some(Some(_)))
    }
}

/// Seals the imported TOTP secret of a [`BulkUser`] to its user, in the bulk
/// write's transaction, once the row is written and the user's id is known.
pub trait TotpSealer: Sync {
    /// An imported `secret` sealed for its row's trip to the store (never in
    /// clear on disk, even in an import's spool), bound to `email_key`.
    fn seal_in_transit(
        &self,
        secret: &crate::totp::TotpSecret,
        email_key: &str,
    ) -> crate::sealed::Sealed;

    /// The secret `in_transit` holds (sealed for `email_key`), sealed to `user_id`.
    fn seal_to_user(
        &self,
        in_transit: &crate::sealed::Sealed,
        email_key: &str,
        user_id: i64,
    ) -> Result<crate::sealed::Sealed>;
}

/// A group a bulk write creates, or whose permissions it sets (a fixture's
/// `auth.group` object). Groups are matched by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkGroup {
    pub name: String,
    /// Its permissions after the write, exactly, sorted.
    pub permissions: Vec<Permission>,
}

/// What a bulk write sets before its users, in the same transaction.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BulkDefinitions {
    /// Groups to create or set, in order.
    pub groups: Vec<BulkGroup>,
    /// The Django models of permissions (`permission_models`), replacing the
    /// model stored for the same permission.
    pub permission_models: Vec<(Permission, String)>,
}

/// How a bulk write is recorded: one audit row per created or updated user,
/// and one per created or changed group.
#[derive(Debug, Clone)]
pub struct BulkAudit {
    pub at: Timestamp,
    pub actor: String,
    pub created_event: AuditEvent,
    pub updated_event: AuditEvent,
    pub group_created_event: AuditEvent,
    pub group_updated_event: AuditEvent,
    pub detail: String,
}

impl BulkAudit {
    /// The detail of a user's row: the import's, and the groups and direct
    /// permissions the row sets, if it sets them (as JSON lists: a group name
    /// may hold any printable character).
    pub fn user_detail<'a>(&'a self, row: &BulkUser) -> std::borrow::Cow<'a, str> {
        if row.groups.is_none() && row.permissions.is_none() {
            return self.detail.as_str().into();
        }
        let mut detail = self.detail.clone();
        if let Some(groups) = &row.groups {
            let list = serde_json::to_string(groups).unwrap_or_default();
            detail.push_str(&format!(", groups={list}"));
        }
        if let Some(permissions) = &row.permissions {
            let list = serde_json::to_string(permissions).unwrap_or_default();
            detail.push_str(&format!(", user_permissions={list}"));
        }
        detail.into()
    }

    /// The event of a written user's row: created, or updated.
    pub fn user_event(&self, new: bool) -> AuditEvent {
        if new {
            self.created_event
        } else {
            self.updated_event
        }
    }

    /// The detail of a group's row: its name, its permissions now, and the import's.
    pub fn group_detail(&self, group: &BulkGroup) -> String {
        let permissions: Vec<&str> = group.permissions.iter().map(Permission::as_str).collect();
        format!(
            "group={}, permissions={}, {}",
            group.name,
            permissions.join(" "),
            self.detail
        )
    }
}

/// What a bulk write did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BulkCounts {
    pub created: u64,
    pub updated: u64,
    pub skipped: u64,
    pub groups_created: u64,
    /// Groups that existed and whose permissions changed.
    pub groups_updated: u64,
}

/// A user's memberships and direct permissions, as export writes them (sorted).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Memberships {
    pub groups: Vec<String>,
    pub user_permissions: Vec<String>,
}

/// Bulk provisioning: one transaction for a whole import, and streaming reads, so
/// that memory does not grow with the number of users.
pub trait BulkStore {
    /// The files the store keeps its data in: an export or a backup must never
    /// write over them.
    fn own_files(&self) -> Vec<std::path::PathBuf>;
    /// Calls `f(email_key, email)` for every stored user.
    fn for_each_email(&self, f: &mut dyn FnMut(&str, &str)) -> Result<()>;
    /// Calls `f(value, email_key, email)` for every stored value of the custom
    /// field `name`, with the user holding it.
    fn for_each_field_value(&self, name: &str, f: &mut dyn FnMut(&str, &str, &str)) -> Result<()>;
    /// Calls `f` for every stored user in id order with its groups and direct
    /// permissions, read by the same query (none per user), stopping at its
    /// first error.
    fn for_each_user(&self, f: &mut dyn FnMut(&User, &Memberships) -> Result<()>) -> Result<()>;
    /// Every group with its permissions and members count, sorted by name
    /// (bytewise, the same on every backend), in one query.
    fn all_groups(&self) -> Result<Vec<Group>>;
    /// Writes `definitions` (groups, then permission models) and then every row,
    /// in one transaction with its audit rows: all of it or, at the first error
    /// (from `rows` or from the database), none. With
    /// [`OnConflict::Fail`] a taken email is [`crate::Error::UserExists`]; a
    /// unique field value another user holds is [`crate::Error::FieldValueTaken`]. With
    /// `protect_last_superuser`, a write that leaves no active superuser where
    /// there was one is [`crate::Error::LastSuperuser`] (checked before commit).
    /// Rows with a [`BulkUser::totp`] need `sealer` (without it they fail the
    /// write); each gets an audit row of its own.
    #[allow(clippy::too_many_arguments)]
    fn bulk_write(
        &mut self,
        definitions: &BulkDefinitions,
        rows: &mut dyn Iterator<Item = Result<BulkUser>>,
        on_conflict: OnConflict,
        protect_last_superuser: bool,
        audit: &BulkAudit,
        sealer: Option<&dyn TotpSealer>,
    ) -> Result<BulkCounts>;
}

/// Groups, memberships and permissions. Memberships and direct grants are
/// written with the user ([`UserRecord::access`], [`UserUpdate::access`]), in
/// its transaction: an unknown group there is [`crate::Error::GroupNotFound`]
/// and nothing is written.
pub trait GroupStore {
    /// Inserts a group; a taken name is [`crate::Error::GroupExists`].
    fn insert_group(
        &mut self,
        name: &str,
        permissions: &[Permission],
        audit: &[AuditEntry],
    ) -> Result<Group>;
    fn group_by_name(&self, name: &str) -> Result<Option<Group>>;
    /// Every group, by name.
    fn list_groups(&self) -> Result<Vec<Group>>;
    /// Renames a group and adds or removes permissions; an unknown group is
    /// `GroupNotFound`, a taken new name `GroupExists`.
    fn update_group(
        &mut self,
        name: &str,
        change: &GroupChange,
        audit: &[AuditEntry],
    ) -> Result<Group>;
    /// Deletes a group and its memberships; returns it as it was.
    fn delete_group(&mut self, name: &str, audit: &[AuditEntry]) -> Result<Group>;
    /// The user's groups and granted permissions.
    fn user_access(&self, user_id: i64) -> Result<UserAccess>;
    /// Every permission granted to the user, directly or by a group, sorted:
    /// one indexed query, whatever the number of groups.
    fn granted_permissions(&self, user_id: i64) -> Result<Vec<String>>;
    /// The Django models known for permissions (`permission_models`), sorted.
    fn permission_models(&self) -> Result<Vec<(String, String)>>;
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
    /// The permissions it is limited to; `None` carries the user's.
    pub scopes: Option<Vec<Permission>>,
}

impl TokenRecord {
    /// The `scopes` column: the permissions space-separated, or NULL.
    pub(crate) fn scopes_column(&self) -> Option<String> {
        self.scopes.as_ref().map(|scopes| {
            let names: Vec<&str> = scopes.iter().map(Permission::as_str).collect();
            names.join(" ")
        })
    }
}

/// An operator's password-reset token as first written: its digest, never the
/// token.
#[derive(Debug, Clone)]
pub struct ResetTokenRecord {
    pub user_id: i64,
    pub digest: TokenDigest,
    pub prefix: String,
    /// The SHA-256 of the user's password hash now: a later password change
    /// (by any path) makes the token dead.
    pub password_digest: TokenDigest,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

/// A stored reset token: never the token nor its digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResetTokenInfo {
    pub id: i64,
    pub user_id: i64,
    pub prefix: String,
    pub password_digest: Vec<u8>,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub used_at: Option<Timestamp>,
    pub replaced_at: Option<Timestamp>,
}

/// Reset tokens, next to [`UserStore`]; each write one transaction with its audit.
pub trait ResetTokenStore {
    /// Inserts a token; the user's earlier ones not yet used are replaced
    /// (`replaced_at` is set), in the same transaction. Returns its id.
    fn insert_reset_token(&mut self, token: &ResetTokenRecord, audit: &[AuditEntry])
    -> Result<i64>;
    /// The token with this digest (one probe of a unique index) and its stored
    /// digest.
    fn reset_token_by_digest(
        &self,
        digest: &TokenDigest,
    ) -> Result<Option<(ResetTokenInfo, TokenDigest)>>;
    /// Uses a token: in one transaction, if it is still unused, not replaced,
    /// unexpired at `at`, and its user's password hash still has the digest it
    /// was made with, marks it used and applies `update` to its user; `None`
    /// (nothing written) when it no longer may be used.
    fn consume_reset_token(
        &mut self,
        id: i64,
        at: Timestamp,
        update: &UserUpdate,
        audit: &[AuditEntry],
    ) -> Result<Option<User>>;
}

/// What a reset token is bound to, as [`ResetTokenRecord`] keeps it (in its
/// `password_digest` column): the SHA-256 of the user's address (its key) and
/// encoded password hash. A token dies when either changes, by whatever path
/// (a new password, `update-user --email`, an import or `apply`): a token made
/// for an address must not serve whoever holds that address next.
pub(crate) fn credential_digest(email_key: &str, encoded: &str) -> TokenDigest {
    use sha2::Digest;
    let mut digest = sha2::Sha256::new();
    digest.update(email_key.as_bytes());
    // A key holds no NUL: the pair cannot be read another way.
    digest.update([0]);
    digest.update(encoded.as_bytes());
    digest.finalize().into()
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
