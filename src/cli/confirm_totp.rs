//! `userdb confirm-totp EMAIL`: completes a pending TOTP enrolment with a code
//! from the new authenticator (asked for, hidden, on a terminal; else the first
//! line of stdin) and prints the recovery codes once. Exit 1 when the code is
//! wrong or no enrolment waits. The code reader and the recovery codes'
//! printer live in `totp_codes.rs`, shared with the other second-factor commands.

use super::context::Context;
use super::exit::CliError;
use super::output::status;
use super::totp_codes::{print_recovery_codes, read_code};

/// Activate a pending TOTP enrolment with a code from the authenticator
///
/// The code is asked for (hidden) on a terminal, else read from the first line of standard
/// input; never from argv. The recovery codes are printed once: a list, or with --json
/// {"recovery_codes": [...]}. Exit 1 when the code is wrong or no enrolment is pending.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The user's email address
    email: String,
}

const HINT: &str = "pipe the code from the authenticator on standard input, e.g. \
                    `echo 123456 | userdb confirm-totp EMAIL`";

pub fn run(ctx: &Context, args: Args) -> Result<(), CliError> {
    let mut manager = ctx.manager()?;
    let mfa = ctx.second_factor()?;
    // An unknown address fails before anything is read.
    let user = manager.get_user(&args.email)?;
    let code = read_code(ctx, "Code from the authenticator", HINT)?;
    let codes = manager.confirm_totp(&user.email, &code, &mfa)?;
    status(
        ctx.json,
        &format!(
            "TOTP of {} confirmed: every sign-in now asks for a code from this authenticator.",
            user.email
        ),
    );
    print_recovery_codes(ctx, &user.email, &codes)
}
