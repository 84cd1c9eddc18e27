//! `userdb verify-token`: is this token valid, and whose is it? The token comes
//! from `USERDB_TOKEN` or the first line of stdin, never from argv. Exit 0 and the
//! user's email (or `--json` object); exit 1 with the reason when it is not valid.

use std::io::{BufRead, IsTerminal, Read};

use serde::Serialize;
use userdb::terminal_text::escape;
use userdb::{SecretString, TokenInfo};
use zeroize::Zeroizing;

use super::access_args::{AccessJson, ShownUser};
use super::context::Context;
use super::exit::CliError;
use super::output::{print, print_json, status};
use super::password_input::env_value;

/// Check an API token (from stdin or USERDB_TOKEN) and print its user
#[derive(clap::Args, Debug)]
#[command(
    after_help = "The token is read from USERDB_TOKEN when it is set, else from the \
    first line of standard input (a hidden prompt on a terminal). Exit 0: valid; exit 1: \
    malformed, unknown, expired, revoked, its user is inactive, or (with --require) not \
    permitted (the reason is on stderr). A token without scopes carries its user's \
    permissions; a token with scopes only those of them its user still holds."
)]
pub struct Args {
    /// Also require this permission (repeatable): it must be among the token's
    /// scopes (if it has any) and held by its user now
    #[arg(long = "require", value_name = "PERM", value_parser = super::values::permission)]
    required: Vec<userdb::access::Permission>,
}

/// A token line longer than this is not a token; reading stops there.
const MAX_LINE: u64 = 1024;

const HINT: &str = "pipe the token on stdin (printf '%s\\n' \"$TOKEN\" | userdb verify-token) \
     or set USERDB_TOKEN";

/// `--json`: the user as `show-user --json` prints it, and the token (no secret).
#[derive(Serialize)]
struct Verified<'a> {
    #[serde(flatten)]
    user: ShownUser<'a>,
    token: TokenSummary<'a>,
}

#[derive(Serialize)]
struct TokenSummary<'a> {
    id: i64,
    name: &'a str,
    prefix: &'a str,
    #[serde(serialize_with = "userdb::clock::serde_timestamp::option::serialize")]
    expires_at: Option<jiff::Timestamp>,
    /// `null`: no scopes, the token carries its user's permissions.
    scopes: Option<&'a [String]>,
}

pub fn run(ctx: &Context, args: Args) -> Result<(), CliError> {
    let token = read_token(ctx)?;
    // A mistyped token is refused before the database is even opened.
    if let Err(e) = userdb::token::parse(&token) {
        return Err(userdb::Error::TokenRejected(userdb::Rejection::Malformed(e)).into());
    }
    let mut manager = ctx.reader()?;
    let (user, info) = manager.verify_token_for(&token, &args.required)?;
    if ctx.json {
        let active_tokens = manager.active_token_count(&user)?;
        return print_json(&Verified {
            user: ShownUser {
                user: ctx.user_json(&user),
                active_tokens,
                second_factor: manager.second_factor_status(&user)?.into(),
                access: AccessJson::of(&manager, &user)?,
            },
            token: summary(&info),
        });
    }
    status(
        false,
        &format!(
            "Valid token {} ({:?}) of {}.",
            info.id, info.name, user.email
        ),
    );
    print(&format!("{}\n", escape(&user.email)))
}

fn summary(info: &TokenInfo) -> TokenSummary<'_> {
    TokenSummary {
        id: info.id,
        name: &info.name,
        prefix: &info.prefix,
        expires_at: info.expires_at,
        scopes: info.scopes.as_deref(),
    }
}

/// `USERDB_TOKEN`, else stdin: a hidden prompt on a terminal, the first line of a
/// pipe or file otherwise.
fn read_token(ctx: &Context) -> Result<SecretString, CliError> {
    if let Some(token) = env_value("USERDB_TOKEN") {
        return Ok(SecretString::from(token.trim().to_string()));
    }
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        if !ctx.interactive() {
            return Err(CliError::needs_input("a token is needed", HINT));
        }
        let token = ctx.prompter(HINT).password("Token")?;
        return Ok(SecretString::from(
            userdb::ExposeSecret::expose_secret(&token)
                .trim()
                .to_string(),
        ));
    }
    let mut line = Zeroizing::new(Vec::new());
    stdin
        .lock()
        .take(MAX_LINE)
        .read_until(b'\n', &mut line)
        .map_err(|e| {
            CliError::usage(
                format!("cannot read the token from standard input: {e}"),
                "",
            )
        })?;
    // Invalid UTF-8 becomes replacement characters, which the format check rejects.
    let text = String::from_utf8_lossy(&line).trim().to_string();
    if text.is_empty() {
        return Err(CliError::usage("no token given", HINT));
    }
    Ok(SecretString::from(text))
}
