use predicates::prelude::*;

use crate::support::{TestEnv, stdout_json};

/// Every migration this build knows, by name, oldest first.
fn names() -> Vec<&'static str> {
    userdb::storage::SqliteStore::MIGRATIONS
        .iter()
        .map(|m| m.name)
        .collect()
}

/// `migrate`'s listing: one `[X] name` (or `[ ] name`) line per migration.
fn listing(mark: &str) -> String {
    names().iter().map(|n| format!("[{mark}] {n}\n")).collect()
}

#[test]
fn migrate_applies_then_has_nothing_to_do() {
    let env = TestEnv::new();
    env.cmd(&["migrate"])
        .assert()
        .success()
        .stdout(listing("X"))
        .stderr(
            names()
                .iter()
                .map(|n| format!("Applied {n}.\n"))
                .collect::<String>(),
        );
    env.cmd(&["migrate"])
        .assert()
        .success()
        .stdout(listing("X"))
        .stderr("No migrations to apply.\n");
}

#[test]
fn check_exits_1_while_migrations_are_pending_and_creates_nothing() {
    let env = TestEnv::new();
    env.cmd(&["migrate", "--check"])
        .assert()
        .code(1)
        .stdout(listing(" "))
        .stderr(predicate::str::contains(format!(
            "{} pending migration(s): {}; apply them with `userdb migrate`",
            names().len(),
            names().join(", ")
        )));
    assert!(!env.db().exists());
    env.cmd(&["migrate"]).assert().success();
    env.cmd(&["migrate", "--check"]).assert().success();
}

#[test]
fn every_command_migrates_on_open() {
    let env = TestEnv::new();
    // An empty file is a database with no tables yet (a reading command never
    // creates one).
    std::fs::write(env.db(), "").unwrap();
    env.cmd(&["list-users"]).assert().success();
    env.cmd(&["migrate", "--check"]).assert().success();
}

#[test]
fn migrate_json_lists_applied_and_pending() {
    let env = TestEnv::new();
    let out = env
        .cmd(&["migrate", "--json"])
        .assert()
        .success()
        .get_output()
        .clone();
    let report = stdout_json(&out);
    assert_eq!(report["applied_now"], serde_json::json!(names()));
    assert_eq!(report["pending"], serde_json::json!([]));
    assert_eq!(report["migrations"][0]["name"], "0001_users");
    assert!(report["migrations"][0]["applied_at"].is_string());
}

#[test]
fn the_database_uses_wal() {
    let env = TestEnv::new();
    env.cmd(&["migrate"]).assert().success();
    assert_eq!(env.query_one("PRAGMA journal_mode"), "wal");
}
