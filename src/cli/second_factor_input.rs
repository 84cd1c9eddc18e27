//! A sign-in's second factor (a TOTP code or a recovery code) on the command
//! line: never argv (a recovery code is a long-lived secret, and one rule is
//! simpler than two). It comes from the line after the first factor on stdin
//! (when that came from stdin), from `USERDB_SECOND_FACTOR`, or, when the
//! user turns out to need one and none was given, from a hidden prompt on a
//! terminal. Shared by `authenticate` and `verify-otp`.

use userdb::manager::SecondFactorStatus;
use userdb::otp::SECRET_KEY_ENV;
use userdb::storage::Store;
use userdb::{Error, SecondFactor, SecondFactorUsed, SecretString, SignInOutcome, UserManager};

use super::context::Context;
use super::exit::CliError;
use super::output::warn;
use super::password_input::env_value;
use super::password_line::{LineError, read_password_line};

/// What `--help` says of it (authenticate, verify-otp).
pub const HELP: &str = "A user with a second factor gives it after the password (or a login \
    code): a TOTP code or a recovery code, on the next line of standard input when the first \
    factor came from it (--password-stdin, --code-stdin), else from USERDB_SECOND_FACTOR, else \
    at a hidden prompt on a terminal; never as an argument. Exit 9 (second_factor_required) when \
    it is needed and not given; exit 1 when it is wrong (it counts toward the sign-in lock).";

/// The variable a second factor may come from.
pub const SECOND_FACTOR_ENV: &str = "USERDB_SECOND_FACTOR";

const HINT: &str = "give it on the line after the first factor on standard input, or in \
                    USERDB_SECOND_FACTOR";

const PROMPT: &str = "Second factor (TOTP code or recovery code)";

/// Recovery codes left at or below which every use says so.
const FEW_RECOVERY_CODES: u32 = 2;

/// The second factor given without asking: the next line of stdin when the
/// first factor was read from stdin (`after_stdin`), else
/// `USERDB_SECOND_FACTOR`. A blank or missing line is none.
pub fn given(after_stdin: bool) -> Result<Option<SecretString>, CliError> {
    if after_stdin {
        let line = read_password_line(std::io::stdin().lock()).map_err(|e| match e {
            LineError::TooLong => CliError::usage(
                "the second factor's line on standard input is too long",
                "give a 6-digit TOTP code or a recovery code (XXXXX-XXXXX)",
            ),
            LineError::Io(e) => CliError::usage(
                format!("cannot read the second factor from standard input: {e}"),
                "",
            ),
        })?;
        if let Some(line) = line.filter(|l| !l.trim().is_empty()) {
            return Ok(Some(SecretString::from(line.trim().to_string())));
        }
    }
    Ok(env_value(SECOND_FACTOR_ENV).map(|v| SecretString::from(v.trim().to_string())))
}

/// Asks at the prompt, before the sign-in, when none was `given`, there is a
/// terminal, and the manager may tell that the user has a second factor (its
/// reasons are revealed): one attempt, so a low `[login] max_failures` is
/// not spent on a sign-in that could only ask. Concealing, the sign-in tells
/// ([`answered`]).
pub fn ask_ahead(
    ctx: &Context,
    manager: &UserManager<Store>,
    email: &str,
    mfa: Option<&SecondFactor>,
    given: &mut Option<SecretString>,
) -> Result<(), CliError> {
    // Without a key, nothing typed could be checked ([`answered`] says so).
    if given.is_some() || mfa.is_none() || !ctx.interactive() {
        return Ok(());
    }
    let Some(user) = manager.sign_in_account(email)? else {
        return Ok(());
    };
    if matches!(
        manager.second_factor_status(&user)?,
        SecondFactorStatus::Totp { .. }
    ) {
        *given = Some(ctx.prompter(HINT).password(PROMPT)?);
    }
    Ok(())
}

/// A sign-in's answer, or `None` when the user turned out to need a second
/// factor, none was `given` and a terminal is there to ask on: then `given`
/// holds the one typed at the prompt, and the caller signs in again with it.
/// Otherwise (`--no-input`, no terminal) a missing one stays
/// `second_factor_required`.
pub fn answered(
    ctx: &Context,
    result: userdb::Result<SignInOutcome>,
    mfa: Option<&SecondFactor>,
    given: &mut Option<SecretString>,
) -> Result<Option<SignInOutcome>, CliError> {
    match result {
        Err(Error::SecondFactorRequired(email)) if mfa.is_none() => {
            Err(CliError::Lib(Error::Config(format!(
                "{email} signs in with a second factor, and no secret key is set to check it \
                 with: set {SECRET_KEY_ENV} (or the key file) to the key it was enrolled under"
            ))))
        }
        Err(Error::SecondFactorRequired(_)) if given.is_none() && ctx.interactive() => {
            *given = Some(ctx.prompter(HINT).password(PROMPT)?);
            Ok(None)
        }
        other => Ok(Some(other?)),
    }
}

/// Says on stderr that a recovery code was used when 2 or fewer are left.
pub fn warn_if_few_left(outcome: &SignInOutcome) {
    if let Some(SecondFactorUsed::RecoveryCode { left }) = outcome.second_factor
        && left <= FEW_RECOVERY_CODES
    {
        let email = &outcome.user.email;
        warn(&format!(
            "a recovery code of {email} was used; {left} left: make a new set with \
             `userdb recovery-codes {email}`"
        ));
    }
}
