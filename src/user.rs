//! The user model (Django's `AbstractUser` with the email address as the login) and
//! the shapes used to create, change and filter users.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::Serialize;

use crate::clock::serde_timestamp;

/// The built-in fields of a user as `--json` output and `list-users --csv` name
/// them, in order.
pub const FIELD_NAMES: [&str; 13] = [
    "id",
    "email",
    "first_name",
    "last_name",
    "is_active",
    "is_staff",
    "is_superuser",
    "date_joined",
    "last_login",
    "email_verified_at",
    "has_usable_password",
    "must_change_password",
    "expires_at",
];

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

impl User {
    /// True once the account's `expires_at` has come.
    pub fn is_expired(&self, now: Timestamp) -> bool {
        self.expires_at.is_some_and(|at| at <= now)
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
    /// Users who hold this permission now (Django's `has_perm`: active, and a
    /// superuser or granted it directly or by a group).
    pub permission: Option<String>,
    pub expiry: Option<ExpiryFilter>,
    pub limit: Option<u64>,
    pub offset: u64,
}
