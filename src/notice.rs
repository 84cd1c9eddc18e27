//! The message mailed instead of a code when a service must not say whether an
//! account exists ([`crate::UserManager::reveal_reasons`] off): the answer to the
//! caller is the same as for a code, and only the mailbox's owner reads why no
//! code came. allauth does the same (`ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS`).

use crate::otp::Purpose;

/// Why a notice goes out instead of a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    /// No account has the address.
    NoAccount,
    /// The account is inactive: it gets no codes.
    Inactive,
    /// A registration of an address that already has a verified account.
    AlreadyRegistered,
}

impl Notice {
    /// For the audit log.
    pub fn as_str(self) -> &'static str {
        match self {
            Notice::NoAccount => "no account",
            Notice::Inactive => "inactive user",
            Notice::AlreadyRegistered => "already registered",
        }
    }

    /// The subject and the body. The body quotes nothing the requester typed
    /// but the address itself, which the mailbox's owner knows.
    pub fn message(self, purpose: Purpose) -> (&'static str, String) {
        // Lines under 76 characters: mail transports wrap longer ones.
        let ignore = "If you did not ask for it, you can ignore this message.\n";
        let asked = format!(
            "Someone asked for a code to {} with this email address,\n",
            purpose.action()
        );
        match self {
            Notice::NoAccount => (
                "No account uses this address",
                format!(
                    "{asked}but no account uses it, so no code was sent.\n\
                     If it was you, register first, or try the address your account uses.\n\
                     {ignore}"
                ),
            ),
            Notice::Inactive => (
                "Your account is inactive",
                format!(
                    "{asked}but its account is inactive, so no code was sent.\n\
                     If it was you, ask an administrator to reactivate the account.\n\
                     {ignore}"
                ),
            ),
            Notice::AlreadyRegistered => (
                "You already have an account",
                format!(
                    "Someone tried to register a new account with this email address,\n\
                     but it already has one, so nothing was changed.\n\
                     If it was you, sign in, or ask for a code to reset your password.\n\
                     {ignore}"
                ),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_notice_says_why_no_code_came_and_what_to_do() {
        let (subject, body) = Notice::NoAccount.message(Purpose::Login);
        assert_eq!(subject, "No account uses this address");
        assert!(body.contains("a code to sign in"), "{body}");
        for notice in [
            Notice::NoAccount,
            Notice::Inactive,
            Notice::AlreadyRegistered,
        ] {
            let (_, body) = notice.message(Purpose::PasswordReset);
            assert!(body.lines().all(|l| l.len() < 76), "{body}");
        }
        assert!(body.contains("register first"), "{body}");
        let (_, body) = Notice::Inactive.message(Purpose::PasswordReset);
        assert!(body.contains("reset your password"), "{body}");
        assert!(body.contains("reactivate"), "{body}");
        let (_, body) = Notice::AlreadyRegistered.message(Purpose::VerifyEmail);
        assert!(body.contains("already has one"), "{body}");
    }
}
