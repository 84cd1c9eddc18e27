//! A second factor in the manager: TOTP enrolment (pending until a first code
//! proves the authenticator), recovery codes, an operator's reset, and
//! [`UserManager::check_second_factor`], the one check the sign-in gate
//! (`sign_in::pass_second_factor`, right after `admit`) asks for a user with a
//! confirmed secret, and `[mfa] required` ([`MfaScope`]). Storage keeps
//! the sealed secrets and the codes' digests; this decides.

use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use secrecy::{ExposeSecret, SecretString};

use super::UserManager;
use crate::audit::AuditEvent;
use crate::error::{Error, Result};
use crate::otp::SecretKey;
use crate::sealed::{Sealed, Sealer};
use crate::storage::{
    SecondFactorRecord, SecondFactorRemoved, SecondFactorStore, TotpRecord, TotpSealer, UserStore,
};
use crate::totp::{self, TotpSecret};
use crate::user::User;

pub use crate::mfa_settings::{MfaScope, SecondFactorSettings};

/// What the manager needs for second factors: the settings, the sealer of
/// secrets and the key of recovery codes' digests (both from the secret key),
/// and the key being rotated out, if any.
pub struct SecondFactor {
    pub settings: SecondFactorSettings,
    sealer: Sealer,
    key: SecretKey,
    previous_key: Option<SecretKey>,
}

impl std::fmt::Debug for SecondFactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SecondFactor({:?}, {:?})", self.settings, self.sealer)
    }
}

impl SecondFactor {
    pub fn new(settings: SecondFactorSettings, key: SecretKey) -> Self {
        SecondFactor {
            settings,
            sealer: Sealer::new(&key),
            key,
            previous_key: None,
        }
    }

    /// Whether the secret `sealed` for user `user_id` opens with the key at
    /// hand: `doctor`'s check ([`Error::SecretNotDecrypted`] names the key,
    /// never the secret).
    pub fn check_opens(&self, user_id: i64, sealed: &Sealed, what: &str) -> Result<()> {
        self.sealer
            .open(sealed, &seal_context(user_id), what)
            .map(|_| ())
    }

    /// Also opens secrets sealed under `previous` and matches recovery codes
    /// whose digest it made (a key being rotated out).
    pub fn with_previous_key(mut self, previous: SecretKey) -> Self {
        self.sealer = self.sealer.with_previous(&previous);
        self.previous_key = Some(previous);
        self
    }

    /// Whether `sealed` was sealed under another key than the current one
    /// (it opens only while that key is kept as the previous one).
    pub fn sealed_under_older_key(&self, sealed: &Sealed) -> bool {
        sealed.key_id != self.sealer.key_id()
    }
}

/// A started enrolment: what the user's authenticator needs. It holds the
/// secret: show it to the user once, never log it.
#[derive(Debug)]
pub struct TotpEnrolment {
    pub email: String,
    /// `otpauth://totp/…`, for a QR code.
    pub uri: SecretString,
    pub secret: TotpSecret,
    pub expires_at: Timestamp,
}

/// A user's second factor, as `show-user` says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecondFactorStatus {
    None,
    /// An enrolment waits for its first code (and protects nothing yet).
    Pending,
    Totp {
        recovery_codes_left: u32,
    },
}

impl std::fmt::Display for SecondFactorStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SecondFactorStatus::None => f.write_str("none"),
            SecondFactorStatus::Pending => f.write_str("pending"),
            SecondFactorStatus::Totp {
                recovery_codes_left,
            } => write!(f, "totp, {recovery_codes_left} recovery codes left"),
        }
    }
}

impl SecondFactorStatus {
    /// What a stored record amounts to at `now` (an expired enrolment is none).
    fn of(record: &SecondFactorRecord, now: Timestamp) -> Self {
        if record.confirmed.is_some() {
            SecondFactorStatus::Totp {
                recovery_codes_left: record.recovery_codes_left,
            }
        } else if record
            .pending
            .as_ref()
            .is_some_and(|p| p.expires_at.is_some_and(|end| end > now))
        {
            SecondFactorStatus::Pending
        } else {
            SecondFactorStatus::None
        }
    }
}

/// Which second factor a sign-in used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecondFactorUsed {
    Totp,
    /// A recovery code, with how many are left (say so when 2 or fewer).
    RecoveryCode {
        left: u32,
    },
}

/// The context a user's secret is sealed to: a row moved to another user
/// does not open.
fn seal_context(user_id: i64) -> String {
    format!("totp:{user_id}")
}

/// The context an imported secret is sealed to on its way from the file to
/// the store (through the import's spool): its row's email key. The store
/// seals it again to the user's id once the row is written.
fn transit_context(email_key: &str) -> String {
    format!("totp import:{email_key}")
}

impl TotpSealer for SecondFactor {
    fn seal_in_transit(&self, secret: &TotpSecret, email_key: &str) -> Sealed {
        self.sealer
            .seal(secret.expose(), &transit_context(email_key))
    }

