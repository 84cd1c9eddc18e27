//! Sign-in, one entry: [`UserManager::sign_in`] takes a [`SignIn`] (who, the
//! [`Proof`] they offer, and what to do once it is right) and answers with a
//! [`SignInOutcome`] (what happened, the user, the token issued).
//!
//! Every proof goes the same way:
//!
//! 1. what depends only on the request is checked, the same for every address
//!    (a proof and an option that do not go together, a token's name and
//!    lifetime): [`UserManager::check_request`];
//! 2. the proof's own path ([`UserManager::check_password`], a code's, a reset
//!    token's) finds the account and tries the proof;
//! 3. once the proof is right, and before anything it does is written (the
//!    login, the code's use, the new password, a token), the account passes
//!    [`admit`]: **the one place for a check every sign-in must pass** (a second
//!    factor, a required action);
//! 4. the effects are written, in the proof's transaction; a token, asked for,
//!    in its own transaction after it;
//! 5. a failure that would tell of the account is given the proof's one answer
//!    (see `conceal.rs`), unless reasons are revealed.

use std::time::Duration;

use jiff::Timestamp;
use secrecy::SecretString;

use super::conceal::ProofKind;
use super::{IssuedToken, OneTimeCodes, UserManager, Validation, cannot_act};
use crate::access::Permission;
use crate::error::{Error, Result};
use crate::otp::Purpose;
use crate::registration::EmailVerification;
use crate::storage::{OtpStore, ResetTokenStore, TokenStore, UserStore};
use crate::user::User;

/// A sign-in request: who, with what proof, and what to do once it is right.
/// Build it with [`SignIn::new`] and the options [`SignIn::issue_token`] and
/// [`SignIn::first_password`].
#[derive(Debug)]
pub struct SignIn<'a> {
    /// The address, as typed (any case).
    pub email: &'a str,
    pub proof: Proof<'a>,
    /// Issue an API token once the proof is right (not with a reset).
    pub token: Option<TokenAsk<'a>>,
    /// With a `verify-email` code: the password the address's first
    /// verification sets (every password, token and code set before it is
    /// discarded). Refused for an address verified already, before the code is
    /// used. Without one, a first verification leaves no usable password.
    pub first_password: Option<NewPassword<'a>>,
}

/// What a caller proves who they are with.
pub enum Proof<'a> {
    /// The account's password (Django's `authenticate`): throttled per address
    /// (`[login]`); a success records the login and upgrades an old hash.
    Password(&'a SecretString),
    /// An emailed code of `purpose`, used up when right. A `verify-email` code
    /// marks the address verified; a `login` code with a token asked signs in;
    /// a `password-reset` code here is only checked and used up
    /// ([`Proof::ResetCode`] sets the password with it).
    Code {
        purpose: Purpose,
        code: &'a SecretString,
        codes: &'a OneTimeCodes,
    },
    /// A `password-reset` code and the new password: in one transaction the
    /// code is used, the password set, the address marked verified (the user
    /// proved it) and, as [`UserManager::set_reset_revokes_tokens`] says, every
    /// token of the user revoked.
    ResetCode {
        code: &'a SecretString,
        codes: &'a OneTimeCodes,
        new_password: NewPassword<'a>,
    },
    /// An operator's reset token (`create-reset-token`) and the new password:
    /// the token is used, the password set, a must-change-password met and
    /// (as for a code) the tokens revoked, in one transaction.
    ResetToken {
        token: &'a SecretString,
        new_password: NewPassword<'a>,
    },
}

/// The kind of proof and a code's purpose: never a secret.
impl std::fmt::Debug for Proof<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Proof::Password(_) => f.write_str("Password"),
            Proof::Code { purpose, .. } => write!(f, "Code({purpose})"),
            Proof::ResetCode { .. } => f.write_str("ResetCode"),
            Proof::ResetToken { .. } => f.write_str("ResetToken"),
        }
    }
}

