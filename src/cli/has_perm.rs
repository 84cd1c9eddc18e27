//! `userdb has-perm EMAIL PERM…`: Django's `has_perms` for scripts: exit 0 when
//! the user holds every permission named, 1 otherwise.

use serde::Serialize;
use userdb::access::Permission;

use super::access_args::AccessJson;
use super::context::Context;
use super::exit::CliError;
use super::output::{print_json, status};

/// Check that a user holds permissions (exit 0 yes, 1 no)
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Django's semantics: an active superuser holds every permission, an \
    inactive user none, anyone else those granted directly (update-user --grant) or by a \
    group. With no PERM it only shows what the user holds. --json prints the user's \
    effective permissions."
)]
pub struct Args {
    /// The user's email address
    email: String,
    /// The permissions to check, app_label.codename
    #[arg(value_name = "PERM", value_parser = super::values::permission)]
    required: Vec<Permission>,
}

#[derive(Serialize)]
struct Answer<'a> {
    email: &'a str,
    is_active: bool,
    is_superuser: bool,
    has_perms: bool,
    required: &'a [Permission],
    missing: &'a [Permission],
    #[serde(flatten)]
    access: AccessJson,
}

pub fn run(ctx: &Context, args: Args) -> Result<(), CliError> {
    let manager = ctx.reader()?;
    let check = manager.has_perms(&args.email, &args.required)?;
    let user = &check.user;
    if ctx.json {
        print_json(&Answer {
            email: &user.email,
            is_active: user.is_active,
            is_superuser: user.is_superuser,
            has_perms: check.missing.is_empty(),
            required: &args.required,
            missing: &check.missing,
            access: AccessJson::of(&manager, user)?,
        })?;
    }
    if check.missing.is_empty() {
        let what = if args.required.is_empty() {
            match (check.effective.all, check.effective.permissions.is_empty()) {
                (true, _) => "every permission (active superuser)".to_string(),
                (false, true) => "no permission".to_string(),
                (false, false) => check.effective.permissions.join(", "),
            }
        } else {
            let names: Vec<&str> = args.required.iter().map(Permission::as_str).collect();
            names.join(", ")
        };
        status(ctx.json, &format!("{} holds {what}.", user.email));
        return Ok(());
    }
    let missing: Vec<&str> = check.missing.iter().map(Permission::as_str).collect();
    let why = if user.is_active {
        ""
    } else {
        " (the user is inactive)"
    };
    Err(CliError::Declined(format!(
        "{} does not hold {}{why}",
        user.email,
        missing.join(", ")
    )))
}
