//! `userdb sendtestemail ADDRESS…`: Django's command of that name. One test message
//! to each address through the configured backend; exit 8 when one is not delivered.

use serde::Serialize;

use super::context::Context;
use super::exit::CliError;
use super::output::{print_json, status};

/// Send a test email through the configured backend (as Django's sendtestemail)
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Where to send it
    #[arg(required = true, value_name = "ADDRESS")]
    addresses: Vec<String>,
}

#[derive(Serialize)]
struct Sent {
    to: String,
    message_id: String,
    via: String,
}

pub fn run(ctx: &Context, args: Args) -> Result<(), CliError> {
    let mailer = ctx.mailer()?;
    let now = ctx.clock()?.now();
    let mut sent = Vec::new();
    for address in &args.addresses {
        let address = userdb::email_address::parse_email(address).map_err(userdb::Error::from)?;
        let message = mailer.send_test(&address, now)?;
        status(
            ctx.json,
            &format!(
                "Sent a test email to {address} via {}.",
                mailer.backend.describe()
            ),
        );
        sent.push(Sent {
            to: address,
            message_id: message.message_id,
            via: mailer.backend.describe(),
        });
    }
    if ctx.json {
        return print_json(&sent);
    }
    Ok(())
}
