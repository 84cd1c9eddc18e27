//! One argon2id hash at the default parameters (m=19456 KiB, t=2, p=1), single
//! thread: the unit of work of `import`. A plain timing loop (no criterion: it is
//! one figure, and the median of many runs is honest enough).
//!
//! Run: `cargo build --release --bench argon2` then the executable with `--bench`
//! (benches/import.sh does), or `cargo bench --bench argon2`.

use std::time::{Duration, Instant};

use userdb::password::{Argon2Params, HashMemory, PasswordHasher};

const RUNS: usize = 60;

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

fn main() {
    let params = Argon2Params::default();
    let hasher = PasswordHasher::new(params).expect("default params");
    let password = "correct horse battery staple";
    // Warm up: page in the memory block once.
    let mut memory = HashMemory::for_params(&params);
    std::hint::black_box(hasher.hash_with_memory(password, &mut memory));

    let reused: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(hasher.hash_with_memory(password, &mut memory));
            start.elapsed()
        })
        .collect();
    let fresh: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(hasher.hash(password));
            start.elapsed()
        })
        .collect();

    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let per_thread = RUNS / 2;
    let start = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..cores {
            s.spawn(|| {
                let mut memory = HashMemory::for_params(&params);
                for _ in 0..per_thread {
                    std::hint::black_box(hasher.hash_with_memory(password, &mut memory));
                }
            });
        }
    });
    let all_cores = start.elapsed();
    let rate = (cores * per_thread) as f64 / all_cores.as_secs_f64();

    println!(
        "params: m={},t={},p={}",
        params.memory_cost, params.time_cost, params.parallelism
    );
    println!("hash_ms_reused_median: {}", ms(median(reused)));
    println!("hash_ms_fresh_median: {}", ms(median(fresh)));
    println!("cores: {cores}");
    println!("hashes_per_s_all_cores: {rate:.1}");
}
