//! Where a password comes from. Never argv: a prompt, stdin, a file, a named
//! environment variable, a default variable, or generated.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::Args;
use userdb::manager::Validation;
use userdb::password::{UserAttributes, check_password_length, generate_password};
use userdb::storage::Store;
use userdb::{ExposeSecret, SecretString, UserManager};

use super::exit::CliError;
use super::password_line::{LineError, read_password_line};
use super::prompt::Prompter;

/// The non-interactive sources, shared by every command that takes a password.
#[derive(Args, Debug, Default, Clone)]
pub struct PasswordSource {
    /// Read the password from the first line of standard input
    #[arg(long, conflicts_with_all = ["password_file", "password_env"])]
    pub password_stdin: bool,

    /// Read the password from the first line of a file
    #[arg(long, value_name = "PATH", conflicts_with = "password_env")]
    pub password_file: Option<PathBuf>,

    /// Read the password from the environment variable NAME
    #[arg(long, value_name = "NAME")]
    pub password_env: Option<String>,
}

/// Sources for a new password, and whether to validate it.
#[derive(Args, Debug, Default, Clone)]
pub struct NewPasswordArgs {
    #[command(flatten)]
    pub source: PasswordSource,

    /// Generate a strong random password and print it once
    #[arg(long, conflicts_with_all = ["password_stdin", "password_file", "password_env"])]
    pub generate_password: bool,

    /// Accept a password that fails the validators (length, similarity, common, numeric)
    #[arg(long)]
    pub skip_validation: bool,
}

impl NewPasswordArgs {
    pub fn validation(&self) -> Validation {
        validation(self.skip_validation)
    }
}

/// `--skip-validation` as the manager takes it.
pub fn validation(skip: bool) -> Validation {
    if skip {
        Validation::Skip
    } else {
        Validation::Enforce
    }
}

/// Where the new password of a reset comes from, never argv (`verify-otp
/// --purpose password-reset`, `reset-password`).
#[derive(clap::Args, Debug, Default)]
pub struct NewPasswordSource {
    /// Read the new password from the first line of standard input
    #[arg(long, conflicts_with_all = ["new_password_file", "new_password_env"])]
    pub new_password_stdin: bool,

    /// Read the new password from the first line of a file
    #[arg(long, value_name = "PATH", conflicts_with = "new_password_env")]
    pub new_password_file: Option<PathBuf>,

    /// Read the new password from the environment variable NAME
    #[arg(long, value_name = "NAME")]
    pub new_password_env: Option<String>,

    /// Accept a password (the new one of a reset, or the one given at an address's
    /// first verification) that fails the validators
    #[arg(long)]
    pub skip_validation: bool,
}

impl NewPasswordSource {
    pub fn validation(&self) -> Validation {
        validation(self.skip_validation)
    }

    /// A source was named.
    pub fn given(&self) -> bool {
        self.new_password_stdin
            || self.new_password_file.is_some()
            || self.new_password_env.is_some()
    }

    /// The same readers as every other password source.
    pub fn read(&self) -> Result<Option<SecretString>, CliError> {
        PasswordSource {
            password_stdin: self.new_password_stdin,
            password_file: self.new_password_file.clone(),
            password_env: self.new_password_env.clone(),
        }
        .read(None)
    }
}

/// What to use instead of the prompt when a new password is needed without a terminal.
pub const NEW_PASSWORD_HINT: &str = "use --password-stdin, --password-file, --password-env NAME, \
     USERDB_PASSWORD, --generate-password or --no-password";

/// The first and last name of a user being created.
#[derive(Args, Debug, Default, Clone)]
pub struct NameArgs {
    /// The user's first name
    #[arg(
        long,
        value_name = "NAME",
        default_value = "",
        hide_default_value = true
    )]
    pub first_name: String,

    /// The user's last name
    #[arg(
        long,
        value_name = "NAME",
        default_value = "",
        hide_default_value = true
    )]
    pub last_name: String,
}

/// A password and how it was obtained.
pub struct ObtainedPassword {
    pub secret: SecretString,
    /// Generated passwords are printed once; given ones never are.
    pub generated: bool,
    pub validation: Validation,
}

