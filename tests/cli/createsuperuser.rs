use predicates::prelude::*;

use crate::support::{STRONG, TestEnv, stdout_json};

#[test]
fn no_input_takes_the_password_from_the_environment() {
    let env = TestEnv::new();
    env.cmd(&[
        "createsuperuser",
        "--no-input",
        "--email",
        "admin@example.com",
    ])
    .env("USERDB_SUPERUSER_PASSWORD", STRONG)
    .assert()
    .success()
    .stderr(predicate::str::contains(
        "Superuser admin@example.com created successfully",
    ));
    let user = env.user_json("admin@example.com");
    assert_eq!(
        (
            user["is_staff"].clone(),
            user["is_superuser"].clone(),
            user["is_active"].clone()
        ),
        (true.into(), true.into(), true.into())
    );
    env.cmd(&["authenticate", "admin@example.com", "--password-stdin"])
        .write_stdin(STRONG)
        .assert()
        .success();
}

#[test]
fn no_input_takes_the_email_from_the_environment_too() {
    let env = TestEnv::new();
    env.cmd(&["createsuperuser", "--no-input"])
        .env("USERDB_SUPERUSER_EMAIL", "root@example.com")
        .env("USERDB_SUPERUSER_PASSWORD", STRONG)
        .assert()
        .success();
    assert_eq!(env.user_json("root@example.com")["is_superuser"], true);
}

#[test]
fn no_input_without_a_password_gives_an_unusable_one_as_django_does() {
    let env = TestEnv::new();
    env.create_superuser("admin@example.com", &[]);
    assert_eq!(
        env.user_json("admin@example.com")["has_usable_password"],
        false
    );
}

#[test]
fn no_input_without_an_email_is_a_clear_error() {
    let env = TestEnv::new();
    env.cmd(&["createsuperuser", "--no-input"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("email address is needed"))
        .stderr(predicate::str::contains("USERDB_SUPERUSER_EMAIL"));
}

#[test]
fn without_a_terminal_and_without_no_input_it_fails_fast_unlike_django() {
    let env = TestEnv::new();
    env.cmd(&["createsuperuser", "--email", "admin@example.com"])
        .timeout(std::time::Duration::from_secs(20))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "a password is needed but standard input is not a terminal",
        ));
    assert_eq!(env.query_one("SELECT count(*) FROM users"), "0");
}

#[test]
fn the_environment_password_is_validated_too() {
    let env = TestEnv::new();
    env.cmd(&[
        "createsuperuser",
        "--no-input",
        "--email",
        "admin@example.com",
    ])
    .env("USERDB_SUPERUSER_PASSWORD", "password")
    .assert()
    .code(2)
    .stderr(predicate::str::contains("This password is too common"));
    env.cmd(&[
        "createsuperuser",
        "--no-input",
        "--email",
        "admin@example.com",
        "--skip-validation",
    ])
    .env("USERDB_SUPERUSER_PASSWORD", "password")
    .assert()
    .success();
}

#[test]
fn the_password_can_come_from_stdin() {
    let env = TestEnv::new();
    env.cmd(&[
        "createsuperuser",
        "--email",
        "admin@example.com",
        "--password-stdin",
    ])
    .write_stdin(format!("{STRONG}\n"))
    .assert()
    .success();
    env.cmd(&["authenticate", "admin@example.com", "--password-stdin"])
        .write_stdin(STRONG)
        .assert()
        .success();
}

#[test]
fn if_not_exists_leaves_an_existing_user_alone() {
    let env = TestEnv::new();
    env.create_user("admin@example.com", &[]);
    let out = env
        .cmd(&[
            "--json",
            "createsuperuser",
            "--no-input",
            "--email",
            "ADMIN@example.com",
            "--if-not-exists",
        ])
        .env("USERDB_SUPERUSER_PASSWORD", "another strong passphrase")
        .assert()
        .success()
        .get_output()
        .clone();
    assert_eq!(stdout_json(&out)["created"], false);
    let user = env.user_json("admin@example.com");
    assert_eq!(user["is_superuser"], false);
    env.cmd(&["authenticate", "admin@example.com", "--password-stdin"])
        .write_stdin(STRONG)
        .assert()
        .success();
}

#[test]
fn an_existing_email_is_an_error_without_a_flag() {
    let env = TestEnv::new();
    env.create_user("admin@example.com", &[]);
    env.cmd(&[
        "createsuperuser",
        "--no-input",
        "--email",
        "admin@example.com",
    ])
    .assert()
    .code(4);
}

#[test]
fn update_promotes_an_existing_user_and_sets_the_password() {
    let env = TestEnv::new();
    env.create_user("admin@example.com", &["--inactive"]);
    env.cmd(&[
        "createsuperuser",
        "--no-input",
        "--email",
        "admin@example.com",
        "--update",
    ])
    .env("USERDB_SUPERUSER_PASSWORD", "a brand new passphrase")
    .assert()
    .success()
    .stderr(predicate::str::contains(
        "Superuser admin@example.com updated.",
    ));
    let user = env.user_json("admin@example.com");
    assert_eq!(user["is_superuser"], true);
    assert_eq!(user["is_staff"], true);
    assert_eq!(user["is_active"], true);
    env.cmd(&["authenticate", "admin@example.com", "--password-stdin"])
        .write_stdin("a brand new passphrase")
        .assert()
        .success();
    // And it creates when absent.
    env.cmd(&[
        "createsuperuser",
        "--no-input",
        "--email",
        "new@example.com",
        "--update",
    ])
    .assert()
    .success()
    .stderr(predicate::str::contains("created successfully"));
}

#[test]
fn update_without_a_password_keeps_the_old_one() {
    let env = TestEnv::new();
    env.create_user("admin@example.com", &[]);
    env.cmd(&[
        "createsuperuser",
        "--email",
        "admin@example.com",
        "--update",
    ])
    .assert()
    .success();
    env.cmd(&["authenticate", "admin@example.com", "--password-stdin"])
        .write_stdin(STRONG)
        .assert()
        .success();
}
