//! `userdb reset-password EMAIL`: set a new password with an operator's reset
//! token. The token comes from `USERDB_RESET_TOKEN`, `--token-stdin` or a hidden
//! prompt, never argv; the new password from a `--new-password-*` source or a
//! prompt, twice.

use std::io::{BufRead, Read};

use userdb::{ExposeSecret, Happened, NewPassword, Proof, SecretString, SignIn};
use zeroize::Zeroizing;

use super::context::Context;
use super::exit::CliError;
use super::output::{print_json, status};
use super::password_input::{NewPasswordSource, ask_password_for, attributes, env_value};

/// Set a new password with a reset token from `create-reset-token`
#[derive(clap::Args, Debug)]
#[command(
    after_help = "The token is read from USERDB_RESET_TOKEN when it is set, else from the \
    first line of standard input with --token-stdin, else asked for (hidden) on a terminal; \
    never from an argument. Exit 1 when the token is wrong, used, expired, replaced by a \
    newer one, or older than the last change of the password or the email address, or the \
    user is inactive or expired (the message says which; with [registration] \
    conceal_accounts one answer for all, and for an unknown address)."
)]
pub struct Args {
    /// The user's email address
    email: String,
    /// Read the token from the first line of standard input
    #[arg(long, conflicts_with = "new_password_stdin")]
    token_stdin: bool,
    #[command(flatten)]
    new_password: NewPasswordSource,
}

const HINT: &str = "set USERDB_RESET_TOKEN, or pipe the token with --token-stdin";
const PASSWORD_HINT: &str =
    "use --new-password-stdin, --new-password-file PATH or --new-password-env NAME";

pub fn run(ctx: &Context, args: Args) -> Result<(), CliError> {
    let mut manager = ctx.manager()?;
    // An unknown address fails before anything is read or asked, unless the
    // manager's answers must not say so: then the token is read and checked as
    // anyone's, and the manager gives its one answer.
    manager.sign_in_account(&args.email)?;
    let token = read_token(ctx, &args)?;
    // A dead token fails before a new password is asked for.
    let user = manager.check_reset_token(&args.email, &token)?;
    let (password, validation) = match args.new_password.read()? {
        Some(p) => (p, args.new_password.validation()),
        None if ctx.interactive() => {
            let mut prompter = ctx.prompter(PASSWORD_HINT);
            let who = attributes(&user.email, &user.first_name, &user.last_name);
            let obtained = ask_password_for(
                prompter.as_mut(),
                &manager,
                &who,
                args.new_password.skip_validation,
                Some(3),
            )?;
            (obtained.secret, obtained.validation)
        }
        None => {
            return Err(CliError::needs_input(
                "a new password is needed",
                PASSWORD_HINT,
            ));
        }
    };
    let new_password = NewPassword {
        password: &password,
        validation,
    };
    let proof = Proof::ResetToken {
        token: &token,
        new_password,
    };
    let outcome = manager.sign_in(SignIn::new(&user.email, proof))?;
    let user = outcome.user;
    if ctx.json {
        return print_json(&ctx.user_json(&user));
    }
    let tokens = match outcome.happened {
        Happened::PasswordReset {
            revoked_tokens: Some(_),
        } => "; its API tokens are revoked",
        _ => "",
    };
    status(false, &format!("Password of {} reset{tokens}.", user.email));
    Ok(())
}

fn read_token(ctx: &Context, args: &Args) -> Result<SecretString, CliError> {
    if let Some(token) = env_value("USERDB_RESET_TOKEN") {
        return Ok(SecretString::from(token.trim().to_string()));
    }
    if args.token_stdin {
        // Bounded: an endless stdin is not a token (a token is 43 characters).
        let mut line = Zeroizing::new(String::new());
        std::io::stdin()
            .lock()
            .take(1024)
            .read_line(&mut line)
            .map_err(|e| CliError::usage(format!("cannot read the token: {e}"), HINT))?;
        if line.trim().is_empty() {
            return Err(CliError::usage(
                "--token-stdin was given but standard input is empty",
                HINT,
            ));
        }
        return Ok(SecretString::from(line.trim().to_string()));
    }
    if !ctx.interactive() {
        return Err(CliError::needs_input("a reset token is needed", HINT));
    }
    let token = ctx.prompter(HINT).password("Reset token")?;
    Ok(SecretString::from(token.expose_secret().trim().to_string()))
}
