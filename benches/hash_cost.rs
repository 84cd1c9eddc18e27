//! The most expensive stored hash of each algorithm that the default ceiling
//! ([`HashLimits::default`]: 256 MiB, 1 s) still accepts, and what checking it
//! really costs here. Also the per-unit speeds the ceiling's estimate is
//! built from, to recalibrate `*_PER_SEC` in src/password/hashers.rs.
//!
//! Run: `cargo bench --bench hash_cost` (a release build, one thread).

#![allow(clippy::unwrap_used)] // a measurement that cannot run should stop there

use std::time::{Duration, Instant};

use userdb::password::{Argon2Params, HashLimits, PasswordHasher};

const RUNS: usize = 3;
const PBKDF2_HASH: &str = "uQ1RWoLHiTEpao0ui7Wt1N2UQRo+sK6VFSCH7pXncMk=";
const PBKDF2_SHA1_HASH: &str = "AAAAAAAAAAAAAAAAAAAAAAAAAAA=";
const SCRYPT_HASH: &str =
    "dqNz7ALqy2Y1SjgX29y5bwqR2BcUnTc6esLji2bBtEZUdvsgLZE9WhlkMxxUzKZfBQ6r3cjNbrWC9f4NKQP4Lg==";
const BCRYPT_BODY: &str = "Fquc5ZqcBbk5rcayWeN98.hDEtnNbiDwxT7h6Tgx1/0RBMsJ0.4py";

fn median(hasher: &PasswordHasher, encoded: &str) -> Duration {
    let mut times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            let verified = hasher.verify("correct horse battery staple", encoded);
            assert!(verified.is_ok(), "{verified:?}");
            start.elapsed()
        })
        .collect();
    times.sort();
    times[RUNS / 2]
}

/// The largest `x` in `lo..=hi` for which `accepted(x)` holds (monotone).
fn largest(mut lo: u64, mut hi: u64, accepted: impl Fn(u64) -> bool) -> u64 {
    assert!(accepted(lo));
    while lo < hi {
        let mid = lo + (hi - lo).div_ceil(2);
        if accepted(mid) {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    lo
}

fn main() {
    let cheap = Argon2Params {
        memory_cost: 8,
        time_cost: 1,
        parallelism: 1,
    };
    let ceiling = PasswordHasher::new(cheap).unwrap();
    let limits = ceiling.limits();
    // Runs what the default ceiling accepts; the bench must not refuse it.
    let runner = PasswordHasher::new(cheap).unwrap().with_limits(HashLimits {
        max_memory_mib: 4096,
        max_time: Duration::from_secs(600),
    });
    let ok = |encoded: &str| ceiling.check_stored(encoded).is_ok();
    println!(
        "ceiling: {} MiB, {:?}; the most expensive hash of each kind it accepts:",
        limits.max_memory_mib, limits.max_time
    );

    let argon2 = |m: u64, t: u64| {
        let params = Argon2Params {
            memory_cost: m as u32,
            time_cost: t as u32,
            parallelism: 1,
        };
        PasswordHasher::new(params).unwrap().hash("x")
    };
    let shape =
        |m: u64, t: u64| format!("argon2$argon2id$v=19$m={m},t={t},p=1$c2FsdHNhbHQ$aGFzaGhhc2g");
    let m = largest(8, 4 << 20, |m| ok(&shape(m, 1)));
    let t = largest(1, 64, |t| ok(&shape(m, t)));
    let encoded = argon2(m, t);
    let d = median(&runner, &encoded);
    println!(
        "argon2id m={m} KiB t={t} p=1: {:.3} s ({:.0} KiB/s)",
        d.as_secs_f64(),
        (m * t) as f64 / d.as_secs_f64()
    );

    for (name, digest) in [
        ("pbkdf2_sha256", PBKDF2_HASH),
        ("pbkdf2_sha1", PBKDF2_SHA1_HASH),
    ] {
        let at = |i: u64| format!("{name}${i}$salt${digest}");
        let i = largest(1, 100_000_000, |i| ok(&at(i)));
        let d = median(&runner, &at(i));
        println!(
            "{name} {i} iterations: {:.3} s ({:.0} iterations/s)",
            d.as_secs_f64(),
            i as f64 / d.as_secs_f64()
        );
    }

    let at = |c: u64| format!("bcrypt$$2b${c:02}${BCRYPT_BODY}");
    let c = largest(4, 20, |c| ok(&at(c)));
    let d = median(&runner, &at(c));
    println!(
        "bcrypt cost {c}: {:.3} s ({:.3e} s at cost 0)",
        d.as_secs_f64(),
        d.as_secs_f64() / 2f64.powi(c as i32)
    );

    let at = |log_n: u64| format!("scrypt${}$salt$8$1${SCRYPT_HASH}", 1u64 << log_n);
    let log_n = largest(1, 24, |l| ok(&at(l)));
    let d = median(&runner, &at(log_n));
    println!(
        "scrypt N=2^{log_n} r=8 p=1: {:.3} s ({:.0} N·r·p/s)",
        d.as_secs_f64(),
        ((1u64 << log_n) * 8) as f64 / d.as_secs_f64()
    );
}
