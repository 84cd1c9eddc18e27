//! Parsing stored hashes in every Django format never panics, and verifying one
//! never runs unbounded work: a hash is only run after the cost ceiling import
//! applies (`check_stored`) admits it, here set low enough that every check
//! the fuzzer reaches is cheap.
#![no_main]

use std::sync::LazyLock;
use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use userdb::password::{
    Argon2Params, HashError, HashLimits, PasswordHasher, algorithm_of, is_usable,
};

static HASHER: LazyLock<PasswordHasher> = LazyLock::new(|| {
    PasswordHasher::new(Argon2Params {
        memory_cost: 8,
        time_cost: 1,
        parallelism: 1,
    })
    .expect("cheap params are valid")
    .with_limits(HashLimits {
        max_memory_mib: 1,
        max_time: Duration::from_millis(2),
    })
});

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // The first line is the password tried, the rest the stored hash.
    let (password, encoded) = text.split_once('\n').unwrap_or(("password", text));
    let parsed = algorithm_of(encoded);
    let upgrade = HASHER.needs_upgrade(encoded);
    if is_usable(encoded) {
        assert_eq!(parsed.is_ok(), upgrade.is_ok());
    }
    match HASHER.check_stored(encoded) {
        Ok(algorithm) => {
            assert_eq!(parsed.as_ref().ok(), Some(&algorithm));
            match HASHER.verify(password, encoded) {
                Ok(verified) => assert!(verified.matches || !verified.needs_upgrade),
                // Only the KDF itself may still refuse (e.g. an output length
                // its crate does not take); the parse and the ceiling agreed.
                Err(HashError::Failed { .. }) => {}
                Err(e) => panic!("check_stored admitted a hash verify refuses: {e}"),
            }
        }
        Err(_) => {
            // Refused at import, and so never run: a login gets an error, not work.
            if let Ok(verified) = HASHER.verify(password, encoded) {
                assert!(!verified.matches, "a refused hash matched");
            }
        }
    }
    // A hash of the password made now always verifies.
    if password.len() <= 64 && encoded.is_empty() {
        let fresh = HASHER.hash(password);
        let verified = HASHER
            .verify(password, &fresh)
            .expect("a fresh hash parses");
        assert!(verified.matches && !verified.needs_upgrade);
    }
});
