//! `userdb verify-otp EMAIL [CODE] [--purpose P]`: check and use up a code. Exit 0
//! when right; 1 when wrong, expired, used or locked (the message says which).
//! `--issue-token` then prints a new token (with `--purpose login`: password-less
//! sign-in); `--purpose password-reset` with a new password resets it. A
//! `login` code of a user with a second factor asks for it too (the line after
//! the code with `--code-stdin`, `USERDB_SECOND_FACTOR`, or the prompt).

use std::io::BufRead;

use userdb::otp::Purpose;
use userdb::storage::Store;
use userdb::{
    Happened, NewPassword, Proof, SecretString, SignIn, SignInOutcome, User, UserManager,
};

use super::context::Context;
use super::exit::CliError;
use super::output::{print_json, status};
use super::password_input::{
    NewPasswordSource, ObtainedPassword, PasswordSource, ask_password_for, attributes,
};
use super::second_factor_input::{self as second, answered, warn_if_few_left};
use super::token_request::{TokenRequest, report_token};

/// Check a one-time code (and use it up); verify-email marks the address verified
#[derive(clap::Args, Debug)]
#[command(after_help = super::second_factor_input::HELP)]
pub struct Args {
    /// The user's email address
    email: String,

    /// The code; when absent it is read with --code-stdin or asked for (hidden)
    code: Option<String>,

    /// Read the code from the first line of standard input
    #[arg(long, conflicts_with_all = ["code", "password_stdin", "new_password_stdin"])]
    code_stdin: bool,

    /// What the code is for
    #[arg(long, default_value = "verify-email", value_parser = super::values::purpose())]
    purpose: Purpose,

    #[command(flatten)]
    token: TokenRequest,

    /// With --purpose verify-email: the registrant's password (asked for, hidden,
    /// on a terminal). The first verification of an address sets it and discards
    /// every earlier password, token and code; without one the account is left
    /// with no usable password
    #[command(flatten)]
    password: PasswordSource,

    #[command(flatten)]
    new_password: NewPasswordSource,
}

const HINT: &str = "give the code as an argument or pipe it with --code-stdin";
const PASSWORD_HINT: &str = "use --password-stdin, --password-file PATH or --password-env NAME";
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
    let reset = check_flags(&args)?;
    let mut manager = ctx.manager()?;
    let codes = ctx.one_time_codes()?;
    // The account as far as the manager may tell before the code: an unknown
    // address fails here, before anything is read or asked, unless its answers
    // are concealed (then nobody: what is read and asked is the same whoever
    // holds the address).
    let before = manager.sign_in_account(&args.email)?;
    let code = read_code(ctx, &args)?;
    let validation = args.new_password.validation();
    let password = registrant_password(ctx, &args, &manager, before.as_ref())?;
    let new_password = if reset {
        let read = args.new_password.read()?;
        Some(read.ok_or_else(|| CliError::usage("no new password was read", NEW_PASSWORD_HINT))?)
    } else {
        None
    };
    // Only a login code signs in with a second factor (resets neither ask for
    // it nor remove it): nothing else reads its line or the key.
    let login = args.purpose == Purpose::Login;
    let mfa = if login {
        ctx.second_factor_at_hand()?
    } else {
        None
    };
    let mut second_factor = if login {
        second::given(args.code_stdin)?
    } else {
        None
    };
    if login {
        second::ask_ahead(ctx, &manager, &args.email, mfa.as_ref(), &mut second_factor)?;
    }
    let ask = args.token.ask(ctx);
    let outcome = loop {
        let proof = match &new_password {
            Some(password) => Proof::ResetCode {
                code: &code,
                codes: &codes,
                new_password: NewPassword {
                    password,
                    validation,
                },
            },
            None => Proof::Code {
                purpose: args.purpose,
                code: &code,
                codes: &codes,
            },
        };
        let mut request = SignIn::new(&args.email, proof);
        if let Some(mfa) = &mfa {
            request = request.second_factor(mfa, second_factor.as_ref());
        }
        if let Some(p) = &password {
            request = request.first_password(NewPassword {
                password: &p.secret,
                validation: p.validation,
            });
        }
        if let Some(ask) = ask {
            request = request.issue_token(ask);
        }
        if let Some(outcome) = answered(
            ctx,
            manager.sign_in(request),
            mfa.as_ref(),
            &mut second_factor,
        )? {
            break outcome;
        }
    };
    warn_if_few_left(&outcome);
    word(ctx, &args, &outcome, ask.and_then(|a| a.lifetime))
}

