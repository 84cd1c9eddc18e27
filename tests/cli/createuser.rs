use predicates::prelude::*;

use crate::support::{STRONG, TestEnv, stderr_text, stdout_json};

#[test]
fn a_user_is_created_with_the_password_from_stdin() {
    let env = TestEnv::new();
    env.cmd(&[
        "createuser",
        "Ada.Lovelace@Example.COM",
        "--password-stdin",
        "--first-name",
        "Ada",
    ])
    .write_stdin(format!("{STRONG}\n"))
    .assert()
    .success()
    .stdout("")
    .stderr(predicate::str::contains(
        "User Ada.Lovelace@example.com created successfully",
    ));
    let user = env.user_json("ada.lovelace@example.com");
    assert_eq!(user["email"], "Ada.Lovelace@example.com");
    assert_eq!(user["first_name"], "Ada");
    assert_eq!(user["is_active"], true);
    assert_eq!(user["is_staff"], false);
    assert_eq!(user["is_superuser"], false);
    assert_eq!(user["date_joined"], "2026-01-02T03:04:05.000000Z");
    assert_eq!(user["last_login"], serde_json::Value::Null);
    // The trailing newline was not part of the password.
    env.cmd(&[
        "authenticate",
        "ada.lovelace@example.com",
        "--password-stdin",
    ])
    .write_stdin(STRONG)
    .assert()
    .success();
}

#[test]
fn the_stored_hash_is_djangos_argon2id_format() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    let hash = env.query_one("SELECT password FROM users");
    let parts: Vec<&str> = hash.split('$').collect();
    assert_eq!(&parts[..4], ["argon2", "argon2id", "v=19", "m=64,t=1,p=1"]);
    assert_eq!(parts.len(), 6);
    assert!(!hash.contains(STRONG));
}

#[test]
fn there_is_no_password_option_on_the_command_line() {
    let env = TestEnv::new();
    env.cmd(&[
        "createuser",
        "ada@example.com",
        "--password",
        "hunter22hunter",
    ])
    .assert()
    .code(2)
    .stderr(predicate::str::contains("unexpected argument '--password'"));
    assert!(!env.db().exists());
}

#[test]
fn an_address_differing_only_in_case_already_exists() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    env.cmd(&["createuser", "ADA@EXAMPLE.COM", "--password-stdin"])
        .write_stdin(STRONG)
        .assert()
        .code(4)
        .stderr(predicate::str::contains(
            "error: a user with email ADA@example.com (stored as ada@example.com) already \
             exists; pass --if-not-exists",
        ));
    // Without a password to ask for, and from createsuperuser: the same.
    env.cmd(&["createuser", "Ada@example.com", "--no-password"])
        .assert()
        .code(4)
        .stderr(predicate::str::contains(
            "error: a user with email Ada@example.com (stored as ada@example.com) already exists",
        ));
    env.cmd(&[
        "createsuperuser",
        "--no-input",
        "--email",
        "ADA@example.com",
    ])
    .assert()
    .code(4)
    .stderr(predicate::str::contains(
        "error: a user with email ADA@example.com (stored as ada@example.com) already exists",
    ));
    // The same spelling is said once.
    env.cmd(&["createuser", "ada@example.com", "--no-password"])
        .assert()
        .code(4)
        .stderr(predicate::str::starts_with(
            "error: a user with email ada@example.com already exists;",
        ));
}

#[test]
fn if_not_exists_makes_a_rerun_a_no_op() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &["--first-name", "Ada"]);
    env.cmd(&[
        "createuser",
        "Ada@example.com",
        "--if-not-exists",
        "--first-name",
        "Other",
        "--no-password",
    ])
    .assert()
    .success()
    .stderr(predicate::str::contains("already exists; nothing changed"));
    let user = env.user_json("ada@example.com");
    assert_eq!(user["first_name"], "Ada");
    assert_eq!(user["has_usable_password"], true);
}

