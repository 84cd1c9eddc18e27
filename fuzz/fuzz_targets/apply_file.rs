//! apply's file reader: the quick reader (`src/apply/quick.rs`, TOML read by
//! hand for the plain shape nearly every file has) and the full TOML parser
//! give the same file, or the same error, for any text: the quick reader may
//! hand a text over, never read it differently. Never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use userdb::apply::file::{parse, parse_without_quick_reader};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // One declared custom field, as the unit test has: field keys go both ways.
    let fields = |name: &str| name == "department";
    let quick = parse(text, &fields).map_err(|e| e.to_string());
    let full = parse_without_quick_reader(text, &fields).map_err(|e| e.to_string());
    assert_eq!(quick, full, "{text:?}");
});
