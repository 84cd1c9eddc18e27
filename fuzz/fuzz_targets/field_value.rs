//! Any text, as a value of any custom field type: a value whose canonical form
//! parses back to itself, or a reason; never a panic. The other cell-level
//! parsers of import ride along: date-times, model labels, and the spreadsheet
//! escape, which must round-trip.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use userdb::clock::{format_timestamp, parse_timestamp};
use userdb::config::Settings;
use userdb::fields::FieldSet;
use userdb::provisioning::{escape_cell, parse_datetime, unescape_cell, validate_model_label};

const FIELDS: &str = "[fields.t]\ntype = \"text\"\nmax_length = 20\n[fields.i]\ntype = \"integer\"\n\
    [fields.b]\ntype = \"boolean\"\n[fields.d]\ntype = \"date\"\n\
    [fields.c]\ntype = \"choice\"\nchoices = [\"Ops\", \"R&D\", \"Straße\", \"ǅ\", \"K\"]\n";

static SET: LazyLock<FieldSet> =
    LazyLock::new(|| Settings::from_toml(FIELDS, "fuzz.toml").unwrap().fields);

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for spec in SET.iter() {
        if let Ok(value) = spec.parse(text) {
            let canonical = value.canonical();
            assert_eq!(spec.parse(&canonical), Ok(value.clone()));
            assert!(spec.accepts_stored(&canonical));
            assert_eq!(spec.read_stored(&canonical), value);
        }
        let _ = spec.from_json(&serde_json::Value::String(text.to_string()));
        let _ = spec.read_stored(text);
    }
    if let Ok(ts) = parse_datetime(text) {
        // Stored and exported as format_timestamp writes it (to the
        // microsecond): that form reads back, by import and from the database.
        let stored = format_timestamp(ts);
        let again = parse_datetime(&stored).expect("a stored time imports");
        assert_eq!(format_timestamp(again), stored);
        assert_eq!(parse_timestamp(&stored), Some(again));
    }
    let _ = validate_model_label(text);
    assert_eq!(unescape_cell(&escape_cell(text)), text);
});