#[test]
fn a_weak_password_is_refused_with_every_reason() {
    let env = TestEnv::new();
    let out = env
        .cmd(&["createuser", "ada@example.com", "--password-stdin"])
        .write_stdin("1234567\n")
        .assert()
        .code(2)
        .get_output()
        .clone();
    let err = stderr_text(&out);
    assert!(
        err.contains("This password is too short. It must contain at least 8 characters."),
        "{err}"
    );
    assert!(err.contains("This password is too common."), "{err}");
    assert!(
        err.contains("This password is entirely numeric; choose"),
        "{err}"
    );
    assert!(err.contains("--skip-validation"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert_eq!(env.query_one("SELECT count(*) FROM users"), "0");
}

#[test]
fn skip_validation_accepts_a_weak_password_from_a_script() {
    let env = TestEnv::new();
    env.cmd(&[
        "createuser",
        "ada@example.com",
        "--password-stdin",
        "--skip-validation",
    ])
    .write_stdin("password\n")
    .assert()
    .success();
    env.cmd(&["authenticate", "ada@example.com", "--password-stdin"])
        .write_stdin("password\n")
        .assert()
        .success();
}

#[test]
fn a_password_similar_to_the_email_is_refused() {
    let env = TestEnv::new();
    env.cmd(&["createuser", "johnsmith@example.com", "--password-stdin"])
        .write_stdin("johnsmith1\n")
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "The password is too similar to the email address;",
        ));
}

#[test]
fn a_blank_password_from_stdin_is_refused() {
    let env = TestEnv::new();
    env.cmd(&["createuser", "ada@example.com", "--password-stdin"])
        .write_stdin("\n")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("blank passwords aren't allowed"));
}

#[test]
fn an_invalid_email_is_refused_with_the_reason() {
    let env = TestEnv::new();
    env.cmd(&["createuser", "not-an-address", "--no-password"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "error: invalid email address \"not-an-address\": it has no @; give an address like name@example.com",
        ));
}

#[test]
fn without_a_terminal_or_a_source_it_fails_at_once() {
    let env = TestEnv::new();
    env.cmd(&["createuser", "ada@example.com"])
        .timeout(std::time::Duration::from_secs(20))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "a password is needed but standard input is not a terminal",
        ))
        .stderr(predicate::str::contains("--password-stdin"));
    assert_eq!(env.query_one("SELECT count(*) FROM users"), "0");
}

#[test]
fn no_password_gives_an_unusable_one_that_never_authenticates() {
    let env = TestEnv::new();
    env.cmd(&["createuser", "ada@example.com", "--no-password"])
        .assert()
        .success();
    assert_eq!(
        env.user_json("ada@example.com")["has_usable_password"],
        false
    );
    assert!(env.query_one("SELECT password FROM users").starts_with('!'));
    env.cmd(&["authenticate", "ada@example.com", "--password-stdin"])
        .write_stdin("!")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("has no usable password"));
}

#[test]
fn a_generated_password_is_printed_once_and_works() {
    let env = TestEnv::new();
    let out = env
        .cmd(&["createuser", "ada@example.com", "--generate-password"])
        .assert()
        .success()
        .get_output()
        .clone();
    let password = String::from_utf8(out.stdout).unwrap();
    let password = password.trim_end();
    assert_eq!(password.len(), 24);
    env.cmd(&["authenticate", "ada@example.com", "--password-stdin"])
        .write_stdin(password)
        .assert()
        .success();
    // Shown once: nothing else prints it.
    let shown = env
        .cmd(&["--json", "show-user", "ada@example.com"])
        .assert()
        .success();
    assert!(!String::from_utf8_lossy(&shown.get_output().stdout).contains(password));
}

#[test]
fn json_output_carries_the_generated_password_and_no_hash() {
    let env = TestEnv::new();
    let out = env
        .cmd(&[
            "createuser",
            "ada@example.com",
            "--generate-password",
            "--json",
        ])
        .assert()
        .success()
        .get_output()
        .clone();
    let json = stdout_json(&out);
    assert_eq!(json["created"], true);
    assert_eq!(json["email"], "ada@example.com");
    assert_eq!(json["password"].as_str().unwrap().len(), 24);
    assert!(!String::from_utf8_lossy(&out.stdout).contains("argon2"));
}

