//! The group and permission flags shared by the commands that create or change
//! users, and how a user's groups and permissions are shown.

use serde::Serialize;
use userdb::access::{Effective, UserAccess};
use userdb::storage::UserStore;
use userdb::{User, UserManager};

use super::exit::CliError;
use super::output::{UserJson, name_list};

/// `--group G` on the commands an operator creates users with (never on
/// `register`: self-service sign-up does not pick its own rights).
#[derive(clap::Args, Debug, Clone, Default)]
pub struct GroupArgs {
    /// Put the user in this group (repeatable; it must exist, see `list-groups`)
    #[arg(long = "group", value_name = "GROUP")]
    pub groups: Vec<String>,
}

/// What a user holds, as `show-user` and `verify-token --json` show it.
#[derive(Serialize)]
pub struct AccessJson {
    pub groups: Vec<String>,
    /// Granted to the user directly.
    pub user_permissions: Vec<String>,
    /// Every permission the user holds now, directly or by a group (none when
    /// inactive).
    pub permissions: Vec<String>,
    /// An active superuser holds every permission, listed or not.
    pub all_permissions: bool,
}

impl AccessJson {
    pub fn of<S: UserStore>(manager: &UserManager<S>, user: &User) -> Result<Self, CliError> {
        let UserAccess {
            groups,
            user_permissions,
            ..
        } = manager.user_access(user)?;
        let Effective { all, permissions } = manager.effective_permissions(user)?;
        Ok(AccessJson {
            groups,
            user_permissions,
            permissions,
            all_permissions: all,
        })
    }

    /// Rows for a person's table.
    pub fn rows(&self, user: &User) -> Vec<(&'static str, String)> {
        let effective = if self.all_permissions {
            "all (active superuser)".to_string()
        } else if !user.is_active {
            "none (inactive)".to_string()
        } else {
            name_list(&self.permissions)
        };
        vec![
            ("groups", name_list(&self.groups)),
            ("user permissions", name_list(&self.user_permissions)),
            ("permissions", effective),
        ]
    }
}

/// A user as `show-user --json` prints it: the fields and the active tokens.
#[derive(Serialize)]
pub struct ShownUser<'a> {
    #[serde(flatten)]
    pub user: UserJson<'a>,
    pub active_tokens: u64,
    #[serde(flatten)]
    pub second_factor: super::output::SecondFactorJson,
    #[serde(flatten)]
    pub access: AccessJson,
}
