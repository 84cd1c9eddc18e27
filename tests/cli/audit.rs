//! `userdb log`: the audit log through the binary.

use crate::support::{STRONG, TestEnv, os_user, stdout_json};

fn events(env: &TestEnv, args: &[&str]) -> Vec<String> {
    let mut all = vec!["--json", "log"];
    all.extend_from_slice(args);
    let out = env.cmd(&all).assert().success().get_output().clone();
    stdout_json(&out)
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{} {}",
                r["event"].as_str().unwrap(),
                r["email"].as_str().unwrap_or("")
            )
        })
        .collect()
}

#[test]
fn log_lists_events_oldest_first_with_filters() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    env.create_user("bob@example.com", &[]);
    env.cmd(&["authenticate", "ada@example.com", "--password-stdin"])
        .write_stdin("wrong guess here")
        .assert()
        .code(1);
    env.cmd(&["delete-user", "bob@example.com", "--yes"])
        .assert()
        .success();
    assert_eq!(
        events(&env, &[]),
        [
            "user_created ada@example.com",
            "user_created bob@example.com",
            "login_failed ada@example.com",
            "user_deleted bob@example.com"
        ]
    );
    assert_eq!(
        events(&env, &["--user", "ADA@example.com"]),
        [
            "user_created ada@example.com",
            "login_failed ada@example.com"
        ]
    );
    // A deleted user's history is still found by its address.
    assert_eq!(
        events(&env, &["--user", "bob@example.com"]),
        [
            "user_created bob@example.com",
            "user_deleted bob@example.com"
        ]
    );
    assert_eq!(
        events(&env, &["--event", "login_failed"]),
        ["login_failed ada@example.com"]
    );
    assert_eq!(
        events(&env, &["--limit", "1"]),
        ["user_deleted bob@example.com"]
    );
}

#[test]
fn log_since_takes_a_duration_or_a_time() {
    let env = TestEnv::new();
    env.cmd(&["createuser", "old@example.com", "--no-password"])
        .env("USERDB_NOW", "2025-12-01T00:00:00Z")
        .assert()
        .success();
    env.create_user("new@example.com", &[]);
    assert_eq!(
        events(&env, &["--since", "1d"]),
        ["user_created new@example.com"]
    );
    assert_eq!(events(&env, &["--since", "2025-11-30T00:00:00Z"]).len(), 2);
    env.cmd(&["log", "--since", "yesterday"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--since \"yesterday\""));
}

#[test]
fn log_rows_carry_the_os_user_and_no_secret() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    let out = env
        .cmd(&["log", "--json"])
        .assert()
        .success()
        .get_output()
        .clone();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(!text.contains(STRONG));
    // The real uid's account, not $USER (which the test environment sets to "tester").
    let me = os_user();
    assert_eq!(stdout_json(&out)[0]["actor"], me.as_str());
    let table = env.cmd(&["log"]).assert().success().get_output().clone();
    let table = String::from_utf8(table.stdout).unwrap();
    assert!(
        table.contains("user_created")
            && table.contains(&me)
            && table.contains("2026-01-02 03:04:05 UTC"),
        "{table}"
    );
}

#[test]
fn the_actor_is_the_real_account_and_sudo_user_stands_beside_it() {
    let env = TestEnv::new();
    env.cmd(&["createuser", "a@example.com", "--no-password"])
        .env("USER", "mallory")
        .env("LOGNAME", "mallory")
        .assert()
        .success();
    env.cmd(&["createuser", "b@example.com", "--no-password"])
        .env("SUDO_USER", "alice")
        .assert()
        .success();
    env.cmd(&["createuser", "c@example.com", "--no-password"])
        .env("SUDO_USER", "x\u{1b}[2J")
        .assert()
        .success();
    let me = os_user();
    assert_eq!(
        env.query_one(
            "SELECT group_concat(actor, '|') FROM (SELECT actor FROM audit_log ORDER BY id) AS a"
        ),
        format!("{me}|{me} (sudo: alice)|{me} (sudo: ?)")
    );
}
