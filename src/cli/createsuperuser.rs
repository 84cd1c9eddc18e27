//! `userdb createsuperuser`: Django's flow. Interactive: asks the email, then the
//! password twice with validation and the bypass question. Scripted: `--email` (or
//! `USERDB_SUPERUSER_EMAIL`) and a password source (or `USERDB_SUPERUSER_PASSWORD`;
//! with `--no-input` and none, an unusable password, as Django does).

use userdb::email_address::parse_email;
use userdb::{Error, NewUser, Upserted};

use super::access_args::GroupArgs;
use super::context::Context;
use super::exit::CliError;
use super::field_input::{FieldArgs, add_superuser_env_values, ask_required_fields};
use super::lifecycle_args::LifecycleArgs;
use super::output::{UserOutcome, print_json, status};
use super::password_input::{
    NameArgs, NewPasswordArgs, ObtainedPassword, attributes, env_value, new_user_password,
};
use super::prompt::Prompter;
use super::superuser_input::{self as input, EmailFrom, FieldsFrom, Mode, NoPassword};
use super::user_outcome::{report_created, report_existing};
use userdb::duration::parse_finite_duration;

/// Create a superuser (staff, superuser, active)
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The email address [env: USERDB_SUPERUSER_EMAIL when not prompting]
    #[arg(long)]
    email: Option<String>,

    #[command(flatten)]
    names: NameArgs,

    /// Set a custom field; required ones not given are asked for, or read from
    /// USERDB_SUPERUSER_<NAME> when not prompting
    #[command(flatten)]
    fields: FieldArgs,

    #[command(flatten)]
    groups: GroupArgs,

    #[command(flatten)]
    lifecycle: LifecycleArgs,

    /// A break-glass superuser that expires by itself after DURATION (8h, 30m); it
    /// does not count as the lasting superuser that delete and demote protect
    #[arg(long, value_name = "DURATION", value_parser = parse_finite_duration, conflicts_with_all = ["expires_at", "update"])]
    temporary: Option<std::time::Duration>,

    #[command(flatten)]
    password: NewPasswordArgs,

    /// Exit 0 without change if the user already exists
    #[arg(long, conflicts_with = "update")]
    if_not_exists: bool,

    /// If the user exists, make it a superuser and set the password given (upsert)
    #[arg(long)]
    update: bool,

    /// With --no-input, fail (exit 2) instead of giving the new superuser an
    /// unusable password when no password is given (an unset CI secret)
    #[arg(long)]
    require_password: bool,
}

const HINT: &str = "pass --email (or USERDB_SUPERUSER_EMAIL) and a password source \
     (--password-stdin, --password-file, --password-env, --generate-password, \
     USERDB_SUPERUSER_PASSWORD), or --no-input for an unusable password";
/// The same when --no-input was given: suggesting it again would not help.
const NO_INPUT_HINT: &str = "pass --email (or set USERDB_SUPERUSER_EMAIL)";

