//! The user manager: Django's `BaseUserManager` and `ModelBackend` in one place.
//! Every rule about users lives here; the command line only asks and prints.
//!
//! `UserManager`'s methods are spread over files by subject, one home per rule:
//!
//! | file | holds |
//! |---|---|
//! | `manager.rs` | creating users and superusers (and upserts), passwords (validators, hashing, `set_password`), the password check with sign-in throttling, finding, listing, updating and deleting users, the last-superuser rule, the audit log |
//! | `manager/fields.rs` | custom field values: parsing against their declaration, defaults, required fields, unique values |
//! | `manager/groups.rs` | groups, memberships, direct permissions, effective permissions (`has_perms`) |
//! | `manager/tokens.rs` | API tokens: issue (scoped or not), verify, list, revoke |
//! | `manager/otp.rs` | one-time codes: send (cooldown, hourly cap), verify, mark an address verified |
//! | `manager/sign_in.rs` | `sign_in`, the one entry for every proof (a password, a code, a reset token), `admit`, the one gate every proof passes once it is right, and `pass_second_factor`, the one place a sign-in asks for the second factor |
//! | `manager/flows.rs` | the flows built from those: `register`, `sign_up` (and the resend rule), a code's sign-in, reset by code |
//! | `manager/reset_tokens.rs` | operator reset tokens |
//! | `manager/second_factor.rs` | a second factor: TOTP enrolment and confirmation, recovery codes, an operator's reset, `check_second_factor` (what `pass_second_factor` asks), `[mfa] required` (`MfaScope`) |
//! | `manager/conceal.rs` | a service's one answer to a failed proof (`reveal_reasons` off) |
//! | `manager/apply.rs` | `apply`: a declarative file compared with the database, the differences written |
//! | `provisioning/import.rs`, `provisioning/export.rs` | bulk import and export (the same rules, applied to many rows at once) |

mod otp;
mod second_factor;
pub use second_factor::{
    MfaScope, SecondFactor, SecondFactorSettings, SecondFactorStatus, SecondFactorUsed,
    TotpEnrolment,
};

pub use otp::{OneTimeCodes, OtpSent};

use std::sync::Arc;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use crate::audit::AuditEvent;
use crate::clock::Clock;
use crate::config::{PasswordSettings, Settings};
use crate::email_address::{email_key, parse_email};
use crate::error::{Error, Result};
use crate::fields::FieldSet;
use crate::password::{PasswordHasher, PasswordPolicy, UserAttributes, make_unusable_password};
use crate::registration::EmailVerification;
use crate::storage::{
    AuditEntry, LoginReservation, SecondFactorStore, UserRecord, UserStore, UserUpdate,
};
use crate::throttle::LoginSettings;
use crate::user::{NewUser, User, UserChanges, UserFilter};

mod tokens;
pub use tokens::{IssuedToken, MAX_TOKEN_NAME_LEN, Revoked};

mod flows;
pub use flows::{Registered, Registration, SignedUp};

mod sign_in;
pub use sign_in::{
    Happened, NewPassword, Proof, SecondFactorOffer, SignIn, SignInOutcome, TokenAsk,
};

mod fields;

mod groups;
pub use groups::PermissionCheck;

mod reset_tokens;
pub use reset_tokens::IssuedResetToken;

mod conceal;

mod apply;
pub use apply::ApplyOptions;

mod export;
mod import;

pub use crate::password::Validation;

/// The outcome of an upsert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upserted {
    Created,
    Updated,
}

pub struct UserManager<S: UserStore> {
    store: S,
    hasher: PasswordHasher,
    policy: PasswordPolicy,
    clock: Arc<dyn Clock>,
    actor: String,
    verification: EmailVerification,
    fields: FieldSet,
    login: LoginSettings,
    reveal_reasons: bool,
    must_change_on_create: bool,
    reset_token_expiry: Duration,
    reset_revokes_tokens: bool,
    /// `[mfa] required`.
    mfa_required: MfaScope,
}

/// Hashes a password after the checks every source goes through: not blank,
/// not too long, and (unless skipped) the validators'.
pub(crate) fn hash_new_password(
    hasher: &PasswordHasher,
    policy: &PasswordPolicy,
    password: &SecretString,
    user: &UserAttributes,
    validation: Validation,
) -> Result<String> {
    if password.expose_secret().is_empty() {
        return Err(Error::BlankPassword);
    }
    crate::password::check_password_length(password.expose_secret())?;
    if validation == Validation::Enforce {
        let problems = policy.validate(password.expose_secret(), user);
        if !problems.is_empty() {
            return Err(Error::PasswordRejected(problems));
        }
    }
    Ok(hasher.hash(password.expose_secret()))
}

impl<S: UserStore> UserManager<S> {
    /// `actor` is who is acting (the OS user of the command line), for the audit log.
    pub fn new(
        store: S,
        settings: &PasswordSettings,
        clock: Arc<dyn Clock>,
        actor: impl Into<String>,
    ) -> Result<Self> {
        let hasher = PasswordHasher::new(settings.argon2)
            .map_err(|e| Error::Config(format!("[password] argon2 parameters: {e}")))?
            .with_limits(settings.limits);
        Ok(UserManager {
            store,
            hasher,
            policy: settings.policy,
            clock,
            actor: actor.into(),
            verification: EmailVerification::default(),
            fields: FieldSet::default(),
            login: LoginSettings::default(),
            reveal_reasons: false,
            must_change_on_create: settings.must_change_on_create,
            reset_token_expiry: settings.reset_token_expiry,
            reset_revokes_tokens: crate::registration::RegistrationSettings::default()
                .reset_revokes_tokens,
            mfa_required: MfaScope::None,
        })
    }