/// Reads an environment variable; empty counts as unset.
pub fn env_value(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

impl PasswordSource {
    /// Reads and drops what `--password-stdin` was given, for a command that
    /// returns without needing it (`--if-not-exists` on an existing user): a
    /// writer such as `printf … |` that finds the pipe closed before it wrote
    /// dies of SIGPIPE, and `set -o pipefail` then fails the whole script.
    pub fn discard(&self) {
        // The same bounded line `read` would take, so an endless stdin cannot
        // hold the command; zeroized as it is dropped.
        if self.password_stdin
            && !std::io::stdin().is_terminal()
            && let Ok(Some(line)) = read_password_line(std::io::stdin().lock())
        {
            drop(SecretString::from(line));
        }
    }

    /// The password from an explicit flag, else from `default_env` if set.
    pub fn read(&self, default_env: Option<&str>) -> Result<Option<SecretString>, CliError> {
        let password = if self.password_stdin {
            let line = read_password_line(std::io::stdin().lock()).map_err(|e| match e {
                LineError::TooLong => CliError::Lib(userdb::Error::PasswordTooLong),
                LineError::Io(e) => CliError::usage(
                    format!("cannot read the password from standard input: {e}"),
                    "",
                ),
            })?;
            match line {
                Some(line) => line,
                None => {
                    return Err(CliError::usage(
                        "--password-stdin was given but standard input is empty",
                        "pipe the password in, e.g. `printf '%s\\n' \"$PASS\" | userdb …`",
                    ));
                }
            }
        } else if let Some(path) = &self.password_file {
            let password = userdb::private_file::read_password(path, "the password file")
                .map_err(|e| CliError::usage(e.to_string(), ""))?;
            password.expose_secret().to_string()
        } else if let Some(name) = &self.password_env {
            env_value(name).ok_or_else(|| {
                CliError::usage(
                    format!(
                        "environment variable {name} (named by --password-env) is not set or empty"
                    ),
                    "export it first, or use another password source",
                )
            })?
        } else if let Some(value) = default_env.and_then(env_value) {
            value
        } else {
            return Ok(None);
        };
        check_password_length(&password)?;
        Ok(Some(SecretString::from(password)))
    }
}

/// Django's interactive new-password loop: typed twice, blank refused, mismatch
/// retried; validator complaints are shown and the operator may bypass them.
/// `problems` runs the validators for the user being created or changed.
pub fn ask_new_password(
    prompter: &mut dyn Prompter,
    problems: &dyn Fn(&SecretString) -> Vec<String>,
    offer_bypass: bool,
    max_tries: Option<usize>,
) -> Result<ObtainedPassword, CliError> {
    let mut tries = 0;
    loop {
        if let Some(max) = max_tries
            && tries >= max
        {
            return Err(CliError::Declined(format!(
                "password not changed after {max} attempts"
            )));
        }
        tries += 1;
        let first = prompter.password("Password")?;
        let again = prompter.password("Password (again)")?;
        if first.expose_secret() != again.expose_secret() {
            prompter.say("Error: Your passwords didn't match.");
            continue;
        }
        if first.expose_secret().is_empty() {
            prompter.say("Error: Blank passwords aren't allowed.");
            continue;
        }
        let found = problems(&first);
        if found.is_empty() {
            return Ok(ObtainedPassword {
                secret: first,
                generated: false,
                validation: Validation::Enforce,
            });
        }
        for problem in &found {
            prompter.say(problem);
        }
        if offer_bypass && prompter.confirm("Bypass password validation and create user anyway?")? {
            return Ok(ObtainedPassword {
                secret: first,
                generated: false,
                validation: Validation::Skip,
            });
        }
    }
}

/// [`ask_new_password`], judged by the validators for this user.
pub fn ask_password_for(
    prompter: &mut dyn Prompter,
    manager: &UserManager<Store>,
    who: &UserAttributes,
    offer_bypass: bool,
    max_tries: Option<usize>,
) -> Result<ObtainedPassword, CliError> {
    let problems = |p: &SecretString| manager.password_problems(p, who);
    ask_new_password(prompter, &problems, offer_bypass, max_tries)
}

/// A new user's password, got the one way every command that creates a user
/// gets it: a password flag, then `default_env`, or `--generate-password`;
/// else `before_prompt` (which fails what must fail before a prompt) says
/// whether to ask, twice, on `prompter` (Django's loop, with the offer to
/// bypass the validators). `None`: no password, so an unusable one.
pub fn new_user_password(
    args: &NewPasswordArgs,
    default_env: Option<&str>,
    prompter: &mut dyn Prompter,
    manager: &UserManager<Store>,
    who: &UserAttributes,
    before_prompt: impl FnOnce() -> Result<bool, CliError>,
) -> Result<Option<ObtainedPassword>, CliError> {
    if let Some(given) = new_password_from_args(args, default_env)? {
        return Ok(Some(given));
    }
    if !before_prompt()? {
        return Ok(None);
    }
    ask_password_for(prompter, manager, who, true, None).map(Some)
}

impl ObtainedPassword {
    /// The password to pass to the manager, and whether the validators apply
    /// to it (no password: an unusable one, nothing to validate).
    pub fn parts(password: &Option<ObtainedPassword>) -> (Option<&SecretString>, Validation) {
        match password {
            Some(p) => (Some(&p.secret), p.validation),
            None => (None, Validation::Enforce),
        }
    }

    /// A generated password, to be shown once.
    pub fn generated(password: &Option<ObtainedPassword>) -> Option<&str> {
        password
            .as_ref()
            .filter(|p| p.generated)
            .map(|p| p.secret.expose_secret())
    }
}

/// Resolves a new password: a flag, then `default_env`, then generated, then the
/// prompt. `Ok(None)` means no password was available without prompting.
pub fn new_password_from_args(
    args: &NewPasswordArgs,
    default_env: Option<&str>,
) -> Result<Option<ObtainedPassword>, CliError> {
    if args.generate_password {
        return Ok(Some(ObtainedPassword {
            secret: SecretString::from(generate_password()),
            generated: true,
            validation: Validation::Skip,
        }));
    }
    Ok(args
        .source
        .read(default_env)?
        .map(|secret| ObtainedPassword {
            secret,
            generated: false,
            validation: args.validation(),
        }))
}

/// Attributes for the similarity validator.
pub fn attributes<'a>(
    email: &'a str,
    first_name: &'a str,
    last_name: &'a str,
) -> UserAttributes<'a> {
    UserAttributes {
        email,
        first_name,
        last_name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::prompt::scripted::Scripted;

    fn too_short(p: &SecretString) -> Vec<String> {
        if p.expose_secret().len() < 8 {
            vec!["This password is too short. It must contain at least 8 characters.".into()]
        } else {
            vec![]
        }
    }

    #[test]
    fn a_password_typed_twice_the_same_is_taken() {
        let mut op = Scripted::new(&["long enough pw", "long enough pw"]);
        let got = ask_new_password(&mut op, &too_short, true, None).unwrap();
        assert_eq!(got.secret.expose_secret(), "long enough pw");
        assert_eq!(got.validation, Validation::Enforce);
        assert_eq!(op.asked, ["Password", "Password (again)"]);
    }

    #[test]
    fn a_mismatch_or_a_blank_asks_again() {
        let mut op = Scripted::new(&["aaaaaaaaa", "bbbbbbbbb", "", "", "ccccccccc", "ccccccccc"]);
        let got = ask_new_password(&mut op, &too_short, true, None).unwrap();
        assert_eq!(got.secret.expose_secret(), "ccccccccc");
        assert_eq!(
            op.said,
            [
                "Error: Your passwords didn't match.",
                "Error: Blank passwords aren't allowed."
            ]
        );
    }

    #[test]
    fn validator_complaints_are_shown_and_can_be_bypassed() {
        let mut op = Scripted::new(&["short", "short", "y"]);
        let got = ask_new_password(&mut op, &too_short, true, None).unwrap();
        assert_eq!(got.validation, Validation::Skip);
        assert_eq!(
            op.said,
            ["This password is too short. It must contain at least 8 characters."]
        );
        assert_eq!(
            op.asked.last().unwrap(),
            "Bypass password validation and create user anyway?"
        );
    }

    #[test]
    fn declining_the_bypass_asks_for_another_password() {
        let mut op = Scripted::new(&["short", "short", "n", "much longer", "much longer"]);
        let got = ask_new_password(&mut op, &too_short, true, None).unwrap();
        assert_eq!(got.secret.expose_secret(), "much longer");
        assert_eq!(got.validation, Validation::Enforce);
    }

    #[test]
    fn without_bypass_the_tries_run_out() {
        let mut op = Scripted::new(&["short", "short", "a", "b", "x", "x"]);
        let err = ask_new_password(&mut op, &too_short, false, Some(3))
            .err()
            .unwrap();
        assert_eq!(err.to_string(), "password not changed after 3 attempts");
    }
}
