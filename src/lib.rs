//! `userdb`: a user database managed the way Django's auth commands manage one, in an
//! embedded SQLite file or on PostgreSQL. The command line (`src/main.rs`, `src/cli/`)
//! is a thin layer over this library, which a service can link to authenticate
//! against the same database.

pub mod access;
pub mod apply;
pub mod audit;
pub mod bounded_input;
pub mod clock;
pub mod config;
pub mod doctor;
pub mod duration;
pub mod email;
pub mod email_address;
pub mod error;
pub mod exit_code;
pub mod fields;
pub mod import_report;
#[cfg(test)]
mod layering;
pub mod manager;
pub mod notice;
pub mod otp;
pub mod otp_kind;
pub mod output_file;
pub mod password;
pub mod private_file;
pub mod provisioning;
pub mod registration;
pub mod row_problem;
pub mod storage;
pub mod terminal_text;
pub mod throttle;
pub mod token;
pub mod user;

pub use error::{Error, ErrorKind, Result};
pub use exit_code::ExitCode;
pub use manager::{
    IssuedToken, OneTimeCodes, OtpSent, Registered, Revoked, Upserted, UserManager, Validation,
};
pub use token::{Rejection, TokenInfo};
pub use user::{NewUser, User, UserChanges, UserFilter};

pub use secrecy::{ExposeSecret, SecretString};