    /// A manager as the settings describe it: `[password]`, `[registration]
    /// verification` and `reset_revokes_tokens`, `[fields.NAME]` and `[login]`, the same as the command
    /// line's. What a call takes (`[otp]`, `[email]`, `[token]`) stays with the
    /// caller. Failed proofs get one answer ([`Self::reveal_reasons`] off): the
    /// command line alone turns reasons on, for its operator.
    pub fn from_settings(
        store: S,
        settings: &Settings,
        clock: Arc<dyn Clock>,
        actor: impl Into<String>,
    ) -> Result<Self> {
        let mut manager = UserManager::new(store, &settings.password, clock, actor)?;
        manager.set_email_verification(settings.registration.verification);
        manager.set_fields(settings.fields.clone());
        manager.set_login_throttle(settings.login.clone());
        manager.set_reset_revokes_tokens(settings.registration.reset_revokes_tokens);
        manager.set_second_factor_required(settings.mfa.required);
        Ok(manager)
    }

    /// `[mfa] required`: a user it covers without a confirmed second factor is
    /// refused every token until they enroll one.
    pub fn set_second_factor_required(&mut self, scope: MfaScope) {
        self.mfa_required = scope;
    }

    pub fn second_factor_required(&self) -> MfaScope {
        self.mfa_required
    }

    /// `[registration] verification`: with `Mandatory`, an unverified user cannot
    /// authenticate, be issued a token, or use one.
    pub fn set_email_verification(&mut self, verification: EmailVerification) {
        self.verification = verification;
    }

    pub fn email_verification(&self) -> EmailVerification {
        self.verification
    }

    /// True when the policy keeps this user out until the address is proved.
    fn blocked_unverified(&self, user: &User) -> bool {
        self.verification == EmailVerification::Mandatory && user.email_verified_at.is_none()
    }

    pub fn store(&self) -> &S {
        &self.store
    }

    fn audit(&self, event: AuditEvent, detail: impl Into<String>) -> AuditEntry {
        AuditEntry {
            at: self.clock.now(),
            actor: self.actor.clone(),
            event,
            detail: detail.into(),
        }
    }

    /// The validators' complaints about a password for this user (empty: it is fine).
    pub fn password_problems(&self, password: &SecretString, user: &UserAttributes) -> Vec<String> {
        self.policy.validate(password.expose_secret(), user)
    }

    /// Hashes a password after the checks every source goes through.
    fn hash_new_password(
        &self,
        password: &SecretString,
        user: &UserAttributes,
        validation: Validation,
    ) -> Result<String> {
        hash_new_password(&self.hasher, &self.policy, password, user, validation)
    }

    /// Django's `create_user`: a normalised, validated, unique email; no password
    /// means an unusable one. Flags default to active, not staff, not superuser.
    pub fn create_user(
        &mut self,
        new: NewUser,
        password: Option<&SecretString>,
        validation: Validation,
    ) -> Result<User> {
        self.insert(new, password, validation, AuditEvent::UserCreated)
    }

    /// Django's `create_superuser`: staff, superuser and active unless said
    /// otherwise, and saying otherwise for staff or superuser is an error.
    pub fn create_superuser(
        &mut self,
        new: NewUser,
        password: Option<&SecretString>,
        validation: Validation,
    ) -> Result<User> {
        let new = superuser_defaults(new)?;
        self.insert(new, password, validation, AuditEvent::SuperuserCreated)
    }

    /// `createsuperuser --update`: creates the superuser, or makes the existing user
    /// one (active, staff, superuser), setting the password when one is given.
    pub fn upsert_superuser(
        &mut self,
        new: NewUser,
        password: Option<&SecretString>,
        validation: Validation,
    ) -> Result<(User, Upserted)> {
        let new = superuser_defaults(new)?;
        let email = parse_email(&new.email)?;
        let Some(existing) = self.store.user_by_email_key(&email_key(&email))? else {
            return match self.insert(
                new.clone(),
                password,
                validation,
                AuditEvent::SuperuserCreated,
            ) {
                Ok(user) => Ok((user, Upserted::Created)),
                // Created by a concurrent command since we looked: update it instead.
                Err(Error::UserExists(_)) => self.upsert_superuser(new, password, validation),
                Err(e) => Err(e),
            };
        };
        let attrs = UserAttributes {
            email: &existing.email,
            first_name: non_empty_or(&new.first_name, &existing.first_name),
            last_name: non_empty_or(&new.last_name, &existing.last_name),
        };
        let fields = self.fields_for_change(existing.id, &new.fields)?;
        let join = crate::access::AccessChange {
            join: new.groups.clone(),
            ..Default::default()
        };
        let (access, access_audit) = self.access_change(Some(existing.id), &join)?;
        let hash = password
            .map(|p| self.hash_new_password(p, &attrs, validation))
            .transpose()?;
        let update = UserUpdate {
            fields,
            password: hash,
            first_name: Some(clean_name("first name", &new.first_name)?).filter(|n| !n.is_empty()),
            last_name: Some(clean_name("last name", &new.last_name)?).filter(|n| !n.is_empty()),
            is_active: new.is_active,
            is_staff: new.is_staff,
            is_superuser: new.is_superuser,
            access,
            ..UserUpdate::default()
        };
        let mut audit = vec![self.audit(AuditEvent::SuperuserUpdated, changed_fields(&update))];
        if update.password.is_some() {
            audit.push(self.audit(AuditEvent::PasswordChanged, "by createsuperuser --update"));
        }
        audit.extend(access_audit);
        let user = self.store.update_user(existing.id, &update, &audit)?;
        Ok((user, Upserted::Updated))
    }

