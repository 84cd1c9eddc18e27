//! `userdb issue-token EMAIL`: a new API token, printed once on stdout.

use jiff::Timestamp;
use serde::Serialize;
use userdb::token::TokenState;
use userdb::{Error, TokenInfo};

use super::context::Context;
use super::exit::CliError;
use super::output::{human_time, print_json, status};
use super::token_request::{Lifetime, parse_lifetime, report_token};

/// Issue an API token to a user (printed once, alone on a line)
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The user's email address
    email: String,
    /// A name for the token, unique among the user's tokens [default: token-N]
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
    /// How long the token is valid: 30d, 12h, 90m, 3600 (seconds) or never
    /// [default: [token] default_expiry, 90d unless configured]
    #[arg(long, value_name = "DURATION", value_parser = parse_lifetime)]
    expires: Option<Lifetime>,
    /// Limit the token to this permission (repeatable); the user must hold it.
    /// Without --scope the token carries whatever the user holds at each use
    #[arg(long = "scope", value_name = "PERM", value_parser = super::values::permission)]
    scopes: Vec<userdb::access::Permission>,
    /// Exit 0 and print nothing on stdout if the user already has a token of this --name that is not revoked (a re-run of a provisioning script: the token was shown once, the first time)
    #[arg(long, requires = "name")]
    if_not_exists: bool,
}

pub fn run(ctx: &Context, args: Args) -> Result<(), CliError> {
    let lifetime = Lifetime::or_default(args.expires, ctx);
    let mut manager = ctx.manager()?;
    let existing = |manager: &userdb::UserManager<_>| -> Result<Option<TokenInfo>, CliError> {
        match (&args.name, args.if_not_exists) {
            (Some(name), true) => Ok(manager.token_named(&args.email, name)?),
            _ => Ok(None),
        }
    };
    if let Some(info) = existing(&manager)? {
        return report_existing(ctx, &info, manager.now());
    }
    let issued =
        match manager.issue_scoped_token(&args.email, args.name.as_deref(), lifetime, &args.scopes)
        {
            // Issued by a concurrent command since we looked.
            Err(taken @ Error::TokenNameTaken { .. }) if args.if_not_exists => {
                return match existing(&manager)? {
                    Some(info) => report_existing(ctx, &info, manager.now()),
                    None => Err(taken.into()),
                };
            }
            other => other?,
        };
    report_token(ctx, &issued, lifetime)
}

/// `--json` of a token `--if-not-exists` found: what identifies it, never a
/// secret (it was shown once, when it was issued).
#[derive(Serialize)]
struct Existing<'a> {
    #[serde(flatten)]
    info: &'a TokenInfo,
    created: bool,
}

/// A token `--if-not-exists` found: nothing on stdout (a script's `TOKEN=$(…)`
/// gets nothing rather than a token it could mistake for a new one), a status
/// line on stderr saying where it stands.
fn report_existing(ctx: &Context, info: &TokenInfo, now: Timestamp) -> Result<(), CliError> {
    if ctx.json {
        print_json(&Existing {
            info,
            created: false,
        })?;
    }
    let state = match info.state(now) {
        TokenState::Active => String::new(),
        TokenState::Expired => format!(
            " (it expired {}; revoke it and issue another)",
            human_time(info.expires_at)
        ),
        // Not found by --if-not-exists: a revoked token gives its name up.
        TokenState::Revoked => String::new(),
    };
    status(
        ctx.json,
        &format!(
            "Token {} ({:?}) of {} already exists; nothing issued{state}.",
            info.id, info.name, info.user
        ),
    );
    Ok(())
}
