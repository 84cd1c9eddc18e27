//! One-time codes in the manager: who may get one, when, and whether a typed code
//! is right. Storage keeps the codes (HMACs) and the send history; this decides.

use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;

use super::sign_in::admit;
use super::tokens::{TokenRefusal, token_refusal};
use super::{UserManager, Validation};
use crate::audit::AuditEvent;
use crate::clock::serde_timestamp;
use crate::email::Mailer;
use crate::email_address::email_key;
use crate::error::{Error, Result};
use crate::notice::Notice;
use crate::otp::{
    OtpFailure, OtpSettings, Purpose, SEND_WINDOW, SecretKey, TemplateValues, generate_code,
    parse_code, render,
};
use crate::password::make_unusable_password;
use crate::storage::{
    AuditEntry, CodeOwner, NewOtpCode, OtpCode, OtpStore, OtpVerdict, OtpWrite, UserStore,
};
use crate::user::User;

/// What the manager needs to issue and check codes: the limits and the key.
pub struct OneTimeCodes {
    pub settings: OtpSettings,
    pub key: SecretKey,
}

/// One message within the send limits: a code or a [`Notice`].
struct Letter<'a> {
    email: &'a str,
    user_id: Option<i64>,
    purpose: Purpose,
    subject: String,
    body: String,
    /// What the audit log says of it before the outcome ("no account, ").
    detail: String,
}

/// A message that left: to whom, for what, until when a code in it would
/// expire, its id (never the code). A [`Notice`] sent instead of a code
/// answers with the same.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct OtpSent {
    pub email: String,
    pub purpose: String,
    #[serde(with = "serde_timestamp")]
    pub expires_at: Timestamp,
    pub message_id: String,
}

fn signed(d: Duration) -> SignedDuration {
    SignedDuration::try_from(d).unwrap_or(SignedDuration::MAX)
}

/// Time left until `then`, as a std duration (zero if past).
fn until(now: Timestamp, then: Timestamp) -> Duration {
    Duration::try_from(then.duration_since(now)).unwrap_or(Duration::ZERO)
}

/// The rate limits: a send of `purpose` at `now`, given the sends of the last hour.
fn check_send_limits(
    settings: &OtpSettings,
    email: &str,
    purpose: Purpose,
    now: Timestamp,
    sends: &[(String, Timestamp)],
) -> Result<()> {
    let last_same = sends
        .iter()
        .filter(|(p, _)| p == purpose.as_str())
        .map(|(_, at)| *at)
        .max();
    if let Some(last) = last_same {
        let ready = last
            .saturating_add(signed(settings.resend_cooldown))
            .unwrap_or(last);
        if ready > now {
            return Err(Error::OtpRateLimited {
                limit: "resend_cooldown",
                reason: format!(
                    "a {purpose} code was sent to {email} less than {} ago ([otp] resend_cooldown)",
                    crate::otp::human_wait(settings.resend_cooldown)
                ),
                retry_after: until(now, ready),
                retry_at: ready,
            });
        }
    }
    let window = signed(SEND_WINDOW);
    let mut recent: Vec<Timestamp> = sends
        .iter()
        .map(|(_, at)| *at)
        .filter(|at| at.saturating_add(window).is_ok_and(|end| end > now))
        .collect();
    let cap = settings.max_sends_per_hour as usize;
    if recent.len() >= cap {
        recent.sort();
        // The send that must age out of the window before another is allowed.
        let oldest = recent[recent.len() - cap];
        let ready = oldest.saturating_add(window).unwrap_or(oldest);
        return Err(Error::OtpRateLimited {
            limit: "max_sends_per_hour",
            reason: format!(
                "{} codes were sent to {email} in the last hour ([otp] max_sends_per_hour)",
                recent.len()
            ),
            retry_after: until(now, ready),
            retry_at: ready,
        });
    }
    Ok(())
}

