//! clap's usage errors, reported like every other error: one line with a hint,
//! or the JSON error object with `--json`, and never an argument's value. A
//! value in the wrong place is often a secret (`authenticate EMAIL 'pa55word'`,
//! `verify-token udb_…`), and clap would repeat it on the terminal and in CI
//! logs.

use clap::error::{ContextKind, ContextValue, ErrorKind};

use super::exit::CliError;

/// What a parse failure becomes: help and version text are printed as clap
/// prints them; everything else is a [`CliError::Usage`].
pub enum ParseFailure {
    Display(clap::Error),
    Usage(CliError),
}

pub fn classify(err: clap::Error, args: &[String]) -> ParseFailure {
    match err.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => ParseFailure::Display(err),
        _ => ParseFailure::Usage(usage_error(&err, args)),
    }
}

fn usage_error(err: &clap::Error, args: &[String]) -> CliError {
    let rendered = err.render().to_string();
    let mut message = String::new();
    let mut hint = String::new();
    for line in rendered.lines() {
        let line = line.trim();
        if let Some(tip) = line.strip_prefix("tip: ") {
            hint = tip.to_string();
        } else if line.starts_with("Usage:") || line.starts_with("For more information") {
            break;
        } else if !line.is_empty() && hint.is_empty() {
            if !message.is_empty() {
                message.push(' ');
            }
            message.push_str(line.strip_prefix("error: ").unwrap_or(line));
        }
    }
    let message = redact_values(err, message);
    if hint.is_empty() {
        hint = match subcommand(args) {
            Some(name) => format!("see `userdb {name} --help`"),
            None => "see `userdb --help`".to_string(),
        };
    }
    CliError::usage(message, hint)
}

/// Removes the values clap quotes: a stray positional or subcommand word is
/// named only as such, and an invalid value is not repeated.
fn redact_values(err: &clap::Error, mut message: String) -> String {
    let quoted = |kind| match err.get(kind) {
        Some(ContextValue::String(value)) => Some(format!("'{value}'")),
        _ => None,
    };
    // For an unknown argument, InvalidArg is the word typed; for a bad value
    // it is the argument's name (`<ID>`), which stays.
    if err.kind() == ErrorKind::UnknownArgument
        && let Some(arg) = quoted(ContextKind::InvalidArg)
        && !arg.starts_with("'-")
    {
        message = message.replace(&arg, "(not repeated here: it may be a secret)");
    }
    if let Some(word) = quoted(ContextKind::InvalidSubcommand) {
        message = message.replace(&word, "(not repeated here: it may be a secret)");
    }
    if let Some(value) = quoted(ContextKind::InvalidValue) {
        message = message.replacen(&format!("{value} "), "", 1);
        message = message.replace(&value, "(the value)");
    }
    // An unknown option given as `--opt=value` carries its value in the name.
    if let Some(ContextValue::String(arg)) = err.get(ContextKind::InvalidArg)
        && let Some((name, _)) = arg.split_once('=')
    {
        message = message.replace(arg.as_str(), name);
    }
    message
}

/// The subcommand named on the command line, if any (for the hint).
fn subcommand(args: &[String]) -> Option<String> {
    let command = super::command();
    args.iter()
        .skip(1)
        .take_while(|a| *a != "--")
        .find(|a| command.find_subcommand(a.as_str()).is_some())
        .cloned()
}

/// `--json` anywhere before `--`: the flag is global, so it may follow the
/// subcommand, and a parse failure happens before clap could tell us.
pub fn wants_json(args: &[String]) -> bool {
    args.iter()
        .skip(1)
        .take_while(|a| *a != "--")
        .any(|a| a == "--json")
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn failure(args: &[&str]) -> String {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let err = super::super::Cli::try_parse_from(&args).unwrap_err();
        match classify(err, &args) {
            ParseFailure::Usage(e) => {
                let CliError::Usage(message, hint) = e else {
                    unreachable!()
                };
                format!("{message}; {hint}")
            }
            ParseFailure::Display(_) => "display".into(),
        }
    }

    #[test]
    fn a_stray_value_is_never_repeated() {
        for (args, secret) in [
            (
                &["userdb", "authenticate", "a@b.co", "MyPassw0rd"][..],
                "MyPassw0rd",
            ),
            (
                &["userdb", "verify-token", "udb_0123456789"],
                "udb_0123456789",
            ),
            (&["userdb", "udb_0123456789"], "udb_0123456789"),
            (&["userdb", "log", "--limit", "s3cret"], "s3cret"),
            (
                &["userdb", "createuser", "a@b.co", "--password=hunter22"],
                "hunter22",
            ),
        ] {
            let text = failure(args);
            assert!(!text.contains(secret), "{args:?}: {text}");
        }
    }

    #[test]
    fn the_message_still_says_what_was_wrong_and_what_to_do() {
        assert_eq!(
            failure(&["userdb", "authenticate", "a@b.co", "pw"]),
            "unexpected argument (not repeated here: it may be a secret) found; see `userdb authenticate --help`"
        );
        assert_eq!(
            failure(&["userdb", "createuser", "a@b.co", "--password", "x"]),
            "unexpected argument '--password' found; a similar argument exists: '--password-env'"
        );
        assert_eq!(
            failure(&["userdb", "log", "--limit", "abc"]),
            "invalid value for '--limit <N>': invalid digit found in string; see `userdb log --help`"
        );
        assert_eq!(
            failure(&["userdb", "send-otp"]),
            "the following required arguments were not provided: <EMAIL>; see `userdb send-otp --help`"
        );
        assert_eq!(
            failure(&["userdb", "revoke-token", "ada@example.com"]),
            "invalid value for '[ID]': a token id is a number; to revoke every token of a user, use --all EMAIL; see `userdb revoke-token --help`"
        );
        assert_eq!(failure(&["userdb", "--help"]), "display");
    }
}
