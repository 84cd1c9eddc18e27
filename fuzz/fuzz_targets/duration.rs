//! Durations as typed (config values, flags): a duration or a reason, never a
//! panic; what parses is within the stated bound and formats back to itself.
#![no_main]

use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use userdb::duration::{format_duration, parse_duration, parse_finite_duration};

const HUNDRED_YEARS: Duration = Duration::from_secs(100 * 365 * 86_400);

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = parse_duration(text);
    match &parsed {
        Ok(Some(d)) => {
            assert!(*d <= HUNDRED_YEARS);
            let formatted = format_duration(*d);
            assert_eq!(parse_duration(&formatted), Ok(Some(*d)), "{formatted}");
            assert_eq!(parse_finite_duration(text), Ok(*d));
        }
        Ok(None) => assert!(parse_finite_duration(text).is_err()),
        Err(_) => assert!(parse_finite_duration(text).is_err()),
    }
});