impl<S: UserStore + OtpStore> UserManager<S> {
    /// Sends a new code of `purpose` to an active user, within the limits. The code
    /// is stored (as an HMAC, replacing the previous one of that purpose) only after
    /// the backend accepted the message; a send that failed does not count.
    ///
    /// The limits count every message to the address. With
    /// [`Self::reveal_reasons`] off (a service's default), an address nobody has,
    /// or an inactive user's, gets a [`Notice`] instead of a code, within the same
    /// limits, and the answer is the same [`OtpSent`] a code gets: the caller
    /// cannot tell whether an account exists. With it on, they are
    /// [`Error::UserNotFound`] and [`Error::InactiveUser`].
    pub fn send_otp(
        &mut self,
        email: &str,
        purpose: Purpose,
        codes: &OneTimeCodes,
        mailer: &Mailer,
    ) -> Result<OtpSent> {
        let now = self.clock.now();
        let user = match self.get_user(email) {
            Ok(user) if user.is_active && !user.is_expired(now) => user,
            Ok(user) if !self.reveal_reasons => {
                return self.send_notice(
                    &user.email,
                    Some(user.id),
                    Notice::Inactive,
                    purpose,
                    codes,
                    mailer,
                );
            }
            Ok(user) => {
                let (why, err) = match user.expires_at {
                    Some(at) if user.is_active => (
                        "account expired",
                        Error::AccountExpired {
                            email: user.email.clone(),
                            at,
                        },
                    ),
                    _ => ("inactive user", Error::InactiveUser(user.email.clone())),
                };
                let audit = [self.audit(
                    AuditEvent::OtpSendRefused,
                    format!("purpose={purpose}, {why}"),
                )];
                self.store
                    .record(Some(user.id), Some(&user.email), &audit)?;
                return Err(err);
            }
            Err(Error::UserNotFound(email)) if !self.reveal_reasons => {
                // The work of a code for an address nobody has.
                std::hint::black_box(generate_code(codes.settings.digits));
                return self.send_notice(&email, None, Notice::NoAccount, purpose, codes, mailer);
            }
            Err(err) => return Err(err),
        };
        let code = generate_code(codes.settings.digits);
        let values = TemplateValues {
            code: code.expose_secret(),
            ttl: codes.settings.ttl,
            purpose,
            email: &user.email,
        };
        let letter = Letter {
            email: &user.email,
            user_id: Some(user.id),
            purpose,
            subject: render(&codes.settings.subject, &values),
            body: render(&codes.settings.body, &values),
            detail: String::new(),
        };
        let (sent, now) = self.deliver(letter, codes, mailer)?;
        let record = NewOtpCode {
            user_id: user.id,
            purpose: purpose.as_str(),
            code_mac: codes.key.code_mac(user.id, purpose, code.expose_secret()),
            created_at: now,
            expires_at: sent.expires_at,
        };
        let audit = [self.audit(
            AuditEvent::OtpSent,
            format!(
                "purpose={purpose}, via {}, message {}",
                mailer.backend.describe(),
                sent.message_id
            ),
        )];
        self.store.save_otp(&record, &user.email, &audit)?;
        Ok(sent)
    }

    /// Mails a [`Notice`] in place of a code, within the code's limits, and
    /// answers as a code's send does.
    pub(super) fn send_notice(
        &mut self,
        email: &str,
        user_id: Option<i64>,
        notice: Notice,
        purpose: Purpose,
        codes: &OneTimeCodes,
        mailer: &Mailer,
    ) -> Result<OtpSent> {
        let (subject, body) = notice.message(purpose);
        let letter = Letter {
            email,
            user_id,
            purpose,
            subject: subject.to_string(),
            body,
            detail: format!("{}, ", notice.as_str()),
        };
        let (sent, _) = self.deliver(letter, codes, mailer)?;
        let audit = [self.audit(
            AuditEvent::OtpNoticeSent,
            format!(
                "purpose={purpose}, {}, via {}, message {}",
                notice.as_str(),
                mailer.backend.describe(),
                sent.message_id
            ),
        )];
        self.store.record(user_id, Some(email), &audit)?;
        Ok(sent)
    }