impl Proof<'_> {
    fn kind(&self) -> ProofKind {
        match self {
            Proof::Password(_) => ProofKind::Password,
            Proof::Code { .. } | Proof::ResetCode { .. } => ProofKind::Code,
            Proof::ResetToken { .. } => ProofKind::ResetToken,
        }
    }

    fn resets(&self) -> bool {
        matches!(
            self,
            Proof::ResetCode { .. }
                | Proof::ResetToken { .. }
                | Proof::Code {
                    purpose: Purpose::PasswordReset,
                    ..
                }
        )
    }
}

/// A password the caller chooses, and whether the validators run on it.
#[derive(Debug, Clone, Copy)]
pub struct NewPassword<'a> {
    pub password: &'a SecretString,
    pub validation: Validation,
}

/// The token a sign-in ends with. Its name and lifetime are checked before
/// the proof is tried; what depends on the account (a name taken, a scope not
/// held, a must-change-password) once the proof is right, before a code is
/// used up.
#[derive(Debug, Clone, Copy, Default)]
pub struct TokenAsk<'a> {
    /// `None`: `token-N`, the first free one.
    pub name: Option<&'a str>,
    /// `None`: it never expires.
    pub lifetime: Option<Duration>,
    /// Empty: the token carries whatever its user holds at each use.
    pub scopes: &'a [Permission],
}

impl<'a> SignIn<'a> {
    pub fn new(email: &'a str, proof: Proof<'a>) -> Self {
        SignIn {
            email,
            proof,
            token: None,
            first_password: None,
        }
    }

    /// Also issue a token once the proof is right.
    pub fn issue_token(mut self, token: TokenAsk<'a>) -> Self {
        self.token = Some(token);
        self
    }

    /// With a `verify-email` code: the password its first verification sets.
    pub fn first_password(mut self, password: NewPassword<'a>) -> Self {
        self.first_password = Some(password);
        self
    }
}

/// What a sign-in did.
#[derive(Debug)]
pub struct SignInOutcome {
    pub happened: Happened,
    /// The user as the sign-in left them.
    pub user: User,
    /// The token asked for, issued (its secret is the only copy).
    pub token: Option<IssuedToken>,
    /// The address's first verification was given no password, so the one
    /// set before it (at registration, by anyone) is unusable now.
    pub password_discarded: bool,
}

/// What a sign-in did, by its proof.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Happened {
    /// The login is recorded (`last_login`, `login_succeeded`): a password, or
    /// a code that ended with a token.
    SignedIn,
    /// A code was right and is used up (a `verify-email` code: the address is
    /// verified); no login is recorded.
    CodeUsed,
    /// The password is set; `revoked_tokens` counts the tokens that were
    /// active and are revoked with it (`None`: the tokens are kept).
    PasswordReset { revoked_tokens: Option<usize> },
}

/// What [`admit`] is asked for one step.
pub(super) struct Admission {
    pub now: Timestamp,
    pub verification: EmailVerification,
    /// The step signs in without proving the address itself: with
    /// `verification = mandatory` the address must be proven already.
    pub needs_proven_address: bool,
}

/// THE one place for a check every sign-in must pass: called by each proof's
/// path once its proof is right and before anything it does is written (the
/// login recorded, the code used up, the new password set, a token issued).
/// A later check (a second factor, a required action) is added here, once,
/// and holds for every proof. A refusal is the audit's words and the error;
/// the path audits it in its own terms and writes nothing else.
///
/// The paths whose proof costs something to try (a code's tries, a reset
/// token's lookup) ask the account's state before the proof too, so that a
/// dead account's proof is not tried; the answer here is the last word.
pub(super) fn admit(admission: &Admission, user: &User) -> Option<(&'static str, Error)> {
    if let Some(refusal) = cannot_act(user, admission.now) {
        return Some(refusal);
    }
    if admission.needs_proven_address
        && admission.verification == EmailVerification::Mandatory
        && user.email_verified_at.is_none()
    {
        return Some((
            "email not verified",
            Error::EmailNotVerified(user.email.clone()),
        ));
    }
    None
}

