//! `userdb issue-token EMAIL`: a new API token, printed once on stdout.

use std::time::Duration;

use serde::Serialize;
use userdb::ExposeSecret;
use userdb::duration::{format_duration, parse_duration};

use super::context::Context;
use super::exit::CliError;
use super::output::{human_time, print, print_json, status};

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
}

/// A parsed `--expires`: `None` is `never`.
#[derive(Debug, Clone, Copy)]
pub struct Lifetime(Option<Duration>);

fn parse_lifetime(text: &str) -> Result<Lifetime, String> {
    parse_duration(text).map(Lifetime)
}

/// `--json`: the token, once, and what identifies it later.
#[derive(Serialize)]
struct Issued<'a> {
    token: &'a str,
    #[serde(flatten)]
    info: &'a userdb::TokenInfo,
}

pub fn run(ctx: &Context, args: Args) -> Result<(), CliError> {
    let lifetime = match args.expires {
        Some(Lifetime(lifetime)) => lifetime,
        None => ctx.loaded.settings.token.default_expiry,
    };
    let mut manager = ctx.manager()?;
    let issued = manager.issue_token(&args.email, args.name.as_deref(), lifetime)?;
    let token = issued.token.expose_secret();
    if ctx.json {
        return print_json(&Issued {
            token,
            info: &issued.info,
        });
    }
    let info = &issued.info;
    let expires = match (info.expires_at, lifetime) {
        (Some(at), Some(d)) => format!(
            "expires {} (in {})",
            human_time(Some(at)),
            format_duration(d)
        ),
        _ => "never expires".to_string(),
    };
    status(
        false,
        &format!(
            "Token {} ({:?}) issued to {}; it {expires}. It is shown once: store it now.",
            info.id, info.name, info.user
        ),
    );
    print(&format!("{token}\n"))
}
