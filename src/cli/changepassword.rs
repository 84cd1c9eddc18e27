//! `userdb changepassword EMAIL`: Django's flow (typed twice, three tries), or a
//! non-prompt source.

use userdb::email_address::normalize_email;

use super::context::Context;
use super::exit::CliError;
use super::output::{print_json, status};
use super::password_input::{
    NewPasswordArgs, ask_password_for, attributes, new_password_from_args,
};

/// Change a user's password
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The user's email address
    email: String,

    #[command(flatten)]
    password: NewPasswordArgs,

    /// Also revoke all of the user's API tokens (in the same transaction)
    #[arg(long)]
    revoke_tokens: bool,
}

/// `--json`: the user, a generated password (once), and how many tokens went.
#[derive(serde::Serialize)]
struct Changed<'a> {
    #[serde(flatten)]
    outcome: super::output::UserOutcome<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    revoked_tokens: Option<usize>,
}

const HINT: &str = "use --password-stdin, --password-file, --password-env NAME, USERDB_PASSWORD \
     or --generate-password";

pub fn run(ctx: &Context, args: Args) -> Result<(), CliError> {
    let mut manager = ctx.manager()?;
    let user = manager.get_user(&args.email)?;
    let password = match new_password_from_args(&args.password, Some("USERDB_PASSWORD"))? {
        Some(p) => p,
        None => {
            let mut prompter = ctx.prompter(HINT);
            prompter.say(&format!("Changing password for user '{}'", user.email));
            let who = attributes(&user.email, &user.first_name, &user.last_name);
            ask_password_for(prompter.as_mut(), &manager, &who, false, Some(3)).map_err(
                |e| match e {
                    CliError::Declined(_) => CliError::Declined(format!(
                        "aborting password change for user '{}' after 3 attempts",
                        normalize_email(&args.email)
                    )),
                    other => other,
                },
            )?
        }
    };
    let (user, revoked) = if args.revoke_tokens {
        let (user, n) = manager.set_password_revoking_tokens(
            &user.email,
            Some(&password.secret),
            password.validation,
        )?;
        (user, Some(n))
    } else {
        let user =
            manager.set_password(&user.email, Some(&password.secret), password.validation)?;
        (user, None)
    };
    if ctx.json {
        let generated = password
            .generated
            .then(|| userdb::ExposeSecret::expose_secret(&password.secret));
        return print_json(&Changed {
            outcome: super::output::UserOutcome {
                user: ctx.user_json(&user),
                created: false,
                password: generated,
            },
            revoked_tokens: revoked,
        });
    }
    status(
        false,
        &format!("Password changed successfully for user '{}'.", user.email),
    );
    if let Some(n) = revoked {
        let tokens = if n == 1 { "token" } else { "tokens" };
        status(false, &format!("Revoked {n} {tokens} of {}.", user.email));
    }
    if password.generated {
        status(false, "Generated password (shown once):");
        super::output::print(&format!(
            "{}\n",
            userdb::ExposeSecret::expose_secret(&password.secret)
        ))?;
    }
    Ok(())
}
