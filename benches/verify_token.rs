//! `UserManager::verify_token` in process, against 100,000 users with one token each.
//!
//!     cargo bench --bench verify_token
//!
//! The same program builds the fixture for `benches/verify_token_process.sh` (which
//! times the whole `userdb verify-token` process with hyperfine):
//!
//!     USERDB_BENCH_FIXTURE=/tmp/bench.sqlite3 cargo bench --bench verify_token
//!
//! writes the database there, a valid token next to it (`….token`) and a
//! well-formed one that was never issued (`….unknown-token`), then exits.
//!
//! Throughput on a shared PostgreSQL server, with 1, 2 and 4 threads each on its
//! own connection (issue 27: per-token writes take row locks, not the writers'
//! lock), against a database holding the fixture (`userdb copy --to URL` of
//! it) and the fixture's tokens (`….tokens`, one a line):
//!
//!     USERDB_BENCH_PG_URL=postgres://… USERDB_BENCH_TOKENS=/tmp/bench.sqlite3.tokens \
//!         cargo bench --bench verify_token
//!
//! prints verifications per second per thread count and the ratio to one
//! thread (`USERDB_BENCH_SECONDS`, default 5, per count). `benches/postgres.sh`
//! runs it.
//!
//! The fixture is built fast: one transaction of direct inserts, every user sharing
//! one pre-computed cheap argon2 hash (hashing 100,000 real passwords would take an
//! hour and is not what is measured here).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use criterion::{BatchSize, Criterion, criterion_group};
use rusqlite::params;
use userdb::clock::{SystemClock, format_timestamp};
use userdb::config::PasswordSettings;
use userdb::password::{Argon2Params, PasswordHasher};
use userdb::storage::{AuditEntry, SqliteStore, TokenStore};
use userdb::{ExposeSecret, SecretString, UserManager, token};

const USERS: usize = 100_000;
/// Tokens kept to verify (chosen across the whole table).
const SAMPLE: usize = 1_000;

/// Creates the database at `path` with `USERS` users and one token each; returns a
/// sample of the tokens.
fn build_fixture(path: &Path) -> Vec<SecretString> {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    // Creates the file (0600) and applies the migrations.
    drop(SqliteStore::open(path, Duration::from_secs(5)).expect("open the fixture"));
    let cheap = PasswordHasher::new(Argon2Params {
        memory_cost: 8,
        time_cost: 1,
        parallelism: 1,
    })
    .expect("cheap argon2 parameters");
    let hash = cheap.hash("correct horse battery staple");
    let now = format_timestamp(jiff::Timestamp::now());
    let mut conn = rusqlite::Connection::open(path).expect("open");
    let tx = conn.transaction().expect("begin");
    let mut sample = Vec::with_capacity(SAMPLE);
    {
        let mut user = tx
            .prepare(
                "INSERT INTO users (email, email_key, password, date_joined) VALUES (?1, ?1, ?2, ?3)",
            )
            .expect("prepare");
        let mut tok = tx
            .prepare(
                "INSERT INTO tokens (user_id, name, digest, prefix, created_at) \
                 VALUES (?1, 'bench', ?2, ?3, ?4)",
            )
            .expect("prepare");
        for i in 0..USERS {
            user.execute(params![format!("user{i}@example.com"), hash, now])
                .expect("insert user");
            let id = tx.last_insert_rowid();
            let secret = token::generate();
            let text = secret.expose_secret();
            tok.execute(params![
                id,
                token::digest(text).as_slice(),
                token::display_prefix(text),
                now
            ])
            .expect("insert token");
            if i % (USERS / SAMPLE) == 0 {
                sample.push(secret);
            }
        }
    }
    tx.commit().expect("commit");
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE); ANALYZE;")
        .expect("checkpoint");
    sample
}

fn manager(path: &Path) -> UserManager<SqliteStore> {
    let store = SqliteStore::open(path, Duration::from_secs(5)).expect("open");
    UserManager::new(
        store,
        &PasswordSettings::default(),
        Arc::new(SystemClock),
        "bench",
    )
    .expect("manager")
}

