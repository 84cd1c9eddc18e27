//! A PostgreSQL URL of any text, read as the connector reads it (libpq's URI
//! rules), with any `PGSSLMODE` and any password file: never a panic, and what
//! is shown of the URL (`config`, `doctor`, every error) is rebuilt from the
//! parsed settings, reads back to the same settings, and does not depend on the
//! password the connector would send (so it can never hold it).
//!
//! Input: the URL, a newline, `PGSSLMODE` (empty: unset), a newline, the
//! password file's text.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut parts = text.splitn(3, '\n');
    let url = parts.next().unwrap_or("");
    let sslmode = parts.next().filter(|s| !s.is_empty());
    let passfile = parts.next().unwrap_or("");
    userdb::storage::fuzz_url(url, sslmode, passfile);
});
