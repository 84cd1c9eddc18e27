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
//!    [`admit`]: **the one place for a check every sign-in must pass** (a
//!    required action), and a sign-in (a password, a `login` code) then
//!    [`UserManager::pass_second_factor`], the one place a second factor is
//!    asked for (it needs the store, which `admit` runs without);
//! 4. the effects are written, in the proof's transaction; a token, asked for,
//!    in its own transaction after it;
//! 5. a failure that would tell of the account is given the proof's one answer
//!    (see `conceal.rs`), unless reasons are revealed.

use std::time::Duration;

use jiff::Timestamp;
use secrecy::SecretString;

use super::conceal::ProofKind;
use super::{
    IssuedToken, OneTimeCodes, SecondFactor, SecondFactorUsed, UserManager, Validation, cannot_act,
};
#[cfg(test)]
use super::{Registration, SignedUp};
use crate::access::Permission;
use crate::error::{Error, Result};
use crate::otp::Purpose;
use crate::registration::EmailVerification;
use crate::storage::{OtpStore, ResetTokenStore, SecondFactorStore, TokenStore, UserStore};
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
    /// The second factor offered (a TOTP code or a recovery code) and what
    /// checks it. A user with a confirmed TOTP who signs in (a password, a
    /// `login` code) without one is [`Error::SecondFactorRequired`]; resets
    /// neither ask for it nor remove it.
    pub second_factor: Option<SecondFactorOffer<'a>>,
}

/// A second factor offered to a sign-in: the code, if the caller has one, and
/// the [`SecondFactor`] (settings and key) that checks it.
#[derive(Clone, Copy)]
pub struct SecondFactorOffer<'a> {
    pub mfa: &'a SecondFactor,
    /// A TOTP code or a recovery code; `None`: the caller has none to give
    /// (yet), so a user who needs one is [`Error::SecondFactorRequired`].
    pub code: Option<&'a SecretString>,
}

