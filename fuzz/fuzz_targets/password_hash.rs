//! Parsing stored hashes in every Django format never panics, and a hostile hash
//! cannot make verification run unbounded work (the costs are bounded).
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use userdb::password::{Argon2Params, PasswordHasher, algorithm_of};

static HASHER: LazyLock<PasswordHasher> = LazyLock::new(|| {
    PasswordHasher::new(Argon2Params {
        memory_cost: 8,
        time_cost: 1,
        parallelism: 1,
    })
    .expect("cheap params are valid")
});

fuzz_target!(|data: &[u8]| {
    let Ok(encoded) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = algorithm_of(encoded);
    let _ = HASHER.needs_upgrade(encoded);
    // Only run the KDF on cheap hashes: the fuzzer is after parser bugs, and the
    // module's own bounds keep even the dearest accepted hash finite.
    let cheap = !encoded.contains("pbkdf2") && !encoded.contains("scrypt") && !encoded.contains("bcrypt");
    if parsed.is_ok() && cheap && encoded.len() < 200 {
        let _ = HASHER.verify("password", encoded);
    }
});
