//! Registration settings: whether a new address must be proved before the user
//! may sign in (Django-allauth's `ACCOUNT_EMAIL_VERIFICATION`), and what a
//! password reset does to the user's tokens. The flows themselves are methods of
//! the manager (`src/manager/flows.rs`).

use std::fmt;
use std::str::FromStr;

/// `[registration] verification`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EmailVerification {
    /// An unverified user cannot authenticate, be issued a token, or use one.
    Mandatory,
    /// `register` sends a code, but an unverified user may sign in (the default).
    #[default]
    Optional,
    /// `register` sends no code.
    None,
}

impl EmailVerification {
    /// Every variant: parsing looks the name up here.
    pub const ALL: [EmailVerification; 3] = [
        EmailVerification::Mandatory,
        EmailVerification::Optional,
        EmailVerification::None,
    ];
    /// What `[registration] verification` accepts (the config reference lists them).
    pub const NAMES: [&'static str; 3] = [
        Self::ALL[0].as_str(),
        Self::ALL[1].as_str(),
        Self::ALL[2].as_str(),
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            EmailVerification::Mandatory => "mandatory",
            EmailVerification::Optional => "optional",
            EmailVerification::None => "none",
        }
    }
}

impl fmt::Display for EmailVerification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for EmailVerification {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let wanted = text.trim().to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|policy| policy.as_str() == wanted)
            .ok_or_else(|| format!("{text:?} is not one of {}", Self::NAMES.join(", ")))
    }
}

/// The `[registration]` section.
#[derive(Debug, Clone, PartialEq)]
pub struct RegistrationSettings {
    pub verification: EmailVerification,
    /// A password reset with a code revokes every token of the user (default true).
    pub reset_revokes_tokens: bool,
    /// Answer as a service must: never say whether an address has an account
    /// (`UserManager::reveal_reasons(false)`, `sign_up`). Default false: the
    /// operator is told the plain reason.
    pub conceal_accounts: bool,
}

impl Default for RegistrationSettings {
    fn default() -> Self {
        RegistrationSettings {
            verification: EmailVerification::Optional,
            reset_revokes_tokens: true,
            conceal_accounts: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_policies_parse_and_print_back() {
        for policy in EmailVerification::ALL {
            assert_eq!(policy.as_str().parse::<EmailVerification>(), Ok(policy));
        }
        assert_eq!(" Mandatory ".parse(), Ok(EmailVerification::Mandatory));
        assert!("required".parse::<EmailVerification>().is_err());
        assert_eq!(EmailVerification::default(), EmailVerification::Optional);
    }
}
