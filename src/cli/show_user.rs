//! `userdb show-user EMAIL`: every field of one user.

use super::context::Context;
use super::exit::CliError;
use super::output::{print, print_json, user_table};

/// Show one user's fields
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The user's email address (any case)
    email: String,
}

pub fn run(ctx: &Context, args: Args) -> Result<(), CliError> {
    let user = ctx.manager()?.get_user(&args.email)?;
    if ctx.json {
        print_json(&user)
    } else {
        print(&user_table(&user))
    }
}