    pub(crate) fn insert(
        &mut self,
        new: NewUser,
        password: Option<&SecretString>,
        validation: Validation,
        event: AuditEvent,
    ) -> Result<User> {
        let email = parse_email(&new.email)?;
        // Fail before the (slow) hash when the answer is already known.
        if let Some(stored) = self.store.user_by_email_key(&email_key(&email))? {
            return Err(Error::user_exists(&email, &stored.email));
        }
        let record = self.new_user_record(new, password, validation)?;
        let flags = [
            (record.is_staff, "staff"),
            (record.is_superuser, "superuser"),
            (!record.is_active, "inactive"),
            (password.is_none(), "unusable password"),
        ];
        let detail: Vec<&str> = flags.iter().filter(|f| f.0).map(|f| f.1).collect();
        let mut audit = vec![self.audit(event, detail.join(", "))];
        audit.extend(self.access_change(None, &record.access)?.1);
        self.store.insert_user(&record, &audit)
    }

    /// A new user's row: names, fields and password validated, the password
    /// hashed (the slow part).
    pub(crate) fn new_user_record(
        &self,
        new: NewUser,
        password: Option<&SecretString>,
        validation: Validation,
    ) -> Result<UserRecord> {
        let email = parse_email(&new.email)?;
        let key = email_key(&email);
        let first_name = clean_name("first name", &new.first_name)?;
        let last_name = clean_name("last name", &new.last_name)?;
        let fields = self.fields_for_new_user(&new.fields)?;
        let join = crate::access::AccessChange {
            join: new.groups,
            ..Default::default()
        };
        let (access, _) = self.access_change(None, &join)?;
        let attrs = UserAttributes {
            email: &email,
            first_name: &first_name,
            last_name: &last_name,
        };
        let hash = match password {
            Some(p) => self.hash_new_password(p, &attrs, validation)?,
            None => make_unusable_password(),
        };
        Ok(UserRecord {
            email,
            email_key: key,
            password: hash,
            first_name,
            last_name,
            is_active: new.is_active.unwrap_or(true),
            is_staff: new.is_staff.unwrap_or(false),
            is_superuser: new.is_superuser.unwrap_or(false),
            date_joined: self.clock.now(),
            must_change_password: new
                .must_change_password
                .unwrap_or(self.must_change_on_create),
            expires_at: new.expires_at,
            fields,
            access,
        })
    }

    /// The user with this email (any case), if there is one.
    pub fn find_user(&self, email: &str) -> Result<Option<User>> {
        let email = parse_email(email)?;
        self.store.user_by_email_key(&email_key(&email))
    }

    /// The user with this email, or [`Error::UserNotFound`].
    pub fn get_user(&self, email: &str) -> Result<User> {
        let normalized = crate::email_address::normalize_email(email);
        self.find_user(email)?
            .ok_or(Error::UserNotFound(normalized))
    }

    pub fn list_users(&self, filter: &UserFilter) -> Result<Vec<User>> {
        self.store.list_users(filter)
    }

    /// Sets (or, with `None`, makes unusable) a user's password.
    pub fn set_password(
        &mut self,
        email: &str,
        password: Option<&SecretString>,
        validation: Validation,
    ) -> Result<User> {
        let user = self.get_user(email)?;
        self.change_password(&user, password, validation, false)
    }

    /// The password change itself; `revoke_tokens` revokes the user's API tokens in
    /// the same transaction.
    fn change_password(
        &mut self,
        user: &User,
        password: Option<&SecretString>,
        validation: Validation,
        revoke_tokens: bool,
    ) -> Result<User> {
        let hash = match password {
            Some(p) => self.hash_new_password(p, &attributes(user), validation)?,
            None => make_unusable_password(),
        };
        let detail = if password.is_some() {
            ""
        } else {
            "made unusable"
        };
        let mut audit = vec![self.audit(AuditEvent::PasswordChanged, detail)];
        let mut update = UserUpdate {
            password: Some(hash),
            // A changed password meets a must-change-password.
            must_change_password: user.must_change_password.then_some(false),
            ..UserUpdate::default()
        };
        if revoke_tokens {
            audit.push(self.audit(
                AuditEvent::TokenRevoked,
                "all of the user's tokens, with the password",
            ));
            update = tokens::revoking_tokens(update, self.clock.now());
        }
        self.store.update_user(user.id, &update, &audit)
    }

    /// Whether failed sign-ins say why (`true`: unknown address, wrong password,
    /// inactive user, ... as separate errors). Off by default: a service's users
    /// get one "not valid" answer. The command line turns it on: its operator can
    /// read the database anyway.
    pub fn reveal_reasons(&mut self, reveal: bool) {
        self.reveal_reasons = reveal;
    }

    /// Whether failed sign-ins say why (see [`Self::reveal_reasons`]): a caller
    /// words its answers by it (e.g. "if the address has an account, ...").
    pub fn reveals_reasons(&self) -> bool {
        self.reveal_reasons
    }

    /// `[registration] reset_revokes_tokens`: whether a password reset (by a
    /// code or a reset token) revokes the user's API tokens. On by default.
    pub fn set_reset_revokes_tokens(&mut self, revoke: bool) {
        self.reset_revokes_tokens = revoke;
    }

    /// `[login]`: when failed sign-ins lock an address, and for how long.
    pub fn set_login_throttle(&mut self, settings: LoginSettings) {
        self.login = settings;
    }

    /// The login throttle's reservation for the address `key` (`[login]`):
    /// the attempt is counted (a success forgets it), or the address is locked
    /// and the answer is [`Error::LoginLocked`], audited with `unchecked` (what
    /// was not checked). Every proof whose guesses it limits (a password, a
    /// second factor) reserves first.
    fn reserve_login(
        &mut self,
        key: &str,
        user_id: Option<i64>,
        shown: &str,
        unchecked: &str,
    ) -> Result<LoginReservation> {
        let now = self.clock.now();
        let login = self.login.clone();
        let reservation =
            self.store
                .reserve_login_attempt(key, now, login.forget_before(now), &|failures| {
                    login.locked_until(failures, now)
                })?;
        if let LoginReservation::Locked { until } = reservation {
            let audit = [self.audit(
                AuditEvent::LoginFailed,
                format!(
                    "locked until {}: {unchecked} not checked",
                    crate::clock::human_timestamp(until)
                ),
            )];
            self.store.record(user_id, Some(shown), &audit)?;
            return Err(Error::LoginLocked {
                email: shown.to_string(),
                retry_after: Duration::try_from(until.duration_since(now))
                    .unwrap_or(Duration::ZERO),
                retry_at: until,
            });
        }
        Ok(reservation)
    }

