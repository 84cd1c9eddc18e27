//! The registration and sign-in flows, each one call: register (user + emailed
//! code), a code or a password exchanged for a token, a password reset with a
//! code. They are built from the single steps ([`UserManager::send_otp`],
//! [`UserManager::verify_otp`], [`UserManager::authenticate`],
//! [`UserManager::issue_token`]) and add only the order and the checks made
//! before anything is used up.
//!
//! Transactions: a token is issued strictly after the committed check (the code's
//! use, or the recorded login), in its own transaction; everything that could make
//! the issue fail (the name, the lifetime, the name already taken, the
//! verification policy) is checked before the code is used up. A password reset
//! (code used, password set, address verified, tokens revoked) is one transaction.

use std::time::Duration;

use secrecy::SecretString;
use serde::Serialize;

use super::tokens::{IssuedToken, clean_token_name, expiry};
use super::{OneTimeCodes, OtpSent, UserManager, Validation, attributes};
use crate::email::Mailer;
use crate::email_address::parse_email;
use crate::error::{Error, Result};
use crate::otp::Purpose;
use crate::registration::EmailVerification;
use crate::storage::{OtpStore, TokenStore, UserStore};
use crate::user::{NewUser, User};

/// The outcome of [`UserManager::register`].
#[derive(Debug, Clone, Serialize)]
pub struct Registered {
    pub user: User,
    /// False when the address was registered already (not verified): the code
    /// was sent again.
    pub created: bool,
    /// The verification code that left; `None` with `verification = none`.
    pub otp: Option<OtpSent>,
}

impl<S: UserStore + OtpStore + TokenStore> UserManager<S> {
    /// Registers a user with the address unverified and emails the `verify-email`
    /// code (not with `verification = none`). For an address that is registered
    /// but not verified it sends the code again (the cooldown and the hourly cap
    /// hold; the password and names given are not applied); a verified address,
    /// or any existing one with `verification = none`, is [`Error::UserExists`].
    ///
    /// When the code cannot be sent the user stays registered and unverified, as
    /// a failed `send_otp` leaves no live code: the error
    /// ([`Error::RegisteredCodeNotSent`], of the send error's kind) says to resend.
    pub fn register(
        &mut self,
        new: NewUser,
        password: Option<&SecretString>,
        validation: Validation,
        codes: &OneTimeCodes,
        mailer: &Mailer,
    ) -> Result<Registered> {
        let email = parse_email(&new.email)?;
        let sends = self.verification != EmailVerification::None;
        if let Some(existing) = self.find_user(&email)? {
            if existing.email_verified_at.is_some() || !sends {
                return Err(Error::UserExists(existing.email));
            }
            let otp = self.send_otp(&existing.email, Purpose::VerifyEmail, codes, mailer)?;
            let user = self.get_user(&existing.email)?;
            return Ok(Registered {
                user,
                created: false,
                otp: Some(otp),
            });
        }
        let new = NewUser { email, ..new };
        let user = self.insert(new, password, validation, "user_registered")?;
        if !sends {
            return Ok(Registered {
                user,
                created: true,
                otp: None,
            });
        }
        match self.send_otp(&user.email, Purpose::VerifyEmail, codes, mailer) {
            Ok(otp) => Ok(Registered {
                user,
                created: true,
                otp: Some(otp),
            }),
            Err(source) => Err(Error::RegisteredCodeNotSent {
                email: user.email,
                source: Box::new(source),
            }),
        }
    }

    /// Checks a code and, when it is right, issues a token (password-less sign-in
    /// with [`Purpose::Login`], or the end of a registration with
    /// [`Purpose::VerifyEmail`]). The token is issued after the code's use is
    /// committed; what could refuse the token is checked before the code is used.
    pub fn verify_otp_and_issue_token(
        &mut self,
        email: &str,
        purpose: Purpose,
        code: &SecretString,
        codes: &OneTimeCodes,
        token_name: Option<&str>,
        lifetime: Option<Duration>,
    ) -> Result<(User, IssuedToken)> {
        if purpose == Purpose::PasswordReset {
            return Err(Error::invalid(
                "purpose",
                "a password-reset code resets the password; sign in afterwards to get a token",
            ));
        }
        let user = self.get_user(email)?;
        self.check_token_request(&user, token_name, lifetime)?;
        // A verify-email code proves the address itself; any other needs it proved.
        if purpose != Purpose::VerifyEmail && self.blocked_unverified(&user) {
            return Err(Error::EmailNotVerified(user.email));
        }
        let user = self.verify_otp(&user.email, purpose, code, codes)?;
        let issued = self.issue_token(&user.email, token_name, lifetime)?;
        Ok((user, issued))
    }

    /// A password sign-in that returns a token (DRF's `obtain_auth_token`): the
    /// login is recorded first, then the token is issued.
    pub fn authenticate_and_issue_token(
        &mut self,
        email: &str,
        password: &SecretString,
        token_name: Option<&str>,
        lifetime: Option<Duration>,
    ) -> Result<(User, IssuedToken)> {
        if let Some(user) = self.find_user(email)? {
            self.check_token_request(&user, token_name, lifetime)?;
        }
        let user = self.authenticate(email, password)?;
        let issued = self.issue_token(&user.email, token_name, lifetime)?;
        Ok((user, issued))
    }

    /// Resets a password with a `password-reset` code: the new password is
    /// validated and hashed first, then in one transaction the code is used up,
    /// the password set, the address marked verified (the user proved it) and,
    /// with `revoke_tokens`, every token of the user revoked. Returns the user and
    /// how many tokens were active before.
    pub fn reset_password_with_code(
        &mut self,
        email: &str,
        code: &SecretString,
        codes: &OneTimeCodes,
        new_password: &SecretString,
        validation: Validation,
        revoke_tokens: bool,
    ) -> Result<(User, usize)> {
        let user = self.get_user(email)?;
        let hash = self.hash_new_password(new_password, &attributes(&user), validation)?;
        let unrevoked = if revoke_tokens {
            self.store
                .list_tokens(Some(user.id))?
                .iter()
                .filter(|t| t.revoked_at.is_none())
                .count()
        } else {
            0
        };
        let user = self.check_code(
            &user.email,
            Purpose::PasswordReset,
            code,
            codes,
            Some((hash, revoke_tokens)),
        )?;
        Ok((user, unrevoked))
    }

    /// What would refuse a token, checked before a code or a login is used up.
    fn check_token_request(
        &self,
        user: &User,
        token_name: Option<&str>,
        lifetime: Option<Duration>,
    ) -> Result<()> {
        if let Some(d) = lifetime {
            expiry(self.clock.now(), d)?;
        }
        if let Some(name) = token_name.map(clean_token_name).transpose()? {
            let taken = self
                .store
                .list_tokens(Some(user.id))?
                .iter()
                .any(|t| t.revoked_at.is_none() && t.name == name);
            if taken {
                return Err(Error::TokenNameTaken {
                    email: user.email.clone(),
                    name,
                });
            }
        }
        Ok(())
    }
}
