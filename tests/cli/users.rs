//! Reading and changing users: authenticate, changepassword, list, show, update, delete.

use predicates::prelude::*;

use crate::support::{NOW, STRONG, TestEnv, stderr_text, stdout_json};

#[test]
fn authenticate_says_yes_and_records_the_login() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    env.cmd(&["authenticate", "ADA@example.com", "--password-stdin"])
        .write_stdin(STRONG)
        .assert()
        .success()
        .stderr(predicate::str::contains("Authenticated ada@example.com."));
    assert_eq!(
        env.user_json("ada@example.com")["last_login"],
        "2026-01-02T03:04:05.000000Z"
    );
    let _ = NOW;
}

#[test]
fn authenticate_says_no_to_a_wrong_password_or_an_inactive_user() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    env.cmd(&["authenticate", "ada@example.com", "--password-stdin"])
        .write_stdin("wrong horse battery staple")
        .assert()
        .code(1)
        .stderr("error: wrong password for ada@example.com\n");
    env.cmd(&["update-user", "ada@example.com", "--active", "false"])
        .assert()
        .success();
    env.cmd(&["authenticate", "ada@example.com", "--password-stdin"])
        .write_stdin(STRONG)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("user ada@example.com is inactive"));
    assert_eq!(
        env.user_json("ada@example.com")["last_login"],
        serde_json::Value::Null
    );
}

#[test]
fn authenticate_an_unknown_user_is_not_found() {
    let env = TestEnv::new();
    env.cmd(&["authenticate", "nobody@example.com", "--password-stdin"])
        .write_stdin(STRONG)
        .assert()
        .code(3)
        .stderr(predicate::str::contains(
            "no user with email nobody@example.com",
        ));
}

#[test]
fn authenticate_without_a_source_or_terminal_fails_fast() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    env.cmd(&["authenticate", "ada@example.com"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a terminal"));
}

#[test]
fn authenticate_json_prints_the_user() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    let out = env
        .cmd(&[
            "authenticate",
            "ada@example.com",
            "--password-stdin",
            "--json",
        ])
        .write_stdin(STRONG)
        .assert()
        .success()
        .get_output()
        .clone();
    assert_eq!(stdout_json(&out)["email"], "ada@example.com");
}

#[test]
fn changepassword_from_stdin_replaces_the_password() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    env.cmd(&["changepassword", "ada@example.com", "--password-stdin"])
        .write_stdin("a completely new phrase\n")
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "Password changed successfully for user 'ada@example.com'.",
        ));
    env.cmd(&["authenticate", "ada@example.com", "--password-stdin"])
        .write_stdin(STRONG)
        .assert()
        .code(1);
    env.cmd(&["authenticate", "ada@example.com", "--password-stdin"])
        .write_stdin("a completely new phrase")
        .assert()
        .success();
}

