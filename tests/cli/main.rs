//! The `userdb` binary, end to end. One test binary for everything (linking is the
//! cost on two cores); each module is one area of behaviour.

mod completions;
mod config;
mod createsuperuser;
mod createuser;
mod errors;
mod migrate;
mod passwords;
mod pty;
mod support;
mod tokens;
mod users;
