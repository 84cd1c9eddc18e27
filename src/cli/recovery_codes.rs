//! `userdb recovery-codes EMAIL`: a new set of recovery codes, printed once;
//! the old set stops working. Exit 1 for a user without a confirmed TOTP.

use super::context::Context;
use super::exit::CliError;
use super::totp_codes::print_recovery_codes;

/// Make a new set of recovery codes (printed once); the old set stops working
///
/// For a user with a confirmed TOTP (exit 1 otherwise). Ten codes like XXXXX-XXXXX, each
/// signing in once in place of a TOTP code; with --json {"recovery_codes": [...]}.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The user's email address
    email: String,
}

pub fn run(ctx: &Context, args: Args) -> Result<(), CliError> {
    let mut manager = ctx.manager()?;
    let mfa = ctx.second_factor()?;
    let codes = manager.regenerate_recovery_codes(&args.email, &mfa)?;
    let user = manager.get_user(&args.email)?;
    print_recovery_codes(ctx, &user.email, &codes)
}
