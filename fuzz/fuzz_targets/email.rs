//! Email parsing and normalisation never panic, and what they accept is stable.
#![no_main]

use libfuzzer_sys::fuzz_target;
use userdb::email_address::{normalize_email, parse_email, validate_email};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let normalized = normalize_email(text);
    assert_eq!(normalize_email(&normalized), normalized, "normalising is idempotent");
    if let Ok(email) = parse_email(text) {
        assert!(validate_email(&email).is_ok(), "a parsed address stays valid");
    }
});
