//! What the second-factor commands share: reading a code from the new
//! authenticator (never from argv) and printing a new set of recovery codes
//! once.

use std::io::IsTerminal;

use serde::Serialize;
use userdb::{ExposeSecret, SecretString};

use super::context::Context;
use super::exit::CliError;
use super::output::{print, print_json, status};
use super::password_line::{LineError, read_password_line};

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
