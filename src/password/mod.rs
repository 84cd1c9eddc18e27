//! Django-compatible passwords: hashing and verification in Django's encoded
//! formats ([`PasswordHasher`]) and Django's default validators
//! ([`PasswordPolicy`]).

mod hashers;
mod validation;

pub use hashers::{
    Argon2Params, HashError, HashLimits, HashMemory, PasswordHasher, Verified, algorithm_of,
    generate_password, is_usable, make_unusable_password,
};
pub use validation::{PasswordPolicy, UserAttributes};

/// How a new password is treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validation {
    /// Run the configured validators (the default for every source).
    Enforce,
    /// The caller said so explicitly (`--skip-validation`, or the bypass question).
    Skip,
}

/// The longest password accepted from any source (prompt, stdin, file,
/// environment, import), in characters: Django's old `MAXIMUM_PASSWORD_LENGTH`.
/// Readers stop after [`MAX_PASSWORD_BYTES`], so a huge input is never held.
pub const MAX_PASSWORD_CHARS: usize = 4096;

/// [`MAX_PASSWORD_CHARS`] of the widest UTF-8 characters and a CRLF: the most a
/// password reader reads of one line.
pub const MAX_PASSWORD_BYTES: usize = MAX_PASSWORD_CHARS * 4 + 2;

/// Whether a password is within [`MAX_PASSWORD_CHARS`].
pub fn check_password_length(password: &str) -> Result<(), crate::Error> {
    if password.len() > MAX_PASSWORD_CHARS && password.chars().count() > MAX_PASSWORD_CHARS {
        return Err(crate::Error::PasswordTooLong);
    }
    Ok(())
}
