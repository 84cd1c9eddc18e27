use predicates::prelude::*;
use userdb::ExitCode;

use crate::support::{TestEnv, stderr_text};

#[test]
fn json_errors_are_one_object_on_stderr_with_the_exit_code() {
    let env = TestEnv::new();
    env.cmd(&["migrate"]).assert().success();
    let out = env
        .cmd(&["show-user", "nobody@example.com", "--json"])
        .assert()
        .code(ExitCode::NotFound.code())
        .get_output()
        .clone();
    assert!(out.stdout.is_empty());
    let err: serde_json::Value = serde_json::from_str(stderr_text(&out).trim()).unwrap();
    assert_eq!(err["error"]["kind"], "not_found");
    assert_eq!(err["error"]["exit_code"], ExitCode::NotFound.code());
    assert_eq!(
        err["error"]["message"],
        "no user with email nobody@example.com"
    );
    assert!(
        err["error"]["hint"]
            .as_str()
            .unwrap()
            .contains("list-users")
    );
}

#[test]
fn json_is_accepted_before_or_after_the_subcommand() {
    let env = TestEnv::new();
    env.cmd(&["migrate"]).assert().success();
    env.cmd(&["--json", "list-users"])
        .assert()
        .success()
        .stdout("[]\n");
    env.cmd(&["list-users", "--json"])
        .assert()
        .success()
        .stdout("[]\n");
}

#[test]
fn usage_errors_are_claps_exit_2() {
    let env = TestEnv::new();
    env.cmd(&["no-such-command"])
        .assert()
        .code(ExitCode::Usage.code());
    env.cmd(&["createuser"])
        .assert()
        .code(ExitCode::Usage.code());
    env.cmd(&["list-users", "--limit", "many"])
        .assert()
        .code(ExitCode::Usage.code());
}

#[test]
fn an_unwritable_database_path_is_a_storage_error() {
    let env = TestEnv::new();
    env.cmd(&["migrate"])
        .env("USERDB_DB", "/proc/userdb/nope.sqlite3")
        .assert()
        .code(ExitCode::Storage.code())
        .stderr(predicate::str::starts_with(
            "error: cannot create directory /proc/userdb",
        ));
}

#[test]
fn a_database_from_a_newer_userdb_is_refused() {
    let env = TestEnv::new();
    env.cmd(&["migrate"]).assert().success();
    env.sql(
        "INSERT INTO userdb_migrations VALUES (999, '0999_future', '2030-01-01T00:00:00.000000Z')",
    );
    env.cmd(&["list-users"])
        .assert()
        .code(ExitCode::Storage.code())
        .stderr(predicate::str::contains("newer than this userdb knows"));
}

#[test]
fn a_closed_pipe_is_a_quiet_success() {
    let env = TestEnv::new();
    for i in 0..30 {
        env.cmd(&[
            "createuser",
            &format!("user{i}@example.com"),
            "--no-password",
        ])
        .assert()
        .success();
    }
    let bin = env!("CARGO_BIN_EXE_userdb");
    let out = std::process::Command::new("bash")
        .args([
            "-c",
            &format!("'{bin}' list-users | head -n 1; echo \"status=${{PIPESTATUS[0]}}\""),
        ])
        .env_clear()
        .envs(env.vars())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("status=0"), "{stdout}");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}