pub fn run(ctx: &Context, args: Args) -> Result<(), CliError> {
    let mut manager = ctx.manager()?;
    let mode = Mode {
        interactive: ctx.interactive(),
        no_input: ctx.no_input,
    };
    let mut prompter = ctx.prompter(if ctx.no_input { NO_INPUT_HINT } else { HINT });

    let email = match input::email(args.email.as_deref(), mode, &env_value) {
        EmailFrom::Given(email) => parse_email(&email).map_err(Error::from)?,
        EmailFrom::Ask => ask_email(
            prompter.as_mut(),
            &manager,
            args.if_not_exists || args.update,
        )?,
    };

    let existing = manager.find_user(&email)?;
    if let Some(user) = &existing {
        if args.if_not_exists {
            args.password.source.discard();
            return report_existing(ctx, user);
        }
        if !args.update {
            return Err(Error::user_exists(&email, &user.email).into());
        }
    }

    // Django's order: the login, then REQUIRED_FIELDS, then the password.
    let mut fields = args.fields.set.clone();
    manager.check_field_values(&fields, existing.as_ref().map(|u| u.id))?;
    manager.check_groups(&args.groups.groups)?;
    match input::fields(mode, existing.is_none()) {
        FieldsFrom::Env => add_superuser_env_values(manager.fields(), &mut fields),
        FieldsFrom::Ask => {
            let taken = |name: &str, value: &str| -> Result<bool, CliError> {
                Ok(manager.field_value_taken(name, value)?)
            };
            ask_required_fields(prompter.as_mut(), manager.fields(), &mut fields, &taken)?;
        }
        FieldsFrom::Given => {}
    }
    if existing.is_none() {
        // A missing required field is reported before a password is asked for.
        manager.check_new_user_fields(&fields)?;
    }

    let who = attributes(&email, &args.names.first_name, &args.names.last_name);
    let password = new_user_password(
        &args.password,
        input::password_env(mode),
        prompter.as_mut(),
        &manager,
        &who,
        || match input::no_password(mode, args.require_password, existing.is_some()) {
            NoPassword::Ask => Ok(true),
            NoPassword::Unusable | NoPassword::KeepCurrent => Ok(false),
            NoPassword::Refuse => Err(CliError::usage(
                "no password for the new superuser: USERDB_SUPERUSER_PASSWORD is empty or unset (--require-password)",
                "set USERDB_SUPERUSER_PASSWORD, or pass --password-stdin, --password-file or --password-env",
            )),
        },
    )?;
    let (secret, validation) = ObtainedPassword::parts(&password);
    let new = NewUser {
        email: email.clone(),
        first_name: args.names.first_name.clone(),
        last_name: args.names.last_name.clone(),
        fields,
        groups: args.groups.groups.clone(),
        must_change_password: args.lifecycle.must_change_password,
        expires_at: match args.temporary {
            Some(lifetime) => Some(manager.moment_after(lifetime)?),
            None => args.lifecycle.expires_at(),
        },
        ..NewUser::default()
    };
    let generated = ObtainedPassword::generated(&password);
    if args.update {
        let (user, outcome) = manager.upsert_superuser(new, secret, validation)?;
        if outcome == Upserted::Updated {
            status(ctx.json, &format!("Superuser {} updated.", user.email));
            if ctx.json {
                return print_json(&UserOutcome {
                    user: ctx.user_json(&user),
                    created: false,
                    password: generated,
                });
            }
            if let Some(password) = generated {
                status(false, "Generated password (shown once):");
                super::output::print(&format!("{password}\n"))?;
            }
            return Ok(());
        }
        return report_created(ctx, &user, generated, "Superuser");
    }
    let user = match manager.create_superuser(new, secret, validation) {
        Err(Error::UserExists(_)) if args.if_not_exists => {
            let user = manager.get_user(&email)?;
            return report_existing(ctx, &user);
        }
        other => other?,
    };
    report_created(ctx, &user, generated, "Superuser")?;
    if !user.has_usable_password {
        // Django stays silent here; an unset CI secret then leaves a superuser
        // nobody can sign in as, and the pipeline green.
        status(
            ctx.json,
            &format!(
                "warning: {} has no usable password: USERDB_SUPERUSER_PASSWORD is empty or unset; \
                 set one with `userdb changepassword {}`",
                user.email, user.email
            ),
        );
    }
    Ok(())
}

/// Django's email prompt: blank, invalid and taken addresses are explained and
/// asked again (a taken one is fine when the command will not create it anew).
fn ask_email(
    prompter: &mut dyn Prompter,
    manager: &userdb::UserManager<userdb::storage::Store>,
    existing_ok: bool,
) -> Result<String, CliError> {
    loop {
        let raw = prompter.input("Email address")?;
        if raw.trim().is_empty() {
            prompter.say("Error: This field cannot be blank.");
            continue;
        }
        let email = match parse_email(&raw) {
            Ok(email) => email,
            Err(e) => {
                prompter.say(&format!(
                    "Error: Enter a valid email address ({}).",
                    e.reason
                ));
                continue;
            }
        };
        if !existing_ok && manager.find_user(&email)?.is_some() {
            prompter.say("Error: That email address is already taken.");
            continue;
        }
        return Ok(email);
    }
}
