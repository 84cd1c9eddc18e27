//! `userdb authenticate EMAIL [--issue-token]`: check a password. Exit 0 when
//! right; 1 when wrong, unusable, the user is inactive, or (with `[registration]
//! verification = mandatory`) the address is not verified. Records the login and
//! upgrades old hashes; `--issue-token` then prints a new token (DRF's
//! `obtain_auth_token`). A user with a second factor gives it too (see
//! `second_factor_input`): exit 9 when it is needed and was not given.

use userdb::{Proof, SignIn};

use super::context::Context;
use super::exit::CliError;
use super::output::{print_json, status, warn};
use super::password_input::PasswordSource;
use super::second_factor_input::{self as second, answered, warn_if_few_left};
use super::token_request::{TokenRequest, report_token};

/// Check a user's password (from a prompt or a non-argv source)
#[derive(clap::Args, Debug)]
#[command(after_help = super::second_factor_input::HELP)]
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
            // An unknown address fails before anything is asked, unless the
            // manager's answers must not say so.
            manager.sign_in_account(&args.email)?;
            ctx.prompter(HINT).password("Password")?
        }
    };
    let mfa = ctx.second_factor_at_hand()?;
    let mut code = second::given(args.password.password_stdin)?;
    second::ask_ahead(ctx, &manager, &args.email, mfa.as_ref(), &mut code)?;
    let ask = args.token.ask(ctx);
    let outcome = loop {
        let mut request = SignIn::new(&args.email, Proof::Password(&password));
        if let Some(mfa) = &mfa {
            request = request.second_factor(mfa, code.as_ref());
        }
        if let Some(ask) = ask {
            request = request.issue_token(ask);
        }
        if let Some(outcome) = answered(ctx, manager.sign_in(request), mfa.as_ref(), &mut code)? {
            break outcome;
        }
    };
    warn_if_few_left(&outcome);
    let user = &outcome.user;
    if let (Some(issued), Some(ask)) = (&outcome.token, ask) {
        status(ctx.json, &format!("Authenticated {}.", user.email));
        return report_token(ctx, issued, ask.lifetime);
    }
    if user.must_change_password {
        warn(&format!(
            "{} must change this password before a token is issued: `userdb changepassword {}`",
            user.email, user.email
        ));
    }
    if ctx.json {
        return print_json(&ctx.user_json(user));
    }
    status(false, &format!("Authenticated {}.", user.email));
    Ok(())
}
