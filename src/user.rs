//! The user model (Django's `AbstractUser` with the email address as the login) and
//! the shapes used to create, change and filter users.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::Serialize;

use crate::clock::serde_timestamp;
use crate::error::{Error, Result};

/// Where a built-in column of a user appears.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnUse {
    /// `--json` output and `list-users --csv` ([`FIELD_NAMES`]).
    Shown,
    /// The columns of CSV and keys of JSON Lines import reads.
    Imported,
    /// The columns export writes.
    Exported,
    /// The columns a Django fixture has a field for (the fields of Django's
    /// `AbstractUser`; `password_hash` is its `password`): export warns about
    /// the others.
    Fixture,
}

/// One built-in column of a user and where it appears.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    /// How code names it.
    pub key: ColumnKey,
    pub name: &'static str,
    pub shown: bool,
    pub imported: bool,
    pub exported: bool,
    pub fixture: bool,
}

impl Column {
    /// Whether the column has this use (a file of it carries the column).
    pub const fn used(&self, used: ColumnUse) -> bool {
        match used {
            ColumnUse::Shown => self.shown,
            ColumnUse::Imported => self.imported,
            ColumnUse::Exported => self.exported,
            ColumnUse::Fixture => self.fixture,
        }
    }
}

/// Declares the columns once: the [`ColumnKey`] enum and the [`COLUMNS`]
/// table, from the same rows, so the two cannot drift apart.
macro_rules! columns {
    ($($key:ident $name:literal, $shown:literal, $imported:literal, $exported:literal, $fixture:literal;)*) => {
        /// A built-in column of a user as code names it; its row of
        /// [`COLUMNS`] gives its name and uses.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum ColumnKey {
            $($key,)*
        }

        /// Every built-in column of a user, once, in the one order every list of them
        /// keeps (output, import, export): add a column here and each list has it.
        pub const COLUMNS: [Column; [$(ColumnKey::$key),*].len()] = [
            $(Column {
                key: ColumnKey::$key,
                name: $name,
                shown: $shown,
                imported: $imported,
                exported: $exported,
                fixture: $fixture,
            },)*
        ];
    };
}

columns! {
    // key name, shown, imported, exported, in a Django fixture
    Id "id", true, false, false, false;
    Email "email", true, true, true, true;
    FirstName "first_name", true, true, true, true;
    LastName "last_name", true, true, true, true;
    IsActive "is_active", true, true, true, true;
    IsStaff "is_staff", true, true, true, true;
    IsSuperuser "is_superuser", true, true, true, true;
    DateJoined "date_joined", true, true, true, true;
    LastLogin "last_login", true, true, true, true;
    // Django's model has no such field (loaddata refuses unknown fields).
    EmailVerifiedAt "email_verified_at", true, true, true, false;
    HasUsablePassword "has_usable_password", true, false, false, false;
    // A plain-text password to hash: imported only, never written out.
    Password "password", false, true, false, false;
    PasswordHash "password_hash", false, true, true, true;
    Groups "groups", false, true, true, true;
    UserPermissions "user_permissions", false, true, true, true;
    MustChangePassword "must_change_password", true, true, true, false;
    ExpiresAt "expires_at", true, true, true, false;
    // An authenticator's `otpauth://totp/` URI: imported only (it holds the
    // secret), never written out.
    TotpUri "totp_uri", false, true, false, false;
}

impl ColumnKey {
    /// Its name in files and output.
    pub const fn name(self) -> &'static str {
        COLUMNS[self as usize].name
    }

    /// The column of this name that has this use.
    pub fn find(name: &str, used: ColumnUse) -> Option<ColumnKey> {
        COLUMNS
            .iter()
            .find(|c| c.used(used) && c.name == name)
            .map(|c| c.key)
    }
}

/// How many columns have this use (the length of its list).
pub const fn column_count(used: ColumnUse) -> usize {
    let mut count = 0;
    let mut i = 0;
    while i < COLUMNS.len() {
        if COLUMNS[i].used(used) {
            count += 1;
        }
        i += 1;
    }
    count
}

/// The names of the columns with this use, in order.
pub const fn column_names<const N: usize>(used: ColumnUse) -> [&'static str; N] {
    let mut names = [""; N];
    let (mut i, mut n) = (0, 0);
    while i < COLUMNS.len() {
        if COLUMNS[i].used(used) && n < N {
            names[n] = COLUMNS[i].name;
            n += 1;
        }
        i += 1;
    }
    names
}

/// The built-in fields of a user as `--json` output and `list-users --csv` name
/// them, in order.
pub const FIELD_NAMES: [&str; column_count(ColumnUse::Shown)] = column_names(ColumnUse::Shown);

/// Django's `first_name` / `last_name`: at most 150 characters; we also refuse
/// control characters, which would garble tables and logs.
pub const MAX_NAME_LEN: usize = 150;