    /// A reserved sign-in attempt that failed (`reason`, the audit's words):
    /// audited, with the lock it starts if it starts one; `err`, to return.
    fn login_failed(
        &mut self,
        reservation: LoginReservation,
        user_id: Option<i64>,
        shown: &str,
        reason: &str,
        err: Error,
    ) -> Error {
        let mut audit = vec![self.audit(AuditEvent::LoginFailed, reason)];
        if let LoginReservation::Counted {
            failures,
            locked_until: Some(until),
        } = reservation
        {
            audit.push(self.audit(
                AuditEvent::LoginLocked,
                format!(
                    "after {failures} failed sign-ins in a row, until {}",
                    crate::clock::human_timestamp(until)
                ),
            ));
        }
        match self.store.record(user_id, Some(shown), &audit) {
            Ok(()) => err,
            Err(e) => e,
        }
    }
}

impl<S: UserStore + SecondFactorStore> UserManager<S> {
    /// A password's path of [`Self::sign_in`] (Django's `authenticate`): on
    /// success records the login,
    /// forgets earlier failures and re-hashes a password stored with an older
    /// algorithm or parameters.
    ///
    /// Throttled per address (`[login]`, [`Self::set_login_throttle`]): while an
    /// address is locked the password is not checked, and the answer is
    /// [`Error::LoginLocked`] with the time it opens. Every failure is audited
    /// (`login_failed`, also for an address nobody has; `login_locked` when it
    /// locks). An unknown address costs the same work as a known one (a hash
    /// check, a counted failure).
    ///
    /// A right password then passes the gate ([`sign_in::admit`] and, for a
    /// user with a confirmed TOTP, the second factor `offer`ed): a refusal there
    /// is a failure of this attempt like a wrong password.
    ///
    /// Every other failure says why (an unknown address, a wrong or unusable
    /// password, an inactive user and, with `verification = mandatory`, an
    /// unverified one); [`Self::sign_in`] gives them one answer when concealing.
    fn check_password(
        &mut self,
        email: &str,
        password: &SecretString,
        offer: Option<SecondFactorOffer<'_>>,
    ) -> Result<(User, Option<SecondFactorUsed>)> {
        // No password that long can have been set: refuse it before any hashing
        // or counting (it is input to fix, not a guess).
        crate::password::check_password_length(password.expose_secret())?;
        let email = parse_email(email)?;
        let key = email_key(&email);
        let user = self.store.user_by_email_key(&key)?;
        let now = self.clock.now();
        let (user_id, shown) = match &user {
            Some(u) => (Some(u.id), u.email.clone()),
            None => (None, email.clone()),
        };
        let reservation = self.reserve_login(&key, user_id, &shown, "password")?;
        let failed = |this: &mut Self, reason: &str, err: Error| {
            Err(this.login_failed(reservation, user_id, &shown, reason, err))
        };
        let Some(user) = user else {
            self.hasher.dummy_verify(password.expose_secret());
            return failed(self, "unknown address", Error::UserNotFound(email));
        };
        if !user.has_usable_password {
            self.hasher.dummy_verify(password.expose_secret());
            return failed(
                self,
                "no usable password",
                Error::UnusablePassword(user.email.clone()),
            );
        }
        let verified = self
            .hasher
            .verify(password.expose_secret(), user.password_hash())
            .map_err(|source| Error::StoredHash {
                email: user.email.clone(),
                source,
            })?;
        if !verified.matches {
            return failed(
                self,
                "wrong password",
                Error::WrongPassword(user.email.clone()),
            );
        }
        // The password is right: every sign-in's one gate, before anything is
        // written. A right password that does not sign in counts as a failure:
        // a guesser learns nothing from an inactive or unverified account.
        if let Some((why, err)) = sign_in::admit(&self.admission(true), &user) {
            return failed(self, why, err);
        }
        // The gate's second factor: a wrong one is a failed attempt (counted
        // by the reservation above), a locked address never gets this far.
        let second_factor = match self.pass_second_factor(&user, offer)? {
            Ok(used) => used,
            Err((why, err)) => return failed(self, why, err),
        };
        let mut update = UserUpdate {
            last_login: Some(now),
            clear_login_failures: true,
            ..UserUpdate::default()
        };
        let mut audit = vec![self.audit(AuditEvent::LoginSucceeded, "")];
        if verified.needs_upgrade {
            update.password = Some(self.hasher.hash(password.expose_secret()));
            audit.push(self.audit(
                AuditEvent::PasswordUpgraded,
                "re-hashed with the current parameters",
            ));
        }
        let user = self.store.update_user(user.id, &update, &audit)?;
        Ok((user, second_factor))
    }
}

impl<S: UserStore> UserManager<S> {
    /// Lifts a sign-in lock (`update-user --unlock`): the address's failed
    /// sign-ins are forgotten. Whether it had any.
    pub fn unlock(&mut self, email: &str) -> Result<bool> {
        let user = self.get_user(email)?;
        let audit = [self.audit(
            AuditEvent::LoginUnlocked,
            "by an operator; failed sign-ins forgotten",
        )];
        self.store
            .clear_login_failures(&email_key(&user.email), (user.id, &user.email), &audit)
    }

