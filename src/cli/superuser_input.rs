//! Where `createsuperuser`'s answers come from, decided up front from the flags,
//! the environment and whether a terminal may be asked: Django's rules for
//! `--noinput` in one place, unit-tested without a terminal. The command then
//! only carries the decisions out (asking, checking, writing).

/// The command's situation: a terminal may be asked (`interactive`), and
/// whether `--no-input` was given (which also means "not interactive").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mode {
    pub interactive: bool,
    pub no_input: bool,
}

/// The environment variable of the address, read only when not prompting.
pub const EMAIL_ENV: &str = "USERDB_SUPERUSER_EMAIL";
/// The environment variable of the password, read only when not prompting.
pub const PASSWORD_ENV: &str = "USERDB_SUPERUSER_PASSWORD";

/// Where the address comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmailFrom {
    Given(String),
    Ask,
}

/// `--email`, else (when not prompting) `USERDB_SUPERUSER_EMAIL`, else asked
/// (which fails with a hint when there is no terminal).
pub fn email(flag: Option<&str>, mode: Mode, env: &dyn Fn(&str) -> Option<String>) -> EmailFrom {
    match flag {
        Some(email) => EmailFrom::Given(email.to_string()),
        None if !mode.interactive => env(EMAIL_ENV).map_or(EmailFrom::Ask, EmailFrom::Given),
        None => EmailFrom::Ask,
    }
}

/// Where custom field values not given by `--set` come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldsFrom {
    /// `USERDB_SUPERUSER_<NAME>` (not prompting).
    Env,
    /// The required ones are asked (a new user, on a terminal).
    Ask,
    /// Only `--set` (an existing user, on a terminal).
    Given,
}

pub fn fields(mode: Mode, new_user: bool) -> FieldsFrom {
    match (mode.interactive, new_user) {
        (false, _) => FieldsFrom::Env,
        (true, true) => FieldsFrom::Ask,
        (true, false) => FieldsFrom::Given,
    }
}

/// The variable a password may come from after the flags: only when not
/// prompting (on a terminal, a stale exported secret must not win silently).
pub fn password_env(mode: Mode) -> Option<&'static str> {
    (!mode.interactive).then_some(PASSWORD_ENV)
}

/// What happens when neither the flags nor the environment give a password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoPassword {
    /// Asked twice on the terminal.
    Ask,
    /// Django's `--noinput`: a new user gets an unusable password (and a warning).
    Unusable,
    /// An update without a password source keeps the user's password.
    KeepCurrent,
    /// `--require-password`: exit 2 rather than a superuser nobody can sign in as.
    Refuse,
}

pub fn no_password(mode: Mode, require_password: bool, existing: bool) -> NoPassword {
    match (mode.no_input, existing) {
        (true, false) if require_password => NoPassword::Refuse,
        (true, false) => NoPassword::Unusable,
        (true, true) => NoPassword::KeepCurrent,
        (false, true) if !mode.interactive => NoPassword::KeepCurrent,
        (false, _) => NoPassword::Ask,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TERMINAL: Mode = Mode {
        interactive: true,
        no_input: false,
    };
    const NO_TERMINAL: Mode = Mode {
        interactive: false,
        no_input: false,
    };
    const NO_INPUT: Mode = Mode {
        interactive: false,
        no_input: true,
    };

    fn env(name: &str) -> Option<String> {
        (name == EMAIL_ENV).then(|| "ci@example.com".to_string())
    }

    #[test]
    fn the_flag_gives_the_address_then_the_environment_when_not_prompting() {
        let given = EmailFrom::Given("a@example.com".into());
        for mode in [TERMINAL, NO_TERMINAL, NO_INPUT] {
            assert_eq!(email(Some("a@example.com"), mode, &env), given);
        }
        let from_env = EmailFrom::Given("ci@example.com".into());
        assert_eq!(email(None, NO_INPUT, &env), from_env);
        assert_eq!(email(None, NO_TERMINAL, &env), from_env);
        // On a terminal the variable is not read: the address is asked.
        assert_eq!(email(None, TERMINAL, &env), EmailFrom::Ask);
        assert_eq!(email(None, NO_INPUT, &|_| None), EmailFrom::Ask);
    }

    #[test]
    fn fields_come_from_the_environment_unless_a_terminal_asks_for_a_new_user() {
        assert_eq!(fields(NO_INPUT, true), FieldsFrom::Env);
        assert_eq!(fields(NO_TERMINAL, false), FieldsFrom::Env);
        assert_eq!(fields(TERMINAL, true), FieldsFrom::Ask);
        assert_eq!(fields(TERMINAL, false), FieldsFrom::Given);
    }

    #[test]
    fn the_password_variable_is_read_only_when_not_prompting() {
        assert_eq!(password_env(NO_INPUT), Some(PASSWORD_ENV));
        assert_eq!(password_env(NO_TERMINAL), Some(PASSWORD_ENV));
        assert_eq!(password_env(TERMINAL), None);
    }

    #[test]
    fn without_a_password_no_input_means_unusable_unless_required() {
        use NoPassword::*;
        assert_eq!(no_password(NO_INPUT, false, false), Unusable);
        assert_eq!(no_password(NO_INPUT, true, false), Refuse);
        assert_eq!(no_password(NO_INPUT, true, true), KeepCurrent);
        assert_eq!(no_password(NO_TERMINAL, false, true), KeepCurrent);
        // Without a terminal the prompt fails with the hint naming the flags.
        assert_eq!(no_password(NO_TERMINAL, false, false), Ask);
        assert_eq!(no_password(TERMINAL, false, false), Ask);
        assert_eq!(no_password(TERMINAL, true, true), Ask);
    }
}
