//! What the commands that create users print: a user created (and a generated
//! password, once) or one that existed already. Shared by `createuser` and
//! `createsuperuser`.

use super::context::Context;
use super::exit::CliError;
use super::output::{UserOutcome, print, print_json, status};

/// Reports a user that existed already: nothing changed.
pub fn report_existing(ctx: &Context, user: &userdb::User) -> Result<(), CliError> {
    status(
        ctx.json,
        &format!("User {} already exists; nothing changed.", user.email),
    );
    if ctx.json {
        print_json(&UserOutcome {
            user: ctx.user_json(user),
            created: false,
            password: None,
        })?;
    }
    Ok(())
}

/// Reports a new user; a generated password goes alone on stdout, once.
pub fn report_created(
    ctx: &Context,
    user: &userdb::User,
    generated: Option<&str>,
    what: &str,
) -> Result<(), CliError> {
    if ctx.json {
        return print_json(&UserOutcome {
            user: ctx.user_json(user),
            created: true,
            password: generated,
        });
    }
    status(
        false,
        &format!(
            "{what} {} created successfully (id {}).",
            user.email, user.id
        ),
    );
    if let Some(password) = generated {
        status(false, "Generated password (shown once):");
        print(&format!("{password}\n"))?;
    }
    Ok(())
}
