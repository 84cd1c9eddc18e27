//! `userdb authenticate EMAIL`: check a password. Exit 0 when right; 1 when wrong,
//! unusable or the user is inactive. Records the login and upgrades old hashes.

use super::context::Context;
use super::exit::CliError;
use super::output::{print_json, status};
use super::password_input::PasswordSource;

/// Check a user's password (from a prompt or a non-argv source)
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The user's email address
    email: String,

    #[command(flatten)]
    password: PasswordSource,
}

const HINT: &str = "use --password-stdin, --password-file, --password-env NAME or USERDB_PASSWORD";

pub fn run(ctx: &Context, args: Args) -> Result<(), CliError> {
    let mut manager = ctx.manager()?;
    let password = match args.password.read(Some("USERDB_PASSWORD"))? {
        Some(p) => p,
        None => {
            // Fail on an unknown address before asking for anything.
            manager.get_user(&args.email)?;
            ctx.prompter(HINT).password("Password")?
        }
    };
    let user = manager.authenticate(&args.email, &password)?;
    if ctx.json {
        return print_json(&user);
    }
    status(false, &format!("Authenticated {}.", user.email));
    Ok(())
}