/// Whether a code was offered: never the code.
impl std::fmt::Debug for SecondFactorOffer<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let code = if self.code.is_some() {
            "[REDACTED]"
        } else {
            "none"
        };
        write!(f, "SecondFactorOffer({code})")
    }
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
            second_factor: None,
        }
    }

    /// The second factor, for a user who has one: `code` (`None`: none yet),
    /// checked with `mfa`.
    pub fn second_factor(mut self, mfa: &'a SecondFactor, code: Option<&'a SecretString>) -> Self {
        self.second_factor = Some(SecondFactorOffer { mfa, code });
        self
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
    /// The second factor the gate took, for a user who has one (a recovery
    /// code says how many are left: say so when 2 or fewer).
    pub second_factor: Option<SecondFactorUsed>,
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

/// A code as [`Proof::Code`] gives it.
pub(super) struct CodeProof<'a> {
    pub purpose: Purpose,
    pub code: &'a SecretString,
    pub codes: &'a OneTimeCodes,
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
/// A later check (a required action) is added here, once, and holds for
/// every proof. The second factor, which needs the store (and runs outside
/// a code's transaction), is [`UserManager::pass_second_factor`], asked
/// right after this by every path that signs in. A refusal is the audit's words and the error;
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

impl<S: UserStore + SecondFactorStore> UserManager<S> {
    /// The gate's second factor: a user with a confirmed TOTP passes only with
    /// a right one `offer`ed (a TOTP code, accepted once per step, or a
    /// recovery code, used up); the one place every sign-in asks for it,
    /// after its proof is right and [`admit`] let it through, before anything
    /// the proof does is written. `Ok(Ok(None))`: the user has none.
    /// `Ok(Err((why, error)))`: refused (`why`, the audit's words), missing
    /// ([`Error::SecondFactorRequired`]) or wrong ([`Error::WrongSecondFactor`],
    /// audited as such); the caller counts it as a failed sign-in. The caller
    /// has reserved the login attempt already, so a locked address never gets
    /// here and every wrong guess is counted.
    pub(super) fn pass_second_factor(
        &mut self,
        user: &User,
        offer: Option<SecondFactorOffer<'_>>,
    ) -> Result<std::result::Result<Option<SecondFactorUsed>, (&'static str, Error)>> {
        if self.store.second_factor(user.id)?.confirmed.is_none() {
            return Ok(Ok(None));
        }
        let (mfa, code) = match offer {
            Some(SecondFactorOffer {
                mfa,
                code: Some(code),
            }) => (mfa, code),
            // No code, or no key to check one with: never let the user through.
            _ => {
                return Ok(Err((
                    "second factor required",
                    Error::SecondFactorRequired(user.email.clone()),
                )));
            }
        };
        match self.check_second_factor(user, code, mfa) {
            Ok(used) => Ok(Ok(Some(used))),
            Err(err @ Error::WrongSecondFactor(_)) => Ok(Err(("wrong second factor", err))),
            // Removed by an operator since it was read: nothing left to ask.
            Err(Error::NoSecondFactor(_)) => Ok(Ok(None)),
            Err(err) => Err(err),
        }
    }

    /// A `login` code's second factor, for a user who has one: the login
    /// throttle's reservation first (a locked address's second factor is not
    /// checked), then [`Self::pass_second_factor`]; a refusal is a failed
    /// sign-in (audited, counted), a pass forgets the failures.
    pub(super) fn code_second_factor(
        &mut self,
        user: &User,
        offer: Option<SecondFactorOffer<'_>>,
    ) -> Result<Option<SecondFactorUsed>> {
        let key = crate::email_address::email_key(&user.email);
        let reservation = self.reserve_login(&key, Some(user.id), &user.email, "second factor")?;
        match self.pass_second_factor(user, offer)? {
            Ok(used) => {
                self.store
                    .clear_login_failures(&key, (user.id, &user.email), &[])?;
                Ok(used)
            }
            Err((why, err)) => {
                Err(self.login_failed(reservation, Some(user.id), &user.email, why, err))
            }
        }
    }
}

impl<S: UserStore + OtpStore + TokenStore + ResetTokenStore + SecondFactorStore> UserManager<S> {
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
            second_factor,
        } = request;
        let first_password = first_password.map(|p| (p.password, p.validation));
        match proof {
            Proof::Password(password) => {
                let (user, second_factor) = self.check_password(email, password, second_factor)?;
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
                    second_factor,
                })
            }
            Proof::Code {
                purpose,
                code,
                codes,
            } => {
                let proof = CodeProof {
                    purpose,
                    code,
                    codes,
                };
                self.code_sign_in(email, proof, first_password, token, second_factor)
            }
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
impl<S: UserStore + OtpStore + TokenStore + ResetTokenStore + SecondFactorStore> UserManager<S> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::email::{Mailer, MemoryBackend};
    use crate::otp::OtpSettings;
    use crate::storage::SqliteStore;
    use crate::token::Rejection;
    use crate::user::{NewUser, UserChanges};

    const STRONG: &str = "correct horse battery staple";

    struct Fixture {
        _dir: tempfile::TempDir,
        manager: UserManager<SqliteStore>,
        outbox: MemoryBackend,
        mailer: Mailer,
        codes: OneTimeCodes,
        password: SecretString,
    }

    fn fixture() -> Fixture {
        let f = crate::manager::mail_fixture(OtpSettings {
            resend_cooldown: Duration::ZERO,
            ..OtpSettings::default()
        });
        Fixture {
            _dir: f.dir,
            manager: f.manager,
            outbox: f.outbox,
            mailer: f.mailer,
            codes: f.codes,
            password: SecretString::from(STRONG),
        }
    }

    impl Fixture {
        /// Ada sets `password` with an operator's reset token made for her.
        fn reset_by_token(&mut self, password: &str) -> SignInOutcome {
            let made = self.manager.create_reset_token("ada@example.com", None);
            let new = SecretString::from(password);
            let proof = Proof::ResetToken {
                token: &made.unwrap().token,
                new_password: new_password(&new),
            };
            let request = SignIn::new("ada@example.com", proof);
            self.manager.sign_in(request).unwrap()
        }

        /// A verified user with a password (given to the first verification).
        fn ada(&mut self) -> User {
            let new = NewUser::new("ada@example.com");
            let password = Some(&self.password);
            self.manager
                .create_user(new, password, Validation::Enforce)
                .unwrap();
            self.code(Purpose::VerifyEmail);
            let code = self.last_code();
            let proof = by_code(Purpose::VerifyEmail, &code, &self.codes);
            let request = SignIn::new("ada@example.com", proof);
            let request = request.first_password(new_password(&self.password));
            self.manager.sign_in(request).unwrap().user
        }

        fn code(&mut self, purpose: Purpose) {
            let (codes, mailer) = (&self.codes, &self.mailer);
            self.manager
                .send_otp("ada@example.com", purpose, codes, mailer)
                .unwrap();
        }

        fn last_code(&self) -> SecretString {
            let messages = self.outbox.messages();
            let body = &messages.last().expect("a message").body;
            let code = body
                .split_whitespace()
                .find(|w| w.len() == 6 && w.bytes().all(|b| b.is_ascii_digit()))
                .expect("a code");
            SecretString::from(code.to_string())
        }

        fn events(&self) -> Vec<String> {
            crate::manager::test_audit(self.manager.store(), "event")
        }
    }

    fn by_code<'a>(purpose: Purpose, code: &'a SecretString, codes: &'a OneTimeCodes) -> Proof<'a> {
        Proof::Code {
            purpose,
            code,
            codes,
        }
    }

    fn new_password(password: &SecretString) -> NewPassword<'_> {
        NewPassword {
            password,
            validation: Validation::Enforce,
        }
    }

    #[test]
    fn every_proof_says_what_happened_to_whom() {
        let mut f = fixture();
        f.ada();
        let password = f.password.clone();
        let signed_in = f
            .manager
            .sign_in(SignIn::new("ADA@example.com", Proof::Password(&password)))
            .unwrap();
        assert_eq!(signed_in.happened, Happened::SignedIn);
        assert_eq!(signed_in.user.email, "ada@example.com");
        assert_eq!(signed_in.user.last_login, Some(f.manager.now()));
        assert!(signed_in.token.is_none());

        f.code(Purpose::Login);
        let code = f.last_code();
        let used = f
            .manager
            .sign_in(SignIn::new(
                "ada@example.com",
                by_code(Purpose::Login, &code, &f.codes),
            ))
            .unwrap();
        assert_eq!(used.happened, Happened::CodeUsed);

        f.manager
            .issue_token("ada@example.com", None, None)
            .unwrap();
        f.code(Purpose::PasswordReset);
        let code = f.last_code();
        let new = SecretString::from("a brand new passphrase 42");
        let proof = Proof::ResetCode {
            code: &code,
            codes: &f.codes,
            new_password: new_password(&new),
        };
        let reset = f
            .manager
            .sign_in(SignIn::new("ada@example.com", proof))
            .unwrap();
        assert_eq!(
            reset.happened,
            Happened::PasswordReset {
                revoked_tokens: Some(1)
            }
        );

        let reset = f.reset_by_token("a newer passphrase still 43");
        let newer = SecretString::from("a newer passphrase still 43");
        assert_eq!(
            reset.happened,
            Happened::PasswordReset {
                revoked_tokens: Some(0)
            }
        );
        let with_newer = SignIn::new("ada@example.com", Proof::Password(&newer));
        f.manager.sign_in(with_newer).unwrap();
    }

    #[test]
    fn a_password_or_a_login_code_ends_with_the_token_asked_for() {
        let mut f = fixture();
        f.ada();
        let password = f.password.clone();
        let ask = TokenAsk {
            name: Some("laptop"),
            lifetime: Some(Duration::from_secs(3600)),
            scopes: &[],
        };
        let by_password = SignIn::new("ada@example.com", Proof::Password(&password));
        let outcome = f.manager.sign_in(by_password.issue_token(ask)).unwrap();
        let issued = outcome.token.expect("a token");
        assert_eq!(issued.info.name, "laptop");
        assert_eq!(
            f.manager.verify_token(&issued.token).unwrap().0.id,
            outcome.user.id
        );

        f.code(Purpose::Login);
        let code = f.last_code();
        let by_code = SignIn::new("ada@example.com", by_code(Purpose::Login, &code, &f.codes));
        let ask = TokenAsk {
            name: Some("phone"),
            ..TokenAsk::default()
        };
        let outcome = f.manager.sign_in(by_code.issue_token(ask)).unwrap();
        assert_eq!(outcome.happened, Happened::SignedIn);
        assert_eq!(outcome.token.expect("a token").info.name, "phone");
    }

    /// What does not go together is refused before any account is looked at:
    /// nothing is counted, used or audited, whoever holds the address.
    #[test]
    fn a_request_that_does_not_hold_together_is_refused_before_the_proof_is_tried() {
        let mut f = fixture();
        f.ada();
        f.code(Purpose::PasswordReset);
        let code = f.last_code();
        let before = f.events();
        let new = SecretString::from("a brand new passphrase 42");
        let password = f.password.clone();
        for email in ["ada@example.com", "nobody@example.com"] {
            let reset = Proof::ResetCode {
                code: &code,
                codes: &f.codes,
                new_password: new_password(&new),
            };
            let reset_with_token = SignIn::new(email, reset).issue_token(TokenAsk::default());
            let err = f.manager.sign_in(reset_with_token).unwrap_err();
            assert!(
                err.to_string()
                    .contains("sign in afterwards to get a token"),
                "{err}"
            );
            let by_password = SignIn::new(email, Proof::Password(&password));
            let with_first_password = by_password.first_password(new_password(&new));
            let err = f.manager.sign_in(with_first_password).unwrap_err();
            assert!(err.to_string().contains("verify-email"), "{err}");
            let long_name = "x".repeat(101);
            let ask = TokenAsk {
                name: Some(&long_name),
                ..TokenAsk::default()
            };
            let by_password = SignIn::new(email, Proof::Password(&password));
            assert!(f.manager.sign_in(by_password.issue_token(ask)).is_err());
        }
        assert_eq!(f.events(), before);
        // The code is still there to be used.
        let reset = Proof::ResetCode {
            code: &code,
            codes: &f.codes,
            new_password: new_password(&new),
        };
        f.manager
            .sign_in(SignIn::new("ada@example.com", reset))
            .unwrap();
    }

    /// The gate: an account that may not act is refused whatever its proof,
    /// with the proof's one answer (or, revealed, the reason), and nothing
    /// the proof would do is written.
    #[test]
    fn an_account_that_may_not_act_is_refused_whatever_its_proof() {
        let mut f = fixture();
        let ada = f.ada();
        let reset_token = f
            .manager
            .create_reset_token("ada@example.com", None)
            .unwrap();
        f.code(Purpose::Login);
        let login = f.last_code();
        let off = UserChanges {
            is_active: Some(false),
            ..UserChanges::default()
        };
        f.manager
            .update_user("ada@example.com", &off, false)
            .unwrap();
        let new = SecretString::from("a brand new passphrase 42");
        let password = f.password.clone();
        for reveal in [false, true] {
            f.manager.reveal_reasons(reveal);
            let proofs = [
                Proof::Password(&password),
                by_code(Purpose::Login, &login, &f.codes),
                Proof::ResetToken {
                    token: &reset_token.token,
                    new_password: new_password(&new),
                },
            ];
            let answers: Vec<Error> = proofs
                .into_iter()
                .map(|proof| {
                    let request = SignIn::new("ada@example.com", proof);
                    f.manager.sign_in(request).unwrap_err()
                })
                .collect();
            if reveal {
                assert!(
                    answers.iter().all(|e| matches!(e, Error::InactiveUser(_))),
                    "{answers:?}"
                );
            } else {
                assert!(matches!(answers[0], Error::InvalidCredentials));
                assert!(matches!(answers[1], Error::InvalidCode));
                assert!(matches!(answers[2], Error::InvalidResetToken));
            }
        }
        let after = f.manager.get_user("ada@example.com").unwrap();
        assert_eq!(after.last_login, ada.last_login);
        assert_eq!(after.password_hash(), ada.password_hash());
    }

    #[test]
    fn a_scope_the_user_does_not_hold_refuses_the_token_and_keeps_the_code() {
        let mut f = fixture();
        f.ada();
        f.manager.reveal_reasons(true);
        f.code(Purpose::Login);
        let code = f.last_code();
        let scopes = [Permission::parse("blog.publish_post").unwrap()];
        let ask = TokenAsk {
            scopes: &scopes,
            ..TokenAsk::default()
        };
        let request = SignIn::new("ada@example.com", by_code(Purpose::Login, &code, &f.codes))
            .issue_token(ask);
        let err = f.manager.sign_in(request).unwrap_err();
        assert!(matches!(err, Error::ScopeNotHeld { .. }), "{err:?}");
        // The code was not used up: it still signs in, with a token of the user's.
        let request = SignIn::new("ada@example.com", by_code(Purpose::Login, &code, &f.codes))
            .issue_token(TokenAsk::default());
        let outcome = f.manager.sign_in(request).unwrap();
        assert!(outcome.token.is_some());
    }

    #[test]
    fn the_outcome_says_when_a_first_verification_discarded_a_password() {
        let mut f = fixture();
        f.manager
            .register(
                NewUser::new("ada@example.com"),
                Some(&f.password.clone()),
                Validation::Enforce,
                &f.codes,
                &f.mailer,
            )
            .unwrap();
        let code = f.last_code();
        let proof = by_code(Purpose::VerifyEmail, &code, &f.codes);
        let outcome = f
            .manager
            .sign_in(SignIn::new("ada@example.com", proof))
            .unwrap();
        assert_eq!(outcome.happened, Happened::CodeUsed);
        assert!(outcome.password_discarded);
        assert!(!outcome.user.has_usable_password);
        // A later verification discards nothing.
        f.code(Purpose::VerifyEmail);
        let code = f.last_code();
        let proof = by_code(Purpose::VerifyEmail, &code, &f.codes);
        let outcome = f
            .manager
            .sign_in(SignIn::new("ada@example.com", proof))
            .unwrap();
        assert!(!outcome.password_discarded);
    }

    #[test]
    fn a_reset_keeps_the_tokens_when_the_settings_say_so() {
        let mut f = fixture();
        f.ada();
        f.manager.set_reset_revokes_tokens(false);
        let kept = f
            .manager
            .issue_token("ada@example.com", None, None)
            .unwrap();
        let outcome = f.reset_by_token("a brand new passphrase 42");
        assert_eq!(
            outcome.happened,
            Happened::PasswordReset {
                revoked_tokens: None
            }
        );
        assert!(f.manager.verify_token(&kept.token).is_ok());
        f.manager.set_reset_revokes_tokens(true);
        f.code(Purpose::PasswordReset);
        let code = f.last_code();
        let again = f.password.clone();
        let proof = Proof::ResetCode {
            code: &code,
            codes: &f.codes,
            new_password: new_password(&again),
        };
        f.manager
            .sign_in(SignIn::new("ada@example.com", proof))
            .unwrap();
        assert!(matches!(
            f.manager.verify_token(&kept.token),
            Err(Error::TokenRejected(Rejection::Revoked { .. }))
        ));
    }

    /// Before a sign-in or a registration, the caller learns of the account
    /// only what the manager's policy lets it: revealed, the account (or that
    /// there is none) and what registering would do; concealed, nothing.
    #[test]
    fn what_a_caller_learns_before_the_proof_follows_the_policy() {
        let mut f = fixture();
        f.ada();
        f.manager
            .register(
                NewUser::new("new@example.com"),
                None,
                Validation::Enforce,
                &f.codes,
                &f.mailer,
            )
            .unwrap();
        f.manager.reveal_reasons(true);
        assert!(
            f.manager
                .sign_in_account("ada@example.com")
                .unwrap()
                .is_some()
        );
        assert!(matches!(
            f.manager.sign_in_account("nobody@example.com"),
            Err(Error::UserNotFound(_))
        ));
        let rule = |f: &Fixture, email| f.manager.registration_for(email).unwrap();
        assert_eq!(
            rule(&f, "ada@example.com"),
            Registration::Taken("ada@example.com".into())
        );
        assert_eq!(rule(&f, "new@example.com"), Registration::Resend);
        assert_eq!(rule(&f, "nobody@example.com"), Registration::New);
        f.manager.reveal_reasons(false);
        for email in ["ada@example.com", "new@example.com", "nobody@example.com"] {
            assert!(f.manager.sign_in_account(email).unwrap().is_none());
            assert_eq!(rule(&f, email), Registration::New);
        }
    }

    #[test]
    fn sign_up_answers_as_the_policy_says() {
        let mut f = fixture();
        f.ada();
        let sign_up = |f: &mut Fixture| {
            f.manager.sign_up(
                NewUser::new("ada@example.com"),
                Some(&SecretString::from(STRONG)),
                Validation::Enforce,
                &f.codes,
                &f.mailer,
            )
        };
        assert!(matches!(sign_up(&mut f), Ok(SignedUp::Concealed(Some(_)))));
        f.manager.reveal_reasons(true);
        assert!(matches!(sign_up(&mut f), Err(Error::AlreadyRegistered(_))));
    }

    /// A login code of a user with a second factor is judged, then the second
    /// factor asked for, and only then used: a missing or wrong second factor
    /// leaves the code (and writes no login); a right one signs in once.
    #[test]
    fn a_login_code_asks_for_the_second_factor_before_it_is_used() {
        let mut f = fixture();
        f.ada();
        f.manager.reveal_reasons(true);
        let key = crate::otp::SecretKey::new("a second-factor key of 32 characters", "test");
        let mfa = SecondFactor::new(Default::default(), key.unwrap());
        let enrolment = f
            .manager
            .enroll_totp("ada@example.com", &mfa, false)
            .unwrap();
        let now = f.manager.clock.now();
        let step = crate::totp::step_at(now);
        let totp = crate::totp::code_at_step(&enrolment.secret, step);
        let totp = SecretString::from(totp.as_str());
        let recovery = f
            .manager
            .confirm_totp("ada@example.com", &totp, &mfa)
            .unwrap();
        f.code(Purpose::Login);
        let code = f.last_code();
        let before = f.manager.get_user("ada@example.com").unwrap();
        let sign_in = |f: &mut Fixture, second: Option<&SecretString>| {
            let proof = by_code(Purpose::Login, &code, &f.codes);
            let request = SignIn::new("ada@example.com", proof)
                .issue_token(TokenAsk::default())
                .second_factor(&mfa, second);
            f.manager.sign_in(request)
        };
        let err = sign_in(&mut f, None).unwrap_err();
        assert!(matches!(err, Error::SecondFactorRequired(_)), "{err:?}");
        // The confirmation used this step: the same TOTP code is a replay.
        let err = sign_in(&mut f, Some(&totp)).unwrap_err();
        assert!(matches!(err, Error::WrongSecondFactor(_)), "{err:?}");
        let after = f.manager.get_user("ada@example.com").unwrap();
        assert_eq!(after.last_login, before.last_login);
        let outcome = sign_in(&mut f, Some(&recovery[0])).unwrap();
        assert_eq!(
            outcome.second_factor,
            Some(SecondFactorUsed::RecoveryCode { left: 9 })
        );
        assert!(outcome.token.is_some());
        // Used now: the code does not sign in again.
        let err = sign_in(&mut f, Some(&recovery[1])).unwrap_err();
        assert!(matches!(err, Error::OtpRejected { .. }), "{err:?}");
    }
}