    fn seal_to_user(&self, in_transit: &Sealed, email_key: &str, user_id: i64) -> Result<Sealed> {
        let what = format!("the imported TOTP secret of {email_key}");
        let secret = self
            .sealer
            .open(in_transit, &transit_context(email_key), &what)?;
        Ok(self.sealer.seal(&secret, &seal_context(user_id)))
    }
}

fn signed(d: Duration) -> SignedDuration {
    SignedDuration::try_from(d).unwrap_or(SignedDuration::MAX)
}

impl<S: UserStore + SecondFactorStore> UserManager<S> {
    /// Starts a TOTP enrolment: a new secret, pending until
    /// [`UserManager::confirm_totp`] gets a right code from it, expiring
    /// after [`SecondFactorSettings::enrolment_ttl`]. A user with a confirmed
    /// secret is [`Error::SecondFactorExists`] unless `replace` (the old
    /// secret keeps working until the new one is confirmed).
    pub fn enroll_totp(
        &mut self,
        email: &str,
        mfa: &SecondFactor,
        replace: bool,
    ) -> Result<TotpEnrolment> {
        let user = self.get_user(email)?;
        let now = self.clock.now();
        let expires_at = now
            .saturating_add(signed(mfa.settings.enrolment_ttl))
            .unwrap_or(Timestamp::MAX);
        let secret = TotpSecret::generate();
        let record = TotpRecord {
            secret: mfa.sealer.seal(secret.expose(), &seal_context(user.id)),
            created_at: now,
            confirmed_at: None,
            expires_at: Some(expires_at),
            last_step: None,
        };
        let detail = if replace { "replace" } else { "" };
        let audit = [self.audit(AuditEvent::TotpEnrolmentStarted, detail)];
        self.store
            .begin_totp_enrolment(user.id, &record, replace, &user.email, &audit)?;
        let uri = totp::build_uri(&mfa.settings.issuer, &user.email, &secret);
        Ok(TotpEnrolment {
            email: user.email,
            uri: SecretString::from(uri.as_str()),
            secret,
            expires_at,
        })
    }

    /// Completes the user's pending enrolment with a code from the new
    /// authenticator: the secret becomes the one sign-ins ask for (that
    /// code's step is used up) and a new set of recovery codes replaces any
    /// old one. Returns the codes, which are shown once and never again.
    /// No live enrolment is [`Error::NoPendingEnrolment`]; a wrong code is
    /// [`Error::WrongSecondFactor`] (audited) and leaves it pending.
    pub fn confirm_totp(
        &mut self,
        email: &str,
        code: &SecretString,
        mfa: &SecondFactor,
    ) -> Result<Vec<SecretString>> {
        let user = self.get_user(email)?;
        let now = self.clock.now();
        let pending = self
            .store
            .second_factor(user.id)?
            .pending
            .filter(|p| p.expires_at.is_some_and(|end| end > now))
            .ok_or_else(|| Error::NoPendingEnrolment(user.email.clone()))?;
        let secret = self.open_secret(&user, &pending.secret, mfa)?;
        let typed = crate::otp::normalize_code(code.expose_secret());
        let Some(step) = totp::verify(&secret, &typed, now, mfa.settings.skew) else {
            return Err(self.second_factor_failed(&user, "enrolment code"));
        };
        let codes = crate::recovery_codes::generate_set();
        let digests = crate::recovery_codes::digests(&mfa.key, user.id, &codes);
        let audit = [self.audit(AuditEvent::TotpConfirmed, "")];
        let confirmed = self.store.confirm_totp(
            user.id,
            pending.created_at,
            now,
            step,
            &digests,
            &user.email,
            &audit,
        )?;
        if !confirmed {
            // Replaced or expired between the read and the write.
            return Err(Error::NoPendingEnrolment(user.email));
        }
        Ok(codes)
    }

    /// A new set of recovery codes, shown once; the old set stops working.
    /// A user without a confirmed secret is [`Error::NoSecondFactor`].
    pub fn regenerate_recovery_codes(
        &mut self,
        email: &str,
        mfa: &SecondFactor,
    ) -> Result<Vec<SecretString>> {
        let user = self.get_user(email)?;
        let codes = crate::recovery_codes::generate_set();
        let digests = crate::recovery_codes::digests(&mfa.key, user.id, &codes);
        let audit = [self.audit(AuditEvent::RecoveryCodesRegenerated, "")];
        let now = self.clock.now();
        if !self
            .store
            .replace_recovery_codes(user.id, &digests, now, &user.email, &audit)?
        {
            return Err(Error::NoSecondFactor(user.email));
        }
        Ok(codes)
    }

