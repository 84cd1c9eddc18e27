//! `userdb update-user EMAIL`: change names, flags or the email address.

use userdb::UserChanges;

use super::context::Context;
use super::exit::CliError;
use super::field_input::FieldArgs;
use super::output::{print_json, status};

/// Change a user's names, flags or email
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
    /// Lift a sign-in lock ([login]): forget the failed sign-ins
    #[arg(long)]
    unlock: bool,
    /// Allow deactivating or demoting the last active superuser
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
    };
    if changes.is_empty() && !args.unlock {
        return Err(CliError::usage(
            "nothing to change",
            "pass at least one of --email, --first-name, --last-name, --active, --staff, --superuser, --set NAME=VALUE, --unlock",
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
    if ctx.json {
        return print_json(&ctx.user_json(&user));
    }
    status(false, &format!("User {} updated.", user.email));
    Ok(())
}