impl<S: UserStore + OtpStore + TokenStore + ResetTokenStore> UserManager<S> {
    /// Signs a user in, with any proof, in one call (see [`SignIn`] for the
    /// request, [`SignInOutcome`] for the answer).
    ///
    /// Failures are the manager's policy ([`Self::reveal_reasons`]): by
    /// default every failure that would tell whether the address has an
    /// account, or in what state, is the proof's one answer
    /// ([`Error::InvalidCredentials`] for a password, [`Error::InvalidCode`]
    /// for a code, [`Error::InvalidResetToken`] for a reset token); a locked
    /// address is [`Error::LoginLocked`]. Revealed, each says why.
    ///
    /// Transactions: the proof and its effects (the login, the code's use, the
    /// address verified, the password set, tokens revoked) are one; a token
    /// asked for is issued after it is committed, in its own, and whatever
    /// could refuse the token is judged before a code is used up.
    pub fn sign_in(&mut self, request: SignIn<'_>) -> Result<SignInOutcome> {
        let kind = request.proof.kind();
        self.check_request(&request)?;
        let outcome = self.prove(request);
        self.conceal(kind, outcome)
    }

    /// What depends only on the request, the same for every address.
    fn check_request(&self, request: &SignIn<'_>) -> Result<()> {
        if let Some(token) = &request.token {
            if request.proof.resets() {
                return Err(Error::invalid(
                    "purpose",
                    "a password reset does not sign in; sign in afterwards to get a token",
                ));
            }
            self.check_token_args(token.name, token.lifetime)?;
        }
        let verifies = matches!(
            request.proof,
            Proof::Code {
                purpose: Purpose::VerifyEmail,
                ..
            }
        );
        if request.first_password.is_some() && !verifies {
            return Err(Error::invalid(
                "password",
                "only a verify-email code's first verification sets a password",
            ));
        }
        Ok(())
    }

    fn prove(&mut self, request: SignIn<'_>) -> Result<SignInOutcome> {
        let SignIn {
            email,
            proof,
            token,
            first_password,
        } = request;
        let first_password = first_password.map(|p| (p.password, p.validation));
        match proof {
            Proof::Password(password) => {
                let user = self.check_password(email, password)?;
                let token = token
                    .map(|ask| {
                        self.issue_scoped_token(&user.email, ask.name, ask.lifetime, ask.scopes)
                    })
                    .transpose()?;
                Ok(SignInOutcome {
                    happened: Happened::SignedIn,
                    user,
                    token,
                    password_discarded: false,
                })
            }
            Proof::Code {
                purpose,
                code,
                codes,
            } => self.code_sign_in(email, purpose, code, codes, first_password, token),
            Proof::ResetCode {
                code,
                codes,
                new_password,
            } => self.reset_with_code(email, code, codes, new_password),
            Proof::ResetToken {
                token,
                new_password,
            } => self.reset_with_token(email, token, new_password),
        }
    }
}

impl<S: UserStore> UserManager<S> {
    /// The account a sign-in is for, as far as the caller may be told before
    /// the proof (to word its prompts, or to fail before asking for anything):
    /// with reasons revealed, the user, and an unknown address is
    /// [`Error::UserNotFound`]; concealing, `None` whoever holds the address,
    /// so that what is read and asked does not tell.
    pub fn sign_in_account(&self, email: &str) -> Result<Option<User>> {
        if self.conceals() {
            return Ok(None);
        }
        self.get_user(email).map(Some)
    }

    /// What [`admit`] asks of a step.
    pub(super) fn admission(&self, needs_proven_address: bool) -> Admission {
        Admission {
            now: self.clock.now(),
            verification: self.verification,
            needs_proven_address,
        }
    }
}

/// The one-proof calls the manager had before [`UserManager::sign_in`], kept
/// as the unit tests' shorthands: each is a request to the one entry.
#[cfg(test)]
impl<S: UserStore + OtpStore + TokenStore + ResetTokenStore> UserManager<S> {
    pub(super) fn authenticate(&mut self, email: &str, password: &SecretString) -> Result<User> {
        let request = SignIn::new(email, Proof::Password(password));
        self.sign_in(request).map(|o| o.user)
    }

