//! Email parsing and normalisation never panic, and what they accept is stable:
//! normalising is idempotent, a parsed address parses back to itself (a stored
//! login is found by the same text), and its key is its own key.
#![no_main]

use jiff::Timestamp;
use libfuzzer_sys::fuzz_target;
use userdb::email::{DEFAULT_FROM, Message};
use userdb::email_address::{email_key, normalize_email, parse_email, validate_email};
use userdb::terminal_text::is_invisible_or_control;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let normalized = normalize_email(text);
    assert_eq!(
        normalize_email(&normalized),
        normalized,
        "normalising is idempotent"
    );
    match parse_email(text) {
        Ok(email) => {
            assert_eq!(email, normalized);
            assert!(
                validate_email(&email).is_ok(),
                "a parsed address stays valid"
            );
            assert_eq!(parse_email(&email).as_ref(), Ok(&email), "parses to itself");
            assert!(!email.chars().any(is_invisible_or_control));
            let key = email_key(&email);
            assert_eq!(email_key(&key), key);
            // A code sent to it: lettre may refuse the address, never panic.
            let message = Message::new(
                DEFAULT_FROM,
                &email,
                "code",
                "123456",
                Timestamp::UNIX_EPOCH,
            );
            let _ = message.formatted();
        }
        Err(e) => assert!(!e.reason.is_empty()),
    }
});