    /// Changes names, flags or the email of a user. Deactivating or demoting the
    /// last lasting superuser is refused unless `force`.
    pub fn update_user(&mut self, email: &str, changes: &UserChanges, force: bool) -> Result<User> {
        let user = self.get_user(email)?;
        let new_email = changes.email.as_deref().map(parse_email).transpose()?;
        // Another address (not another spelling of this one) is not proven, and the
        // codes sent to the old one must not prove it.
        let moved = new_email
            .as_deref()
            .is_some_and(|e| email_key(e) != email_key(&user.email));
        let (access, access_audit) = self.access_change(Some(user.id), &changes.access)?;
        let update = UserUpdate {
            email: new_email.map(|e| {
                let key = email_key(&e);
                (e, key)
            }),
            first_name: changes
                .first_name
                .as_deref()
                .map(|n| clean_name("first name", n))
                .transpose()?,
            last_name: changes
                .last_name
                .as_deref()
                .map(|n| clean_name("last name", n))
                .transpose()?,
            is_active: changes.is_active,
            is_staff: changes.is_staff,
            is_superuser: changes.is_superuser,
            must_change_password: changes.must_change_password,
            expires_at: changes.expires_at,
            fields: self.fields_for_change(user.id, &changes.fields)?,
            protect_last_superuser: !force,
            forget_address_proof: moved,
            access,
            ..UserUpdate::default()
        };
        let changed = changed_fields(&update);
        let mut audit = Vec::new();
        if !changed.is_empty() || access_audit.is_empty() {
            audit.push(self.audit(AuditEvent::UserUpdated, changed));
        }
        audit.extend(access_audit);
        self.store.update_user(user.id, &update, &audit)
    }

    /// The audit log, oldest first. `user` may name a deleted user: rows keep the
    /// email they were written with.
    pub fn audit_log(
        &self,
        user: Option<&str>,
        event: Option<AuditEvent>,
        since: Option<jiff::Timestamp>,
        limit: Option<u64>,
    ) -> Result<Vec<crate::storage::AuditRecord>> {
        let user = match user {
            Some(email) => {
                let email = parse_email(email)?;
                let id = self
                    .store
                    .user_by_email_key(&email_key(&email))?
                    .map(|u| u.id);
                Some((id, email_key(&email)))
            }
            None => None,
        };
        self.store.audit_entries(&crate::storage::AuditFilter {
            user,
            event,
            since,
            limit,
        })
    }

    /// The moment `lifetime` from now (a temporary account's end).
    pub fn moment_after(&self, lifetime: Duration) -> Result<jiff::Timestamp> {
        tokens::expiry(self.clock.now(), lifetime)
    }

    /// The current time of the manager's clock.
    pub fn now(&self) -> jiff::Timestamp {
        self.clock.now()
    }

    /// True when `user` is the only active superuser: deleting or demoting it
    /// would be refused. A check to ask before asking the operator anything;
    /// the write itself checks again inside its transaction.
    pub fn is_last_active_superuser(&self, user: &User) -> Result<bool> {
        // Only a lasting superuser counts: a temporary one expires by itself.
        if !(user.is_superuser && user.is_active && user.expires_at.is_none()) {
            return Ok(false);
        }
        let others = self.store.list_users(&UserFilter {
            is_superuser: Some(true),
            is_active: Some(true),
            expiry: Some(crate::user::ExpiryFilter::Never),
            limit: Some(2),
            ..UserFilter::default()
        })?;
        Ok(others.iter().all(|u| u.id == user.id))
    }

    /// Deletes a user; returns what was deleted. Deleting the last active
    /// superuser is refused unless `force`.
    pub fn delete_user(&mut self, email: &str, force: bool) -> Result<User> {
        let user = self.get_user(email)?;
        let audit = [self.audit(AuditEvent::UserDeleted, "")];
        self.store.delete_user(user.id, !force, &audit)?;
        Ok(user)
    }
}

pub use crate::user::MAX_NAME_LEN;
pub(crate) use crate::user::clean_name;

fn superuser_defaults(mut new: NewUser) -> Result<NewUser> {
    if new.is_staff == Some(false) {
        return Err(Error::SuperuserFlag("is_staff"));
    }
    if new.is_superuser == Some(false) {
        return Err(Error::SuperuserFlag("is_superuser"));
    }
    new.is_staff = Some(true);
    new.is_superuser = Some(true);
    new.is_active.get_or_insert(true);
    Ok(new)
}

fn attributes(user: &User) -> UserAttributes<'_> {
    UserAttributes {
        email: &user.email,
        first_name: &user.first_name,
        last_name: &user.last_name,
    }
}

fn non_empty_or<'a>(new: &'a str, old: &'a str) -> &'a str {
    if new.is_empty() { old } else { new }
}

/// The audit detail of an update: which fields changed, never their secret values.
fn changed_fields(update: &UserUpdate) -> String {
    let mut fields = Vec::new();
    if let Some((email, _)) = &update.email {
        fields.push(format!("email={email}"));
    }
    for (name, value) in [
        ("first_name", &update.first_name),
        ("last_name", &update.last_name),
    ] {
        if value.is_some() {
            fields.push(name.to_string());
        }
    }
    for (name, value) in [
        ("is_active", update.is_active),
        ("is_staff", update.is_staff),
        ("is_superuser", update.is_superuser),
        ("must_change_password", update.must_change_password),
    ] {
        if let Some(v) = value {
            fields.push(format!("{name}={v}"));
        }
    }
    if let Some(expires_at) = update.expires_at {
        let at = expires_at.map_or("never".to_string(), crate::clock::human_timestamp);
        fields.push(format!("expires_at={at}"));
    }
    if update.password.is_some() {
        fields.push("password".to_string());
    }
    // Custom fields by name only: their values may be personal data.
    fields.extend(update.fields.iter().map(|f| f.name.clone()));
    if update.forget_address_proof {
        fields.push("address not verified, codes sent to the old one discarded".to_string());
    }
    fields.join(", ")
}

/// Why `user` may not act at `now` (sign in, or have the password reset), if
/// they may not: inactive, or expired (see [`User::may_act`]). The audit's
/// words for it, and the error.
fn cannot_act(user: &User, now: jiff::Timestamp) -> Option<(&'static str, Error)> {
    if !user.is_active {
        return Some(("inactive user", Error::InactiveUser(user.email.clone())));
    }
    let at = user.expires_at.filter(|at| *at <= now)?;
    let email = user.email.clone();
    Some(("account expired", Error::AccountExpired { email, at }))
}

