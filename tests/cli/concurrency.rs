//! Many userdb processes on one database at once (parallel CI jobs) queue on the
//! write lock instead of failing with "database is locked".

use std::process::Stdio;

use crate::support::{STRONG, TestEnv};

#[test]
fn twenty_four_writers_at_once_on_a_fresh_database_all_succeed() {
    twenty_four_writers_all_succeed(&TestEnv::new());
}

/// 24 `createuser`s at once on a fresh `env` (also through PgBouncer:
/// pooler.rs).
pub fn twenty_four_writers_all_succeed(env: &TestEnv) {
    let children: Vec<_> = (0..24)
        .map(|i| {
            env.std_cmd(&[
                "createuser",
                &format!("user{i}@example.com"),
                "--password-env",
                "PW",
            ])
            .env("PW", STRONG)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn")
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().expect("wait");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(env.query_one("SELECT count(*) FROM users"), "24");
    assert_eq!(
        env.query_one("SELECT count(*) FROM userdb_migrations"),
        userdb::storage::SqliteStore::MIGRATIONS.len().to_string()
    );
    if let Some(file) = env.db_file() {
        let conn = rusqlite::Connection::open(file).expect("open");
        let check: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .expect("check");
        assert_eq!(check, "ok");
    }
}

#[test]
fn concurrent_creations_of_one_address_make_exactly_one_user() {
    let env = TestEnv::new();
    env.cmd(&["migrate"]).assert().success();
    let children: Vec<_> = (0..12)
        .map(|i| {
            env.std_cmd(&[
                "createuser",
                &format!("Same{}@Example.com", "e".repeat(i % 3)),
                "--no-password",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn")
        })
        .collect();
    let codes = crate::support::sorted_exit_codes(children);
    // Three distinct addresses (Same@, Samee@, Sameee@), each created once; the rest exist.
    assert_eq!(codes.iter().filter(|&&c| c == 0).count(), 3, "{codes:?}");
    assert!(codes.iter().all(|&c| c == 0 || c == 4), "{codes:?}");
    assert_eq!(env.query_one("SELECT count(*) FROM users"), "3");
}

#[test]
fn concurrent_demotions_of_the_last_two_superusers_leave_one() {
    last_two_superusers_demoted_at_once_leave_one(TestEnv::new);
}

/// Three rounds, each on a fresh environment from `fresh` (also through
/// PgBouncer: pooler.rs).
pub fn last_two_superusers_demoted_at_once_leave_one(fresh: impl Fn() -> TestEnv) {
    for _ in 0..3 {
        let env = fresh();
        for email in ["a@example.com", "b@example.com"] {
            env.cmd(&["createsuperuser", "--no-input", "--email", email])
                .assert()
                .success();
        }
        let children: Vec<_> = ["a@example.com", "b@example.com"]
            .iter()
            .map(|email| {
                env.std_cmd(&["update-user", email, "--superuser", "false"])
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .expect("spawn")
            })
            .collect();
        let codes = crate::support::sorted_exit_codes(children);
        // One demotion wins; the other finds the last superuser and is refused.
        assert_eq!(codes, [0, 5]);
        assert_eq!(
            env.query_one("SELECT count(*) FROM users WHERE is_superuser AND is_active"),
            "1"
        );
    }
}

#[test]
fn two_migrations_of_a_fresh_database_at_once_apply_each_step_once() {
    let env = TestEnv::new();
    let children: Vec<_> = (0..2)
        .map(|_| {
            env.std_cmd(&["migrate"])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("spawn")
        })
        .collect();
    for child in children {
        assert!(child.wait_with_output().unwrap().status.success());
    }
    assert_eq!(
        env.query_one("SELECT count(*) FROM userdb_migrations"),
        userdb::storage::SqliteStore::MIGRATIONS.len().to_string()
    );
    env.create_user("ada@example.com", &[]);
}
