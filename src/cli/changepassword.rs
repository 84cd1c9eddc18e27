//! `userdb changepassword EMAIL`: Django's flow (typed twice, three tries), or a
//! non-prompt source.

use userdb::email_address::normalize_email;

use super::context::Context;
use super::exit::CliError;
use super::output::{print_json, status};
use super::password_input::{
    NewPasswordArgs, ask_new_password, attributes, new_password_from_args,
};

/// Change a user's password
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The user's email address
    email: String,

    #[command(flatten)]
    password: NewPasswordArgs,
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
            let attrs = attributes(&user.email, &user.first_name, &user.last_name);
            let problems = |p: &userdb::SecretString| manager.password_problems(p, &attrs);
            ask_new_password(prompter.as_mut(), &problems, false, Some(3)).map_err(|e| match e {
                CliError::Declined(_) => CliError::Declined(format!(
                    "aborting password change for user '{}' after 3 attempts",
                    normalize_email(&args.email)
                )),
                other => other,
            })?
        }
    };
    let user = manager.set_password(&user.email, Some(&password.secret), password.validation)?;
    if ctx.json {
        let generated = password
            .generated
            .then(|| userdb::ExposeSecret::expose_secret(&password.secret));
        return print_json(&super::output::UserOutcome {
            user: &user,
            created: false,
            password: generated,
        });
    }
    status(
        false,
        &format!("Password changed successfully for user '{}'.", user.email),
    );
    if password.generated {
        status(false, "Generated password (shown once):");
        super::output::print(&format!(
            "{}\n",
            userdb::ExposeSecret::expose_secret(&password.secret)
        ))?;
    }
    Ok(())
}
