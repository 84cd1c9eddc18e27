//! Escaping for the terminal: no invisible or control character survives
//! (`escape_lines` keeps newline and tab only), text that needs nothing is
//! left alone, and escaping is idempotent.
#![no_main]

use std::borrow::Cow;

use libfuzzer_sys::fuzz_target;
use userdb::terminal_text::{escape, escape_lines, is_invisible_or_control};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let one = escape(&text);
    assert!(!one.chars().any(is_invisible_or_control), "{one:?}");
    assert_eq!(escape(&one), one, "escaping twice changes nothing");
    let clean = !text.chars().any(is_invisible_or_control);
    assert_eq!(matches!(one, Cow::Borrowed(_)), clean);
    if clean {
        assert_eq!(one, text);
    }
    let lines = escape_lines(&text);
    assert!(
        !lines
            .chars()
            .any(|c| is_invisible_or_control(c) && c != '\n' && c != '\t'),
        "{lines:?}"
    );
    // Only newlines and tabs differ between the two.
    assert_eq!(escape(&lines), one);
});
