//! `userdb verify-otp EMAIL [CODE] [--purpose P]`: check and use up a code. Exit 0
//! when right; 1 when wrong, expired, used or locked (the message says which).
//! `--issue-token` then prints a new token (with `--purpose login`: password-less
//! sign-in); `--purpose password-reset` with a new password resets it.

use std::io::BufRead;
use std::path::PathBuf;

use userdb::SecretString;
use userdb::otp::Purpose;

use super::context::Context;
use super::exit::CliError;
use super::issue_token::{self, Lifetime};
use super::output::{print_json, status};
use super::password_input::PasswordSource;
use super::token_request::TokenRequest;

/// Check a one-time code (and use it up); verify-email marks the address verified
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The user's email address
    email: String,

    /// The code; when absent it is read with --code-stdin or asked for (hidden)
    code: Option<String>,

    /// Read the code from the first line of standard input
    #[arg(long, conflicts_with = "code")]
    code_stdin: bool,

    /// What the code is for
    #[arg(long, default_value = "verify-email", value_parser = super::values::purpose())]
    purpose: Purpose,

    #[command(flatten)]
    token: TokenRequest,

    #[command(flatten)]
    new_password: NewPasswordSource,
}

/// Where the new password of a reset comes from (never argv). Without one, a
/// password-reset code is only checked (the application decides what follows).
#[derive(clap::Args, Debug, Default)]
struct NewPasswordSource {
    /// With --purpose password-reset: read the new password from the first line of
    /// standard input
    #[arg(long, conflicts_with_all = ["code_stdin", "new_password_file", "new_password_env"])]
    new_password_stdin: bool,

    /// With --purpose password-reset: read the new password from the first line of
    /// a file
    #[arg(long, value_name = "PATH", conflicts_with = "new_password_env")]
    new_password_file: Option<PathBuf>,

    /// With --purpose password-reset: read the new password from the environment
    /// variable NAME
    #[arg(long, value_name = "NAME")]
    new_password_env: Option<String>,

    /// With --purpose password-reset: accept a new password that fails the
    /// validators
    #[arg(long)]
    skip_validation: bool,
}

impl NewPasswordSource {
    /// A source was named: the code resets the password.
    fn given(&self) -> bool {
        self.new_password_stdin
            || self.new_password_file.is_some()
            || self.new_password_env.is_some()
    }

    /// The same readers as every other password source.
    fn read(&self) -> Result<Option<SecretString>, CliError> {
        PasswordSource {
            password_stdin: self.new_password_stdin,
            password_file: self.new_password_file.clone(),
            password_env: self.new_password_env.clone(),
        }
        .read(None)
    }
}

const HINT: &str = "give the code as an argument or pipe it with --code-stdin";
const NEW_PASSWORD_HINT: &str =
    "use --new-password-stdin, --new-password-file PATH or --new-password-env NAME";

fn read_stdin_code() -> Result<SecretString, CliError> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).map_err(|e| {
        CliError::usage(format!("cannot read the code from standard input: {e}"), "")
    })?;
    if line.trim().is_empty() {
        return Err(CliError::usage(
            "--code-stdin was given but standard input is empty",
            "pipe the code in, e.g. `echo 123456 | userdb verify-otp EMAIL --code-stdin`",
        ));
    }
    Ok(SecretString::from(line.trim().to_string()))
}

pub fn run(ctx: &Context, args: Args) -> Result<(), CliError> {
    // Without a new password a password-reset code is only checked, as before.
    let reset = args.purpose == Purpose::PasswordReset && args.new_password.given();
    if args.purpose != Purpose::PasswordReset && args.new_password.given() {
        return Err(CliError::usage(
            "a new password is only taken with --purpose password-reset",
            "add --purpose password-reset, or drop the --new-password option",
        ));
    }
    if args.new_password.skip_validation && !args.new_password.given() {
        return Err(CliError::usage(
            "--skip-validation applies to a new password, and none was given",
            NEW_PASSWORD_HINT,
        ));
    }
    if args.purpose == Purpose::PasswordReset && args.token.issue_token {
        return Err(CliError::usage(
            "--issue-token does not go with --purpose password-reset",
            "reset the password first, then `userdb authenticate EMAIL --issue-token`",
        ));
    }
    let mut manager = ctx.manager()?;
    let codes = ctx.one_time_codes()?;
    // Fail on an unknown address before reading or asking for anything.
    let user = manager.get_user(&args.email)?;
    let code = match (args.code, args.code_stdin) {
        (Some(code), _) => SecretString::from(code),
        (None, true) => read_stdin_code()?,
        (None, false) => ctx.prompter(HINT).password("Code")?,
    };
    if reset {
        let password = args
            .new_password
            .read()?
            .ok_or_else(|| CliError::usage("no new password was read", NEW_PASSWORD_HINT))?;
        let validation = validation(args.new_password.skip_validation);
        let revoke = ctx.loaded.settings.registration.reset_revokes_tokens;
        let (user, revoked) = manager.reset_password_with_code(
            &user.email,
            &code,
            &codes,
            &password,
            validation,
            revoke,
        )?;
        if ctx.json {
            return print_json(&ctx.user_json(&user));
        }
        let tokens = if revoke {
            format!("; {revoked} token(s) revoked")
        } else {
            String::new()
        };
        status(
            false,
            &format!(
                "Password of {} reset; the email address is verified{tokens}.",
                user.email
            ),
        );
        return Ok(());
    }
    if args.token.issue_token {
        let lifetime = Lifetime::or_default(args.token.expires, ctx);
        let (user, issued) = manager.verify_otp_and_issue_token(
            &user.email,
            args.purpose,
            &code,
            &codes,
            args.token.token_name.as_deref(),
            lifetime,
        )?;
        status(
            ctx.json,
            &format!("The {} code for {} is right.", args.purpose, user.email),
        );
        return issue_token::report(ctx, &issued, lifetime);
    }
    let user = manager.verify_otp(&user.email, args.purpose, &code, &codes)?;
    if ctx.json {
        return print_json(&ctx.user_json(&user));
    }
    let extra = if args.purpose == Purpose::VerifyEmail {
        "; the email address is verified"
    } else {
        ""
    };
    status(
        false,
        &format!(
            "The {} code for {} is right{extra}.",
            args.purpose, user.email
        ),
    );
    Ok(())
}

fn validation(skip: bool) -> userdb::Validation {
    if skip {
        userdb::Validation::Skip
    } else {
        userdb::Validation::Enforce
    }
}
