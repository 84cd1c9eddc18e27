//! What a one-time code is for, and why one was refused: the vocabulary the
//! errors speak, kept in a leaf module (it depends on nothing in the crate) so
//! that `error.rs` can name them without a cycle through `otp`.

/// What a code is for: a code of one purpose never proves another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Purpose {
    VerifyEmail,
    Login,
    PasswordReset,
}

impl Purpose {
    pub const ALL: [Purpose; 3] = [Purpose::VerifyEmail, Purpose::Login, Purpose::PasswordReset];

    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::VerifyEmail => "verify-email",
            Purpose::Login => "login",
            Purpose::PasswordReset => "password-reset",
        }
    }

    /// What the code does, for the message ("verify your email address").
    pub fn action(self) -> &'static str {
        match self {
            Purpose::VerifyEmail => "verify your email address",
            Purpose::Login => "sign in",
            Purpose::PasswordReset => "reset your password",
        }
    }
}

impl std::fmt::Display for Purpose {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Purpose {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        Purpose::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| format!("{s:?} is not a purpose (verify-email, login, password-reset)"))
    }
}

/// Why a code was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OtpFailure {
    /// No code of this purpose was ever sent (or it was replaced by nothing).
    NoCode,
    /// Not the code; `tries_left` more wrong tries are allowed (0: now locked).
    Wrong {
        tries_left: u32,
    },
    Expired,
    Used,
    /// Too many wrong tries: the code is dead.
    Locked,
}

impl OtpFailure {
    /// The short reason, for the audit log and `--json`.
    pub fn as_str(self) -> &'static str {
        match self {
            OtpFailure::NoCode => "no_code",
            OtpFailure::Wrong { tries_left: 0 } => "wrong_now_locked",
            OtpFailure::Wrong { .. } => "wrong",
            OtpFailure::Expired => "expired",
            OtpFailure::Used => "used",
            OtpFailure::Locked => "locked",
        }
    }

    /// One line for the operator.
    pub fn describe(self, email: &str, purpose: Purpose) -> String {
        match self {
            OtpFailure::NoCode => format!("no {purpose} code was sent to {email}"),
            OtpFailure::Wrong { tries_left: 0 } => {
                format!("wrong {purpose} code for {email}; no tries left, the code is now locked")
            }
            OtpFailure::Wrong { tries_left: 1 } => {
                format!("wrong {purpose} code for {email}; 1 try left")
            }
            OtpFailure::Wrong { tries_left } => {
                format!("wrong {purpose} code for {email}; {tries_left} tries left")
            }
            OtpFailure::Expired => format!("the {purpose} code for {email} has expired"),
            OtpFailure::Used => format!("the {purpose} code for {email} was already used"),
            OtpFailure::Locked => {
                format!("the {purpose} code for {email} is locked after too many wrong tries")
            }
        }
    }

    /// True when only a new code can help.
    pub fn needs_new_code(self) -> bool {
        !matches!(self, OtpFailure::Wrong { tries_left } if tries_left > 0)
    }
}
