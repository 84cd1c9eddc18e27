//! The `userdb` command's exit codes: stable, so scripts branch on them. Each
//! [`ErrorKind`](crate::ErrorKind) has one ([`ErrorKind::exit_code`](crate::ErrorKind::exit_code)),
//! and the README's table is [`reference_markdown`] (a test keeps it current).

/// Declares the codes once: the variant, its number and what it means (the
/// README's wording).
macro_rules! exit_codes {
    ($($variant:ident = $code:literal, $meaning:literal;)+) => {
        /// An exit code of the `userdb` command.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[repr(u8)]
        pub enum ExitCode {
            $(#[doc = $meaning] $variant = $code,)+
        }

        impl ExitCode {
            /// Every code, in the README's order.
            pub const ALL: &'static [ExitCode] = &[$(ExitCode::$variant,)+];

            /// What the code means, as the README's table says it.
            pub const fn meaning(self) -> &'static str {
                match self {
                    $(ExitCode::$variant => $meaning,)+
                }
            }
        }
    };
}

exit_codes! {
    Success = 0, "success (also when stdout is a closed pipe, e.g. `userdb list-users | head`)";
    Rejected = 1, "a check said no: an expired account, a reset token wrong/used/expired/replaced/outdated, wrong password, wrong/expired/used/locked one-time code, a token not valid (or not permitted what `--require` asks), a permission not held (`has-perm`), inactive user, no usable password, pending migrations (`migrate --check`), a confirmation declined, tries exhausted";
    Usage = 2, "usage: unknown option or command (clap's), an invalid value (bad email, password rejected by the validators, bad flag value, bad import rows), or input needed with no terminal";
    NotFound = 3, "not found: no such user, no token with that id, no group of that name";
    AlreadyExists = 4, "already exists: the email is taken, the user has a token of that name, a group has that name, or the `backup` file exists (without `--force`)";
    Refused = 5, "refused: a token for a user who must change the password first (or, under `[mfa] required`, enroll a second factor first), a token scope the user does not hold, rate-limited, locked (a sign-in lock after failed passwords: `--json` gives `retry_at`), a safety rail (the last lasting superuser: one that does not expire), or a file userdb will not write (the database's own files, a symbolic link, a device, another user's file)";
    Config = 6, "configuration: the config file or a `USERDB_*` variable is wrong";
    Storage = 7, "storage: the database or a file could not be read or written, no database at the path (for a command that only reads), a PostgreSQL server that cannot be reached or refuses the connection, a write on a read-only standby, a write whose COMMIT outcome is unknown (the connection lost during it), a pooler in statement mode, a server whose advisory locks do not lock (writes only), or a `--db` URL that is neither `postgres://` nor `postgresql://`";
    Delivery = 8, "delivery: an email was not delivered (connection refused, bad SMTP credentials, untrusted certificate, timeout)";
    SecondFactorRequired = 9, "second factor required: the password or login code was right and the user has a second factor, which was not given (`--no-input`, no `USERDB_SECOND_FACTOR`, no line for it on stdin); give a TOTP or recovery code and sign in again";
    Interrupted = 130, "interrupted at a prompt (Ctrl-C); nothing is written";
}

/// The signals a prompt catches besides SIGINT, and what then happens: the
/// process exits as the signal would have, [`ExitCode::signalled`].
const SIGNALLED: (&str, &str) = (
    "129, 131, 143",
    "SIGHUP, SIGQUIT or SIGTERM at a prompt; nothing is written, the terminal's echo and cursor are restored",
);

impl ExitCode {
    /// The number the process exits with (an `i32`, as
    /// [`std::process::ExitStatus::code`] gives it back).
    pub const fn code(self) -> i32 {
        self as i32
    }

    /// The code of a process ended by `signal` at a prompt, as shells report it
    /// (128 + the signal; SIGINT's is [`ExitCode::Interrupted`]).
    pub const fn signalled(signal: i32) -> i32 {
        128 + signal
    }
}

impl From<ExitCode> for std::process::ExitCode {
    fn from(code: ExitCode) -> Self {
        std::process::ExitCode::from(code as u8)
    }
}

/// The README's exit-code table: one row per code, and the signals.
pub fn reference_markdown() -> String {
    let mut out = String::from("| code | meaning |\n|---|---|\n");
    let rows = ExitCode::ALL
        .iter()
        .map(|c| (c.code().to_string(), c.meaning()))
        .chain([(SIGNALLED.0.to_string(), SIGNALLED.1)]);
    for (code, meaning) in rows {
        // A pipe would end the cell.
        out.push_str(&format!("| {code} | {} |\n", meaning.replace('|', "\\|")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Scripts depend on these numbers: they never change.
    #[test]
    fn the_codes_are_unique_and_unchanged() {
        let codes: Vec<i32> = ExitCode::ALL.iter().map(|c| c.code()).collect();
        assert_eq!(codes, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 130]);
        assert_eq!(
            SIGNALLED.0,
            [libc::SIGHUP, libc::SIGQUIT, libc::SIGTERM]
                .map(|s| ExitCode::signalled(s).to_string())
                .join(", ")
        );
        assert_eq!(
            ExitCode::signalled(libc::SIGINT),
            ExitCode::Interrupted.code()
        );
    }

    #[test]
    fn the_table_has_a_row_per_code_and_escapes_pipes() {
        let table = reference_markdown();
        assert_eq!(table.lines().count(), ExitCode::ALL.len() + 3);
        assert!(table.contains("`userdb list-users \\| head`"), "{table}");
        assert!(
            table.contains("\n| 130 | interrupted at a prompt"),
            "{table}"
        );
    }
}
