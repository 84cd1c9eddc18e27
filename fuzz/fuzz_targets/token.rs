//! Token parsing never panics; whatever passes the format check is exactly
//! `udb_` + 38 base62 characters, and its checksum is what makes it pass.
#![no_main]

use libfuzzer_sys::fuzz_target;
use userdb::token::{check_format, digest, display_prefix};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if check_format(text).is_ok() {
        assert!(text.starts_with("udb_") && text.len() == 42);
        assert!(text[4..].bytes().all(|b| b.is_ascii_alphanumeric()));
        let _ = (digest(text), display_prefix(text));
    }
});
