//! The `userdb` binary, end to end. One test binary for everything (linking is the
//! cost on two cores); each module is one area of behaviour.

// Tests set up files and processes through the C library (mkfifo, umask,
// kill); the library's rule against unsafe code is for the product.
#![allow(unsafe_code)]
#![allow(clippy::unwrap_used)] // a test that cannot set up should stop there

/// This binary runs every command against a SQLite file (`cli_postgres` runs the
/// backend-neutral modules again against PostgreSQL).
pub const ON_POSTGRES: bool = false;

use pg_test_server as pg_server;

mod accounts;
mod apply;
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
mod groups;
mod groups_io;
mod hostile;
mod hostile_text;
mod import_limits;
mod lifecycle;
mod migrate;
mod newcomer;
mod otp;
mod papercuts;
mod passwords;
mod provisioning;
mod pty;
mod round_trips;
mod second_factor;
mod second_factor_gate;
mod secret_files;
mod smtp;
mod smtp_server;
mod snapshots;
mod support;
mod tokens;
mod users;

/// Every file in `tests/cli/` is a module of this runner, or of `cli_postgres`
/// for the shared ones (jj's `test_no_forgotten_test_files`): a file nobody
/// declares would never run.
#[test]
fn no_test_file_is_forgotten() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/cli");
    let runner = std::fs::read_to_string(format!("{dir}/main.rs")).unwrap();
    let postgres = std::fs::read_to_string(format!("{dir}/../cli_postgres/main.rs")).unwrap();
    for entry in std::fs::read_dir(dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        let Some(module) = name.strip_suffix(".rs") else {
            continue;
        };
        if module == "main" {
            continue;
        }
        assert!(
            runner.contains(&format!("mod {module};"))
                || postgres.contains(&format!("#[path = \"../cli/{name}\"]")),
            "tests/cli/{name} is a module of neither tests/cli/main.rs nor tests/cli_postgres/main.rs"
        );
    }
}
