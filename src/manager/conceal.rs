//! A service's answers ([`UserManager::reveal_reasons`] off, the library's
//! default; `[registration] conceal_accounts` on the command line) never say
//! whether an address has an account, nor in what state it is. This is the one
//! place that decides what such a failure looks like: each kind of proof a
//! caller offers (a password, an emailed code, a reset token) fails with one
//! answer, whether the address is unknown, its user inactive, expired or
//! unverified, or the proof wrong, used, expired or locked.
//!
//! The flows keep their side of it: whatever depends only on what the caller
//! gave (a malformed code or token, a weak new password, a token name too long)
//! is checked the same way for every address, before the account is looked at;
//! what depends on the account (a taken token name, a must-change-password) is
//! judged only once the proof is right.

use super::UserManager;
use crate::error::{Error, Result};
use crate::password::UserAttributes;
use crate::storage::UserStore;
use crate::token::ResetRejection;
use crate::user::User;

/// What a caller proves who they are with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ProofKind {
    Password,
    Code,
    ResetToken,
}

impl ProofKind {
    /// The one answer to a proof that failed.
    fn failure(self) -> Error {
        match self {
            ProofKind::Password => Error::InvalidCredentials,
            ProofKind::Code => Error::InvalidCode,
            ProofKind::ResetToken => Error::InvalidResetToken,
        }
    }
}

/// An error that says something of the account behind an address.
fn tells_of_the_account(err: &Error) -> bool {
    match err {
        Error::ResetTokenRejected(reason) => !matches!(reason, ResetRejection::Malformed(_)),
        Error::UserNotFound(_)
        | Error::WrongPassword(_)
        | Error::UnusablePassword(_)
        | Error::InactiveUser(_)
        | Error::InactiveUserToken(_)
        | Error::AccountExpired { .. }
        | Error::EmailNotVerified(_)
        | Error::AddressAlreadyVerified(_)
        | Error::OtpRejected { .. } => true,
        _ => false,
    }
}

impl<S: UserStore> UserManager<S> {
    /// `result`, with any failure that tells of the account replaced by the
    /// proof's one answer, unless reasons are revealed.
    pub(super) fn conceal<T>(&self, proof: ProofKind, result: Result<T>) -> Result<T> {
        match result {
            Err(err) if !self.reveal_reasons && tells_of_the_account(&err) => Err(proof.failure()),
            other => other,
        }
    }

    /// Whether answers are concealed.
    pub(super) fn conceals(&self) -> bool {
        !self.reveal_reasons
    }

    /// What a new password is checked against: the account's address and names,
    /// or, when concealing, the address as the caller gave it (the same checks
    /// for an unknown address as for a known one; the names would tell them apart).
    pub(super) fn checked_against<'a>(
        &self,
        email: &'a str,
        user: Option<&'a User>,
    ) -> UserAttributes<'a> {
        match user {
            Some(user) if self.reveal_reasons => super::attributes(user),
            _ => UserAttributes {
                email,
                first_name: "",
                last_name: "",
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_what_tells_of_the_account_is_concealed() {
        assert!(tells_of_the_account(&Error::UserNotFound("a@b.c".into())));
        assert!(tells_of_the_account(&Error::ResetTokenRejected(
            ResetRejection::Wrong
        )));
        assert!(!tells_of_the_account(&Error::BlankPassword));
        assert!(!tells_of_the_account(&Error::MustChangePassword(
            "a@b.c".into()
        )));
    }
}