    /// One message to an address within the send limits: the send is counted
    /// before the message leaves (so parallel sends cannot both pass) and
    /// forgotten if the backend refused it. Returns what left, and when.
    fn deliver(
        &mut self,
        letter: Letter<'_>,
        codes: &OneTimeCodes,
        mailer: &Mailer,
    ) -> Result<(OtpSent, Timestamp)> {
        let Letter {
            email,
            user_id,
            purpose,
            ..
        } = letter;
        let settings = &codes.settings;
        let now = self.clock.now();
        let since = now.saturating_sub(signed(SEND_WINDOW)).unwrap_or(now);
        let check =
            |sends: &[(String, Timestamp)]| check_send_limits(settings, email, purpose, now, sends);
        let send_id =
            match self
                .store
                .begin_otp_send(&email_key(email), purpose.as_str(), now, since, &check)
            {
                Ok(id) => id,
                Err(err @ Error::OtpRateLimited { limit, .. }) => {
                    let audit = [self.audit(
                        AuditEvent::OtpSendRefused,
                        format!("purpose={purpose}, {}rate limited ({limit})", letter.detail),
                    )];
                    self.store.record(user_id, Some(email), &audit)?;
                    return Err(err);
                }
                Err(err) => return Err(err),
            };
        let message = match mailer.send(email, &letter.subject, &letter.body, now) {
            Ok(message) => message,
            Err(err) => {
                let audit = [self.audit(
                    AuditEvent::OtpSendFailed,
                    format!(
                        "purpose={purpose}, {}via {}: {err}",
                        letter.detail,
                        mailer.backend.describe()
                    ),
                )];
                self.store
                    .cancel_otp_send(send_id, user_id, email, &audit)?;
                return Err(err);
            }
        };
        let sent = OtpSent {
            email: email.to_string(),
            purpose: purpose.as_str().to_string(),
            expires_at: now.saturating_add(signed(settings.ttl)).unwrap_or(now),
            message_id: message.message_id,
        };
        Ok((sent, now))
    }

    /// The hash of a password given with a `verify-email` code, made before the
    /// code's transaction (hashing is slow). Refused for a verified address.
    /// When concealing, the password is checked and hashed whoever holds the
    /// address (a weak one is refused alike), before the account is looked at.
    pub(super) fn proof_password(
        &self,
        email: &str,
        password: Option<(&SecretString, Validation)>,
    ) -> Result<Option<String>> {
        let Some((password, validation)) = password else {
            return Ok(None);
        };
        let hash = if self.conceals() {
            let email = crate::email_address::parse_email(email)?;
            let hash =
                self.hash_new_password(password, &self.checked_against(&email, None), validation)?;
            Some(hash)
        } else {
            None
        };
        let user = self.get_user(email)?;
        if user.email_verified_at.is_some() {
            return Err(Error::AddressAlreadyVerified(user.email));
        }
        match hash {
            Some(hash) => Ok(Some(hash)),
            None => self
                .hash_new_password(password, &super::attributes(&user), validation)
                .map(Some),
        }
    }

