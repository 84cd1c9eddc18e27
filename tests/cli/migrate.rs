use predicates::prelude::*;

use crate::support::{TestEnv, stdout_json};

#[test]
fn migrate_applies_then_has_nothing_to_do() {
    let env = TestEnv::new();
    env.cmd(&["migrate"])
        .assert()
        .success()
        .stdout("[X] 0001_users\n[X] 0002_tokens\n")
        .stderr("Applied 0001_users.\nApplied 0002_tokens.\n");
    env.cmd(&["migrate"])
        .assert()
        .success()
        .stdout("[X] 0001_users\n[X] 0002_tokens\n")
        .stderr("No migrations to apply.\n");
}

#[test]
fn check_exits_1_while_migrations_are_pending_and_creates_nothing() {
    let env = TestEnv::new();
    env.cmd(&["migrate", "--check"])
        .assert()
        .code(1)
        .stdout("[ ] 0001_users\n[ ] 0002_tokens\n")
        .stderr(predicate::str::contains(
            "2 pending migration(s): 0001_users, 0002_tokens; apply them with `userdb migrate`",
        ));
    assert!(!env.db().exists());
    env.cmd(&["migrate"]).assert().success();
    env.cmd(&["migrate", "--check"]).assert().success();
}

#[test]
fn every_command_migrates_on_open() {
    let env = TestEnv::new();
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
    assert_eq!(
        report["applied_now"],
        serde_json::json!(["0001_users", "0002_tokens"])
    );
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
