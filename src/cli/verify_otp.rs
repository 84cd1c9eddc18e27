//! `userdb verify-otp EMAIL [CODE] [--purpose P]`: check and use up a code. Exit 0
//! when right; 1 when wrong, expired, used or locked (the message says which).

use std::io::BufRead;

use userdb::SecretString;
use userdb::otp::Purpose;

use super::context::Context;
use super::exit::CliError;
use super::output::{print_json, status};
use super::send_otp::parse_purpose;

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
    #[arg(long, default_value = "verify-email", value_parser = parse_purpose)]
    purpose: Purpose,
}

const HINT: &str = "give the code as an argument or pipe it with --code-stdin";

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
    let mut manager = ctx.manager()?;
    let codes = ctx.one_time_codes()?;
    let code = match (args.code, args.code_stdin) {
        (Some(code), _) => SecretString::from(code),
        (None, true) => read_stdin_code()?,
        (None, false) => {
            // Fail on an unknown address before asking for anything.
            manager.get_user(&args.email)?;
            ctx.prompter(HINT).password("Code")?
        }
    };
    let user = manager.verify_otp(&args.email, args.purpose, &code, &codes)?;
    if ctx.json {
        return print_json(&user);
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