    /// Checks and consumes a code, and applies `usage` when it is right, in
    /// one transaction with the code's use (for `verify-email` the address is
    /// marked verified). Otherwise [`Error::OtpRejected`] says why: no code,
    /// wrong (a try is counted), expired, used, or locked after too many wrong
    /// tries.
    ///
    /// The first proof of an address (a `verify-email` code, or a password
    /// reset, for an address not verified yet) discards every credential set
    /// before it: whoever registered the address may not be its owner. Without
    /// a password given to it (`usage.proof_password`) the account is left with
    /// an unusable password; every token is revoked and every other code
    /// deleted.
    pub(super) fn check_code(
        &mut self,
        email: &str,
        purpose: Purpose,
        code: &SecretString,
        codes: &OneTimeCodes,
        usage: CodeUse,
    ) -> Result<CodeUsed> {
        // What cannot be a code is a usage error before anything is looked up
        // or counted: it costs no try.
        let typed = zeroize::Zeroizing::new(
            parse_code(code.expose_secret())
                .map_err(|reason| Error::invalid("one-time code", reason))?,
        );
        let user = match self.get_user(email) {
            Ok(user) => user,
            Err(err) => {
                // The work of a check, for an address nobody has.
                std::hint::black_box(codes.key.code_mac(0, purpose, &typed));
                return Err(err);
            }
        };
        let now = self.clock.now();
        // A dead account's code is not tried (no try is counted).
        if let Some((why, err)) = super::cannot_act(&user, now) {
            let audit = [self.audit(
                AuditEvent::OtpFailed,
                format!("purpose={purpose}, reason={}", why.replace(' ', "_")),
            )];
            self.store
                .record(Some(user.id), Some(&user.email), &audit)?;
            return Err(err);
        }
        let admission = self.admission(usage.sign_in && purpose != Purpose::VerifyEmail);
        let max_attempts = codes.settings.max_attempts;
        let actor = self.actor.clone();
        let entry = |event: AuditEvent, detail: String| AuditEntry {
            at: now,
            actor: actor.clone(),
            event,
            detail,
        };
        let (user_id, user_email) = (user.id, user.email.clone());
        let verification = self.verification;
        let before = user.clone();
        let judge = |stored: Option<&OtpCode>, owner: &CodeOwner| -> OtpVerdict<Result<bool>> {
            let fail = |write, reason: OtpFailure| OtpVerdict {
                write,
                audit: vec![entry(
                    AuditEvent::OtpFailed,
                    format!("purpose={purpose}, reason={}", reason.as_str()),
                )],
                result: Err(Error::OtpRejected {
                    email: user_email.clone(),
                    purpose,
                    reason,
                }),
            };
            let Some(stored) = stored else {
                return fail(OtpWrite::Nothing, OtpFailure::NoCode);
            };
            if stored.used_at.is_some() {
                return fail(OtpWrite::Nothing, OtpFailure::Used);
            }
            if stored.attempts >= max_attempts {
                return fail(OtpWrite::Nothing, OtpFailure::Locked);
            }
            if now >= stored.expires_at {
                return fail(OtpWrite::Nothing, OtpFailure::Expired);
            }
            if !codes
                .key
                .code_matches(user_id, purpose, &typed, &stored.code_mac)
            {
                let tries_left = max_attempts.saturating_sub(stored.attempts + 1);
                return fail(OtpWrite::CountFailure, OtpFailure::Wrong { tries_left });
            }
            // The code is right: every sign-in's one gate, before anything is written.
            if let Some((why, err)) = admit(&admission, &before) {
                return OtpVerdict {
                    write: OtpWrite::Nothing,
                    audit: vec![entry(
                        AuditEvent::OtpFailed,
                        format!("purpose={purpose}, reason={}", why.replace(' ', "_")),
                    )],
                    result: Err(err),
                };
            }
            // Verified by a concurrent command since the password was hashed.
            if owner.verified && usage.proof_password.is_some() {
                return OtpVerdict {
                    write: OtpWrite::Nothing,
                    audit: Vec::new(),
                    result: Err(Error::AddressAlreadyVerified(user_email.clone())),
                };
            }
            let mut audit = vec![entry(AuditEvent::OtpVerified, format!("purpose={purpose}"))];
            // A password the user chooses in this step: given to a reset, or to
            // the address's first verification.
            let chooses = usage.reset.is_some() || usage.proof_password.is_some();
            let (mut new_password, mut revoke_tokens) = match usage.reset.clone() {
                Some((hash, revoke)) => {
                    audit.push(entry(
                        AuditEvent::PasswordReset,
                        "with an emailed code".to_string(),
                    ));
                    if revoke {
                        audit.push(entry(
                            AuditEvent::TokenRevoked,
                            "all of the user's tokens, with the password reset".to_string(),
                        ));
                    }
                    (Some(hash), revoke)
                }
                None => (None, false),
            };
            // A code proves the address for verify-email; a reset proves it too.
            let proves_address = purpose == Purpose::VerifyEmail || new_password.is_some();
            // The first proof: whoever set a credential before it may not own the
            // address, so none survives (Sudhodanan & Paverd's pre-hijacking).
            let first_proof = proves_address && !owner.verified;
            let mut password_discarded = false;
            if first_proof {
                if new_password.is_none() {
                    password_discarded = usage.proof_password.is_none() && owner.usable_password;
                    let (hash, detail) = match usage.proof_password.clone() {
                        Some(hash) => (
                            hash,
                            Some(
                                "set by the verifier at the first verification of the address; \
                                 any earlier password discarded",
                            ),
                        ),
                        None => (
                            make_unusable_password(),
                            owner.usable_password.then_some(
                                "made unusable: it was set before the address was proven, and \
                                 its first verification gave no password",
                            ),
                        ),
                    };
                    if let Some(detail) = detail {
                        audit.push(entry(AuditEvent::PasswordChanged, detail.to_string()));
                    }
                    new_password = Some(hash);
                }
                if !revoke_tokens && owner.live_tokens > 0 {
                    audit.push(entry(
                        AuditEvent::TokenRevoked,
                        format!(
                            "{} token(s) of the user, issued before the address was proven",
                            owner.live_tokens
                        ),
                    ));
                }
                revoke_tokens = true;
                if owner.other_codes > 0 {
                    audit.push(entry(
                        AuditEvent::OtpRevoked,
                        format!(
                            "{} other code(s) of the user, sent before the address was proven",
                            owner.other_codes
                        ),
                    ));
                }
            }
            if let Some(name) = &usage.token {
                // The user as this step leaves them, under the one rule for tokens.
                let mut after = before.clone();
                if proves_address || owner.verified {
                    after.email_verified_at = after.email_verified_at.or(Some(now));
                }
                after.must_change_password = owner.must_change_password && !chooses;
                let taken = name
                    .as_ref()
                    .filter(|n| !revoke_tokens && owner.token_names.contains(n));
                let not_held = (!usage.missing_scopes.is_empty()).then(|| TokenRefusal {
                    error: Error::ScopeNotHeld {
                        email: user_email.clone(),
                        missing: usage.missing_scopes.clone(),
                    },
                    audit: None,
                });
                let refusal = token_refusal(verification, now, &after, usage.unenrolled)
                    .or(not_held)
                    .or_else(|| {
                        taken.map(|name| TokenRefusal {
                            error: Error::TokenNameTaken {
                                email: user_email.clone(),
                                name: name.clone(),
                            },
                            audit: None,
                        })
                    });
                if let Some(refusal) = refusal {
                    let detail = refusal.audit.map(|d| format!("{d}; the code is kept"));
                    return OtpVerdict {
                        write: OtpWrite::Nothing,
                        audit: detail
                            .map(|d| entry(AuditEvent::TokenRefused, d))
                            .into_iter()
                            .collect(),
                        result: Err(refusal.error),
                    };
                }
            }
            if usage.judge_only {
                return OtpVerdict {
                    write: OtpWrite::Nothing,
                    audit: Vec::new(),
                    result: Ok(false),
                };
            }
            if usage.sign_in {
                audit.push(entry(
                    AuditEvent::LoginSucceeded,
                    format!("with an emailed {purpose} code"),
                ));
            }
            OtpVerdict {
                write: OtpWrite::Consume {
                    used_at: now,
                    verified_at: proves_address.then_some(now),
                    new_password,
                    revoke_tokens,
                    discard_other_codes: first_proof,
                    last_login: usage.sign_in.then_some(now),
                },
                audit,
                result: Ok(password_discarded),
            }
        };
        let password_discarded =
            self.store
                .judge_otp(user.id, &user.email, purpose.as_str(), judge)??;
        Ok(CodeUsed {
            user: self.get_user(&user.email)?,
            password_discarded,
        })
    }
}

