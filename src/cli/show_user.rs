//! `userdb show-user EMAIL`: every field of one user.

use super::access_args::{AccessJson, ShownUser};
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
    let manager = ctx.reader()?;
    let user = manager.get_user(&args.email)?;
    let active_tokens = manager.active_token_count(&user)?;
    let access = AccessJson::of(&manager, &user)?;
    let second_factor = manager.second_factor_status(&user)?;
    if ctx.json {
        print_json(&ShownUser {
            user: ctx.user_json(&user),
            active_tokens,
            second_factor: second_factor.into(),
            access,
        })
    } else {
        let mut extra = vec![
            ("active tokens", active_tokens.to_string()),
            ("2fa", second_factor.to_string()),
        ];
        extra.extend(access.rows(&user));
        print(&user_table(&user, &ctx.loaded.settings.fields, &extra))
    }
}
