//! The registration flows and the code paths of sign-in: register (user +
//! emailed code), sign up (the same, answered as the manager's policy says), a
//! code exchanged for a token, a password reset with a code. They are built
//! from the single steps ([`UserManager::send_otp`], the code's check,
//! [`UserManager::issue_token`]) and add only the order and the checks made
//! before anything is used up; [`UserManager::sign_in`] (`sign_in.rs`) is the
//! one entry to the sign-in paths.
//!
//! Transactions: a token is issued strictly after the committed check (the code's
//! use, or the recorded login), in its own transaction; everything that could make
//! the issue fail is judged before the code is used up: the name's form and the
//! lifetime first, then, in the code's transaction once the code is right, the
//! name already taken, a scope not held and [`super::tokens::token_refusal`]'s
//! rule on the user as the code's step leaves them (a refusal writes nothing but
//! its audit row). A password reset (code used, password set, address verified,
//! tokens revoked) is one transaction.

use std::time::Duration;

use secrecy::SecretString;
use serde::Serialize;

use super::otp::CodeUse;
use super::sign_in::{
    CodeProof, Happened, NewPassword, SecondFactorOffer, SignInOutcome, TokenAsk,
};
use super::tokens::{clean_token_name, expiry};
use super::{OneTimeCodes, OtpSent, SecondFactorUsed, UserManager, Validation};
use crate::audit::AuditEvent;
use crate::email::Mailer;
use crate::email_address::parse_email;
use crate::error::{Error, Result};
use crate::otp::Purpose;
use crate::registration::EmailVerification;
use crate::storage::{OtpStore, SecondFactorStore, TokenStore, UserStore};
use crate::user::{NewUser, User};

/// What registering an address does, by the one rule for it
/// ([`UserManager::registration_for`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Registration {
    /// No account holds the address: a new user is registered.
    New,
    /// Registered but not verified (and codes are sent): the code is sent
    /// again; nothing else given is applied (no password is needed).
    Resend,
    /// Verified, or taken with `verification = none`:
    /// [`Error::AlreadyRegistered`].
    Taken(String),
}

/// The outcome of [`UserManager::sign_up`]: what the caller may be told.
#[derive(Debug, Clone)]
pub enum SignedUp {
    /// Reasons revealed: [`UserManager::register`]'s outcome.
    Registered(Box<Registered>),
    /// Concealing: the message that left (`None`: a new user with
    /// `verification = none`), the same whether or not the address had an
    /// account.
    Concealed(Option<OtpSent>),
}

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

impl<S: UserStore + OtpStore + TokenStore + SecondFactorStore> UserManager<S> {
    /// Registers a user with the address unverified and emails the `verify-email`
    /// code (not with `verification = none`). For an address that is registered
    /// but not verified it sends the code again (the cooldown and the hourly cap
    /// hold; the password and names given are not applied); a verified address,
    /// or any existing one with `verification = none`, is
    /// [`Error::AlreadyRegistered`] (of kind `AlreadyExists`).
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
        match self.registration_rule(&email)? {
            Registration::New => {}
            Registration::Taken(email) => return Err(Error::AlreadyRegistered(email)),
            Registration::Resend => {
                let otp = self.send_otp(&email, Purpose::VerifyEmail, codes, mailer)?;
                let user = self.get_user(&email)?;
                return Ok(Registered {
                    user,
                    created: false,
                    otp: Some(otp),
                });
            }
        }
        // Self-service sign-up never picks its own groups, and chose its password.
        let new = NewUser {
            email,
            groups: Vec::new(),
            must_change_password: Some(false),
            ..new
        };
        let user = self.insert(new, password, validation, AuditEvent::UserRegistered)?;
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

