//! `userdb enroll-totp EMAIL [--replace]`: starts a TOTP enrolment. On a
//! terminal it shows the QR code, the `otpauth://` URI and the secret, asks for
//! the current code and activates only when that code is right (an enrolment
//! never tested locks its user out), then prints the recovery codes once.
//! `--json` prints what the authenticator needs and leaves the enrolment
//! pending for `confirm-totp`. Exit 4 when a confirmed TOTP exists and
//! `--replace` was not given.

use qrcode::QrCode;
use qrcode::render::unicode::Dense1x2;
use serde::Serialize;
use userdb::clock::serde_timestamp;
use userdb::manager::TotpEnrolment;
use userdb::{Error, ExposeSecret};

use super::context::Context;
use super::exit::CliError;
use super::output::{human_time, print_json, status};
use super::totp_codes::{print_recovery_codes, read_code};

/// Enroll a second factor (TOTP): QR code, a first code, recovery codes
///
/// On a terminal: the QR code, the otpauth:// URI and the secret in groups of 4; then the
/// current code from the authenticator is asked for (hidden, again when wrong) and the TOTP
/// becomes active only when it is right; the recovery codes are printed once. Without a
/// terminal, --json prints {"email", "uri", "secret", "expires_at"} and leaves the enrolment
/// pending (10 minutes) for confirm-totp. A pending enrolment protects nothing. Exit 4 when the
/// user has a confirmed TOTP, unless --replace.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The user's email address
    email: String,

    /// Enroll a new authenticator in place of a confirmed one (the old one keeps
    /// working until the new one is confirmed)
    #[arg(long)]
    replace: bool,
}

/// How many codes a person may get wrong before the command gives up (the
/// enrolment then stays pending, for `confirm-totp`, until it expires).
const TRIES: usize = 3;

const HINT: &str = "script it in two steps: `userdb --json enroll-totp EMAIL` prints the \
                    otpauth:// URI and the secret, then `userdb confirm-totp EMAIL` reads a \
                    code from the authenticator on standard input";

#[derive(Serialize)]
struct Started<'a> {
    email: &'a str,
    uri: &'a str,
    secret: &'a str,
    #[serde(serialize_with = "serde_timestamp::serialize")]
    expires_at: jiff::Timestamp,
}

pub fn run(ctx: &Context, args: Args) -> Result<(), CliError> {
    // Checked before anything is stored: a pending enrolment nobody can see
    // would only wait to expire.
    if !ctx.json && !ctx.interactive() {
        return Err(CliError::needs_input(
            "a terminal to show the QR code and ask for the first code is needed",
            HINT,
        ));
    }
    let mut manager = ctx.manager()?;
    let mfa = ctx.second_factor()?;
    let enrolment = manager.enroll_totp(&args.email, &mfa, args.replace)?;
    if ctx.json {
        return print_json(&Started {
            email: &enrolment.email,
            uri: enrolment.uri.expose_secret(),
            secret: &enrolment.secret.to_base32(),
            expires_at: enrolment.expires_at,
        });
    }
    show(&enrolment);
    let mut prompter = ctx.prompter(HINT);
    for attempt in 1..=TRIES {
        let code = read_code(ctx, "Code from the authenticator", HINT)?;
        match manager.confirm_totp(&enrolment.email, &code, &mfa) {
            Ok(codes) => {
                status(
                    false,
                    &format!(
                        "TOTP of {} confirmed: every sign-in now asks for a code from this \
                         authenticator.",
                        enrolment.email
                    ),
                );
                return print_recovery_codes(ctx, &enrolment.email, &codes);
            }
            Err(Error::WrongSecondFactor(_)) if attempt < TRIES => prompter.say(
                "That code is not right. Check that the phone's clock is right, and type the \
                 code the authenticator shows now.",
            ),
            Err(Error::WrongSecondFactor(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Err(CliError::Declined(format!(
        "no right code after {TRIES} tries; the enrolment of {} stays pending until {} (confirm \
         it with `userdb confirm-totp {}`), and sign-ins do not ask for it",
        enrolment.email,
        human_time(Some(enrolment.expires_at)),
        enrolment.email
    )))
}

/// What the authenticator needs, on stderr beside the prompt: the QR code, the
/// URI (for a desktop app) and the secret in groups of 4 (to type by hand).
fn show(enrolment: &TotpEnrolment) {
    let uri = enrolment.uri.expose_secret();
    match QrCode::new(uri.as_bytes()) {
        // Light modules drawn as blocks, as qrencode's UTF8 does: a terminal's
        // text is light on dark, and the code then reads dark on light.
        Ok(code) => status(
            false,
            &code
                .render::<Dense1x2>()
                .dark_color(Dense1x2::Light)
                .light_color(Dense1x2::Dark)
                .build(),
        ),
        Err(_) => status(
            false,
            "(the URI is too long for a QR code; use it or the secret)",
        ),
    }
    status(
        false,
        &format!(
            "Scan the QR code with an authenticator app, or open this URI:\n{uri}\n\
             or type the secret: {}\n(the enrolment waits until {})",
            enrolment.secret.grouped().as_str(),
            human_time(Some(enrolment.expires_at))
        ),
    );
}
