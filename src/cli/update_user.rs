//! `userdb update-user EMAIL`: change names, flags or the email address.

use userdb::UserChanges;
use userdb::access::{AccessChange, Permission};

use super::access_args::GroupArgs;
use super::context::Context;
use super::exit::CliError;
use super::field_input::FieldArgs;
use super::output::{print_json, status, warn};

/// Change a user's names, flags, email, groups or permissions
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The user's current email address
    email: String,
    /// A new email address
    #[arg(long = "email", value_name = "NEW")]
    new_email: Option<String>,
    /// A new first name
    #[arg(long, value_name = "NAME")]
    first_name: Option<String>,
    /// A new last name
    #[arg(long, value_name = "NAME")]
    last_name: Option<String>,
    /// Activate or deactivate (lock) the account
    #[arg(long, value_name = "BOOL", value_parser = super::values::boolean)]
    active: Option<bool>,
    /// Grant or remove staff status
    #[arg(long, value_name = "BOOL", value_parser = super::values::boolean)]
    staff: Option<bool>,
    /// Grant or remove superuser status
    #[arg(long, value_name = "BOOL", value_parser = super::values::boolean)]
    superuser: Option<bool>,
    #[command(flatten)]
    fields: FieldArgs,
    #[command(flatten)]
    groups: GroupArgs,
    /// Take the user out of this group (repeatable)
    #[arg(long = "remove-group", value_name = "GROUP")]
    remove_groups: Vec<String>,
    /// Grant this permission to the user directly (repeatable), e.g. blog.add_post
    #[arg(long = "grant", value_name = "PERM", value_parser = super::values::permission)]
    grant: Vec<Permission>,
    /// Revoke a permission granted to the user directly (repeatable); one held
    /// through a group stays until the user leaves the group
    #[arg(long = "revoke", value_name = "PERM", value_parser = super::values::permission)]
    revoke: Vec<Permission>,
    /// Require (true) or stop requiring (false) a password change before tokens
    #[arg(long, value_name = "BOOL", value_parser = super::values::boolean)]
    must_change_password: Option<bool>,
    /// When the account stops working: a date (from its start, UTC), an RFC 3339
    /// time, or never
    #[arg(long, value_name = "WHEN", value_parser = super::values::expiry_moment)]
    expires_at: Option<super::values::Expiry>,
    /// Lift a sign-in lock ([login]): forget the failed sign-ins
    #[arg(long)]
    unlock: bool,
    /// Allow deactivating, demoting or setting an expiry on the last lasting superuser (one that does not expire)
    #[arg(long)]
    force: bool,
}

pub fn run(ctx: &Context, args: Args) -> Result<(), CliError> {
    let changes = UserChanges {
        email: args.new_email,
        first_name: args.first_name,
        last_name: args.last_name,
        is_active: args.active,
        is_staff: args.staff,
        is_superuser: args.superuser,
        fields: args.fields.set,
        access: AccessChange {
            join: args.groups.groups,
            leave: args.remove_groups,
            grant: args.grant,
            revoke: args.revoke,
        },
        must_change_password: args.must_change_password,
        expires_at: args.expires_at.map(|e| e.0),
    };
    if changes.is_empty() && !args.unlock {
        return Err(CliError::usage(
            "nothing to change",
            "pass at least one of --email, --first-name, --last-name, --active, --staff, --superuser, --set NAME=VALUE, --group, --remove-group, --grant, --revoke, --must-change-password, --expires-at, --unlock",
        ));
    }
    let mut manager = ctx.manager()?;
    let mut email = args.email;
    if !changes.is_empty() {
        email = manager.update_user(&email, &changes, args.force)?.email;
    }
    if args.unlock {
        let had = manager.unlock(&email)?;
        let what = if had {
            "failed sign-ins forgotten, no lock left"
        } else {
            "it had no failed sign-ins"
        };
        status(ctx.json, &format!("Sign-in to {email} unlocked: {what}."));
    }
    let user = manager.get_user(&email)?;
    // `--revoke` takes back a direct grant only: say so when a group still gives it.
    let effective = manager.effective_permissions(&user)?;
    for p in changes.access.revoke.iter().filter(|p| effective.holds(p)) {
        warn(&format!(
            "{} still holds {p} (through a group, or as an active superuser): --revoke takes back only a direct grant",
            user.email
        ));
    }
    if ctx.json {
        return print_json(&ctx.user_json(&user));
    }
    status(false, &format!("User {} updated.", user.email));
    Ok(())
}