pub(crate) fn clean_name(what: &str, name: &str) -> Result<String> {
    let name = name.trim();
    if name.chars().count() > MAX_NAME_LEN {
        return Err(Error::invalid(
            what,
            format!("longer than {MAX_NAME_LEN} characters"),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(Error::invalid(what, "contains control characters"));
    }
    Ok(name.to_string())
}

/// A stored user. The password hash is kept out of `Debug` and of every serialised
/// form: output never carries it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub is_active: bool,
    pub is_staff: bool,
    pub is_superuser: bool,
    #[serde(with = "serde_timestamp")]
    pub date_joined: Timestamp,
    #[serde(serialize_with = "serde_timestamp::option::serialize")]
    pub last_login: Option<Timestamp>,
    #[serde(serialize_with = "serde_timestamp::option::serialize")]
    pub email_verified_at: Option<Timestamp>,
    pub has_usable_password: bool,
    /// The password was set by someone else: no token is issued until the user
    /// changes it.
    pub must_change_password: bool,
    /// When the account stops working (`None`: never).
    #[serde(serialize_with = "serde_timestamp::option::serialize")]
    pub expires_at: Option<Timestamp>,
    /// Stored custom field values as canonical text, by field name, including
    /// those of fields the config no longer declares. Typed and shown through
    /// [`crate::fields::FieldSet::values`].
    #[serde(skip)]
    pub fields: BTreeMap<String, String>,
    #[serde(skip)]
    pub(crate) password: EncodedPassword,
}

#[cfg(test)]
impl User {
    /// A stored user for unit tests: active, not staff, named Ada, with a
    /// usable (fake) hash.
    pub(crate) fn example(email: &str) -> User {
        User {
            id: 1,
            email: email.into(),
            first_name: "Ada".into(),
            last_name: String::new(),
            is_active: true,
            is_staff: false,
            is_superuser: false,
            date_joined: "2026-01-02T03:04:05Z".parse().unwrap(),
            last_login: None,
            email_verified_at: None,
            has_usable_password: true,
            must_change_password: false,
            expires_at: None,
            fields: Default::default(),
            password: EncodedPassword("argon2$x".into()),
        }
    }
}

impl User {
    /// True once the account's `expires_at` has come.
    pub fn is_expired(&self, now: Timestamp) -> bool {
        self.expires_at.is_some_and(|at| at <= now)
    }

    /// Whether the account may act at `now` (sign in, hold a permission, be
    /// issued a token or a reset): active and not expired.
    pub fn may_act(&self, now: Timestamp) -> bool {
        self.is_active && !self.is_expired(now)
    }

    /// The encoded hash, in Django's format (or `!…` when unusable).
    pub fn password_hash(&self) -> &str {
        &self.password.0
    }
}

/// An encoded password hash: not a secret, but nothing to print either.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct EncodedPassword(pub(crate) String);

impl std::fmt::Debug for EncodedPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EncodedPassword(..)")
    }
}

/// What `create_user` and `create_superuser` are given. Flags left `None` take the
/// defaults of the method called (Django's `extra_fields.setdefault`).
#[derive(Debug, Clone, Default)]
pub struct NewUser {
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub is_active: Option<bool>,
    pub is_staff: Option<bool>,
    pub is_superuser: Option<bool>,
    /// Custom field values as typed (`--set NAME=VALUE`), checked by the manager
    /// against the declared fields; declared fields left out take their default.
    pub fields: Vec<(String, String)>,
    /// Groups the user joins (by name; each must exist).
    pub groups: Vec<String>,
    /// `None`: `[password] must_change_on_create` for a user an operator creates.
    pub must_change_password: Option<bool>,
    /// When the account stops working (`None`: never).
    pub expires_at: Option<Timestamp>,
}

impl NewUser {
    pub fn new(email: impl Into<String>) -> Self {
        NewUser {
            email: email.into(),
            ..NewUser::default()
        }
    }
}

/// A change to a user: `None` leaves the field as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UserChanges {
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub is_active: Option<bool>,
    pub is_staff: Option<bool>,
    pub is_superuser: Option<bool>,
    /// Custom field values as typed; an empty value removes the field's value.
    pub fields: Vec<(String, String)>,
    /// Groups to join or leave (by name) and permissions to grant or revoke.
    pub access: crate::access::AccessChange,
    pub must_change_password: Option<bool>,
    /// `Some(None)`: the account no longer expires.
    pub expires_at: Option<Option<Timestamp>>,
}

impl UserChanges {
    pub fn is_empty(&self) -> bool {
        *self == UserChanges::default()
    }
}

/// Users by when their account expires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpiryFilter {
    /// Accounts that never expire.
    Never,
    /// Accounts expired at this moment (`expires_at <= t`).
    ExpiredAt(Timestamp),
}

/// Users who hold `permission` at `at`: active and not expired then, and a
/// superuser or granted it directly or by a group. The SQL form of
/// [`User::may_act`] and [`crate::access::Effective::of`]: what `has-perm` answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldPermission {
    pub permission: String,
    pub at: Timestamp,
}

/// Which users `list_users` returns; every `Some` narrows the list.
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    pub is_staff: Option<bool>,
    pub is_superuser: Option<bool>,
    pub is_active: Option<bool>,
    pub verified: Option<bool>,
    /// Case-insensitive substring of the email or the names.
    pub search: Option<String>,
    /// Custom fields that must hold exactly this canonical value (`None`: no value).
    pub fields: Vec<(String, Option<String>)>,
    /// Members of this group (by its exact name).
    pub group: Option<String>,
    /// Users who hold this permission at a moment (Django's `has_perm`, with
    /// [`crate::access::Effective`]'s rule).
    pub permission: Option<HeldPermission>,
    pub expiry: Option<ExpiryFilter>,
    /// Users with (`Some(true)`) or without a confirmed second factor (a
    /// pending enrolment protects nothing, so it counts as without).
    pub second_factor: Option<bool>,
    pub limit: Option<u64>,
    pub offset: u64,
}