/// A code used up: the user as it left them, and whether their first
/// verification, given no password, made the one set before it unusable.
pub(super) struct CodeUsed {
    pub user: User,
    pub password_discarded: bool,
}

/// What a right code does besides being used up.
#[derive(Default, Clone)]
pub(super) struct CodeUse {
    /// Only judge the code (every refusal as if it were used): a right one is
    /// left unused and nothing but a wrong try is written (the second factor
    /// is asked for next, then the code is checked again and used).
    pub judge_only: bool,
    /// `[mfa] required` covers the user, who has no second factor: the token
    /// that follows is refused (see `token_refusal`).
    pub unenrolled: bool,
    /// A password reset: the new hash, and whether to revoke the tokens.
    pub reset: Option<(String, bool)>,
    /// The hash of the password the verifier of an address gave
    /// ([`super::SignIn::first_password`]); used on the address's first proof only.
    pub proof_password: Option<String>,
    /// A sign-in (a token follows): record `last_login` and `login_succeeded`.
    pub sign_in: bool,
    /// A token follows, with this name (`None`: the default one): what would
    /// refuse it is judged with the code, and a refusal leaves the code unused.
    pub token: Option<Option<String>>,
    /// The token's scopes that its user does not hold: a refusal, judged as
    /// the others.
    pub missing_scopes: Vec<String>,
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::clock::{Clock, MovableClock};
    use crate::email::{EmailBackend, MemoryBackend, Message};
    use crate::storage::SqliteStore;
    use crate::user::NewUser;

    struct Fixture {
        _dir: tempfile::TempDir,
        manager: UserManager<SqliteStore>,
        clock: Arc<MovableClock>,
        outbox: MemoryBackend,
        mailer: Mailer,
        codes: OneTimeCodes,
    }

    impl Fixture {
        fn advance(&self, secs: i64) {
            let mut now = self.clock.0.lock().unwrap();
            *now = now.checked_add(SignedDuration::from_secs(secs)).unwrap();
        }

        fn send(&mut self, purpose: Purpose) -> Result<OtpSent> {
            self.manager
                .send_otp("ada@example.com", purpose, &self.codes, &self.mailer)
        }