    /// What registering `email` would do, as far as the caller may be told
    /// before it registers (e.g. whether to ask for a password): with reasons
    /// revealed, the rule's answer ([`Registration`]); concealing
    /// ([`Self::reveal_reasons`] off), [`Registration::New`] whoever holds the
    /// address, so that what is asked does not tell.
    pub fn registration_for(&self, email: &str) -> Result<Registration> {
        if self.conceals() {
            parse_email(email)?;
            return Ok(Registration::New);
        }
        self.registration_rule(email)
    }

    /// The one rule: a registered address that is not verified gets its code
    /// again (when codes are sent); any other registered address is taken.
    fn registration_rule(&self, email: &str) -> Result<Registration> {
        let sends = self.verification != EmailVerification::None;
        Ok(match self.find_user(email)? {
            None => Registration::New,
            Some(existing) if existing.email_verified_at.is_none() && sends => Registration::Resend,
            Some(existing) => Registration::Taken(existing.email),
        })
    }

    /// Registration as the manager's policy answers it: with reasons revealed
    /// (the operator's command line), [`Self::register`]; concealing (the
    /// library's default), an answer that never says whether the address had
    /// an account (a new address is registered, a registered one gets its
    /// code again or a notice, after the same work).
    pub fn sign_up(
        &mut self,
        new: NewUser,
        password: Option<&SecretString>,
        validation: Validation,
        codes: &OneTimeCodes,
        mailer: &Mailer,
    ) -> Result<SignedUp> {
        if self.conceals() {
            self.sign_up_concealed(new, password, validation, codes, mailer)
                .map(SignedUp::Concealed)
        } else {
            self.register(new, password, validation, codes, mailer)
                .map(|registered| SignedUp::Registered(Box::new(registered)))
        }
    }

    /// Registration as a service offers it to the public: the answer never says
    /// whether the address had an account. A new address is registered as by
    /// [`Self::register`]; a registered, unverified one gets its code again (the
    /// password and names given are not applied); a verified one gets a
    /// [`Notice`](crate::notice::Notice) that it has an account already, and an
    /// inactive one a notice that it is inactive. Each answers with the message
    /// that left, after the same work (the password is validated and hashed in
    /// every case) and within the same per-address limits.
    ///
    /// With `verification = none` there is no private channel to the owner, so
    /// a taken address is [`Error::AlreadyRegistered`] as in [`Self::register`],
    /// and a new one answers `None`. A custom field that must be unique can still
    /// tell that another account holds a value.
    fn sign_up_concealed(
        &mut self,
        new: NewUser,
        password: Option<&SecretString>,
        validation: Validation,
        codes: &OneTimeCodes,
        mailer: &Mailer,
    ) -> Result<Option<OtpSent>> {
        let email = parse_email(&new.email)?;
        let rule = self.registration_rule(&email)?;
        if rule == Registration::New || self.verification == EmailVerification::None {
            return self
                .register(new, password, validation, codes, mailer)
                .map(|registered| registered.otp);
        }
        let existing = self.get_user(&email)?;
        // The checks and the hash a new registration makes, kept from nobody.
        std::hint::black_box(self.new_user_record(
            NewUser {
                email,
                groups: Vec::new(),
                must_change_password: Some(false),
                ..new
            },
            password,
            validation,
        )?);
        if rule == Registration::Resend || !existing.is_active {
            // An inactive user gets the inactive notice from send_otp.
            let reveal = std::mem::replace(&mut self.reveal_reasons, false);
            let sent = self.send_otp(&existing.email, Purpose::VerifyEmail, codes, mailer);
            self.reveal_reasons = reveal;
            return sent.map(Some);
        }
        self.send_notice(
            &existing.email,
            Some(existing.id),
            crate::notice::Notice::AlreadyRegistered,
            Purpose::VerifyEmail,
            codes,
            mailer,
        )
        .map(Some)
    }

