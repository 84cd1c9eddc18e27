//! `userdb authenticate EMAIL [--issue-token]`: check a password. Exit 0 when
//! right; 1 when wrong, unusable, the user is inactive, or (with `[registration]
//! verification = mandatory`) the address is not verified. Records the login and
//! upgrades old hashes; `--issue-token` then prints a new token (DRF's
//! `obtain_auth_token`).

use super::context::Context;
use super::exit::CliError;
use super::output::{print_json, status, warn};
use super::password_input::PasswordSource;
use super::token_request::{Lifetime, TokenRequest, report_token};

/// Check a user's password (from a prompt or a non-argv source)
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The user's email address
    email: String,

    #[command(flatten)]
    password: PasswordSource,

    #[command(flatten)]
    token: TokenRequest,
}

const HINT: &str = "use --password-stdin, --password-file, --password-env NAME or USERDB_PASSWORD";

pub fn run(ctx: &Context, args: Args) -> Result<(), CliError> {
    let mut manager = ctx.manager()?;
    let password = match args.password.read(Some("USERDB_PASSWORD"))? {
        Some(p) => p,
        None => {
            // Fail on an unknown address before asking for anything (unless
            // the answer must not say so).
            if !ctx.conceals_accounts() {
                manager.get_user(&args.email)?;
            }
            ctx.prompter(HINT).password("Password")?
        }
    };
    if args.token.issue_token {
        let lifetime = Lifetime::or_default(args.token.expires, ctx);
        let (user, issued) = manager.authenticate_and_issue_token(
            &args.email,
            &password,
            args.token.token_name.as_deref(),
            lifetime,
        )?;
        status(ctx.json, &format!("Authenticated {}.", user.email));
        return report_token(ctx, &issued, lifetime);
    }
    let user = manager.authenticate(&args.email, &password)?;
    if user.must_change_password {
        warn(&format!(
            "{} must change this password before a token is issued: `userdb changepassword {}`",
            user.email, user.email
        ));
    }
    if ctx.json {
        return print_json(&ctx.user_json(&user));
    }
    status(false, &format!("Authenticated {}.", user.email));
    Ok(())
}
