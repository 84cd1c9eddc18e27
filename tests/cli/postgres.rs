//! What only a PostgreSQL database has: connection failures, passwords kept out
//! of every output, doctor's checks, and what a file-only command says.

use predicates::prelude::*;

use crate::support::{TestEnv, stderr_text, stdout_json};

/// The test's URL with a password written into it.
fn url_with_password(env: &TestEnv, password: &str) -> String {
    env.database()
        .replacen("userdb_test@", &format!("userdb_test:{password}@"), 1)
}

#[test]
fn a_wrong_password_is_one_line_exit_7_that_never_shows_it() {
    let env = TestEnv::new();
    let url = url_with_password(&env, "not-the-s3cret");
    for json in [false, true] {
        let mut args = vec!["--db", url.as_str(), "list-users"];
        if json {
            args.insert(0, "--json");
        }
        let out = env
            .cmd(&args)
            .env_remove("PGPASSWORD")
            .assert()
            .code(7)
            .get_output()
            .clone();
        let err = stderr_text(&out);
        assert!(!err.contains("not-the-s3cret"), "{err}");
        assert!(err.contains("password"), "{err}");
        if !json {
            assert_eq!(
                err.lines().filter(|l| l.starts_with("error:")).count(),
                1,
                "{err}"
            );
        }
    }
}

#[test]
fn a_database_that_does_not_exist_and_a_closed_port_are_exit_7() {
    let env = TestEnv::new();
    let missing = env.database().replace("/userdb_test?", "/no_such_db?");
    env.cmd(&["--db", &missing, "list-users"])
        .assert()
        .code(7)
        .stderr(predicate::str::contains("no_such_db"));
    env.cmd(&["--db", "postgres://app@127.0.0.1:1/users", "list-users"])
        .assert()
        .code(7);
}

#[test]
fn config_and_migrate_show_the_url_without_its_password() {
    let env = TestEnv::new();
    let url = url_with_password(&env, crate::pg_server::server().password());
    let out = env
        .cmd(&["--json", "--db", &url, "migrate"])
        .env_remove("PGPASSWORD")
        .assert()
        .success()
        .get_output()
        .clone();
    let report = stdout_json(&out);
    let shown = report["database"].as_str().unwrap();
    assert!(shown.contains("(redacted)"), "{shown}");
    assert!(
        !shown.contains(crate::pg_server::server().password()),
        "{shown}"
    );
    assert!(report["pending"].as_array().unwrap().is_empty());
    let config = env
        .cmd(&["config"])
        .env("USERDB_DB", &url)
        .assert()
        .success()
        .get_output()
        .clone();
    let text = String::from_utf8_lossy(&config.stdout);
    assert!(
        !text.contains(crate::pg_server::server().password()),
        "{text}"
    );
}

#[test]
fn doctor_checks_the_constraints_the_rules_rely_on() {
    let env = TestEnv::new();
    env.create_superuser("ada@example.com", &[]);
    env.cmd(&["doctor"])
        .assert()
        .success()
        .stdout(predicate::str::contains("no problems found"));
    env.sql("ALTER TABLE users DROP CONSTRAINT users_email_key_key");
    env.sql(
        "INSERT INTO users (email, email_key, password, date_joined) \
             VALUES ('ADA@example.com', 'ada@example.com', '!x', now())",
    );
    env.cmd(&["doctor"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("users_email_key_key is missing"))
        .stdout(predicate::str::contains("ada@example.com"));
}

#[test]
fn backup_says_to_use_pg_dump() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    let file = env.path().join("backup.sqlite3");
    env.cmd(&["backup", file.to_str().unwrap()])
        .assert()
        .code(7)
        .stderr(predicate::str::contains("pg_dump"));
    assert!(!file.exists());
}
