//! The audit log's events: a closed list, so `userdb log --event` can refuse a
//! typo instead of answering "No audit entries." for an event that never exists,
//! and every writer of an audit row names its event by a variant the compiler
//! checks.

use std::fmt;
use std::str::FromStr;

/// Declares the events once: the variant, its stored name and what it means.
macro_rules! audit_events {
    ($($variant:ident = $name:literal, $help:literal;)+) => {
        /// Every event the library records. The names are stored in the audit
        /// log, so they never change.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum AuditEvent {
            $(#[doc = $help] $variant,)+
        }

        impl AuditEvent {
            /// Every event, in the order `log --event` lists them.
            pub const ALL: &'static [AuditEvent] = &[$(AuditEvent::$variant,)+];

            /// The name stored in the audit log.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(AuditEvent::$variant => $name,)+
                }
            }

            /// What the event means, for `log --event`'s help and completions.
            pub const fn help(self) -> &'static str {
                match self {
                    $(AuditEvent::$variant => $help,)+
                }
            }
        }
    };
}

audit_events! {
    UserCreated = "user_created", "a user was created";
    SuperuserCreated = "superuser_created", "a superuser was created";
    UserRegistered = "user_registered", "a user registered (register)";
    UserImported = "user_imported", "a user was created by an import";
    UserUpdated = "user_updated", "a user's fields were changed";
    SuperuserUpdated = "superuser_updated", "createsuperuser --update changed a user";
    UserDeleted = "user_deleted", "a user was deleted";
    GroupCreated = "group_created", "a group was created";
    GroupUpdated = "group_updated", "a group was renamed or its permissions changed";
    GroupDeleted = "group_deleted", "a group was deleted (its members left it)";
    GroupJoined = "group_joined", "a user was put in a group";
    GroupLeft = "group_left", "a user was taken out of a group";
    PermissionGranted = "permission_granted", "a permission was granted to a user directly";
    PermissionRevoked = "permission_revoked", "a permission granted directly was revoked";
    PasswordChanged = "password_changed", "a password was set";
    ResetTokenCreated = "reset_token_created", "an operator made a password-reset token (create-reset-token)";
    ResetTokenRejected = "reset_token_rejected", "a reset token was wrong, used, expired, replaced or outdated";
    PasswordReset = "password_reset", "a password was reset with an emailed code or a reset token";
    PasswordUpgraded = "password_upgraded", "a hash was re-made with today's parameters";
    LoginSucceeded = "login_succeeded", "a sign-in succeeded";
    LoginFailed = "login_failed", "a sign-in failed";
    LoginLocked = "login_locked", "failed sign-ins locked an address";
    LoginUnlocked = "login_unlocked", "an operator lifted a lock (update-user --unlock)";
    OtpSent = "otp_sent", "a one-time code was sent";
    OtpNoticeSent = "otp_notice_sent", "a notice went out instead of a code (no account, inactive, registered already)";
    OtpSendFailed = "otp_send_failed", "a one-time code could not be delivered";
    OtpSendRefused = "otp_send_refused", "a send was refused (cooldown, hourly cap)";
    OtpVerified = "otp_verified", "a one-time code was right";
    OtpFailed = "otp_failed", "a one-time code was not accepted";
    OtpRevoked = "otp_revoked", "codes sent before an address was proven or changed were deleted";
    TokenIssued = "token_issued", "an API token was issued";
    TokenUsed = "token_used", "an API token was verified";
    TokenRefused = "token_refused", "a token was not issued";
    TokenRejected = "token_rejected", "a token was presented and not valid";
    TokenRevoked = "token_revoked", "a token was revoked";
    TotpEnrolmentStarted = "totp_enrolment_started", "a TOTP enrolment was started (pending until confirmed)";
    TotpConfirmed = "totp_confirmed", "a TOTP enrolment was confirmed with a code";
    TotpImported = "totp_imported", "an import gave a user a confirmed TOTP secret (an otpauth:// URI)";
    SecondFactorFailed = "second_factor_failed", "a second factor (TOTP or recovery code) was not accepted";
    RecoveryCodeUsed = "recovery_code_used", "a recovery code was used";
    RecoveryCodesRegenerated = "recovery_codes_regenerated", "a new set of recovery codes replaced the old";
    SecondFactorDisabled = "second_factor_disabled", "an operator removed a user's second factor";
}

impl fmt::Display for AuditEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is not an audit event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an audit event")]
pub struct UnknownAuditEvent(pub String);

impl FromStr for AuditEvent {
    type Err = UnknownAuditEvent;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        AuditEvent::ALL
            .iter()
            .copied()
            .find(|e| e.as_str() == name)
            .ok_or_else(|| UnknownAuditEvent(name.to_string()))
    }
}

/// The event names alone.
pub fn event_names() -> impl Iterator<Item = &'static str> {
    AuditEvent::ALL.iter().map(|e| e.as_str())
}

pub fn is_event(name: &str) -> bool {
    name.parse::<AuditEvent>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The names are stored in audit logs already written: renaming a variant
    /// must not rename its event, and no two events may share a name.
    #[test]
    fn the_event_names_are_unique_and_unchanged() {
        let names: Vec<&str> = event_names().collect();
        assert_eq!(
            names,
            [
                "user_created",
                "superuser_created",
                "user_registered",
                "user_imported",
                "user_updated",
                "superuser_updated",
                "user_deleted",
                "group_created",
                "group_updated",
                "group_deleted",
                "group_joined",
                "group_left",
                "permission_granted",
                "permission_revoked",
                "password_changed",
                "reset_token_created",
                "reset_token_rejected",
                "password_reset",
                "password_upgraded",
                "login_succeeded",
                "login_failed",
                "login_locked",
                "login_unlocked",
                "otp_sent",
                "otp_notice_sent",
                "otp_send_failed",
                "otp_send_refused",
                "otp_verified",
                "otp_failed",
                "otp_revoked",
                "token_issued",
                "token_used",
                "token_refused",
                "token_rejected",
                "token_revoked",
                "totp_enrolment_started",
                "totp_confirmed",
                "totp_imported",
                "second_factor_failed",
                "recovery_code_used",
                "recovery_codes_regenerated",
                "second_factor_disabled",
            ]
        );
        let mut unique = names.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), names.len());
    }

    #[test]
    fn a_name_parses_back_to_its_event_and_nothing_else_parses() {
        for &event in AuditEvent::ALL {
            assert_eq!(event.as_str().parse::<AuditEvent>(), Ok(event));
            assert!(!event.help().is_empty());
        }
        assert_eq!(
            "user_creatd".parse::<AuditEvent>(),
            Err(UnknownAuditEvent("user_creatd".to_string()))
        );
        assert!(!is_event("User_Created"));
    }
}