    /// A code's path of [`Self::sign_in`]: a code checked and used up and, with
    /// `token`, a sign-in recorded with the code's use and then a token (a
    /// `login` code: password-less sign-in; a `verify-email` code: the end of
    /// a registration). What could refuse the token is judged with the code,
    /// once it is right, and leaves the code unused.
    ///
    /// A `login` code of a user with a confirmed TOTP is judged first without
    /// being used; once it is right (and the account admitted), the second
    /// factor is asked for under the login throttle
    /// ([`Self::code_second_factor`]), and only then is the code used up.
    pub(super) fn code_sign_in(
        &mut self,
        email: &str,
        proof: CodeProof<'_>,
        password: Option<(&SecretString, Validation)>,
        token: Option<TokenAsk<'_>>,
        offer: Option<SecondFactorOffer<'_>>,
    ) -> Result<SignInOutcome> {
        let CodeProof {
            purpose,
            code,
            codes,
        } = proof;
        let Some(ask) = token else {
            let proof_password = self.proof_password(email, password)?;
            let usage = CodeUse {
                proof_password,
                ..CodeUse::default()
            };
            let second_factor = self.code_gate(email, &proof, &usage, offer)?;
            let used = self.check_code(email, purpose, code, codes, usage)?;
            return Ok(SignInOutcome {
                happened: Happened::CodeUsed,
                user: used.user,
                token: None,
                password_discarded: used.password_discarded,
                second_factor,
            });
        };
        // What depends only on the request first, then the account: the
        // token's own refusals (a taken name, a scope not held, a
        // must-change-password) are judged with the code, once it is right,
        // and leave it unused.
        let name = ask.name.map(clean_token_name).transpose()?;
        let proof_password = self.proof_password(email, password)?;
        let user = self.get_user(email)?;
        // A verify-email code proves the address itself; any other needs it proved.
        if purpose != Purpose::VerifyEmail && self.blocked_unverified(&user) {
            return Err(Error::EmailNotVerified(user.email));
        }
        let missing_scopes = if ask.scopes.is_empty() {
            Vec::new()
        } else {
            let held = self.effective_permissions(&user)?;
            held.missing(ask.scopes)
                .iter()
                .map(|p| p.to_string())
                .collect()
        };
        let usage = CodeUse {
            proof_password,
            sign_in: true,
            token: Some(name),
            missing_scopes,
            unenrolled: self.lacks_required_second_factor(&user)?,
            ..CodeUse::default()
        };
        let second_factor = self.code_gate(&user.email, &proof, &usage, offer)?;
        let used = self.check_code(&user.email, purpose, code, codes, usage)?;
        let issued =
            self.issue_scoped_token(&used.user.email, ask.name, ask.lifetime, ask.scopes)?;
        Ok(SignInOutcome {
            happened: Happened::SignedIn,
            user: used.user,
            token: Some(issued),
            password_discarded: used.password_discarded,
            second_factor,
        })
    }

    /// The gate's second factor on a `login` code's path, for a user with a
    /// confirmed TOTP: the code judged as `usage` would use it, but not used
    /// (a wrong one counts its try as always), then the second factor. Any
    /// other code, or a user without one: nothing to ask.
    fn code_gate(
        &mut self,
        email: &str,
        proof: &CodeProof<'_>,
        usage: &CodeUse,
        offer: Option<SecondFactorOffer<'_>>,
    ) -> Result<Option<SecondFactorUsed>> {
        if proof.purpose != Purpose::Login {
            return Ok(None);
        }
        // An unknown address: the code's own check says so, as before.
        let Ok(Some(user)) = self.find_user(email) else {
            return Ok(None);
        };
        if self.store.second_factor(user.id)?.confirmed.is_none() {
            return Ok(None);
        }
        let judged_only = CodeUse {
            judge_only: true,
            ..usage.clone()
        };
        self.check_code(email, proof.purpose, proof.code, proof.codes, judged_only)?;
        self.code_second_factor(&user, offer)
    }

