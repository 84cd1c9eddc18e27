//! `userdb list-tokens [EMAIL]`: tokens as a table or `--json`; never a secret.

use super::context::Context;
use super::exit::CliError;
use super::output::{print, print_json, status, tokens_table};

/// List API tokens (of one user, or of everyone)
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Only this user's tokens
    email: Option<String>,
}

pub fn run(ctx: &Context, args: Args) -> Result<(), CliError> {
    let manager = ctx.reader()?;
    let tokens = manager.list_tokens(args.email.as_deref())?;
    if ctx.json {
        print_json(&tokens)
    } else if tokens.is_empty() {
        status(false, "No tokens.");
        Ok(())
    } else {
        print(&tokens_table(&tokens, ctx.clock()?.now()))
    }
}