fn bench_verify(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("bench.sqlite3");
    let sample = build_fixture(&path);
    let mut users = manager(&path);
    let unknown: Vec<SecretString> = (0..SAMPLE).map(|_| token::generate()).collect();
    let mut malformed = token::generate().expose_secret().to_string();
    malformed.replace_range(
        10..11,
        if malformed.as_bytes()[10] == b'a' {
            "b"
        } else {
            "a"
        },
    );
    let malformed = SecretString::from(malformed);

    let mut group = c.benchmark_group("verify_token (100,000 users and tokens)");
    let mut i = 0;
    group.bench_function(
        "valid: lookup + last_used_at and token_used in one transaction",
        |b| {
            b.iter(|| {
                i = (i + 1) % SAMPLE;
                users.verify_token(&sample[i]).expect("valid")
            })
        },
    );
    let mut j = 0;
    group.bench_function("unknown (well-formed): one index probe, no write", |b| {
        b.iter(|| {
            j = (j + 1) % SAMPLE;
            users.verify_token(&unknown[j]).expect_err("unknown")
        })
    });
    group.bench_function("malformed: checksum only, no database", |b| {
        b.iter(|| users.verify_token(&malformed).expect_err("malformed"))
    });
    group.bench_function("format check + SHA-256 of a token", |b| {
        b.iter_batched(
            token::generate,
            |t| token::parse(&t).map(|p| p.digest()).expect("well-formed"),
            BatchSize::SmallInput,
        )
    });
    group.finish();

    // What the audit row costs: the same write transaction with and without it.
    let mut store = SqliteStore::open(&path, Duration::from_secs(5)).expect("open");
    let digest = token::digest(sample[1].expose_secret());
    let (info, _, _) = store
        .token_by_digest(&digest)
        .expect("lookup")
        .expect("issued");
    let entry = AuditEntry {
        at: jiff::Timestamp::now(),
        actor: "bench".into(),
        event: userdb::audit::AuditEvent::TokenUsed,
        detail: format!("id={}", info.id),
    };
    let mut group = c.benchmark_group("the write of a successful verification");
    group.bench_function("last_used_at alone", |b| {
        b.iter(|| store.mark_token_used(&info, jiff::Timestamp::now(), &[]))
    });
    group.bench_function("last_used_at + token_used audit row", |b| {
        b.iter(|| {
            store.mark_token_used(&info, jiff::Timestamp::now(), std::slice::from_ref(&entry))
        })
    });
    group.finish();
}

criterion_group!(benches, bench_verify);

/// Verifications per second of `threads` threads, each with its own connection
/// to `url` and its own share of `tokens`, for `run`.
fn pg_throughput(url: &str, tokens: &[SecretString], threads: usize, run: Duration) -> f64 {
    use userdb::storage::{Open, OpenOptions, Store, Target};
    let barrier = std::sync::Barrier::new(threads);
    let total: u64 = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                let barrier = &barrier;
                scope.spawn(move || {
                    let target = Target::Postgres(url.to_string());
                    let store = Store::open(&target, Open::Existing, &OpenOptions::default())
                        .expect("connect");
                    let mut users = UserManager::new(
                        store,
                        &PasswordSettings::default(),
                        Arc::new(SystemClock),
                        "bench",
                    )
                    .expect("manager");
                    let mine: Vec<&SecretString> = tokens.iter().skip(t).step_by(threads).collect();
                    barrier.wait();
                    let started = std::time::Instant::now();
                    let mut done = 0u64;
                    while started.elapsed() < run {
                        users
                            .verify_token(mine[done as usize % mine.len()])
                            .expect("valid");
                        done += 1;
                    }
                    done
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().expect("worker")).sum()
    });
    total as f64 / run.as_secs_f64()
}

fn main() {
    if let Some(url) = std::env::var_os("USERDB_BENCH_PG_URL") {
        let url = url.into_string().expect("a UTF-8 URL");
        let file = std::env::var_os("USERDB_BENCH_TOKENS").expect("USERDB_BENCH_TOKENS");
        let tokens: Vec<SecretString> = std::fs::read_to_string(file)
            .expect("read the tokens")
            .lines()
            .map(|l| SecretString::from(l.to_string()))
            .collect();
        let seconds = std::env::var("USERDB_BENCH_SECONDS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(5);
        let mut one = 0.0;
        println!("threads verifications_per_s ratio_to_one");
        for threads in [1, 2, 4] {
            let rate = pg_throughput(&url, &tokens, threads, Duration::from_secs(seconds));
            if threads == 1 {
                one = rate;
            }
            println!("{threads} {rate:.0} {:.2}", rate / one);
        }
        return;
    }
    if let Some(path) = std::env::var_os("USERDB_BENCH_FIXTURE") {
        let path = Path::new(&path);
        let started = std::time::Instant::now();
        let sample = build_fixture(path);
        let token_file = format!("{}.token", path.display());
        std::fs::write(
            &token_file,
            format!("{}\n", sample[SAMPLE / 2].expose_secret()),
        )
        .expect("write the token file");
        // The whole sample, for the threads of the PostgreSQL throughput run.
        let tokens: String = sample
            .iter()
            .map(|t| format!("{}\n", t.expose_secret()))
            .collect();
        std::fs::write(format!("{}.tokens", path.display()), tokens)
            .expect("write the tokens file");
        // Well-formed, never issued: for timing the unknown-token path.
        let unknown_file = format!("{}.unknown-token", path.display());
        std::fs::write(
            &unknown_file,
            format!("{}\n", token::generate().expose_secret()),
        )
        .expect("write the token file");
        eprintln!(
            "fixture: {USERS} users and tokens in {} ({:.1?}); a valid token in {token_file}",
            path.display(),
            started.elapsed()
        );
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
