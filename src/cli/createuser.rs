//! `userdb createuser EMAIL`: Django's `create_user` from the command line.

use userdb::{Error, NewUser};

use super::access_args::GroupArgs;
use super::context::Context;
use super::exit::CliError;
use super::field_input::FieldArgs;
use super::lifecycle_args::LifecycleArgs;
use super::password_input::{
    NEW_PASSWORD_HINT, NameArgs, NewPasswordArgs, ObtainedPassword, attributes, new_user_password,
};
use super::user_outcome::{report_created, report_existing};

/// Create a user (password from a prompt or a non-argv source)
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The email address: the login
    email: String,

    #[command(flatten)]
    names: NameArgs,

    /// Make the user staff (may use the admin)
    #[arg(long)]
    staff: bool,

    /// Create the user inactive (cannot authenticate)
    #[arg(long)]
    inactive: bool,

    #[command(flatten)]
    fields: FieldArgs,

    #[command(flatten)]
    groups: GroupArgs,

    #[command(flatten)]
    lifecycle: LifecycleArgs,

    #[command(flatten)]
    password: NewPasswordArgs,

    /// Give the user an unusable password (they cannot log in with one)
    #[arg(long, conflicts_with_all = ["password_stdin", "password_file", "password_env", "generate_password"])]
    no_password: bool,

    /// Exit 0 without change if the user already exists
    #[arg(long)]
    if_not_exists: bool,
}

pub fn run(ctx: &Context, args: Args) -> Result<(), CliError> {
    let mut manager = ctx.manager()?;
    if args.if_not_exists
        && let Some(user) = manager.find_user(&args.email)?
    {
        args.password.source.discard();
        return report_existing(ctx, &user);
    }
    let email = userdb::email_address::parse_email(&args.email).map_err(Error::from)?;
    let new = NewUser {
        email: email.clone(),
        first_name: args.names.first_name.clone(),
        last_name: args.names.last_name.clone(),
        is_active: Some(!args.inactive),
        is_staff: Some(args.staff),
        is_superuser: Some(false),
        fields: args.fields.set.clone(),
        groups: args.groups.groups.clone(),
        must_change_password: args.lifecycle.must_change_password,
        expires_at: args.lifecycle.expires_at(),
    };
    let password = if args.no_password {
        None
    } else {
        let mut prompter = ctx.prompter(NEW_PASSWORD_HINT);
        let who = attributes(&email, &args.names.first_name, &args.names.last_name);
        new_user_password(
            &args.password,
            Some("USERDB_PASSWORD"),
            prompter.as_mut(),
            &manager,
            &who,
            || {
                // Ask only once the address is known to be free, and the
                // custom fields (demanded, not asked) and groups are right.
                if let Some(stored) = manager.find_user(&email)? {
                    return Err(Error::user_exists(&email, &stored.email).into());
                }
                manager.check_new_user_fields(&new.fields)?;
                manager.check_groups(&new.groups)?;
                Ok(true)
            },
        )?
    };
    let (secret, validation) = ObtainedPassword::parts(&password);
    let created = manager.create_user(new, secret, validation);
    let user = match created {
        Err(Error::UserExists(_)) if args.if_not_exists => {
            // Created by a concurrent command since we looked.
            let user = manager.get_user(&args.email)?;
            return report_existing(ctx, &user);
        }
        other => other?,
    };
    report_created(ctx, &user, ObtainedPassword::generated(&password), "User")
}
