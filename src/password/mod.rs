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
