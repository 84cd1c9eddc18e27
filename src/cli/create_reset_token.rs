//! `userdb create-reset-token EMAIL`: a one-time password-reset token for the
//! operator to hand over out of band, printed once on stdout.

use serde::Serialize;
use userdb::ExposeSecret;
use userdb::duration::{format_duration, parse_finite_duration};

use super::context::Context;
use super::exit::CliError;
use super::output::{human_time, print, print_json, status};

/// Make a one-time password-reset token for a user (printed once, alone on a line)
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Hand the token over out of band (in person, a chat the user already \
    trusts); the user sets a password with `userdb reset-password EMAIL`. It works once, \
    and dies when it expires, when a newer one is made for the user, or when the \
    password changes."
)]
pub struct Args {
    /// The user's email address
    email: String,
    /// How long the token is valid, at most 7d [default: [password] reset_token_expiry, 24h
    /// unless configured]
    #[arg(long, value_name = "DURATION", value_parser = parse_finite_duration)]
    expires: Option<std::time::Duration>,
}

/// `--json`: the token, once, and what identifies it later.
#[derive(Serialize)]
struct Created<'a> {
    token: &'a str,
    id: i64,
    user: &'a str,
    #[serde(with = "userdb::clock::serde_timestamp")]
    expires_at: jiff::Timestamp,
}

pub fn run(ctx: &Context, args: Args) -> Result<(), CliError> {
    let mut manager = ctx.manager()?;
    let created = manager.create_reset_token(&args.email, args.expires)?;
    let token = created.token.expose_secret();
    if ctx.json {
        return print_json(&Created {
            token,
            id: created.id,
            user: &created.user,
            expires_at: created.expires_at,
        });
    }
    let lifetime = args
        .expires
        .unwrap_or(ctx.loaded.settings.password.reset_token_expiry);
    status(
        false,
        &format!(
            "Reset token for {}; it expires {} (in {}). It is shown once: hand it over out of \
             band, for `userdb reset-password {}`.",
            created.user,
            human_time(Some(created.expires_at)),
            format_duration(lifetime),
            created.user
        ),
    );
    print(&format!("{token}\n"))
}
