//! `[mfa]`: the settings of second factors (how enrolments and codes behave)
//! and whom a second factor is required of. Plain values the config reads and
//! the manager obeys; below both, so neither names the other.

use std::time::Duration;

use crate::totp::Skew;
use crate::user::User;

/// `[mfa]`: how enrolments and codes behave.
#[derive(Debug, Clone, PartialEq)]
pub struct SecondFactorSettings {
    /// How long an enrolment waits for its first code.
    pub enrolment_ttl: Duration,
    /// The steps around now a code may come from (at most one either way).
    pub skew: Skew,
    /// The issuer authenticator apps show beside the account.
    pub issuer: String,
}

impl Default for SecondFactorSettings {
    fn default() -> Self {
        SecondFactorSettings {
            enrolment_ttl: Duration::from_secs(600),
            skew: Skew::default(),
            issuer: "userdb".to_string(),
        }
    }
}

/// `[mfa] required`: whom a second factor is required of. A user in scope
/// without a confirmed TOTP is refused every token, as a user who must change
/// the password is, until they enroll one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MfaScope {
    /// Nobody (a user who enrolled still signs in with it).
    #[default]
    None,
    Superusers,
    /// Staff and superusers.
    Staff,
    All,
}

impl MfaScope {
    /// Every variant, in widening order: parsing looks the name up here.
    pub const ALL: [MfaScope; 4] = [
        MfaScope::None,
        MfaScope::Superusers,
        MfaScope::Staff,
        MfaScope::All,
    ];
    /// What `[mfa] required` accepts.
    pub const NAMES: [&'static str; 4] = [
        Self::ALL[0].as_str(),
        Self::ALL[1].as_str(),
        Self::ALL[2].as_str(),
        Self::ALL[3].as_str(),
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            MfaScope::None => "none",
            MfaScope::Superusers => "superusers",
            MfaScope::Staff => "staff",
            MfaScope::All => "all",
        }
    }

    /// Whether the policy asks `user` for a second factor.
    pub fn covers(self, user: &User) -> bool {
        match self {
            MfaScope::None => false,
            MfaScope::Superusers => user.is_superuser,
            MfaScope::Staff => user.is_staff || user.is_superuser,
            MfaScope::All => true,
        }
    }
}

impl std::fmt::Display for MfaScope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for MfaScope {
    type Err = String;

    fn from_str(text: &str) -> std::result::Result<Self, String> {
        let wanted = text.trim().to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|scope| scope.as_str() == wanted)
            .ok_or_else(|| format!("{text:?} is not one of {}", Self::NAMES.join(", ")))
    }
}
