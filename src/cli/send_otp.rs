//! `userdb send-otp EMAIL [--purpose P]`: email a new one-time code. Exit 5 inside
//! the resend cooldown or over the hourly cap, 8 when the email was not delivered.

use userdb::otp::{Purpose, human_wait};

use super::context::Context;
use super::exit::CliError;
use super::output::{human_time, print_json, status};

/// Email a one-time code to a user through the configured backend
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The user's email address
    email: String,

    /// What the code is for
    #[arg(long, default_value = "verify-email", value_parser = super::values::purpose())]
    purpose: Purpose,
}

pub fn run(ctx: &Context, args: Args) -> Result<(), CliError> {
    let mut manager = ctx.manager()?;
    let mailer = ctx.mailer()?;
    let codes = ctx.one_time_codes()?;
    let sent = manager.send_otp(&args.email, args.purpose, &codes, &mailer)?;
    if ctx.json {
        return print_json(&sent);
    }
    if !manager.reveals_reasons() {
        // The same line whether a code or a notice left.
        status(
            false,
            &format!(
                "Sent a {} message to {} via {}. If the address has an active account, it holds \
                 a code valid for {} (until {}).",
                sent.purpose,
                sent.email,
                mailer.backend.describe(),
                human_wait(codes.settings.ttl),
                human_time(Some(sent.expires_at)),
            ),
        );
        return Ok(());
    }
    status(
        false,
        &format!(
            "Sent a {} code to {} via {}; it is valid for {} (until {}).",
            sent.purpose,
            sent.email,
            mailer.backend.describe(),
            human_wait(codes.settings.ttl),
            human_time(Some(sent.expires_at)),
        ),
    );
    Ok(())
}