/// What a test of the mail flows holds: a manager over a fresh database (see
/// [`test_manager`]) at a fixed time, an outbox the mailer writes to, and
/// one-time codes under a test key with `settings`.
#[cfg(test)]
pub(crate) struct MailFixture {
    pub(crate) dir: tempfile::TempDir,
    pub(crate) manager: UserManager<crate::storage::SqliteStore>,
    pub(crate) outbox: crate::email::MemoryBackend,
    pub(crate) mailer: crate::email::Mailer,
    pub(crate) codes: OneTimeCodes,
}

#[cfg(test)]
pub(crate) fn mail_fixture(settings: crate::otp::OtpSettings) -> MailFixture {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(crate::clock::FixedClock(
        "2026-01-02T03:04:05Z".parse().unwrap(),
    ));
    let manager = test_manager(dir.path(), clock);
    let outbox = crate::email::MemoryBackend::default();
    let mailer = crate::email::Mailer::new(Box::new(outbox.clone()), "noreply@example.com");
    let key = crate::otp::SecretKey::new("a test key that is at least 32 characters", "test");
    let codes = OneTimeCodes {
        settings,
        key: key.unwrap(),
    };
    MailFixture {
        dir,
        manager,
        outbox,
        mailer,
        codes,
    }
}

/// A manager over a fresh database in `dir` with cheap argon2 parameters: the
/// library's unit tests' fixture.
#[cfg(test)]
pub(crate) fn test_manager(
    dir: &std::path::Path,
    clock: Arc<dyn Clock>,
) -> UserManager<crate::storage::SqliteStore> {
    let store = crate::storage::SqliteStore::open(
        &dir.join("db.sqlite3"),
        std::time::Duration::from_secs(5),
    )
    .unwrap();
    let settings = PasswordSettings {
        argon2: crate::password::Argon2Params {
            memory_cost: 64,
            time_cost: 1,
            parallelism: 1,
        },
        policy: PasswordPolicy::default(),
        limits: crate::password::HashLimits::default(),
        ..PasswordSettings::default()
    };
    UserManager::new(store, &settings, clock, "tester").unwrap()
}