        /// The code in the last message sent.
        fn last_code(&self) -> String {
            let messages = self.outbox.messages();
            let body = &messages.last().expect("a message").body;
            body.split_whitespace()
                .find(|w| w.len() == 6 && w.bytes().all(|b| b.is_ascii_digit()))
                .expect("a code in the body")
                .to_string()
        }

        fn verify(&mut self, purpose: Purpose, code: &str) -> Result<User> {
            self.manager.verify_otp(
                "ada@example.com",
                purpose,
                &SecretString::from(code.to_string()),
                &self.codes,
            )
        }

        fn events(&self) -> Vec<String> {
            crate::manager::test_audit(self.manager.store(), "event || ' ' || detail")
        }
    }

    fn fixture() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let clock = Arc::new(MovableClock(Mutex::new(
            "2026-01-02T03:04:05Z".parse().unwrap(),
        )));
        let mut manager = crate::manager::test_manager(dir.path(), clock.clone());
        // These tests are about the reasons a code fails: tell them apart.
        manager.reveal_reasons(true);
        manager
            .create_user(
                NewUser::new("ada@example.com"),
                None,
                crate::Validation::Skip,
            )
            .unwrap();
        let outbox = MemoryBackend::default();
        let mailer = Mailer::new(Box::new(outbox.clone()), "noreply@example.com");
        let codes = OneTimeCodes {
            settings: OtpSettings::default(),
            key: SecretKey::new("a test key that is at least 32 characters", "test").unwrap(),
        };
        Fixture {
            _dir: dir,
            manager,
            clock,
            outbox,
            mailer,
            codes,
        }
    }

    fn failure(result: Result<User>) -> OtpFailure {
        match result {
            Err(Error::OtpRejected { reason, .. }) => reason,
            other => panic!("expected a rejection, got {other:?}"),
        }
    }

    #[test]
    fn a_sent_code_verifies_once_and_marks_the_address_verified() {
        let mut f = fixture();
        let sent = f.send(Purpose::VerifyEmail).unwrap();
        assert_eq!(sent.expires_at.to_string(), "2026-01-02T03:14:05Z");
        let code = f.last_code();
        let user = f.verify(Purpose::VerifyEmail, &code).unwrap();
        assert_eq!(user.email_verified_at, Some(f.clock.now()));
        assert_eq!(
            failure(f.verify(Purpose::VerifyEmail, &code)),
            OtpFailure::Used
        );
        let events = f.events().join("\n");
        assert!(events.contains("otp_sent purpose=verify-email, via memory"));
        assert!(events.contains("otp_verified purpose=verify-email"));
        assert!(events.contains("otp_failed purpose=verify-email, reason=used"));
        assert!(
            !events.contains(&code),
            "the audit log never holds the code"
        );
    }

    #[test]
    fn only_the_hmac_is_stored() {
        let mut f = fixture();
        f.send(Purpose::Login).unwrap();
        let code = f.last_code();
        let conn = rusqlite::Connection::open(f.manager.store().path()).unwrap();
        let stored: String = conn
            .query_row("SELECT code_mac FROM otp_codes", [], |r| r.get(0))
            .unwrap();
        assert_eq!(stored, f.codes.key.code_mac(1, Purpose::Login, &code));
        assert!(!stored.contains(&code));
    }

    #[test]
    fn a_code_proves_only_its_own_purpose_and_login_does_not_verify_the_address() {
        let mut f = fixture();
        f.send(Purpose::Login).unwrap();
        let code = f.last_code();
        assert_eq!(
            failure(f.verify(Purpose::VerifyEmail, &code)),
            OtpFailure::NoCode
        );
        let user = f.verify(Purpose::Login, &code).unwrap();
        assert_eq!(user.email_verified_at, None);
    }

    #[test]
    fn a_code_expires_after_its_lifetime() {
        let mut f = fixture();
        f.send(Purpose::VerifyEmail).unwrap();
        let code = f.last_code();
        f.advance(600);
        assert_eq!(
            failure(f.verify(Purpose::VerifyEmail, &code)),
            OtpFailure::Expired
        );
    }

    #[test]
    fn five_wrong_tries_lock_the_code_even_against_the_right_one() {
        let mut f = fixture();
        f.send(Purpose::VerifyEmail).unwrap();
        let code = f.last_code();
        let wrong = if code == "000000" { "000001" } else { "000000" };
        for left in (0..5).rev() {
            assert_eq!(
                failure(f.verify(Purpose::VerifyEmail, wrong)),
                OtpFailure::Wrong { tries_left: left }
            );
        }
        assert_eq!(
            failure(f.verify(Purpose::VerifyEmail, &code)),
            OtpFailure::Locked
        );
    }

    #[test]
    fn a_new_code_replaces_the_old_one_and_resets_the_tries() {
        let mut f = fixture();
        f.send(Purpose::VerifyEmail).unwrap();
        let old = f.last_code();
        f.advance(60);
        f.send(Purpose::VerifyEmail).unwrap();
        let new = f.last_code();
        if old != new {
            assert!(matches!(
                failure(f.verify(Purpose::VerifyEmail, &old)),
                OtpFailure::Wrong { tries_left: 4 }
            ));
        }
        f.verify(Purpose::VerifyEmail, &new).unwrap();
    }

    #[test]
    fn the_cooldown_is_per_purpose_and_says_when_to_retry() {
        let mut f = fixture();
        f.send(Purpose::VerifyEmail).unwrap();
        f.advance(20);
        match f.send(Purpose::VerifyEmail) {
            Err(Error::OtpRateLimited { retry_after, .. }) => {
                assert_eq!(retry_after, Duration::from_secs(40))
            }
            other => panic!("{other:?}"),
        }
        f.send(Purpose::Login).unwrap();
        f.advance(40);
        f.send(Purpose::VerifyEmail).unwrap();
        assert_eq!(f.outbox.messages().len(), 3);
    }

    #[test]
    fn at_most_five_sends_an_hour_per_user() {
        let mut f = fixture();
        for _ in 0..5 {
            f.send(Purpose::VerifyEmail).unwrap();
            f.advance(60);
        }
        // 03:09:05 now; the first send (03:04:05) leaves the window at 04:04:05.
        let err = f.send(Purpose::Login).unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::Refused);
        assert!(err.to_string().contains("5 codes were sent"), "{err}");
        assert!(err.to_string().contains("try again in 55m"), "{err}");
        assert_eq!(f.outbox.messages().len(), 5);
        f.advance(55 * 60);
        f.send(Purpose::Login).unwrap();
        let events = f.events().join("\n");
        assert!(
            events.contains("otp_send_refused purpose=login, rate limited (max_sends_per_hour)")
        );
    }

    /// A backend that refuses everything, as an unreachable server would.
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
    fn a_code_that_never_left_is_not_live_and_does_not_count() {
        let mut f = fixture();
        let refusing = Mailer::new(Box::new(Refusing), "noreply@example.com");
        for _ in 0..6 {
            let err = f
                .manager
                .send_otp("ada@example.com", Purpose::VerifyEmail, &f.codes, &refusing)
                .unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::Delivery);
        }
        assert_eq!(
            failure(f.verify(Purpose::VerifyEmail, "123456")),
            OtpFailure::NoCode
        );
        // No cooldown or cap was used up by the failures.
        f.send(Purpose::VerifyEmail).unwrap();
        assert!(
            f.events()
                .join("\n")
                .contains("otp_send_failed purpose=verify-email, via nowhere: connection refused")
        );
    }

    #[test]
    fn inactive_and_unknown_users_get_no_email() {
        let mut f = fixture();
        let err = f
            .manager
            .send_otp("bob@example.com", Purpose::Login, &f.codes, &f.mailer)
            .unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::NotFound);
        f.manager
            .update_user(
                "ada@example.com",
                &crate::UserChanges {
                    is_active: Some(false),
                    ..Default::default()
                },
                false,
            )
            .unwrap();
        let err = f.send(Purpose::Login).unwrap_err();
        assert!(matches!(err, Error::InactiveUser(_)));
        assert!(f.outbox.messages().is_empty());
    }

    #[test]
    fn codes_can_be_longer_and_typed_with_spaces() {
        let mut f = fixture();
        f.codes.settings.digits = 8;
        f.send(Purpose::Login).unwrap();
        let body = f.outbox.messages()[0].body.clone();
        let code = body
            .split_whitespace()
            .find(|w| w.len() == 8 && w.bytes().all(|b| b.is_ascii_digit()))
            .unwrap()
            .to_string();
        let typed = format!(" {} {}\n", &code[..4], &code[4..]);
        f.verify(Purpose::Login, &typed).unwrap();
    }
}
