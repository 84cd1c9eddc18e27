//! `userdb register EMAIL`: create a user with the address unverified and email
//! the `verify-email` code, in one step. Run again for an address that is
//! registered but not verified, it sends the code again (exit 5 inside the
//! cooldown or over the hourly cap); for a verified address it is exit 4.

use serde::Serialize;
use userdb::otp::human_wait;
use userdb::storage::Store;
use userdb::{Error, NewUser, Registration, SignedUp, UserManager};

use super::context::Context;
use super::exit::CliError;
use super::field_input::FieldArgs;
use super::output::{human_time, print, print_json, status};
use super::password_input::{
    NEW_PASSWORD_HINT, NameArgs, NewPasswordArgs, ObtainedPassword, attributes, new_user_password,
};

/// Register a user (address unverified) and email the verify-email code
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The email address: the login
    email: String,

    #[command(flatten)]
    names: NameArgs,

    #[command(flatten)]
    fields: FieldArgs,

    #[command(flatten)]
    password: NewPasswordArgs,

    /// Give the user an unusable password (password-less sign-in with codes only)
    #[arg(long, conflicts_with_all = ["password_stdin", "password_file", "password_env", "generate_password"])]
    no_password: bool,
}

/// `--json`: what was registered, the code that left (never the code), and a
/// generated password, once.
#[derive(Serialize)]
struct Outcome<'a> {
    user: super::output::UserJson<'a>,
    created: bool,
    otp: &'a Option<userdb::OtpSent>,
    #[serde(skip_serializing_if = "Option::is_none")]
    password: Option<&'a str>,
}

/// `--json` with `[registration] conceal_accounts`: the same shape whether or
/// not the address had an account.
#[derive(Serialize)]
struct ConcealedOutcome<'a> {
    email: &'a str,
    otp: &'a Option<userdb::OtpSent>,
    #[serde(skip_serializing_if = "Option::is_none")]
    password: Option<&'a str>,
}

/// The user `args` describe, at the parsed `email`.
fn new_user(args: &Args, email: &str) -> NewUser {
    NewUser {
        email: email.to_string(),
        first_name: args.names.first_name.clone(),
        last_name: args.names.last_name.clone(),
        fields: args.fields.set.clone(),
        ..NewUser::default()
    }
}

/// The registrant's password (see [`new_user_password`]); `None` with
/// `--no-password` or when `read` is false. `before_prompt` runs first when
/// asking: what must fail before a prompt.
fn obtain_password(
    ctx: &Context,
    args: &Args,
    manager: &UserManager<Store>,
    new: &NewUser,
    read: bool,
    before_prompt: impl FnOnce() -> Result<(), CliError>,
) -> Result<Option<ObtainedPassword>, CliError> {
    if args.no_password || !read {
        return Ok(None);
    }
    let mut prompter = ctx.prompter(NEW_PASSWORD_HINT);
    let who = attributes(&new.email, &args.names.first_name, &args.names.last_name);
    new_user_password(
        &args.password,
        Some("USERDB_PASSWORD"),
        prompter.as_mut(),
        manager,
        &who,
        || {
            before_prompt()?;
            // Custom fields are demanded, not asked: fail before the prompt.
            manager.check_new_user_fields(&new.fields)?;
            Ok(true)
        },
    )
}

pub fn run(ctx: &Context, args: Args) -> Result<(), CliError> {
    let mut manager = ctx.manager()?;
    let mailer = ctx.mailer()?;
    let codes = ctx.one_time_codes()?;
    let email = userdb::email_address::parse_email(&args.email).map_err(Error::from)?;
    let new = new_user(&args, &email);
    // A resend applies no password: none is read. Ask only once the address is
    // known to be free (when the manager may say so).
    let resend = manager.registration_for(&email)? == Registration::Resend;
    let password = obtain_password(ctx, &args, &manager, &new, !resend, || {
        match manager.registration_for(&email)? {
            Registration::Taken(email) => Err(Error::AlreadyRegistered(email).into()),
            _ => Ok(()),
        }
    })?;
    let (given, validation) = ObtainedPassword::parts(&password);
    let registered = match manager.sign_up(new, given, validation, &codes, &mailer)? {
        SignedUp::Registered(registered) => *registered,
        SignedUp::Concealed(otp) => {
            let generated = ObtainedPassword::generated(&password);
            return report_concealed(ctx, &email, &otp, generated, &mailer, &codes);
        }
    };
    let generated = ObtainedPassword::generated(&password);
    if ctx.json {
        return print_json(&Outcome {
            user: ctx.user_json(&registered.user),
            created: registered.created,
            otp: &registered.otp,
            password: generated,
        });
    }
    let user = &registered.user;
    if registered.created {
        status(
            false,
            &format!(
                "User {} registered (id {}); the address is not verified yet.",
                user.email, user.id
            ),
        );
    } else {
        status(
            false,
            &format!(
                "User {email} is registered but not verified; sending the code again. Nothing \
                 given here was stored: the password is set when the address is verified \
                 (`userdb verify-otp {email} CODE --password-stdin`), and no password set \
                 before that survives it.",
                email = user.email
            ),
        );
    }
    if let Some(sent) = &registered.otp {
        status(
            false,
            &format!(
                "Sent a {} code to {} via {}; it is valid for {} (until {}). \
                 Next: `userdb verify-otp {} CODE` with the password again (--password-stdin, \
                 or typed at the prompt): the first verification sets it (add --issue-token \
                 for a token).",
                sent.purpose,
                sent.email,
                mailer.backend.describe(),
                human_wait(codes.settings.ttl),
                human_time(Some(sent.expires_at)),
                sent.email,
            ),
        );
    }
    if let Some(password) = generated {
        status(false, "Generated password (shown once):");
        print(&format!("{password}\n"))?;
    }
    Ok(())
}

/// A registration whose answer never says whether the address had an account
/// (the manager's `sign_up` when it conceals): the password was read,
/// validated and hashed in every case, and the one line printed is the same.
fn report_concealed(
    ctx: &Context,
    email: &str,
    otp: &Option<userdb::OtpSent>,
    generated: Option<&str>,
    mailer: &userdb::email::Mailer,
    codes: &userdb::OneTimeCodes,
) -> Result<(), CliError> {
    if ctx.json {
        return print_json(&ConcealedOutcome {
            email,
            otp,
            password: generated,
        });
    }
    match otp {
        Some(sent) => status(
            false,
            &format!(
                "Sent a {} message to {} via {}. If the address could be registered, it holds a \
                 code valid for {} (until {}): `userdb verify-otp {} CODE` with the password \
                 again sets the password.",
                sent.purpose,
                sent.email,
                mailer.backend.describe(),
                human_wait(codes.settings.ttl),
                human_time(Some(sent.expires_at)),
                sent.email,
            ),
        ),
        None => status(false, &format!("User {email} registered.")),
    }
    if let Some(password) = generated {
        status(false, "Generated password (shown once):");
        print(&format!("{password}\n"))?;
    }
    Ok(())
}
