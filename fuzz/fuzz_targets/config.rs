//! A config file of any content gives settings or a config error, never a panic.
//! Settings it gives can be shown (`userdb config`), their templates filled,
//! and the custom fields it declares accept their own defaults and choices.
#![no_main]

use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use userdb::ErrorKind;
use userdb::config::{KEYS, Settings};
use userdb::email::Message;
use userdb::otp::{Purpose, TemplateValues, render};
use userdb::password::PasswordHasher;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let settings = match Settings::from_toml(text, "fuzz.toml") {
        Ok(settings) => settings,
        Err(e) => {
            assert_eq!(e.kind(), ErrorKind::Config);
            return;
        }
    };
    for spec in KEYS {
        let _ = settings.display_value(spec);
    }
    // What `Settings::load` checks after reading the file.
    let argon2 = settings.password.argon2;
    if PasswordHasher::new(argon2).is_ok() {
        let _ = settings.password.limits.admit_params(&argon2);
    }
    for purpose in Purpose::ALL {
        let values = TemplateValues {
            code: "123456",
            ttl: settings.otp.ttl,
            purpose,
            email: "ada@example.com",
        };
        let body = render(&settings.otp.body, &values);
        assert!(body.contains("123456"), "the body always carries the code");
        let subject = render(&settings.otp.subject, &values);
        // The message send-otp builds: the sender was checked when read.
        let message = Message::new(
            &settings.email.from,
            "ada@example.com",
            subject,
            body,
            jiff::Timestamp::UNIX_EPOCH,
        );
        if let Err(e) = message.formatted() {
            panic!("a message from accepted settings cannot be built: {e}");
        }
    }
    assert!(settings.otp.ttl <= Duration::from_secs(100 * 365 * 86_400));
    for spec in settings.fields.iter() {
        if let Some(default) = &spec.default {
            assert!(spec.accepts_stored(&default.canonical()), "{}", spec.name);
        }
        if let userdb::fields::FieldType::Choice(choices) = &spec.kind {
            for choice in choices {
                assert!(spec.accepts_stored(choice), "{}: {choice:?}", spec.name);
            }
        }
    }
});
