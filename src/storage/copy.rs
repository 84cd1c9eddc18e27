//! Everything a database holds, row by row, for `userdb copy`: moving from one
//! backend to the other (SQLite to PostgreSQL, or back) keeps users with their
//! hashes and fields, groups and permissions, tokens, reset tokens, one-time codes, send limits, sign-in throttling
//! and the audit log, with their ids (a code's HMAC is bound to its user's id).

use jiff::Timestamp;

use crate::error::Result;

/// One stored row of any table, with its id.
#[derive(Debug, Clone, PartialEq)]
pub enum CopiedRow {
    User {
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
    },
    FieldValue {
        user_id: i64,
        name: String,
        value: String,
    },
    Group {
        id: i64,
        name: String,
    },
    GroupPermission {
        group_id: i64,
        permission: String,
    },
    UserGroup {
        user_id: i64,
        group_id: i64,
    },
    UserPermission {
        user_id: i64,
        permission: String,
    },
    PermissionModel {
        permission: String,
        model: String,
    },
    Token {
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
    },
    ResetToken {
        id: i64,
        user_id: i64,
        digest: Vec<u8>,
        prefix: String,
        password_digest: Vec<u8>,
        created_at: Timestamp,
        expires_at: Timestamp,
        used_at: Option<Timestamp>,
        replaced_at: Option<Timestamp>,
    },
    OtpCode {
        id: i64,
        user_id: i64,
        purpose: String,
        code_mac: String,
        created_at: Timestamp,
        expires_at: Timestamp,
        attempts: i64,
        used_at: Option<Timestamp>,
    },
    OtpSend {
        email_key: String,
        purpose: String,
        at: Timestamp,
    },
    LoginFailure {
        email_key: String,
        failures: i64,
        last_failure: Timestamp,
        locked_until: Option<Timestamp>,
    },
    Audit {
        id: i64,
        at: Timestamp,
        event: String,
        user_id: Option<i64>,
        email: Option<String>,
        detail: String,
        actor: String,
    },
    /// The highest id a table of [`SEQUENCED`] has handed out, deleted rows'
    /// included (SQLite's `sqlite_sequence`, a PostgreSQL sequence's value;
    /// 0 for none). Carried so that the copy never hands a deleted user's id
    /// out again: audit rows keep the old id, and `log --user` would show its
    /// history as the new user's.
    IdsUsed {
        table: String,
        high_water: i64,
    },
}

impl CopiedRow {
    /// The table's name, for counts.
    pub fn table(&self) -> &'static str {
        match self {
            CopiedRow::User { .. } => "users",
            CopiedRow::FieldValue { .. } => "user_field_values",
            CopiedRow::Group { .. } => "groups",
            CopiedRow::GroupPermission { .. } => "group_permissions",
            CopiedRow::UserGroup { .. } => "user_groups",
            CopiedRow::UserPermission { .. } => "user_permissions",
            CopiedRow::PermissionModel { .. } => "permission_models",
            CopiedRow::Token { .. } => "tokens",
            CopiedRow::ResetToken { .. } => "reset_tokens",
            CopiedRow::OtpCode { .. } => "otp_codes",
            CopiedRow::OtpSend { .. } => "otp_sends",
            CopiedRow::LoginFailure { .. } => "login_failures",
            CopiedRow::Audit { .. } => "audit_log",
            // Not a row of a table: not counted.
            CopiedRow::IdsUsed { .. } => "id sequences",
        }
    }
}

/// The tables in the order rows are dumped and loaded (parents first).
pub const TABLES: &[&str] = &[
    "users",
    "user_field_values",
    "groups",
    "group_permissions",
    "user_groups",
    "user_permissions",
    "permission_models",
    "tokens",
    "reset_tokens",
    "otp_codes",
    "otp_sends",
    "login_failures",
    "audit_log",
];

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