#[test]
fn the_password_can_come_from_a_file_or_a_named_variable_or_userdb_password() {
    let env = TestEnv::new();
    let file = env.path().join("pw.txt");
    std::fs::write(&file, format!("{STRONG}\nignored second line\n")).unwrap();
    // A secret file is private to its owner (see tests/cli/secret_files.rs).
    std::fs::set_permissions(&file, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    env.cmd(&[
        "createuser",
        "a@example.com",
        "--password-file",
        file.to_str().unwrap(),
    ])
    .assert()
    .success();
    env.cmd(&["createuser", "b@example.com", "--password-env", "MY_SECRET"])
        .env("MY_SECRET", STRONG)
        .assert()
        .success();
    env.cmd(&["createuser", "c@example.com"])
        .env("USERDB_PASSWORD", STRONG)
        .assert()
        .success();
    for email in ["a@example.com", "b@example.com", "c@example.com"] {
        env.cmd(&["authenticate", email, "--password-stdin"])
            .write_stdin(STRONG)
            .assert()
            .success();
    }
}

#[test]
fn bad_password_sources_say_what_is_wrong() {
    let env = TestEnv::new();
    env.cmd(&[
        "createuser",
        "a@example.com",
        "--password-file",
        "/nonexistent/pw",
    ])
    .assert()
    .code(2)
    .stderr(predicate::str::contains(
        "the password file /nonexistent/pw: cannot read it",
    ));
    env.cmd(&["createuser", "a@example.com", "--password-env", "UNSET_VAR"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "environment variable UNSET_VAR (named by --password-env) is not set or empty",
        ));
    env.cmd(&["createuser", "a@example.com", "--password-stdin"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("standard input is empty"));
    env.cmd(&[
        "createuser",
        "a@example.com",
        "--password-stdin",
        "--no-password",
    ])
    .assert()
    .code(2);
}

#[test]
fn an_empty_userdb_password_counts_as_unset() {
    let env = TestEnv::new();
    env.cmd(&["createuser", "ada@example.com"])
        .env("USERDB_PASSWORD", "")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a terminal"));
}

#[test]
fn staff_and_inactive_flags_are_stored() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &["--staff", "--inactive"]);
    let user = env.user_json("ada@example.com");
    assert_eq!(user["is_staff"], true);
    assert_eq!(user["is_active"], false);
    assert_eq!(user["is_superuser"], false);
}

#[test]
fn the_database_file_is_created_private() {
    use std::os::unix::fs::PermissionsExt;
    let env = TestEnv::new();
    let nested = env.path().join("new/dir/users.sqlite3");
    env.cmd(&["createuser", "ada@example.com", "--no-password"])
        .env("USERDB_DB", &nested)
        .assert()
        .success();
    let mode = std::fs::metadata(&nested).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    for suffix in ["-wal", "-shm"] {
        let side = nested.with_file_name(format!("users.sqlite3{suffix}"));
        if let Ok(meta) = std::fs::metadata(&side) {
            assert_eq!(meta.permissions().mode() & 0o077, 0, "{suffix}");
        }
    }
}

#[test]
fn names_with_control_characters_or_too_long_are_refused() {
    let env = TestEnv::new();
    env.cmd(&[
        "createuser",
        "ada@example.com",
        "--no-password",
        "--first-name",
        "Ada\u{1b}[31m",
    ])
    .assert()
    .code(2)
    .stderr("error: invalid first name: contains control characters\n");
    let long = "x".repeat(151);
    env.cmd(&[
        "createuser",
        "ada@example.com",
        "--no-password",
        "--last-name",
        &long,
    ])
    .assert()
    .code(2)
    .stderr("error: invalid last name: longer than 150 characters\n");
    assert_eq!(env.query_one("SELECT count(*) FROM users"), "0");
}

#[test]
fn an_address_mail_cannot_be_sent_to_is_refused_before_anything_is_stored() {
    let env = TestEnv::new();
    // A domain label that starts with a combining mark: IDNA refuses it.
    env.cmd(&["createuser", "a@\u{312}x.example", "--no-password"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("mail cannot be addressed to it"));
    assert_eq!(env.query_one("SELECT count(*) FROM users"), "0");
}