    /// A `password-reset` code's path of [`Self::sign_in`]: the new password
    /// is validated and hashed first, then in one transaction the code is used
    /// up, the password set, the address marked verified (the user proved it)
    /// and, as [`Self::set_reset_revokes_tokens`] says, every token of the user
    /// revoked.
    pub(super) fn reset_with_code(
        &mut self,
        email: &str,
        code: &SecretString,
        codes: &OneTimeCodes,
        new_password: NewPassword<'_>,
    ) -> Result<SignInOutcome> {
        let revoke_tokens = self.reset_revokes_tokens;
        let email = parse_email(email)?;
        let user = self.find_user(&email)?;
        if user.is_none() && !self.conceals() {
            return Err(Error::UserNotFound(email));
        }
        // When concealing, the new password is checked and hashed for an
        // unknown address too (a weak one is refused alike), against the
        // address alone.
        let against = self.checked_against(&email, user.as_ref());
        let hash =
            self.hash_new_password(new_password.password, &against, new_password.validation)?;
        let unrevoked = match &user {
            Some(user) if revoke_tokens => self.unrevoked_tokens(user)?,
            _ => 0,
        };
        let used = self.check_code(
            &email,
            Purpose::PasswordReset,
            code,
            codes,
            CodeUse {
                reset: Some((hash, revoke_tokens)),
                ..CodeUse::default()
            },
        )?;
        Ok(SignInOutcome {
            happened: Happened::PasswordReset {
                revoked_tokens: revoke_tokens.then_some(unrevoked),
            },
            user: used.user,
            token: None,
            password_discarded: false,
            second_factor: None,
        })
    }

    /// A token's name and lifetime are acceptable.
    pub(super) fn check_token_args(
        &self,
        token_name: Option<&str>,
        lifetime: Option<Duration>,
    ) -> Result<()> {
        if let Some(d) = lifetime {
            expiry(self.clock.now(), d)?;
        }
        token_name.map(clean_token_name).transpose()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::*;
    use crate::email::{EmailBackend, MemoryBackend, Message};
    use crate::otp::OtpSettings;
    use crate::storage::SqliteStore;
    use crate::token::Rejection;

    const STRONG: &str = "correct horse battery staple";

    struct Fixture {
        _dir: tempfile::TempDir,
        manager: UserManager<SqliteStore>,
        outbox: MemoryBackend,
        mailer: Mailer,
        codes: OneTimeCodes,
    }

    impl Fixture {
        fn last_code(&self) -> SecretString {
            let messages = self.outbox.messages();
            let body = &messages.last().expect("a message").body;
            let code = body
                .split_whitespace()
                .find(|w| w.len() == 6 && w.bytes().all(|b| b.is_ascii_digit()))
                .expect("a code");
            SecretString::from(code.to_string())
        }

        fn register(&mut self, email: &str) -> Result<Registered> {
            self.manager.register(
                NewUser::new(email),
                Some(&SecretString::from(STRONG)),
                Validation::Enforce,
                &self.codes,
                &self.mailer,
            )
        }

        fn events(&self) -> Vec<String> {
            crate::manager::test_audit(self.manager.store(), "event")
        }
    }

    fn fixture() -> Fixture {
        let f = crate::manager::mail_fixture(OtpSettings::default());
        Fixture {
            _dir: f.dir,
            manager: f.manager,
            outbox: f.outbox,
            mailer: f.mailer,
            codes: f.codes,
        }
    }

    #[test]
    fn register_then_the_code_gives_a_verified_user_and_a_token() {
        let mut f = fixture();
        let registered = f.register("ada@example.com").unwrap();
        assert!(registered.created);
        assert_eq!(registered.user.email_verified_at, None);
        assert_eq!(registered.otp.unwrap().purpose, "verify-email");
        let code = f.last_code();
        let password = SecretString::from(STRONG);
        let (user, issued) = f
            .manager
            .verify_email_and_issue_token(
                "ada@example.com",
                &code,
                &f.codes,
                Some((&password, Validation::Enforce)),
                Some("laptop"),
                None,
            )
            .unwrap();
        assert!(user.email_verified_at.is_some());
        assert_eq!(user.last_login, Some(f.manager.now()));
        f.manager
            .authenticate("ada@example.com", &password)
            .unwrap();
        assert_eq!(issued.info.name, "laptop");
        let (owner, _) = f.manager.verify_token(&issued.token).unwrap();
        assert_eq!(owner.id, user.id);
        assert_eq!(
            f.events(),
            [
                "user_registered",
                "otp_sent",
                "otp_verified",
                "password_changed",
                "login_succeeded",
                "token_issued",
                "login_succeeded",
                "token_used",
            ]
        );
    }

    #[test]
    fn registering_a_verified_address_again_is_an_error_and_sends_nothing() {
        let mut f = fixture();
        f.register("ada@example.com").unwrap();
        let code = f.last_code();
        f.manager
            .verify_otp("ada@example.com", Purpose::VerifyEmail, &code, &f.codes)
            .unwrap();
        let err = f.register("Ada@EXAMPLE.com").unwrap_err();
        assert!(matches!(err, Error::AlreadyRegistered(_)), "{err:?}");
        assert_eq!(f.outbox.messages().len(), 1);
    }

    #[test]
    fn registering_an_unverified_address_again_is_held_to_the_cooldown() {
        let mut f = fixture();
        f.register("ada@example.com").unwrap();
        let err = f.register("ada@example.com").unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::Refused);
    }