/// The flags that do not go together; whether a new password resets.
fn check_flags(args: &Args) -> Result<bool, CliError> {
    let reset = args.purpose == Purpose::PasswordReset && args.new_password.given();
    if args.purpose != Purpose::PasswordReset && args.new_password.given() {
        return Err(CliError::usage(
            "a new password is only taken with --purpose password-reset",
            "add --purpose password-reset, or drop the --new-password option",
        ));
    }
    let password_given = args.password.password_stdin
        || args.password.password_file.is_some()
        || args.password.password_env.is_some();
    if args.purpose != Purpose::VerifyEmail && password_given {
        return Err(CliError::usage(
            "a password is only taken with --purpose verify-email (it becomes the account's \
             password at the address's first verification)",
            "drop the --password option; a reset takes --new-password-stdin, --new-password-file or --new-password-env",
        ));
    }
    if args.new_password.skip_validation && !args.new_password.given() && !password_given {
        return Err(CliError::usage(
            "--skip-validation applies to a password given, and none was",
            NEW_PASSWORD_HINT,
        ));
    }
    if args.purpose == Purpose::PasswordReset && args.token.issue_token {
        return Err(CliError::usage(
            "--issue-token does not go with --purpose password-reset",
            "reset the password first, then `userdb authenticate EMAIL --issue-token`",
        ));
    }
    Ok(reset)
}

/// The code: the argument, the first line of stdin, or a hidden prompt.
fn read_code(ctx: &Context, args: &Args) -> Result<SecretString, CliError> {
    match (&args.code, args.code_stdin) {
        (Some(code), _) => Ok(SecretString::from(code.clone())),
        (None, true) => read_stdin_code(),
        (None, false) => Ok(ctx.prompter(HINT).password("Code")?),
    }
}

/// The registrant's password, for the address's first verification: given, or
/// asked for on a terminal when someone set one at registration (it is
/// discarded either way; only the password given here survives). `before` is
/// the account as the manager lets it be known (nobody, when concealing).
fn registrant_password(
    ctx: &Context,
    args: &Args,
    manager: &UserManager<Store>,
    before: Option<&User>,
) -> Result<Option<ObtainedPassword>, CliError> {
    if let Some(secret) = args.password.read(None)? {
        return Ok(Some(ObtainedPassword {
            secret,
            generated: false,
            validation: args.new_password.validation(),
        }));
    }
    let ask = before.filter(|u| {
        args.purpose == Purpose::VerifyEmail
            && u.email_verified_at.is_none()
            && u.has_usable_password
            && ctx.interactive()
    });
    let Some(user) = ask else {
        return Ok(None);
    };
    let mut prompter = ctx.prompter(PASSWORD_HINT);
    prompter.say(
        "The first verification of this address sets its password: type the password \
         to sign in with (the one given at registration, or a new one).",
    );
    let who = attributes(&user.email, &user.first_name, &user.last_name);
    let obtained = ask_password_for(prompter.as_mut(), manager, &who, true, Some(3))?;
    Ok(Some(obtained))
}

/// Words what the sign-in did.
fn word(
    ctx: &Context,
    args: &Args,
    outcome: &SignInOutcome,
    lifetime: Option<std::time::Duration>,
) -> Result<(), CliError> {
    let user = &outcome.user;
    if let Happened::PasswordReset { revoked_tokens } = outcome.happened {
        if ctx.json {
            return print_json(&ctx.user_json(user));
        }
        let tokens = revoked_tokens.map_or(String::new(), |n| format!("; {n} token(s) revoked"));
        status(
            false,
            &format!(
                "Password of {} reset; the email address is verified{tokens}.",
                user.email
            ),
        );
        return Ok(());
    }
    if let Some(issued) = &outcome.token {
        status(
            ctx.json,
            &format!("The {} code for {} is right.", args.purpose, user.email),
        );
        warn_discarded(ctx, outcome);
        return report_token(ctx, issued, lifetime);
    }
    warn_discarded(ctx, outcome);
    if ctx.json {
        return print_json(&ctx.user_json(user));
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

/// Says so when a first verification without a password dropped the password
/// someone set at registration.
fn warn_discarded(ctx: &Context, outcome: &SignInOutcome) {
    if outcome.password_discarded {
        status(
            ctx.json,
            &format!(
                "warning: {email} has no usable password now: the one set at registration was \
                 discarded, as no password was given to this first verification; set one with \
                 `userdb changepassword {email}` or a password-reset code",
                email = outcome.user.email
            ),
        );
    }
}
