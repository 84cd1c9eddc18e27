//! The command-line suite again, with every command against a real PostgreSQL
//! server that the suite starts itself (the `pg_test_server` crate): each test
//! gets a fresh schema, and the same test files as the SQLite run. Left out are
//! the modules about SQLite's own files (modes, backups, hostile database files,
//! migrations of a file, doctor's file checks) and those that do not touch a
//! database (completions, config).

// Tests set up files and processes through the C library (mkfifo, umask,
// kill); the library's rule against unsafe code is for the product.
#![allow(unsafe_code)]
#![allow(clippy::unwrap_used)] // a test that cannot set up should stop there

pub const ON_POSTGRES: bool = true;

use pg_test_server as pg_server;

#[path = "../cli/support.rs"]
#[allow(dead_code)]
mod support;

#[path = "../cli/smtp_server.rs"]
#[allow(dead_code)]
mod smtp_server;

#[path = "../cli/accounts.rs"]
mod accounts;

#[path = "../cli/apply.rs"]
mod apply;

#[path = "../cli/audit.rs"]
mod audit;

#[path = "../cli/concealment.rs"]
mod concealment;

#[path = "../cli/concurrency.rs"]
mod concurrency;

#[path = "../cli/createsuperuser.rs"]
mod createsuperuser;

#[path = "../cli/createuser.rs"]
mod createuser;

#[path = "../cli/errors.rs"]
mod errors;

#[path = "../cli/fields.rs"]
mod fields;

#[path = "../cli/fields_io.rs"]
mod fields_io;

#[path = "../cli/flows.rs"]
mod flows;

#[path = "../cli/groups.rs"]
mod groups;

#[path = "../cli/groups_io.rs"]
mod groups_io;

#[path = "../cli/import_limits.rs"]
mod import_limits;

#[path = "../cli/lifecycle.rs"]
mod lifecycle;

#[path = "../cli/otp.rs"]
mod otp;

#[path = "../cli/papercuts.rs"]
mod papercuts;

#[path = "../cli/passwords.rs"]
mod passwords;

#[path = "../cli/provisioning.rs"]
mod provisioning;

#[path = "../cli/pty.rs"]
mod pty;

#[path = "../cli/second_factor_gate.rs"]
mod second_factor_gate;

#[path = "../cli/round_trips.rs"]
mod round_trips;

#[path = "../cli/second_factor.rs"]
mod second_factor;

#[path = "../cli/smtp.rs"]
mod smtp;

#[path = "../cli/tokens.rs"]
mod tokens;

#[path = "../cli/users.rs"]
mod users;

#[path = "../cli/hostile_text.rs"]
mod hostile_text;

#[path = "../cli/postgres.rs"]
mod postgres;

#[path = "../cli/standby.rs"]
mod standby;

#[path = "../cli/pooler.rs"]
mod pooler;
