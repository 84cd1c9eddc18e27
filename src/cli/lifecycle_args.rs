//! The account-lifecycle flags shared by the commands that create users.

use super::values::{Expiry, boolean, expiry_moment};

/// `--must-change-password` and `--expires-at` on createuser and createsuperuser.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct LifecycleArgs {
    /// The user must change this password (changepassword, a reset) before a token is
    /// issued [default: [password] must_change_on_create]
    #[arg(
        long,
        value_name = "BOOL",
        num_args = 0..=1,
        default_missing_value = "true",
        value_parser = boolean
    )]
    pub must_change_password: Option<bool>,
    /// When the account stops working: a date (from its start, UTC), an RFC 3339
    /// time, or never
    #[arg(long, value_name = "WHEN", value_parser = expiry_moment)]
    pub expires_at: Option<Expiry>,
}

impl LifecycleArgs {
    pub fn expires_at(&self) -> Option<jiff::Timestamp> {
        self.expires_at.and_then(|e| e.0)
    }
}
