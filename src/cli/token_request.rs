//! `--issue-token [--token-name N] [--expires D]`: the flags of the commands that
//! end a sign-in with a new token (authenticate, verify-otp), the `--expires`
//! value `issue-token` shares, and how a new token is shown.

use std::time::Duration;

use serde::Serialize;
use userdb::duration::{format_duration, parse_duration};
use userdb::{ExposeSecret, TokenAsk};

use super::context::Context;
use super::exit::CliError;
use super::output::{human_time, print, print_json, status};

#[derive(clap::Args, Debug, Default)]
pub struct TokenRequest {
    /// On success, also issue an API token and print it (once, alone on a line)
    #[arg(long)]
    pub issue_token: bool,

    /// With --issue-token: a name for the token [default: token-N]
    #[arg(long, value_name = "NAME", requires = "issue_token")]
    pub token_name: Option<String>,

    /// With --issue-token: how long the token is valid (30d, 12h, never)
    /// [default: [token] default_expiry]
    #[arg(long, value_name = "DURATION", value_parser = parse_lifetime, requires = "issue_token")]
    pub expires: Option<Lifetime>,
}

impl TokenRequest {
    /// The token to ask the sign-in for, if `--issue-token`; its lifetime
    /// defaults to `[token] default_expiry`.
    pub fn ask(&self, ctx: &Context) -> Option<TokenAsk<'_>> {
        self.issue_token.then(|| TokenAsk {
            name: self.token_name.as_deref(),
            lifetime: Lifetime::or_default(self.expires, ctx),
            scopes: &[],
        })
    }
}

/// A parsed `--expires`: `None` is `never`.
#[derive(Debug, Clone, Copy)]
pub struct Lifetime(pub Option<Duration>);

impl Lifetime {
    /// The lifetime asked for, else `[token] default_expiry`.
    pub fn or_default(lifetime: Option<Lifetime>, ctx: &Context) -> Option<Duration> {
        match lifetime {
            Some(Lifetime(lifetime)) => lifetime,
            None => ctx.loaded.settings.token.default_expiry,
        }
    }
}

pub fn parse_lifetime(text: &str) -> Result<Lifetime, String> {
    parse_duration(text).map(Lifetime)
}

/// `--json`: the token, once, and what identifies it later.
#[derive(Serialize)]
struct Issued<'a> {
    token: &'a str,
    #[serde(flatten)]
    info: &'a userdb::TokenInfo,
}

/// Shows a new token once: alone on a line on stdout (or the `--json` object),
/// with a status line on stderr. Shared by the commands that issue tokens.
pub fn report_token(
    ctx: &Context,
    issued: &userdb::IssuedToken,
    lifetime: Option<Duration>,
) -> Result<(), CliError> {
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
    let scopes = match &info.scopes {
        Some(scopes) => format!(" for {}", scopes.join(", ")),
        None => String::new(),
    };
    status(
        false,
        &format!(
            "Token {} ({:?}) issued to {}{scopes}; it {expires}. It is shown once: store it now.",
            info.id, info.name, info.user
        ),
    );
    print(&format!("{token}\n"))
}