#[test]
fn changepassword_validates_and_knows_unknown_users() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    env.cmd(&["changepassword", "ada@example.com", "--password-stdin"])
        .write_stdin("abc\n")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("too short"));
    env.cmd(&["changepassword", "bob@example.com", "--password-stdin"])
        .write_stdin(STRONG)
        .assert()
        .code(3);
    env.cmd(&["changepassword", "ada@example.com"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a terminal"));
}

fn seed(env: &TestEnv) {
    env.create_user(
        "ada@example.com",
        &["--first-name", "Ada", "--last-name", "Lovelace", "--staff"],
    );
    env.create_user("bob@example.org", &["--first-name", "Bob", "--inactive"]);
    env.create_superuser("root@example.net", &[]);
}

fn emails(env: &TestEnv, args: &[&str]) -> Vec<String> {
    let mut all = vec!["--json", "list-users"];
    all.extend_from_slice(args);
    let out = env.cmd(&all).assert().success().get_output().clone();
    stdout_json(&out)
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["email"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn list_users_json_has_the_documented_fields() {
    let env = TestEnv::new();
    seed(&env);
    let out = env
        .cmd(&["list-users", "--json"])
        .assert()
        .success()
        .get_output()
        .clone();
    let users = stdout_json(&out);
    let first = &users[0];
    for field in [
        "id",
        "email",
        "first_name",
        "last_name",
        "is_active",
        "is_staff",
        "is_superuser",
        "date_joined",
        "last_login",
        "email_verified_at",
    ] {
        assert!(first.get(field).is_some(), "{field}");
    }
    assert!(first.get("password").is_none());
    assert_eq!(users.as_array().unwrap().len(), 3);
}

#[test]
fn list_users_filters_combine() {
    let env = TestEnv::new();
    seed(&env);
    assert_eq!(
        emails(&env, &["--staff"]),
        ["ada@example.com", "root@example.net"]
    );
    assert_eq!(emails(&env, &["--superuser"]), ["root@example.net"]);
    assert_eq!(emails(&env, &["--inactive"]), ["bob@example.org"]);
    assert_eq!(
        emails(&env, &["--active", "--staff"]),
        ["ada@example.com", "root@example.net"]
    );
    assert_eq!(emails(&env, &["--search", "LOVE"]), ["ada@example.com"]);
    assert_eq!(
        emails(&env, &["--search", "example.o"]),
        ["bob@example.org"]
    );
    assert_eq!(emails(&env, &["--search", "%"]), Vec::<String>::new());
    assert_eq!(emails(&env, &["--verified"]), Vec::<String>::new());
    assert_eq!(
        emails(&env, &["--limit", "1", "--offset", "1"]),
        ["bob@example.org"]
    );
}

#[test]
fn list_users_prints_a_table_and_csv() {
    let env = TestEnv::new();
    seed(&env);
    let out = env
        .cmd(&["list-users"])
        .assert()
        .success()
        .get_output()
        .clone();
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(table.contains("Email"), "{table}");
    assert!(table.contains("ada@example.com"));
    assert!(table.contains("Ada Lovelace"));
    assert!(table.contains("2026-01-02 03:04:05 UTC"));
    let out = env
        .cmd(&["list-users", "--csv"])
        .assert()
        .success()
        .get_output()
        .clone();
    let csv = String::from_utf8(out.stdout).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next().unwrap(),
        "id,email,first_name,last_name,is_active,is_staff,is_superuser,date_joined,last_login,email_verified_at,has_usable_password,must_change_password,expires_at"
    );
    assert_eq!(
        lines.next().unwrap(),
        "1,ada@example.com,Ada,Lovelace,true,true,false,2026-01-02T03:04:05.000000Z,,,true,false,"
    );
    assert_eq!(csv.lines().count(), 4);
}

#[test]
fn an_empty_list_says_so_on_stderr_and_json_is_an_empty_array() {
    let env = TestEnv::new();
    env.cmd(&["migrate"]).assert().success();
    env.cmd(&["list-users"])
        .assert()
        .success()
        .stdout("")
        .stderr("No users.\n");
    env.cmd(&["list-users", "--json"])
        .assert()
        .success()
        .stdout("[]\n");
}

#[test]
fn show_user_prints_every_field_or_not_found() {
    let env = TestEnv::new();
    seed(&env);
    let out = env
        .cmd(&["show-user", "ADA@EXAMPLE.COM"])
        .assert()
        .success()
        .get_output()
        .clone();
    let text = String::from_utf8(out.stdout).unwrap();
    for expected in [
        "ada@example.com",
        "Lovelace",
        "usable password",
        "email verified",
    ] {
        assert!(text.contains(expected), "{expected}: {text}");
    }
    env.cmd(&["show-user", "nobody@example.com"])
        .assert()
        .code(3)
        .stderr("error: no user with email nobody@example.com; check the address, or find it with `userdb list-users --search TEXT`\n");
}

#[test]
fn update_user_changes_names_flags_and_email() {
    let env = TestEnv::new();
    seed(&env);
    env.cmd(&[
        "update-user",
        "ada@example.com",
        "--email",
        "Ada@Analytical.Engine.org",
        "--first-name",
        "Augusta",
        "--staff",
        "no",
        "--superuser",
        "yes",
    ])
    .assert()
    .success()
    .stderr("User Ada@analytical.engine.org updated.\n");
    let user = env.user_json("ada@analytical.engine.org");
    assert_eq!(user["first_name"], "Augusta");
    assert_eq!(user["last_name"], "Lovelace");
    assert_eq!(user["is_staff"], false);
    assert_eq!(user["is_superuser"], true);
    env.cmd(&["show-user", "ada@example.com"]).assert().code(3);
    // The password still works after the email changed.
    env.cmd(&[
        "authenticate",
        "ada@analytical.engine.org",
        "--password-stdin",
    ])
    .write_stdin(STRONG)
    .assert()
    .success();
}

#[test]
fn update_user_refuses_a_taken_email_and_an_empty_change() {
    let env = TestEnv::new();
    seed(&env);
    env.cmd(&[
        "update-user",
        "ada@example.com",
        "--email",
        "BOB@example.org",
    ])
    .assert()
    .code(4);
    env.cmd(&["update-user", "ada@example.com"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("nothing to change"));
    env.cmd(&["update-user", "ada@example.com", "--active", "maybe"])
        .assert()
        .code(2);
    env.cmd(&["update-user", "ada@example.com", "--email", "bad"])
        .assert()
        .code(2);
    assert_eq!(env.user_json("ada@example.com")["is_active"], true);
}

#[test]
fn delete_user_needs_yes_without_a_terminal() {
    let env = TestEnv::new();
    seed(&env);
    let out = env
        .cmd(&["delete-user", "ada@example.com"])
        .assert()
        .code(2)
        .get_output()
        .clone();
    assert!(
        stderr_text(&out).contains("pass --yes"),
        "{}",
        stderr_text(&out)
    );
    assert_eq!(env.user_json("ada@example.com")["email"], "ada@example.com");
    env.cmd(&["delete-user", "ADA@example.com", "--yes"])
        .assert()
        .success()
        .stderr("User ada@example.com deleted.\n");
    env.cmd(&["show-user", "ada@example.com"]).assert().code(3);
    env.cmd(&["delete-user", "ada@example.com", "--yes"])
        .assert()
        .code(3);
}

#[test]
fn every_change_is_in_the_audit_log_without_secrets() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    env.cmd(&["authenticate", "ada@example.com", "--password-stdin"])
        .write_stdin("nope nope nope")
        .assert()
        .code(1);
    env.cmd(&["authenticate", "ada@example.com", "--password-stdin"])
        .write_stdin(STRONG)
        .assert()
        .success();
    env.cmd(&["changepassword", "ada@example.com", "--password-stdin"])
        .write_stdin("another fine phrase")
        .assert()
        .success();
    env.cmd(&["delete-user", "ada@example.com", "--yes"])
        .assert()
        .success();
    let events = env.query_one("SELECT group_concat(event || ':' || actor, ' ') FROM (SELECT * FROM audit_log ORDER BY id) AS a");
    assert_eq!(
        events,
        "user_created:ME login_failed:ME login_succeeded:ME password_changed:ME user_deleted:ME"
            .replace("ME", &crate::support::os_user())
    );
    let everything = env.query_one("SELECT group_concat(detail, ' ') FROM audit_log");
    for secret in [STRONG, "nope nope nope", "another fine phrase"] {
        assert!(!everything.contains(secret));
    }
}

#[test]
fn the_last_active_superuser_is_protected_unless_forced() {
    let env = TestEnv::new();
    env.create_superuser("root@example.com", &[]);
    for args in [
        vec!["delete-user", "root@example.com", "--yes"],
        vec!["update-user", "root@example.com", "--active", "false"],
        vec!["update-user", "root@example.com", "--superuser", "false"],
    ] {
        env.cmd(&args)
            .assert()
            .code(5)
            .stderr("error: root@example.com is the last lasting superuser (temporary ones expire); refusing to leave the database without one; create another superuser without --temporary first, or pass --force\n");
    }
    let root = env.user_json("root@example.com");
    assert_eq!(
        (root["is_active"].clone(), root["is_superuser"].clone()),
        (true.into(), true.into())
    );
    env.cmd(&[
        "update-user",
        "root@example.com",
        "--active",
        "false",
        "--force",
    ])
    .assert()
    .success();
    env.cmd(&["delete-user", "root@example.com", "--yes"])
        .assert()
        .success();
}
