//! The `userdb` binary, end to end. One test binary for everything (linking is the
//! cost on two cores); each module is one area of behaviour.

/// This binary runs every command against a SQLite file (`cli_postgres` runs the
/// backend-neutral modules again against PostgreSQL).
pub const ON_POSTGRES: bool = false;

#[path = "../support/pg_server.rs"]
mod pg_server;

mod accounts;
mod audit;
mod completions;
mod concealment;
mod concurrency;
mod config;
mod copy;
mod createsuperuser;
mod createuser;
mod doctor;
mod errors;
mod fields;
mod fields_io;
mod files;
mod flows;
mod hostile;
mod hostile_text;
mod import_limits;
mod migrate;
mod otp;
mod papercuts;
mod passwords;
mod provisioning;
mod pty;
mod round_trips;
mod secret_files;
mod smtp;
mod smtp_server;
mod support;
mod tokens;
mod users;