    #[test]
    fn with_verification_none_no_code_is_sent() {
        let mut f = fixture();
        f.manager.set_email_verification(EmailVerification::None);
        let registered = f.register("ada@example.com").unwrap();
        assert!(registered.otp.is_none());
        assert!(f.outbox.messages().is_empty());
        assert!(matches!(
            f.register("ada@example.com"),
            Err(Error::AlreadyRegistered(_))
        ));
    }

    struct Refusing;

    impl EmailBackend for Refusing {
        fn send(&self, _: &Message) -> Result<()> {
            Err(Error::Delivery("connection refused".into()))
        }
        fn describe(&self) -> String {
            "nowhere".into()
        }
    }

    #[test]
    fn a_code_that_did_not_leave_leaves_the_user_unverified_with_an_error_of_its_kind() {
        let mut f = fixture();
        let refusing = Mailer::new(Box::new(Refusing), "noreply@example.com");
        let err = f
            .manager
            .register(
                NewUser::new("ada@example.com"),
                None,
                Validation::Enforce,
                &f.codes,
                &refusing,
            )
            .unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::Delivery);
        assert!(matches!(err, Error::RegisteredCodeNotSent { .. }));
        // Registering again resends (the failed send did not count).
        let registered = f.register("ada@example.com").unwrap();
        assert!(!registered.created);
        assert_eq!(f.outbox.messages().len(), 1);
    }

    #[test]
    fn mandatory_verification_refuses_sign_in_tokens_and_their_use() {
        let mut f = fixture();
        f.register("ada@example.com").unwrap();
        let before = f
            .manager
            .issue_token("ada@example.com", None, None)
            .unwrap();
        f.manager
            .set_email_verification(EmailVerification::Mandatory);
        let password = SecretString::from(STRONG);
        assert!(matches!(
            f.manager.authenticate("ada@example.com", &password),
            Err(Error::InvalidCredentials)
        ));
        assert!(matches!(
            f.manager.issue_token("ada@example.com", None, None),
            Err(Error::EmailNotVerified(_))
        ));
        assert!(matches!(
            f.manager.verify_token(&before.token),
            Err(Error::TokenRejected(Rejection::EmailNotVerified(_)))
        ));
        assert!(matches!(
            f.manager
                .authenticate_and_issue_token("ada@example.com", &password, None, None),
            Err(Error::InvalidCredentials)
        ));
        let code = f.last_code();
        f.manager
            .verify_email(
                "ada@example.com",
                &code,
                &f.codes,
                Some((&password, Validation::Enforce)),
            )
            .unwrap();
        // A token issued before the address was proven does not survive its proof.
        assert!(matches!(
            f.manager.verify_token(&before.token),
            Err(Error::TokenRejected(Rejection::Revoked { .. }))
        ));
        let (_, issued) = f
            .manager
            .authenticate_and_issue_token("ada@example.com", &password, None, None)
            .unwrap();
        assert!(issued.token.expose_secret().starts_with("udb_"));
    }

    #[test]
    fn a_reset_sets_the_password_verifies_and_revokes_in_one_step() {
        let mut f = fixture();
        f.register("ada@example.com").unwrap();
        let old = f
            .manager
            .issue_token("ada@example.com", None, None)
            .unwrap();
        f.manager
            .send_otp(
                "ada@example.com",
                Purpose::PasswordReset,
                &f.codes,
                &f.mailer,
            )
            .unwrap();
        let code = f.last_code();
        let weak = SecretString::from("123");
        let err = f
            .manager
            .reset_password_with_code(
                "ada@example.com",
                &code,
                &f.codes,
                &weak,
                Validation::Enforce,
                true,
            )
            .unwrap_err();
        assert!(matches!(err, Error::PasswordRejected(_)));
        let new = SecretString::from("a brand new passphrase 42");
        let (user, revoked) = f
            .manager
            .reset_password_with_code(
                "ada@example.com",
                &code,
                &f.codes,
                &new,
                Validation::Enforce,
                true,
            )
            .unwrap();
        assert_eq!(revoked, 1);
        assert!(user.email_verified_at.is_some());
        assert!(matches!(
            f.manager.verify_token(&old.token),
            Err(Error::TokenRejected(Rejection::Revoked { .. }))
        ));
        f.manager.authenticate("ada@example.com", &new).unwrap();
        assert!(f.events().contains(&"password_reset".to_string()));
    }

    #[test]
    fn a_taken_token_name_is_refused_before_the_code_is_used() {
        let mut f = fixture();
        f.register("ada@example.com").unwrap();
        let code = f.last_code();
        f.manager
            .verify_otp("ada@example.com", Purpose::VerifyEmail, &code, &f.codes)
            .unwrap();
        f.manager
            .issue_token("ada@example.com", Some("ci"), None)
            .unwrap();
        f.manager
            .send_otp("ada@example.com", Purpose::Login, &f.codes, &f.mailer)
            .unwrap();
        let code = f.last_code();
        let verify = |f: &mut Fixture, name| {
            f.manager.verify_otp_and_issue_token(
                "ada@example.com",
                Purpose::Login,
                &code,
                &f.codes,
                Some(name),
                None,
            )
        };
        assert!(matches!(
            verify(&mut f, "ci"),
            Err(Error::TokenNameTaken { .. })
        ));
        verify(&mut f, "laptop").unwrap();
    }

    #[test]
    fn the_first_verification_discards_every_credential_set_before_it() {
        let mut f = fixture();
        // Someone registers the address with a password of their own, signs in and
        // gets a token (verification = optional allows it), and asks for a login code.
        f.register("ada@example.com").unwrap();
        let squatter = f
            .manager
            .authenticate_and_issue_token(
                "ada@example.com",
                &SecretString::from(STRONG),
                None,
                None,
            )
            .unwrap()
            .1;
        let verify_code = f.last_code();
        f.manager
            .send_otp("ada@example.com", Purpose::Login, &f.codes, &f.mailer)
            .unwrap();
        let login_code = f.last_code();
        // The owner reads the mailbox and verifies with a password of their own.
        let owners = SecretString::from("the owner's own passphrase");
        f.manager
            .verify_email(
                "ada@example.com",
                &verify_code,
                &f.codes,
                Some((&owners, Validation::Enforce)),
            )
            .unwrap();
        assert!(matches!(
            f.manager
                .authenticate("ada@example.com", &SecretString::from(STRONG)),
            Err(Error::InvalidCredentials)
        ));
        f.manager.authenticate("ada@example.com", &owners).unwrap();
        assert!(matches!(
            f.manager.verify_token(&squatter.token),
            Err(Error::TokenRejected(Rejection::Revoked { .. }))
        ));
        f.manager.reveal_reasons(true);
        let err = f
            .manager
            .verify_otp("ada@example.com", Purpose::Login, &login_code, &f.codes)
            .unwrap_err();
        assert!(
            matches!(&err, Error::OtpRejected { reason, .. } if reason.as_str() == "no_code"),
            "{err:?}"
        );
    }

    /// A service learns nothing from a code that does not sign in: not whether
    /// the address has an account, nor whether it is active or has a code.
    #[test]
    fn a_service_gets_one_answer_for_every_code_that_does_not_sign_in() {
        let mut f = fixture();
        f.register("ada@example.com").unwrap();
        f.manager
            .create_user(NewUser::new("off@example.com"), None, Validation::Enforce)
            .unwrap();
        f.manager
            .update_user(
                "off@example.com",
                &crate::UserChanges {
                    is_active: Some(false),
                    ..Default::default()
                },
                false,
            )
            .unwrap();
        let wrong = SecretString::from("000000");
        for email in ["nobody@example.com", "off@example.com", "ada@example.com"] {
            for purpose in [Purpose::Login, Purpose::VerifyEmail] {
                let err = f
                    .manager
                    .verify_otp_and_issue_token(email, purpose, &wrong, &f.codes, None, None)
                    .unwrap_err();
                assert!(
                    matches!(err, Error::InvalidCode),
                    "{email} {purpose}: {err:?}"
                );
                let err = f
                    .manager
                    .verify_otp(email, purpose, &wrong, &f.codes)
                    .unwrap_err();
                assert!(
                    matches!(err, Error::InvalidCode),
                    "{email} {purpose}: {err:?}"
                );
            }
        }
    }

    #[test]
    fn a_first_verification_without_a_password_leaves_none_usable() {
        let mut f = fixture();
        f.register("ada@example.com").unwrap();
        let code = f.last_code();
        let user = f
            .manager
            .verify_otp("ada@example.com", Purpose::VerifyEmail, &code, &f.codes)
            .unwrap();
        assert!(user.email_verified_at.is_some());
        assert!(!user.has_usable_password);
        assert!(f.events().contains(&"password_changed".to_string()));
    }

    #[test]
    fn a_password_for_a_verified_address_is_refused_and_the_code_kept() {
        let mut f = fixture();
        f.register("ada@example.com").unwrap();
        let password = SecretString::from(STRONG);
        let code = f.last_code();
        let with_password = Some((&password, Validation::Enforce));
        f.manager
            .verify_email("ada@example.com", &code, &f.codes, with_password)
            .unwrap();
        f.codes.settings.resend_cooldown = Duration::ZERO;
        f.manager
            .send_otp("ada@example.com", Purpose::VerifyEmail, &f.codes, &f.mailer)
            .unwrap_or_else(|e| panic!("{e}"));
        let again = f.last_code();
        let other = SecretString::from("another passphrase entirely");
        let with_other = |f: &mut Fixture| {
            f.manager
                .verify_email(
                    "ada@example.com",
                    &again,
                    &f.codes,
                    Some((&other, Validation::Enforce)),
                )
                .unwrap_err()
        };
        // A service's answer is the one to a wrong code; the operator's says why.
        assert!(matches!(with_other(&mut f), Error::InvalidCode));
        f.manager.reveal_reasons(true);
        assert!(matches!(
            with_other(&mut f),
            Error::AddressAlreadyVerified(_)
        ));
        f.manager.reveal_reasons(false);
        // A re-verification changes no credential.
        let user = f
            .manager
            .verify_otp("ada@example.com", Purpose::VerifyEmail, &again, &f.codes)
            .unwrap();
        assert!(user.has_usable_password);
        f.manager
            .authenticate("ada@example.com", &password)
            .unwrap();
    }

    /// What a caller of the concealing flows sees, with the address blanked.
    fn answer(sent: &Result<Option<OtpSent>>, email: &str) -> String {
        format!("{sent:?}")
            .replace(email, "ADDRESS")
            .split("message_id")
            .next()
            .unwrap()
            .to_string()
    }

    #[test]
    fn sign_up_answers_alike_for_a_new_a_verified_and_an_inactive_address_and_mails_why() {
        let mut f = fixture();
        // The owner registered long before (the clock stands still here).
        f.codes.settings.resend_cooldown = Duration::ZERO;
        f.register("taken@example.com").unwrap();
        let code = f.last_code();
        let owner = SecretString::from("the owner's own passphrase");
        f.manager
            .verify_email(
                "taken@example.com",
                &code,
                &f.codes,
                Some((&owner, Validation::Enforce)),
            )
            .unwrap();
        f.manager
            .create_user(
                NewUser {
                    is_active: Some(false),
                    ..NewUser::new("off@example.com")
                },
                None,
                Validation::Enforce,
            )
            .unwrap();
        let mut answers = Vec::new();
        let mut bodies = Vec::new();
        for email in ["new@example.com", "taken@example.com", "off@example.com"] {
            let sent = f.manager.sign_up_concealed(
                NewUser::new(email),
                Some(&SecretString::from(STRONG)),
                Validation::Enforce,
                &f.codes,
                &f.mailer,
            );
            answers.push(answer(&sent, email));
            bodies.push(f.outbox.messages().last().unwrap().body.clone());
        }
        assert_eq!(answers[0], answers[1]);
        assert_eq!(answers[0], answers[2]);
        assert!(answers[0].starts_with("Ok(Some(OtpSent"), "{}", answers[0]);
        assert!(bodies[1].contains("already has one"), "{}", bodies[1]);
        assert!(bodies[2].contains("inactive"), "{}", bodies[2]);
        // The owner's password survives a stranger's sign-up of the address.
        f.manager.authenticate("taken@example.com", &owner).unwrap();
        // A weak password is refused alike, whether the address is free or not.
        let weak = |f: &mut Fixture, email: &str| {
            let err = f
                .manager
                .sign_up_concealed(
                    NewUser::new(email),
                    Some(&SecretString::from("123")),
                    Validation::Enforce,
                    &f.codes,
                    &f.mailer,
                )
                .unwrap_err();
            err.to_string().replace(email, "ADDRESS")
        };
        assert_eq!(
            weak(&mut f, "free@example.com"),
            weak(&mut f, "taken@example.com")
        );
    }

    #[test]
    fn concealed_send_otp_mails_a_notice_to_an_unknown_address_within_the_same_limits() {
        let mut f = fixture();
        f.manager
            .create_user(NewUser::new("ada@example.com"), None, Validation::Enforce)
            .unwrap();
        let mut answers = Vec::new();
        for email in ["ada@example.com", "nobody@example.com"] {
            let first = f
                .manager
                .send_otp(email, Purpose::Login, &f.codes, &f.mailer);
            answers.push(answer(&first.map(Some), email));
            // Inside the cooldown: refused alike.
            let again = f
                .manager
                .send_otp(email, Purpose::Login, &f.codes, &f.mailer);
            answers.push(answer(&again.map(Some), email));
        }
        assert_eq!(answers[0], answers[2]);
        assert_eq!(answers[1], answers[3]);
        assert!(answers[1].contains("OtpRateLimited"), "{}", answers[1]);
        let last = f.outbox.messages().last().unwrap().clone();
        assert_eq!(last.to, "nobody@example.com");
        assert!(last.body.contains("no account uses it"), "{}", last.body);
        assert!(f.events().contains(&"otp_notice_sent".to_string()));
        // The operator's switch tells them apart.
        f.manager.reveal_reasons(true);
        let err = f
            .manager
            .send_otp("other@example.com", Purpose::Login, &f.codes, &f.mailer)
            .unwrap_err();
        assert!(matches!(err, Error::UserNotFound(_)), "{err:?}");
    }
}