/// The audit log of a test database, oldest first: `expr` over each row
/// (e.g. `event`, or `event || ' ' || detail`).
#[cfg(test)]
pub(crate) fn test_audit(store: &crate::storage::SqliteStore, expr: &str) -> Vec<String> {
    let conn = rusqlite::Connection::open(store.path()).unwrap();
    let mut stmt = conn
        .prepare(&format!("SELECT {expr} FROM audit_log ORDER BY id"))
        .unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::FixedClock;
    use crate::storage::SqliteStore;
    use proptest::prelude::*;

    struct Fixture {
        _dir: tempfile::TempDir,
        manager: UserManager<SqliteStore>,
    }

    fn fixture() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let clock = Arc::new(FixedClock("2026-01-02T03:04:05Z".parse().unwrap()));
        let manager = test_manager(dir.path(), clock);
        Fixture { _dir: dir, manager }
    }

    fn secret(s: &str) -> SecretString {
        SecretString::from(s.to_string())
    }

    const STRONG: &str = "correct horse battery staple";

    #[test]
    fn create_user_normalises_the_email_and_defaults_the_flags() {
        let mut f = fixture();
        let user = f
            .manager
            .create_user(
                NewUser::new("  Ada@EXAMPLE.com "),
                Some(&secret(STRONG)),
                Validation::Enforce,
            )
            .unwrap();
        assert_eq!(user.email, "Ada@example.com");
        assert!(user.is_active && !user.is_staff && !user.is_superuser);
        assert!(user.has_usable_password);
        assert_eq!(user.last_login, None);
        assert_eq!(f.manager.get_user("ada@example.com").unwrap().id, user.id);
    }

    #[test]
    fn create_user_without_a_password_gives_an_unusable_one() {
        let mut f = fixture();
        f.manager.reveal_reasons(true);
        let user = f
            .manager
            .create_user(NewUser::new("a@example.com"), None, Validation::Enforce)
            .unwrap();
        assert!(!user.has_usable_password);
        assert!(user.password_hash().starts_with('!'));
        assert!(matches!(
            f.manager.authenticate("a@example.com", &secret("")),
            Err(Error::UnusablePassword(_))
        ));
    }

    #[test]
    fn create_superuser_sets_djangos_defaults_and_refuses_contradictions() {
        let mut f = fixture();
        let admin = f
            .manager
            .create_superuser(NewUser::new("root@example.com"), None, Validation::Enforce)
            .unwrap();
        assert!(admin.is_active && admin.is_staff && admin.is_superuser);
        let not_staff = NewUser {
            is_staff: Some(false),
            ..NewUser::new("x@example.com")
        };
        let err = f
            .manager
            .create_superuser(not_staff, None, Validation::Enforce)
            .unwrap_err();
        assert_eq!(err.to_string(), "Superuser must have is_staff=True.");
        let not_super = NewUser {
            is_superuser: Some(false),
            ..NewUser::new("x@example.com")
        };
        let err = f
            .manager
            .create_superuser(not_super, None, Validation::Enforce)
            .unwrap_err();
        assert_eq!(err.to_string(), "Superuser must have is_superuser=True.");
    }

    #[test]
    fn validators_run_unless_skipped_and_blank_is_never_allowed() {
        let mut f = fixture();
        let err = f
            .manager
            .create_user(
                NewUser::new("a@example.com"),
                Some(&secret("password")),
                Validation::Enforce,
            )
            .unwrap_err();
        assert!(
            matches!(&err, Error::PasswordRejected(p) if p == &["This password is too common."])
        );
        f.manager
            .create_user(
                NewUser::new("a@example.com"),
                Some(&secret("password")),
                Validation::Skip,
            )
            .unwrap();
        let err = f
            .manager
            .create_user(
                NewUser::new("b@example.com"),
                Some(&secret("")),
                Validation::Skip,
            )
            .unwrap_err();
        assert!(matches!(err, Error::BlankPassword));
    }

    #[test]
    fn authenticate_records_the_login_and_refuses_wrong_or_inactive() {
        let mut f = fixture();
        f.manager.reveal_reasons(true);
        f.manager
            .create_user(
                NewUser::new("a@example.com"),
                Some(&secret(STRONG)),
                Validation::Enforce,
            )
            .unwrap();
        assert!(matches!(
            f.manager.authenticate("a@example.com", &secret("nope")),
            Err(Error::WrongPassword(_))
        ));
        let user = f
            .manager
            .authenticate("A@EXAMPLE.COM", &secret(STRONG))
            .unwrap();
        assert_eq!(
            user.last_login,
            Some("2026-01-02T03:04:05Z".parse().unwrap())
        );
        f.manager
            .update_user(
                "a@example.com",
                &UserChanges {
                    is_active: Some(false),
                    ..UserChanges::default()
                },
                false,
            )
            .unwrap();
        assert!(matches!(
            f.manager.authenticate("a@example.com", &secret(STRONG)),
            Err(Error::InactiveUser(_))
        ));
        assert!(matches!(
            f.manager.authenticate("b@example.com", &secret(STRONG)),
            Err(Error::UserNotFound(_))
        ));
    }

    /// A service learns nothing from a failed sign-in: which addresses have
    /// accounts, or which password of an inactive account is right.
    #[test]
    fn a_service_gets_one_answer_for_every_failed_sign_in() {
        let mut f = fixture();
        for (email, active) in [("a@example.com", true), ("off@example.com", false)] {
            let new = NewUser {
                is_active: Some(active),
                ..NewUser::new(email)
            };
            f.manager
                .create_user(new, Some(&secret(STRONG)), Validation::Enforce)
                .unwrap();
        }
        f.manager
            .create_user(NewUser::new("none@example.com"), None, Validation::Enforce)
            .unwrap();
        let answers: Vec<String> = [
            ("nobody@example.com", STRONG),
            ("a@example.com", "wrong password"),
            ("off@example.com", STRONG),
            ("none@example.com", STRONG),
        ]
        .iter()
        .map(|(email, password)| {
            let err = f
                .manager
                .authenticate(email, &secret(password))
                .unwrap_err();
            assert!(matches!(err, Error::InvalidCredentials), "{err:?}");
            assert_eq!(err.kind(), crate::ErrorKind::Rejected);
            err.to_string()
        })
        .collect();
        assert!(answers.iter().all(|a| a == "invalid email or password"));
        // Each was audited, the unknown address too.
        let failed = test_audit(f.manager.store(), "event || ' ' || detail");
        assert!(failed.contains(&"login_failed unknown address".to_string()));
        assert!(failed.contains(&"login_failed inactive user".to_string()));
    }

    /// A manager built from settings follows `[fields.NAME]`, `[registration]
    /// verification` and `[login]` as the command line's does, and gives a
    /// failed proof one answer until told to reveal reasons.
    #[test]
    fn a_manager_from_settings_follows_fields_registration_and_login() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("userdb.toml");
        std::fs::write(
            &config,
            "[password]\nmemory_cost = 8\ntime_cost = 1\nparallelism = 1\n\
             [registration]\nverification = \"mandatory\"\n\
             [login]\nmax_failures = 2\n\
             [fields.team]\ntype = \"text\"\nrequired = true\n",
        )
        .unwrap();
        let settings = Settings::load(Some(&config), &|_| None).unwrap().settings;
        let store =
            SqliteStore::open(&dir.path().join("db.sqlite3"), Duration::from_secs(5)).unwrap();
        let clock = Arc::new(FixedClock("2026-01-02T03:04:05Z".parse().unwrap()));
        let mut m = UserManager::from_settings(store, &settings, clock, "tester").unwrap();

        let without_team = m.create_user(
            NewUser::new("a@example.com"),
            Some(&secret(STRONG)),
            Validation::Enforce,
        );
        assert!(
            without_team
                .as_ref()
                .is_err_and(|e| e.to_string().contains("team")),
            "{without_team:?}"
        );
        let with_team = NewUser {
            fields: vec![("team".to_string(), "Ops".to_string())],
            ..NewUser::new("a@example.com")
        };
        m.create_user(with_team, Some(&secret(STRONG)), Validation::Enforce)
            .unwrap();
        // Unverified, under mandatory verification: refused, with one answer.
        let err = m
            .authenticate("a@example.com", &secret(STRONG))
            .unwrap_err();
        assert!(matches!(err, Error::InvalidCredentials), "{err:?}");
        m.reveal_reasons(true);
        let err = m
            .authenticate("a@example.com", &secret(STRONG))
            .unwrap_err();
        assert!(matches!(err, Error::EmailNotVerified(_)), "{err:?}");
        // Two failures lock an address (the default allows ten).
        for _ in 0..2 {
            m.authenticate("b@example.com", &secret("guess"))
                .unwrap_err();
        }
        let err = m
            .authenticate("b@example.com", &secret("guess"))
            .unwrap_err();
        assert!(matches!(err, Error::LoginLocked { .. }), "{err:?}");
    }

    /// Ten failures in a row lock the address (a known one or not) for a minute
    /// without checking the password; a success before that resets the count.
    #[test]
    fn failed_sign_ins_lock_the_address_and_a_success_resets_them() {
        let mut f = fixture();
        f.manager
            .create_user(
                NewUser::new("a@example.com"),
                Some(&secret(STRONG)),
                Validation::Enforce,
            )
            .unwrap();
        for _ in 0..9 {
            f.manager
                .authenticate("a@example.com", &secret("guess"))
                .unwrap_err();
        }
        f.manager
            .authenticate("a@example.com", &secret(STRONG))
            .unwrap();
        for email in ["a@example.com", "nobody@example.com"] {
            for _ in 0..10 {
                let err = f.manager.authenticate(email, &secret("guess")).unwrap_err();
                assert!(matches!(err, Error::InvalidCredentials), "{err:?}");
            }
            let err = f.manager.authenticate(email, &secret(STRONG)).unwrap_err();
            assert!(
                matches!(&err, Error::LoginLocked { retry_at, .. }
                    if *retry_at == "2026-01-02T03:05:05Z".parse::<jiff::Timestamp>().unwrap()),
                "{err:?}"
            );
        }
        assert!(f.manager.unlock("a@example.com").unwrap());
        f.manager
            .authenticate("a@example.com", &secret(STRONG))
            .unwrap();
    }

    #[test]
    fn upsert_superuser_creates_then_promotes() {
        let mut f = fixture();
        f.manager
            .create_user(NewUser::new("a@example.com"), None, Validation::Enforce)
            .unwrap();
        let (user, outcome) = f
            .manager
            .upsert_superuser(
                NewUser::new("A@example.com"),
                Some(&secret(STRONG)),
                Validation::Enforce,
            )
            .unwrap();
        assert_eq!(outcome, Upserted::Updated);
        assert!(user.is_superuser && user.is_staff && user.has_usable_password);
        let (_, outcome) = f
            .manager
            .upsert_superuser(NewUser::new("new@example.com"), None, Validation::Enforce)
            .unwrap();
        assert_eq!(outcome, Upserted::Created);
    }

    #[test]
    fn changing_the_email_keeps_it_unique() {
        let mut f = fixture();
        f.manager
            .create_user(NewUser::new("a@example.com"), None, Validation::Enforce)
            .unwrap();
        f.manager
            .create_user(NewUser::new("b@example.com"), None, Validation::Enforce)
            .unwrap();
        let to_b = UserChanges {
            email: Some("B@Example.com".into()),
            ..UserChanges::default()
        };
        assert!(matches!(
            f.manager.update_user("a@example.com", &to_b, false),
            Err(Error::UserExists(_))
        ));
        let to_c = UserChanges {
            email: Some("C@Example.com".into()),
            ..UserChanges::default()
        };
        assert_eq!(
            f.manager
                .update_user("a@example.com", &to_c, false)
                .unwrap()
                .email,
            "C@example.com"
        );
    }

    #[test]
    fn the_last_active_superuser_cannot_be_deleted_demoted_or_deactivated() {
        let mut f = fixture();
        f.manager
            .create_superuser(NewUser::new("root@example.com"), None, Validation::Enforce)
            .unwrap();
        f.manager
            .create_user(NewUser::new("a@example.com"), None, Validation::Enforce)
            .unwrap();
        let last =
            |r: Result<User>| matches!(r, Err(Error::LastSuperuser(e)) if e == "root@example.com");
        assert!(last(f.manager.delete_user("root@example.com", false)));
        for change in [
            UserChanges {
                is_superuser: Some(false),
                ..UserChanges::default()
            },
            UserChanges {
                is_active: Some(false),
                ..UserChanges::default()
            },
        ] {
            assert!(last(f.manager.update_user(
                "root@example.com",
                &change,
                false
            )));
        }
        let root = f.manager.get_user("root@example.com").unwrap();
        assert!(root.is_superuser && root.is_active);
        // Ordinary users and non-last superusers are not protected.
        f.manager.delete_user("a@example.com", false).unwrap();
        f.manager
            .create_superuser(
                NewUser::new("second@example.com"),
                None,
                Validation::Enforce,
            )
            .unwrap();
        f.manager.delete_user("root@example.com", false).unwrap();
        // And --force overrides.
        f.manager.delete_user("second@example.com", true).unwrap();
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        let mut f = fixture();
        let new = NewUser {
            first_name: "  Ada ".into(),
            ..NewUser::new("a@example.com")
        };
        assert_eq!(
            f.manager
                .create_user(new, None, Validation::Enforce)
                .unwrap()
                .first_name,
            "Ada"
        );
        let long = NewUser {
            last_name: "x".repeat(151),
            ..NewUser::new("b@example.com")
        };
        let err = f
            .manager
            .create_user(long, None, Validation::Enforce)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid last name: longer than 150 characters"
        );
        let control = UserChanges {
            first_name: Some("A\nB".into()),
            ..UserChanges::default()
        };
        let err = f
            .manager
            .update_user("a@example.com", &control, false)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid first name: contains control characters"
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Two spellings of an address that differ only in case can never both exist.
        #[test]
        fn case_variants_can_never_both_exist(
            local in "[a-zA-Z][a-zA-Z0-9._+-]{0,15}",
            domain in "[a-zA-Z]{1,10}\\.[a-zA-Z]{2,4}",
            flips in proptest::collection::vec(any::<bool>(), 32),
        ) {
            prop_assume!(!local.contains("..") && !local.ends_with('.'));
            let email = format!("{local}@{domain}");
            let variant: String = email.chars().zip(flips.iter().cycle())
                .map(|(c, &f)| if f { c.to_ascii_uppercase() } else { c.to_ascii_lowercase() })
                .collect();
            let mut f = fixture();
            f.manager.create_user(NewUser::new(email.clone()), None, Validation::Enforce).unwrap();
            let second = f.manager.create_user(NewUser::new(variant.clone()), None, Validation::Enforce);
            prop_assert!(matches!(second, Err(Error::UserExists(_))));
            prop_assert_eq!(f.manager.list_users(&UserFilter::default()).unwrap().len(), 1);
            prop_assert_eq!(f.manager.get_user(&variant).unwrap().email, crate::email_address::normalize_email(&email));
        }
    }
}
