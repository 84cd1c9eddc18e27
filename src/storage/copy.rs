//! Everything a database holds, row by row, for `userdb copy`: moving from one
//! backend to the other (SQLite to PostgreSQL, or back) keeps users with their
//! hashes and fields, groups and permissions, tokens, reset tokens, one-time codes, second factors (still sealed), send limits, sign-in throttling
//! and the audit log, with their ids (a code's HMAC is bound to its user's id).
//!
//! Each table's columns are listed once, below; the dump and the load are
//! written once for every engine in `storage/tables/copy.rs`.

use jiff::Timestamp;

use crate::error::Result;
use crate::storage::sql::{Row, Value};

/// Declares [`CopiedRow`] and, from the same list, [`TABLES`], [`COLUMNS`],
/// [`READERS`] and [`CopiedRow::values`] (each engine's bulk statement is made
/// from [`TABLES`] and [`COLUMNS`]): a column is named once, and a dump
/// reads the columns a load writes.
macro_rules! copied_rows {
    ($($variant:ident in $table:literal by $order:literal { $($field:ident: $ty:ty,)* })*) => {
        /// One stored row of any table, with its id.
        #[derive(Debug, Clone, PartialEq)]
        pub enum CopiedRow {
            $($variant { $($field: $ty,)* },)*
            /// The highest id a table of [`SEQUENCED`] has handed out, deleted rows'
            /// included (SQLite's `sqlite_sequence`, a PostgreSQL sequence's value;
            /// 0 for none). Carried so that the copy never hands a deleted user's id
            /// out again: audit rows keep the old id, and `log --user` would show its
            /// history as the new user's.
            IdsUsed { table: String, high_water: i64 },
        }

        impl CopiedRow {
            /// The table's name, for counts.
            pub fn table(&self) -> &'static str {
                match self {
                    $(CopiedRow::$variant { .. } => $table,)*
                    // Not a row of a table: not counted.
                    CopiedRow::IdsUsed { .. } => "id sequences",
                }
            }

            /// The row's values, in [`COLUMNS`] order (an
            /// [`IdsUsed`](CopiedRow::IdsUsed) is no row: none).
            pub(crate) fn values(&self) -> Vec<Value<'_>> {
                match self {
                    $(CopiedRow::$variant { $($field,)* } => vec![$(Value::from($field)),*],)*
                    CopiedRow::IdsUsed { .. } => Vec::new(),
                }
            }
        }

        /// The tables in the order rows are dumped and loaded (parents first).
        pub const TABLES: &[&str] = &[$($table),*];

        /// Each table's columns, and the order a dump reads its rows in
        /// ([`TABLES`] order).
        pub(crate) const COLUMNS: &[(&str, &str)] = &[$((stringify!($($field),*), $order)),*];

        /// How a row of each table, read as [`COLUMNS`] names them, becomes a
        /// [`CopiedRow`] ([`TABLES`] order).
        pub(crate) const READERS: &[fn(&dyn Row) -> Result<CopiedRow>] = &[$(|r| {
            let mut column = 0..;
            Ok(CopiedRow::$variant { $($field: r.get(column.next().unwrap_or_default())?,)* })
        }),*];
    };
}

copied_rows! {
    User in "users" by "id" {
        id: i64,
        email: String,
        email_key: String,
        password: String,
        first_name: String,
        last_name: String,
        is_active: bool,
        is_staff: bool,
        is_superuser: bool,
        date_joined: Timestamp,
        last_login: Option<Timestamp>,
        email_verified_at: Option<Timestamp>,
        must_change_password: bool,
        expires_at: Option<Timestamp>,
    }
    FieldValue in "user_field_values" by "user_id, name" {
        user_id: i64,
        name: String,
        value: String,
    }
    Group in "groups" by "id" {
        id: i64,
        name: String,
    }
    GroupPermission in "group_permissions" by "group_id, permission" {
        group_id: i64,
        permission: String,
    }
    UserGroup in "user_groups" by "user_id, group_id" {
        user_id: i64,
        group_id: i64,
    }
    UserPermission in "user_permissions" by "user_id, permission" {
        user_id: i64,
        permission: String,
    }
    PermissionModel in "permission_models" by "permission" {
        permission: String,
        model: String,
    }
    Token in "tokens" by "id" {
        id: i64,
        user_id: i64,
        name: String,
        digest: Vec<u8>,
        prefix: String,
        created_at: Timestamp,
        expires_at: Option<Timestamp>,
        last_used_at: Option<Timestamp>,
        revoked_at: Option<Timestamp>,
        scopes: Option<String>,
    }
    ResetToken in "reset_tokens" by "id" {
        id: i64,
        user_id: i64,
        digest: Vec<u8>,
        prefix: String,
        password_digest: Vec<u8>,
        created_at: Timestamp,
        expires_at: Timestamp,
        used_at: Option<Timestamp>,
        replaced_at: Option<Timestamp>,
    }
    OtpCode in "otp_codes" by "id" {
        id: i64,
        user_id: i64,
        purpose: String,
        code_mac: String,
        created_at: Timestamp,
        expires_at: Timestamp,
        attempts: i64,
        used_at: Option<Timestamp>,
    }
    OtpSend in "otp_sends" by "id" {
        email_key: String,
        purpose: String,
        at: Timestamp,
    }
    TotpSecret in "totp_secrets" by "user_id, pending" {
        user_id: i64,
        pending: bool,
        secret: Vec<u8>,
        key_id: String,
        created_at: Timestamp,
        confirmed_at: Option<Timestamp>,
        expires_at: Option<Timestamp>,
        last_step: Option<i64>,
    }
    RecoveryCode in "recovery_codes" by "user_id, digest" {
        user_id: i64,
        digest: Vec<u8>,
        created_at: Timestamp,
        used_at: Option<Timestamp>,
    }
    LoginFailure in "login_failures" by "email_key" {
        email_key: String,
        failures: i64,
        last_failure: Timestamp,
        locked_until: Option<Timestamp>,
    }
    Audit in "audit_log" by "id" {
        id: i64,
        at: Timestamp,
        event: String,
        user_id: Option<i64>,
        email: Option<String>,
        detail: String,
        actor: String,
    }
}

/// The tables whose ids come from a sequence, in the order their
/// [`CopiedRow::IdsUsed`] rows are dumped (after every table's rows).
pub const SEQUENCED: &[&str] = &[
    "users",
    "groups",
    "tokens",
    "reset_tokens",
    "otp_codes",
    "audit_log",
];

/// Dumping and loading whole databases.
pub trait CopyStore {
    /// Calls `sink` with every row, table by table in [`TABLES`] order, from one
    /// consistent snapshot.
    fn dump(&self, sink: &mut dyn FnMut(CopiedRow) -> Result<()>) -> Result<()>;
    /// Writes every row in one transaction under the writers' lock, ids kept,
    /// into a database that holds no users, groups, tokens or audit rows (else
    /// [`crate::Error::NotEmpty`]); all of it or, at the first error, none.
    /// Returns how many rows went into each table, in [`TABLES`] order.
    fn load(&mut self, rows: &mut dyn Iterator<Item = Result<CopiedRow>>) -> Result<Vec<u64>>;
}

/// Counts a row into `counts` (one per table of [`TABLES`]).
pub fn count(counts: &mut [u64], row: &CopiedRow) {
    if let Some(i) = TABLES.iter().position(|t| *t == row.table()) {
        counts[i] += 1;
    }
}
