//! `userdb delete-user EMAIL`: asks first on a terminal; scripts say `--yes`.

use super::context::Context;
use super::exit::CliError;
use super::output::{print_json, status};

/// Delete a user (and their tokens and codes)
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The user's email address
    email: String,
    /// Do not ask for confirmation
    #[arg(long, short = 'y')]
    yes: bool,
    /// Delete even the last lasting superuser (one that does not expire)
    #[arg(long)]
    force: bool,
}

pub fn run(ctx: &Context, args: Args) -> Result<(), CliError> {
    let mut manager = ctx.manager()?;
    let user = manager.get_user(&args.email)?;
    // The rail first: no point asking "are you sure?" to then refuse.
    if !args.force && manager.is_last_active_superuser(&user)? {
        return Err(userdb::Error::LastSuperuser(user.email).into());
    }
    if !args.yes {
        let mut prompter = ctx.prompter("pass --yes to delete without confirmation");
        let question = format!(
            "Delete user {} (id {})? This cannot be undone.",
            user.email, user.id
        );
        if !prompter.confirm(&question)? {
            return Err(CliError::Declined(format!("not deleted: {}", user.email)));
        }
    }
    let deleted = manager.delete_user(&user.email, args.force)?;
    if ctx.json {
        return print_json(&deleted);
    }
    status(false, &format!("User {} deleted.", deleted.email));
    Ok(())
}
