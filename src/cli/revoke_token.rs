//! `userdb revoke-token ID` or `revoke-token --all EMAIL`. Revoking a token that is
//! already revoked changes nothing, says so, and exits 0 (the wanted state holds).

use serde::Serialize;
use userdb::{Revoked, TokenInfo};

use super::context::Context;
use super::exit::CliError;
use super::output::{human_time, print_json, status};

/// Revoke an API token by id, or every token of a user
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The token's id, as `userdb list-tokens` shows it
    #[arg(required_unless_present = "all", conflicts_with = "all", value_parser = super::values::token_id)]
    id: Option<i64>,
    /// Revoke every token of this user instead
    #[arg(long, value_name = "EMAIL")]
    all: Option<String>,
}

#[derive(Serialize)]
struct One<'a> {
    #[serde(flatten)]
    token: &'a TokenInfo,
    already_revoked: bool,
}

#[derive(Serialize)]
struct All<'a> {
    user: &'a str,
    revoked: &'a [TokenInfo],
}

pub fn run(ctx: &Context, args: Args) -> Result<(), CliError> {
    let mut manager = ctx.manager()?;
    if let Some(email) = args.all {
        let (user, revoked) = manager.revoke_all_tokens(&email)?;
        if ctx.json {
            return print_json(&All {
                user: &user.email,
                revoked: &revoked,
            });
        }
        let line = match revoked.len() {
            0 => format!("{} has no tokens to revoke.", user.email),
            1 => format!("Revoked 1 token of {}.", user.email),
            n => format!("Revoked {n} tokens of {}.", user.email),
        };
        status(false, &line);
        return Ok(());
    }
    let Some(id) = args.id else {
        return Err(CliError::usage("give a token id or --all EMAIL", ""));
    };
    let (token, already) = match manager.revoke_token(id)? {
        Revoked::Now(token) => (token, false),
        Revoked::Already(token) => (token, true),
    };
    if ctx.json {
        return print_json(&One {
            token: &token,
            already_revoked: already,
        });
    }
    if already {
        status(
            false,
            &format!(
                "Token {} ({:?}) of {} was already revoked at {}; nothing changed.",
                token.id,
                token.name,
                token.user,
                human_time(token.revoked_at)
            ),
        );
    } else {
        status(
            false,
            &format!(
                "Token {} ({:?}) of {} revoked.",
                token.id, token.name, token.user
            ),
        );
    }
    Ok(())
}