    pub(super) fn authenticate_and_issue_token(
        &mut self,
        email: &str,
        password: &SecretString,
        name: Option<&str>,
        lifetime: Option<Duration>,
    ) -> Result<(User, IssuedToken)> {
        let request = SignIn::new(email, Proof::Password(password)).issue_token(TokenAsk {
            name,
            lifetime,
            scopes: &[],
        });
        self.sign_in(request).map(with_token)
    }

    pub(super) fn verify_otp(
        &mut self,
        email: &str,
        purpose: Purpose,
        code: &SecretString,
        codes: &OneTimeCodes,
    ) -> Result<User> {
        let proof = Proof::Code {
            purpose,
            code,
            codes,
        };
        self.sign_in(SignIn::new(email, proof)).map(|o| o.user)
    }

    pub(super) fn verify_email(
        &mut self,
        email: &str,
        code: &SecretString,
        codes: &OneTimeCodes,
        password: Option<(&SecretString, Validation)>,
    ) -> Result<User> {
        let request = verifying(email, code, codes, password);
        self.sign_in(request).map(|o| o.user)
    }

    pub(super) fn verify_otp_and_issue_token(
        &mut self,
        email: &str,
        purpose: Purpose,
        code: &SecretString,
        codes: &OneTimeCodes,
        name: Option<&str>,
        lifetime: Option<Duration>,
    ) -> Result<(User, IssuedToken)> {
        let proof = Proof::Code {
            purpose,
            code,
            codes,
        };
        let request = SignIn::new(email, proof).issue_token(TokenAsk {
            name,
            lifetime,
            scopes: &[],
        });
        self.sign_in(request).map(with_token)
    }

    pub(super) fn verify_email_and_issue_token(
        &mut self,
        email: &str,
        code: &SecretString,
        codes: &OneTimeCodes,
        password: Option<(&SecretString, Validation)>,
        name: Option<&str>,
        lifetime: Option<Duration>,
    ) -> Result<(User, IssuedToken)> {
        let request = verifying(email, code, codes, password).issue_token(TokenAsk {
            name,
            lifetime,
            scopes: &[],
        });
        self.sign_in(request).map(with_token)
    }

    pub(super) fn reset_password_with_code(
        &mut self,
        email: &str,
        code: &SecretString,
        codes: &OneTimeCodes,
        password: &SecretString,
        validation: Validation,
        revoke_tokens: bool,
    ) -> Result<(User, usize)> {
        self.set_reset_revokes_tokens(revoke_tokens);
        let new_password = NewPassword {
            password,
            validation,
        };
        let proof = Proof::ResetCode {
            code,
            codes,
            new_password,
        };
        let outcome = self.sign_in(SignIn::new(email, proof))?;
        let Happened::PasswordReset { revoked_tokens } = outcome.happened else {
            panic!("a reset answered {:?}", outcome.happened);
        };
        Ok((outcome.user, revoked_tokens.unwrap_or(0)))
    }

    pub(super) fn reset_password_with_token(
        &mut self,
        email: &str,
        token: &SecretString,
        password: &SecretString,
        validation: Validation,
        revoke_tokens: bool,
    ) -> Result<User> {
        self.set_reset_revokes_tokens(revoke_tokens);
        let new_password = NewPassword {
            password,
            validation,
        };
        let proof = Proof::ResetToken {
            token,
            new_password,
        };
        self.sign_in(SignIn::new(email, proof)).map(|o| o.user)
    }
}

#[cfg(test)]
fn verifying<'a>(
    email: &'a str,
    code: &'a SecretString,
    codes: &'a OneTimeCodes,
    password: Option<(&'a SecretString, Validation)>,
) -> SignIn<'a> {
    let proof = Proof::Code {
        purpose: Purpose::VerifyEmail,
        code,
        codes,
    };
    let request = SignIn::new(email, proof);
    match password {
        Some((password, validation)) => request.first_password(NewPassword {
            password,
            validation,
        }),
        None => request,
    }
}

#[cfg(test)]
fn with_token(outcome: SignInOutcome) -> (User, IssuedToken) {
    (outcome.user, outcome.token.expect("a token was asked for"))
}
