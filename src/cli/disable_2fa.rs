//! `userdb disable-2fa EMAIL --reason TEXT [--keep-tokens]`: the operator's
//! reset of a user's second factor, in one audited transaction.

use serde::Serialize;
use userdb::TokenInfo;

use super::context::Context;
use super::exit::CliError;
use super::output::{print_json, status};

/// Remove a user's second factor: the operator's 2FA reset (audited)
///
/// In one transaction: the TOTP secret, any pending enrolment and the recovery codes go and,
/// unless --keep-tokens, the user's API tokens are revoked. The reason and who ran the command
/// go into the audit log.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The user's email address
    email: String,

    /// Why (required; written to the audit log with who ran the command)
    #[arg(long, value_name = "TEXT")]
    reason: String,

    /// Leave the user's API tokens working (by default they are revoked: whoever
    /// lost the authenticator may have lost the tokens with it)
    #[arg(long)]
    keep_tokens: bool,
}

#[derive(Serialize)]
struct Disabled<'a> {
    email: &'a str,
    /// A confirmed secret or a pending enrolment was removed.
    totp_removed: bool,
    recovery_codes_removed: u64,
    revoked_tokens: &'a [TokenInfo],
}

pub fn run(ctx: &Context, args: Args) -> Result<(), CliError> {
    let mut manager = ctx.manager()?;
    let removed = manager.disable_second_factor(&args.email, &args.reason, args.keep_tokens)?;
    let user = manager.get_user(&args.email)?;
    if ctx.json {
        return print_json(&Disabled {
            email: &user.email,
            totp_removed: removed.totp,
            recovery_codes_removed: removed.recovery_codes,
            revoked_tokens: &removed.revoked_tokens,
        });
    }
    let what = if removed.totp {
        format!(
            "Second factor of {} removed (the TOTP secret and {} recovery code(s))",
            user.email, removed.recovery_codes
        )
    } else {
        format!("{} had no second factor", user.email)
    };
    let tokens = if args.keep_tokens {
        "tokens kept".to_string()
    } else {
        format!("{} token(s) revoked", removed.revoked_tokens.len())
    };
    status(
        false,
        &format!("{what}; {tokens}. Audited with the reason."),
    );
    Ok(())
}