    /// An operator's reset: removes the secret, any pending enrolment and the
    /// recovery codes and, unless `keep_tokens`, revokes the user's tokens, in
    /// one transaction audited with `reason` (required) and the actor.
    pub fn disable_second_factor(
        &mut self,
        email: &str,
        reason: &str,
        keep_tokens: bool,
    ) -> Result<SecondFactorRemoved> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(Error::invalid(
                "the reason",
                "it is empty; say why the second factor is removed",
            ));
        }
        let user = self.get_user(email)?;
        let tokens = if keep_tokens {
            "tokens kept"
        } else {
            "tokens revoked"
        };
        let detail = format!("reason={reason:?}, {tokens}");
        let audit = [self.audit(AuditEvent::SecondFactorDisabled, detail)];
        let revoke_at = (!keep_tokens).then(|| self.clock.now());
        self.store
            .disable_second_factor(user.id, revoke_at, &user.email, &audit)
    }

    /// Whether `[mfa] required` covers `user`, who has no confirmed second
    /// factor: such a user is refused every token (see `token_refusal`).
    pub(super) fn lacks_required_second_factor(&self, user: &User) -> Result<bool> {
        if !self.mfa_required.covers(user) {
            return Ok(false);
        }
        Ok(self.store.second_factor(user.id)?.confirmed.is_none())
    }

    /// The user's second factor as `show-user` says it (an expired
    /// enrolment is none).
    pub fn second_factor_status(&self, user: &User) -> Result<SecondFactorStatus> {
        let record = self.store.second_factor(user.id)?;
        Ok(SecondFactorStatus::of(&record, self.clock.now()))
    }

    /// [`UserManager::second_factor_status`] of each of `users` (a page of
    /// `list_users`), in their order, from one read.
    pub fn second_factor_statuses(&self, users: &[User]) -> Result<Vec<SecondFactorStatus>> {
        let ids = users.iter().map(|u| u.id);
        let (Some(first), Some(last)) = (ids.clone().min(), ids.max()) else {
            return Ok(Vec::new());
        };
        let records = self.store.second_factors_between(first, last)?;
        let now = self.clock.now();
        let none = SecondFactorRecord::default();
        Ok(users
            .iter()
            .map(|u| SecondFactorStatus::of(records.get(&u.id).unwrap_or(&none), now))
            .collect())
    }

    /// Checks a second factor of `user`: a TOTP code (6 digits), accepted once
    /// per time step and only after the last step accepted, or a recovery code
    /// (`XXXXX-XXXXX`, any case, dashes and spaces ignored), used up. A wrong,
    /// replayed or used one is [`Error::WrongSecondFactor`], audited; a user
    /// without a confirmed secret is [`Error::NoSecondFactor`].
    pub fn check_second_factor(
        &mut self,
        user: &User,
        code: &SecretString,
        mfa: &SecondFactor,
    ) -> Result<SecondFactorUsed> {
        let record = self.store.second_factor(user.id)?;
        let confirmed = record
            .confirmed
            .ok_or_else(|| Error::NoSecondFactor(user.email.clone()))?;
        let typed = code.expose_secret();
        if let Some(canonical) = crate::recovery_codes::normalize(typed) {
            let now = self.clock.now();
            let audit = [self.audit(AuditEvent::RecoveryCodeUsed, "")];
            // The current key's digest first, then the previous key's (codes
            // made before a rotation); each try is one conditional update, so
            // a code is still used once.
            for key in std::iter::once(&mfa.key).chain(&mfa.previous_key) {
                let digest = crate::recovery_codes::digest(key, user.id, &canonical);
                if let Some(left) =
                    self.store
                        .use_recovery_code(user.id, &digest, now, &user.email, &audit)?
                {
                    return Ok(SecondFactorUsed::RecoveryCode { left });
                }
            }
            return Err(self.second_factor_failed(user, "recovery code"));
        }
        let secret = self.open_secret(user, &confirmed.secret, mfa)?;
        let digits = crate::otp::normalize_code(typed);
        let step = totp::verify(&secret, &digits, self.clock.now(), mfa.settings.skew);
        // A secret under the previous key moves to the current one in the
        // update that accepts its code.
        let resealed = mfa
            .sealed_under_older_key(&confirmed.secret)
            .then(|| mfa.sealer.seal(secret.expose(), &seal_context(user.id)));
        let reseal = resealed.as_ref().map(|new| (&confirmed.secret, new));
        match step {
            Some(step)
                if self
                    .store
                    .accept_totp_step(user.id, step, reseal, &user.email, &[])? =>
            {
                Ok(SecondFactorUsed::Totp)
            }
            // A step already used (or older than one used) is a replay.
            _ => Err(self.second_factor_failed(user, "totp")),
        }
    }

    /// Checks that every stored TOTP secret, pending ones too, opens with the
    /// keys `mfa` gives (asked for only when a secret is stored, so a
    /// database without any needs no key): the first that does not is
    /// [`Error::SecretNotDecrypted`], naming its user and both key ids. The
    /// number of secrets checked.
    pub fn check_sealed_secrets<E: From<Error>>(
        &self,
        mfa: impl FnOnce() -> std::result::Result<SecondFactor, E>,
    ) -> std::result::Result<usize, E> {
        let sealed = self.store.sealed_totp_secrets()?;
        if sealed.is_empty() {
            return Ok(0);
        }
        let mfa = mfa()?;
        for (user_id, email, secret) in &sealed {
            mfa.check_opens(*user_id, secret, &format!("the TOTP secret of {email}"))?;
        }
        Ok(sealed.len())
    }

    fn open_secret(&self, user: &User, sealed: &Sealed, mfa: &SecondFactor) -> Result<TotpSecret> {
        let what = format!("the TOTP secret of {}", user.email);
        let bytes = mfa.sealer.open(sealed, &seal_context(user.id), &what)?;
        Ok(TotpSecret::from_bytes(bytes.to_vec()))
    }

    /// Records a refused second factor (what kind, never what was typed) and
    /// gives the error to return; an error recording it wins.
    fn second_factor_failed(&mut self, user: &User, kind: &str) -> Error {
        let audit = [self.audit(AuditEvent::SecondFactorFailed, kind)];
        match self.store.record(Some(user.id), Some(&user.email), &audit) {
            Ok(()) => Error::WrongSecondFactor(user.email.clone()),
            Err(e) => e,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::clock::{Clock, MovableClock};
    use crate::storage::{AuditFilter, SqliteStore};
    use crate::user::NewUser;

    struct Fixture {
        _dir: tempfile::TempDir,
        manager: UserManager<SqliteStore>,
        clock: Arc<MovableClock>,
        mfa: SecondFactor,
    }

    const ADA: &str = "ada@example.com";

    fn key(text: &str) -> SecretKey {
        SecretKey::new(&format!("{text:-<40}"), "test").unwrap()
    }

    fn fixture() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let clock = Arc::new(MovableClock(Mutex::new(
            "2026-01-02T03:04:05Z".parse().unwrap(),
        )));
        let mut manager = crate::manager::test_manager(dir.path(), clock.clone());
        manager
            .create_user(NewUser::new(ADA), None, crate::password::Validation::Skip)
            .unwrap();
        let mfa = SecondFactor::new(SecondFactorSettings::default(), key("main"));
        Fixture {
            _dir: dir,
            manager,
            clock,
            mfa,
        }
    }

    fn secret(text: &str) -> SecretString {
        SecretString::from(text.to_string())
    }

    impl Fixture {
        fn later(&self, seconds: i64) {
            let mut now = self.clock.0.lock().unwrap();
            *now = now.checked_add(SignedDuration::from_secs(seconds)).unwrap();
        }

        fn code_now(&self, secret: &TotpSecret) -> SecretString {
            let step = totp::step_at(self.clock.now());
            SecretString::from(totp::code_at_step(secret, step).as_str())
        }

        fn ada(&self) -> User {
            self.manager.get_user(ADA).unwrap()
        }

        /// Ada enrolled and confirmed: her secret and recovery codes.
        fn enrolled(&mut self) -> (TotpSecret, Vec<SecretString>) {
            let enrolment = self.manager.enroll_totp(ADA, &self.mfa, false).unwrap();
            let code = self.code_now(&enrolment.secret);
            let codes = self.manager.confirm_totp(ADA, &code, &self.mfa).unwrap();
            (enrolment.secret, codes)
        }

        fn events(&self, event: AuditEvent) -> Vec<String> {
            let filter = AuditFilter {
                event: Some(event),
                ..AuditFilter::default()
            };
            let rows = self.manager.store().audit_entries(&filter).unwrap();
            rows.into_iter().map(|r| r.detail).collect()
        }

        fn all_audit_text(&self) -> String {
            let rows = self
                .manager
                .store()
                .audit_entries(&AuditFilter::default())
                .unwrap();
            rows.iter()
                .map(|r| format!("{} {} {}", r.event, r.detail, r.actor))
                .collect::<Vec<_>>()
                .join("\n")
        }
    }

    #[test]
    fn an_enrolment_protects_nothing_until_a_code_confirms_it() {
        let mut f = fixture();
        let enrolment = f.manager.enroll_totp(ADA, &f.mfa, false).unwrap();
        assert!(
            enrolment
                .uri
                .expose_secret()
                .starts_with("otpauth://totp/userdb:ada@example.com?secret=")
        );
        assert_eq!(
            enrolment.expires_at,
            f.clock
                .now()
                .checked_add(SignedDuration::from_mins(10))
                .unwrap()
        );
        let ada = f.ada();
        assert_eq!(
            f.manager.second_factor_status(&ada).unwrap(),
            SecondFactorStatus::Pending
        );
        let code = f.code_now(&enrolment.secret);
        let err = f
            .manager
            .check_second_factor(&ada, &code, &f.mfa)
            .unwrap_err();
        assert!(matches!(err, Error::NoSecondFactor(_)), "{err:?}");

        let codes = f.manager.confirm_totp(ADA, &code, &f.mfa).unwrap();
        assert_eq!(codes.len(), 10);
        assert_eq!(
            f.manager.second_factor_status(&ada).unwrap().to_string(),
            "totp, 10 recovery codes left"
        );
        assert_eq!(f.events(AuditEvent::TotpEnrolmentStarted).len(), 1);
        assert_eq!(f.events(AuditEvent::TotpConfirmed).len(), 1);
    }

    #[test]
    fn a_wrong_confirmation_code_leaves_the_enrolment_pending_and_is_audited() {
        let mut f = fixture();
        let enrolment = f.manager.enroll_totp(ADA, &f.mfa, false).unwrap();
        let right = f.code_now(&enrolment.secret);
        let wrong = if right.expose_secret() == "000000" {
            "111111"
        } else {
            "000000"
        };
        let err = f
            .manager
            .confirm_totp(ADA, &secret(wrong), &f.mfa)
            .unwrap_err();
        assert!(matches!(err, Error::WrongSecondFactor(_)), "{err:?}");
        assert_eq!(f.events(AuditEvent::SecondFactorFailed), ["enrolment code"]);
        assert!(f.manager.confirm_totp(ADA, &right, &f.mfa).is_ok());
    }

    #[test]
    fn a_pending_enrolment_expires_after_ten_minutes() {
        let mut f = fixture();
        let enrolment = f.manager.enroll_totp(ADA, &f.mfa, false).unwrap();
        f.later(600);
        let ada = f.ada();
        assert_eq!(
            f.manager.second_factor_status(&ada).unwrap(),
            SecondFactorStatus::None
        );
        let code = f.code_now(&enrolment.secret);
        let err = f.manager.confirm_totp(ADA, &code, &f.mfa).unwrap_err();
        assert!(matches!(err, Error::NoPendingEnrolment(_)), "{err:?}");
    }

    #[test]
    fn a_confirmed_secret_is_replaced_only_with_replace() {
        let mut f = fixture();
        let (old, _) = f.enrolled();
        let err = f.manager.enroll_totp(ADA, &f.mfa, false).unwrap_err();
        assert!(matches!(err, Error::SecondFactorExists(_)), "{err:?}");
        assert_eq!(err.exit_code().code(), 4);
        let new = f.manager.enroll_totp(ADA, &f.mfa, true).unwrap();
        // Until confirmed, the old authenticator still signs in.
        f.later(30);
        let ada = f.ada();
        let code = f.code_now(&old);
        assert_eq!(
            f.manager.check_second_factor(&ada, &code, &f.mfa).unwrap(),
            SecondFactorUsed::Totp
        );
        f.later(30);
        let code = f.code_now(&new.secret);
        f.manager.confirm_totp(ADA, &code, &f.mfa).unwrap();
        f.later(30);
        let stale = f.code_now(&old);
        assert!(f.manager.check_second_factor(&ada, &stale, &f.mfa).is_err());
    }

    #[test]
    fn a_totp_code_signs_in_once_and_never_again() {
        let mut f = fixture();
        let (totp_secret, _) = f.enrolled();
        let ada = f.ada();
        // The confirmation used this step's code already.
        let code = f.code_now(&totp_secret);
        let err = f
            .manager
            .check_second_factor(&ada, &code, &f.mfa)
            .unwrap_err();
        assert!(matches!(err, Error::WrongSecondFactor(_)), "{err:?}");
        f.later(30);
        let code = f.code_now(&totp_secret);
        assert_eq!(
            f.manager.check_second_factor(&ada, &code, &f.mfa).unwrap(),
            SecondFactorUsed::Totp
        );
        assert!(f.manager.check_second_factor(&ada, &code, &f.mfa).is_err());
        // Typed with a space, as apps show it, a later code works.
        f.later(30);
        let code = f.code_now(&totp_secret);
        let spaced = format!(
            "{} {}",
            &code.expose_secret()[..3],
            &code.expose_secret()[3..]
        );
        assert!(
            f.manager
                .check_second_factor(&ada, &secret(&spaced), &f.mfa)
                .is_ok()
        );
    }

    #[test]
    fn the_previous_steps_code_is_accepted_and_an_older_one_is_not() {
        let mut f = fixture();
        let (totp_secret, _) = f.enrolled();
        let ada = f.ada();
        f.later(90);
        let step = totp::step_at(f.clock.now());
        let previous = SecretString::from(totp::code_at_step(&totp_secret, step - 1).as_str());
        let older = SecretString::from(totp::code_at_step(&totp_secret, step - 2).as_str());
        assert!(f.manager.check_second_factor(&ada, &older, &f.mfa).is_err());
        assert!(
            f.manager
                .check_second_factor(&ada, &previous, &f.mfa)
                .is_ok()
        );
    }

    #[test]
    fn a_recovery_code_works_once_in_any_case_and_counts_down() {
        let mut f = fixture();
        let (_, codes) = f.enrolled();
        let ada = f.ada();
        let typed = codes[0].expose_secret().to_lowercase().replace('-', " ");
        assert_eq!(
            f.manager
                .check_second_factor(&ada, &secret(&typed), &f.mfa)
                .unwrap(),
            SecondFactorUsed::RecoveryCode { left: 9 }
        );
        let err = f
            .manager
            .check_second_factor(&ada, &codes[0], &f.mfa)
            .unwrap_err();
        assert!(matches!(err, Error::WrongSecondFactor(_)), "{err:?}");
        assert_eq!(f.events(AuditEvent::RecoveryCodeUsed).len(), 1);
        assert_eq!(f.events(AuditEvent::SecondFactorFailed), ["recovery code"]);
        assert_eq!(
            f.manager.second_factor_status(&ada).unwrap().to_string(),
            "totp, 9 recovery codes left"
        );
    }

    #[test]
    fn new_recovery_codes_replace_the_old_set() {
        let mut f = fixture();
        let ada = f.ada();
        let err = f
            .manager
            .regenerate_recovery_codes(ADA, &f.mfa)
            .unwrap_err();
        assert!(matches!(err, Error::NoSecondFactor(_)), "{err:?}");
        let (_, old) = f.enrolled();
        let new = f.manager.regenerate_recovery_codes(ADA, &f.mfa).unwrap();
        assert_eq!(new.len(), 10);
        assert!(
            f.manager
                .check_second_factor(&ada, &old[1], &f.mfa)
                .is_err()
        );
        assert!(f.manager.check_second_factor(&ada, &new[1], &f.mfa).is_ok());
        assert_eq!(f.events(AuditEvent::RecoveryCodesRegenerated).len(), 1);
    }

    #[test]
    fn disabling_needs_a_reason_and_audits_it_with_the_actor_never_a_secret() {
        let mut f = fixture();
        let (totp_secret, codes) = f.enrolled();
        let err = f
            .manager
            .disable_second_factor(ADA, "  ", false)
            .unwrap_err();
        assert!(matches!(err, Error::InvalidValue { .. }), "{err:?}");
        let removed = f
            .manager
            .disable_second_factor(ADA, "lost phone, ticket 42", false)
            .unwrap();
        assert!(removed.totp);
        assert_eq!(removed.recovery_codes, 10);
        let ada = f.ada();
        assert_eq!(
            f.manager.second_factor_status(&ada).unwrap(),
            SecondFactorStatus::None
        );
        assert_eq!(
            f.events(AuditEvent::SecondFactorDisabled),
            ["reason=\"lost phone, ticket 42\", tokens revoked"]
        );
        let log = f.all_audit_text();
        assert!(!log.contains(totp_secret.to_base32().as_str()), "{log}");
        assert!(!log.contains("otpauth"), "{log}");
        for code in &codes {
            assert!(!log.contains(code.expose_secret()), "{log}");
        }
    }

    #[test]
    fn the_statuses_of_a_page_of_users_say_what_each_alone_says() {
        let mut f = fixture();
        for email in ["bob@example.com", "carol@example.com"] {
            f.manager
                .create_user(NewUser::new(email), None, crate::password::Validation::Skip)
                .unwrap();
        }
        f.enrolled();
        f.manager
            .enroll_totp("bob@example.com", &f.mfa, false)
            .unwrap();
        let users = f
            .manager
            .list_users(&crate::user::UserFilter::default())
            .unwrap();
        let shown = |f: &Fixture| -> Vec<String> {
            let statuses = f.manager.second_factor_statuses(&users).unwrap();
            statuses.iter().map(ToString::to_string).collect()
        };
        assert_eq!(
            shown(&f),
            ["totp, 10 recovery codes left", "pending", "none"]
        );
        for (user, status) in users.iter().zip(shown(&f)) {
            assert_eq!(
                f.manager.second_factor_status(user).unwrap().to_string(),
                status
            );
        }
        // Bob's enrolment expires; a page without users asks nothing.
        f.later(600);
        assert_eq!(shown(&f)[1], "none");
        assert!(f.manager.second_factor_statuses(&[]).unwrap().is_empty());
    }

    #[test]
    fn every_sealed_secret_is_checked_and_the_key_asked_for_only_when_one_is_stored() {
        let mut f = fixture();
        let never = || -> Result<SecondFactor> { panic!("no secret is stored: no key needed") };
        assert_eq!(f.manager.check_sealed_secrets(never).unwrap(), 0);
        f.enrolled();
        f.manager.enroll_totp(ADA, &f.mfa, true).unwrap();
        let same = || {
            Ok::<_, Error>(SecondFactor::new(
                SecondFactorSettings::default(),
                key("main"),
            ))
        };
        assert_eq!(f.manager.check_sealed_secrets(same).unwrap(), 2);
        let other = || {
            Ok::<_, Error>(SecondFactor::new(
                SecondFactorSettings::default(),
                key("other"),
            ))
        };
        let err = f.manager.check_sealed_secrets(other).unwrap_err();
        assert!(
            matches!(&err, Error::SecretNotDecrypted { what, .. } if what == "the TOTP secret of ada@example.com"),
            "{err:?}"
        );
    }

    #[test]
    fn a_secret_sealed_under_another_key_is_an_error_naming_the_key() {
        let mut f = fixture();
        let (totp_secret, _) = f.enrolled();
        let ada = f.ada();
        f.later(30);
        let code = f.code_now(&totp_secret);
        let other = SecondFactor::new(SecondFactorSettings::default(), key("other"));
        let err = f
            .manager
            .check_second_factor(&ada, &code, &other)
            .unwrap_err();
        let Error::SecretNotDecrypted { key_id, .. } = &err else {
            panic!("{err:?}");
        };
        assert_eq!(key_id, f.mfa.sealer.key_id());
        // The rotated-in key that still holds the old one opens it.
        let rotating = SecondFactor::new(SecondFactorSettings::default(), key("other"))
            .with_previous_key(key("main"));
        assert!(
            f.manager
                .check_second_factor(&ada, &code, &rotating)
                .is_ok()
        );
    }

    #[test]
    fn a_rotation_reseals_a_secret_when_its_code_is_accepted_and_old_codes_match_once() {
        let mut f = fixture();
        let (totp_secret, codes) = f.enrolled();
        let ada = f.ada();
        let rotating = SecondFactor::new(SecondFactorSettings::default(), key("other"))
            .with_previous_key(key("main"));
        let other = SecondFactor::new(SecondFactorSettings::default(), key("other"));
        let stored = |f: &Fixture| {
            let record = f.manager.store().second_factor(ada.id).unwrap();
            record.confirmed.unwrap().secret
        };
        assert!(rotating.sealed_under_older_key(&stored(&f)));

        // A recovery code made under the previous key: not without it, then once.
        let err = f
            .manager
            .check_second_factor(&ada, &codes[0], &other)
            .unwrap_err();
        assert!(matches!(err, Error::WrongSecondFactor(_)), "{err:?}");
        assert_eq!(
            f.manager
                .check_second_factor(&ada, &codes[0], &rotating)
                .unwrap(),
            SecondFactorUsed::RecoveryCode { left: 9 }
        );
        assert!(
            f.manager
                .check_second_factor(&ada, &codes[0], &rotating)
                .is_err()
        );

        // An accepted TOTP code moves the secret to the current key.
        f.later(30);
        let code = f.code_now(&totp_secret);
        assert!(
            f.manager
                .check_second_factor(&ada, &code, &rotating)
                .is_ok()
        );
        assert_eq!(stored(&f).key_id, other.sealer.key_id());
        assert!(!rotating.sealed_under_older_key(&stored(&f)));
        f.later(30);
        let code = f.code_now(&totp_secret);
        assert_eq!(
            f.manager.check_second_factor(&ada, &code, &other).unwrap(),
            SecondFactorUsed::Totp
        );
    }

    /// Ada with a password, enrolled: what the gate tests sign in with.
    fn signing_in() -> (Fixture, TotpSecret, Vec<SecretString>) {
        let mut f = fixture();
        f.manager
            .set_password(
                ADA,
                Some(&secret(PASSWORD)),
                crate::password::Validation::Skip,
            )
            .unwrap();
        let (totp, codes) = f.enrolled();
        // The confirmation used this step: the next sign-in is a step later.
        f.later(30);
        (f, totp, codes)
    }

    const PASSWORD: &str = "correct horse battery staple";

    fn by_password<'a>(
        mfa: &'a SecondFactor,
        password: &'a SecretString,
        code: Option<&'a SecretString>,
    ) -> crate::manager::SignIn<'a> {
        crate::manager::SignIn::new(ADA, crate::manager::Proof::Password(password))
            .second_factor(mfa, code)
    }

    #[test]
    fn a_password_sign_in_asks_an_enrolled_user_for_the_second_factor() {
        let (mut f, totp, codes) = signing_in();
        f.manager.reveal_reasons(true);
        let password = secret(PASSWORD);
        let before = f.ada();
        let err = f
            .manager
            .sign_in(by_password(&f.mfa, &password, None))
            .unwrap_err();
        assert!(matches!(err, Error::SecondFactorRequired(_)), "{err:?}");
        // Without a key to check one with, the same: never a pass.
        let bare = crate::manager::SignIn::new(ADA, crate::manager::Proof::Password(&password));
        let err = f.manager.sign_in(bare).unwrap_err();
        assert!(matches!(err, Error::SecondFactorRequired(_)), "{err:?}");
        assert_eq!(f.ada().last_login, before.last_login);

        let code = f.code_now(&totp);
        let outcome = f
            .manager
            .sign_in(by_password(&f.mfa, &password, Some(&code)))
            .unwrap();
        assert_eq!(outcome.second_factor, Some(SecondFactorUsed::Totp));
        assert!(outcome.user.last_login.is_some());
        // The same code again is a replay.
        let err = f
            .manager
            .sign_in(by_password(&f.mfa, &password, Some(&code)))
            .unwrap_err();
        assert!(matches!(err, Error::WrongSecondFactor(_)), "{err:?}");

        let outcome = f
            .manager
            .sign_in(by_password(&f.mfa, &password, Some(&codes[0])))
            .unwrap();
        assert_eq!(
            outcome.second_factor,
            Some(SecondFactorUsed::RecoveryCode { left: 9 })
        );
        let failed = f.events(AuditEvent::LoginFailed);
        assert_eq!(
            failed,
            [
                "second factor required",
                "second factor required",
                "wrong second factor"
            ]
        );
    }

    #[test]
    fn wrong_second_factors_lock_the_address_and_a_locked_ones_is_not_checked() {
        let (mut f, totp, _) = signing_in();
        f.manager.reveal_reasons(true);
        f.manager
            .set_login_throttle(crate::throttle::LoginSettings {
                max_failures: 2,
                ..crate::throttle::LoginSettings::default()
            });
        let password = secret(PASSWORD);
        let right = f.code_now(&totp);
        let wrong = secret(if right.expose_secret() == "000000" {
            "111111"
        } else {
            "000000"
        });
        for _ in 0..2 {
            let err = f
                .manager
                .sign_in(by_password(&f.mfa, &password, Some(&wrong)))
                .unwrap_err();
            assert!(matches!(err, Error::WrongSecondFactor(_)), "{err:?}");
        }
        let err = f
            .manager
            .sign_in(by_password(&f.mfa, &password, Some(&right)))
            .unwrap_err();
        assert!(matches!(err, Error::LoginLocked { .. }), "{err:?}");
        assert_eq!(f.events(AuditEvent::SecondFactorFailed).len(), 2);
        // The right code was not spent on the locked attempt.
        f.later(3600);
        let right = f.code_now(&totp);
        f.manager
            .sign_in(by_password(&f.mfa, &password, Some(&right)))
            .unwrap();
    }

    #[test]
    fn a_reset_neither_asks_for_the_second_factor_nor_removes_it() {
        let (mut f, totp, _) = signing_in();
        let reset = f.manager.create_reset_token(ADA, None).unwrap();
        let new = secret("a brand new passphrase 42");
        let proof = crate::manager::Proof::ResetToken {
            token: &reset.token,
            new_password: crate::manager::NewPassword {
                password: &new,
                validation: crate::password::Validation::Skip,
            },
        };
        f.manager
            .sign_in(crate::manager::SignIn::new(ADA, proof))
            .unwrap();
        let ada = f.ada();
        assert!(matches!(
            f.manager.second_factor_status(&ada).unwrap(),
            SecondFactorStatus::Totp { .. }
        ));
        f.manager.reveal_reasons(true);
        let err = f
            .manager
            .sign_in(by_password(&f.mfa, &new, None))
            .unwrap_err();
        assert!(matches!(err, Error::SecondFactorRequired(_)), "{err:?}");
        let code = f.code_now(&totp);
        f.manager
            .sign_in(by_password(&f.mfa, &new, Some(&code)))
            .unwrap();
    }

    #[test]
    fn the_policy_refuses_a_token_to_a_user_in_scope_without_a_second_factor() {
        let mut f = fixture();
        f.manager.set_second_factor_required(MfaScope::All);
        let err = f.manager.issue_token(ADA, None, None).unwrap_err();
        assert!(matches!(err, Error::SecondFactorNotEnrolled(_)), "{err:?}");
        f.manager.set_second_factor_required(MfaScope::Staff);
        f.manager.issue_token(ADA, None, None).unwrap();
        f.manager.set_second_factor_required(MfaScope::All);
        f.enrolled();
        f.manager.issue_token(ADA, Some("after"), None).unwrap();
    }

    #[test]
    fn a_scope_covers_whom_it_names() {
        let f = fixture();
        let mut user = f.ada();
        assert!(!MfaScope::None.covers(&user));
        assert!(MfaScope::All.covers(&user));
        assert!(!MfaScope::Staff.covers(&user));
        user.is_superuser = true;
        assert!(MfaScope::Superusers.covers(&user));
        assert!(MfaScope::Staff.covers(&user));
        assert_eq!("STAFF".parse::<MfaScope>(), Ok(MfaScope::Staff));
        assert!("admins".parse::<MfaScope>().is_err());
    }
}
