//! Any text, as a value of any custom field type: a value whose canonical form
//! parses back to itself, or a reason; never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use userdb::config::Settings;

const FIELDS: &str = "[fields.t]\ntype = \"text\"\nmax_length = 20\n[fields.i]\ntype = \"integer\"\n\
    [fields.b]\ntype = \"boolean\"\n[fields.d]\ntype = \"date\"\n\
    [fields.c]\ntype = \"choice\"\nchoices = [\"Ops\", \"R&D\", \"Straße\"]\n";

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let fields = Settings::from_toml(FIELDS, "fuzz.toml").unwrap().fields;
    for spec in fields.iter() {
        if let Ok(value) = spec.parse(text) {
            let canonical = value.canonical();
            assert_eq!(spec.parse(&canonical), Ok(value));
            assert!(spec.accepts_stored(&canonical));
        }
        let _ = spec.from_json(&serde_json::Value::String(text.to_string()));
    }
});
