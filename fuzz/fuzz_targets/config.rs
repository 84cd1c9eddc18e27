//! A config file of any content gives settings or a config error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use userdb::config::Settings;
use userdb::ErrorKind;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(e) = Settings::from_toml(text, "fuzz.toml") {
        assert_eq!(e.kind(), ErrorKind::Config);
    }
});
