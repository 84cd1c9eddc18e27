//! `userdb confirm-totp EMAIL`: completes a pending TOTP enrolment with a code
//! from the new authenticator (asked for, hidden, on a terminal; else the first
//! line of stdin) and prints the recovery codes once. Exit 1 when the code is
//! wrong or no enrolment waits. Also the code reader and the recovery codes'
//! printer the other second-factor commands share.

use std::io::IsTerminal;

use serde::Serialize;
use userdb::{ExposeSecret, SecretString};

use super::context::Context;
use super::exit::CliError;
use super::output::{print, print_json, status};
use super::password_line::{LineError, read_password_line};

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

/// A code (never from argv): asked for, hidden, on a terminal, else the first
/// line of stdin. `--no-input` with stdin on a terminal is an error naming `hint`.
pub fn read_code(ctx: &Context, prompt: &str, hint: &str) -> Result<SecretString, CliError> {
    if ctx.interactive() || std::io::stdin().is_terminal() {
        return ctx.prompter(hint).password(prompt);
    }
    let line = read_password_line(std::io::stdin().lock()).map_err(|e| match e {
        LineError::TooLong => CliError::usage("the code on standard input is far too long", hint),
        LineError::Io(e) => {
            CliError::usage(format!("cannot read the code from standard input: {e}"), "")
        }
    })?;
    match line.filter(|l| !l.trim().is_empty()) {
        Some(line) => Ok(SecretString::from(line.trim().to_string())),
        None => Err(CliError::usage("no code on standard input", hint)),
    }
}

#[derive(Serialize)]
struct RecoveryCodes<'a> {
    recovery_codes: Vec<&'a str>,
}

/// A new set of recovery codes, shown this once: a list on stdout (the words
/// around it on stderr), or `{"recovery_codes": [...]}` with `--json`.
pub fn print_recovery_codes(
    ctx: &Context,
    email: &str,
    codes: &[SecretString],
) -> Result<(), CliError> {
    let shown: Vec<&str> = codes.iter().map(|c| c.expose_secret()).collect();
    if ctx.json {
        return print_json(&RecoveryCodes {
            recovery_codes: shown,
        });
    }
    status(
        false,
        &format!(
            "Recovery codes for {email}, shown this once: each signs in once in place of a \
             TOTP code. Keep them apart from the authenticator; `userdb recovery-codes {email}` \
             makes a new set."
        ),
    );
    let mut list = String::new();
    for code in shown {
        list.push_str(code);
        list.push('\n');
    }
    print(&list)
}
