//! Custom user fields declared as `[fields.NAME]` in the config: setting, showing,
//! filtering, requiring, defaulting and keeping their values unique, through the
//! binary.

use predicates::prelude::*;
use serde_json::{Value, json};

use crate::support::{STRONG, TestEnv, stderr_text, stdout_json};

/// One field of each type, as a team would declare them.
const FIELDS: &str = r#"
[fields.department]
type = "choice"
choices = ["Sales", "Ops", "R&D"]
required = true
help = "Where they work"

[fields.employee_no]
type = "integer"
unique = true

[fields.born]
type = "date"

[fields.vip]
type = "boolean"
default = false

[fields.nickname]
type = "text"
max_length = 12
"#;

fn create(env: &TestEnv, email: &str, sets: &[&str]) -> std::process::Output {
    let mut args = vec!["createuser", email, "--no-password"];
    for set in sets {
        args.extend(["--set", set]);
    }
    env.cmd(&args).output().unwrap()
}

fn custom(user: &Value) -> Value {
    json!({
        "department": user["department"],
        "employee_no": user["employee_no"],
        "born": user["born"],
        "vip": user["vip"],
        "nickname": user["nickname"],
    })
}

#[test]
fn values_of_every_type_are_stored_and_shown_with_their_json_types() {
    let env = TestEnv::with_config(FIELDS);
    let out = create(
        &env,
        "ada@example.com",
        &[
            "department=r&d",
            "employee_no= 42 ",
            "born=1815-12-10",
            "vip=yes",
            "nickname=Ada",
        ],
    );
    assert!(out.status.success(), "{}", stderr_text(&out));
    assert_eq!(
        custom(&env.user_json("ada@example.com")),
        json!({"department": "R&D", "employee_no": 42, "born": "1815-12-10", "vip": true, "nickname": "Ada"})
    );
    env.cmd(&["show-user", "ada@example.com"])
        .assert()
        .success()
        .stdout(predicate::str::is_match(r"department\s+┆ R&D").unwrap())
        .stdout(predicate::str::is_match(r"employee_no\s+┆ 42").unwrap())
        .stdout(predicate::str::is_match(r"vip\s+┆ yes").unwrap());
}

#[test]
fn each_type_rejects_a_wrong_value_with_exit_2_naming_field_and_value() {
    let env = TestEnv::with_config(FIELDS);
    for (set, expected) in [
        (
            "employee_no=12a",
            "invalid value for field `employee_no`: expected a whole number, found \"12a\"",
        ),
        (
            "employee_no=99999999999999999999",
            "expected a whole number",
        ),
        (
            "born=1990-02-30",
            "invalid value for field `born`: expected a date as YYYY-MM-DD, found \"1990-02-30\"",
        ),
        ("born=10/12/1815", "expected a date as YYYY-MM-DD"),
        (
            "vip=perhaps",
            "invalid value for field `vip`: expected true or false, found \"perhaps\"",
        ),
        (
            "department=Marketing",
            "invalid value for field `department`: expected one of Sales, Ops, R&D, found \"Marketing\"",
        ),
        (
            "nickname=Lovelace-Byron",
            "invalid value for field `nickname`: longer than 12 characters (14)",
        ),
        ("nickname=a\u{7}b", "contains control characters"),
        (
            "team=Ops",
            "no custom field named `team` is declared (declared: department, employee_no, born, vip, nickname); declare it as [fields.team]",
        ),
    ] {
        let mut sets = vec![set];
        if !set.starts_with("department") {
            sets.push("department=Ops");
        }
        let out = create(&env, "ada@example.com", &sets);
        assert_eq!(out.status.code(), Some(2), "{set}");
        let err = stderr_text(&out);
        assert!(err.starts_with("error: "), "{set}: {err}");
        assert!(err.contains(expected), "{set}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
    }
    env.cmd(&[
        "createuser",
        "ada@example.com",
        "--no-password",
        "--set",
        "department",
    ])
    .assert()
    .code(2)
    .stderr(predicate::str::contains("expected NAME=VALUE"));
    assert_eq!(env.query_one("SELECT count(*) FROM users"), "0");
}

#[test]
fn createuser_demands_required_fields_and_applies_defaults() {
    let env = TestEnv::with_config(FIELDS);
    let out = create(&env, "ada@example.com", &[]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr_text(&out).trim(),
        "error: field `department` is required (Where they work); pass --set department=VALUE \
         (createsuperuser --no-input also reads USERDB_SUPERUSER_DEPARTMENT)"
    );
    // A blank value is no value.
    assert_eq!(
        create(&env, "ada@example.com", &["department="])
            .status
            .code(),
        Some(2)
    );
    assert!(
        create(&env, "ada@example.com", &["department=Sales"])
            .status
            .success()
    );
    let user = env.user_json("ada@example.com");
    assert_eq!(
        custom(&user),
        json!({"department": "Sales", "employee_no": null, "born": null, "vip": false, "nickname": null})
    );
}

#[test]
fn a_missing_required_field_is_reported_before_the_password_is_asked_for() {
    let env = TestEnv::with_config(FIELDS);
    // No terminal: had it got to the password, it would say a password is needed.
    env.cmd(&["createuser", "ada@example.com"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("field `department` is required"));
}

#[test]
fn createsuperuser_no_input_reads_fields_from_userdb_superuser_variables() {
    let env = TestEnv::with_config(FIELDS);
    env.cmd(&[
        "createsuperuser",
        "--no-input",
        "--email",
        "root@example.com",
    ])
    .assert()
    .code(2)
    .stderr(predicate::str::contains(
        "field `department` is required (Where they work); pass --set department=VALUE \
             (createsuperuser --no-input also reads USERDB_SUPERUSER_DEPARTMENT)",
    ));
    env.cmd(&[
        "createsuperuser",
        "--no-input",
        "--email",
        "root@example.com",
    ])
    .env("USERDB_SUPERUSER_DEPARTMENT", "ops")
    .env("USERDB_SUPERUSER_EMPLOYEE_NO", "1")
    .env("USERDB_SUPERUSER_PASSWORD", STRONG)
    .assert()
    .success();
    let root = env.user_json("root@example.com");
    assert_eq!(root["is_superuser"], true);
    assert_eq!(root["department"], "Ops");
    assert_eq!(root["employee_no"], 1);
    // --set wins over the variable; a bad variable value is named like a bad --set.
    env.cmd(&[
        "createsuperuser",
        "--no-input",
        "--email",
        "second@example.com",
        "--set",
        "department=Sales",
    ])
    .env("USERDB_SUPERUSER_DEPARTMENT", "Ops")
    .assert()
    .success();
    assert_eq!(env.user_json("second@example.com")["department"], "Sales");
    env.cmd(&[
        "createsuperuser",
        "--no-input",
        "--email",
        "third@example.com",
    ])
    .env("USERDB_SUPERUSER_DEPARTMENT", "Ops")
    .env("USERDB_SUPERUSER_BORN", "yesterday")
    .assert()
    .code(2)
    .stderr(predicate::str::contains(
        "invalid value for field `born`: expected a date as YYYY-MM-DD, found \"yesterday\"",
    ));
}

#[test]
fn createsuperuser_update_sets_fields_of_the_existing_user() {
    let env = TestEnv::with_config(FIELDS);
    assert!(
        create(&env, "ada@example.com", &["department=Sales"])
            .status
            .success()
    );
    env.cmd(&[
        "createsuperuser",
        "--no-input",
        "--update",
        "--email",
        "ada@example.com",
        "--set",
        "nickname=Countess",
    ])
    .assert()
    .success();
    let user = env.user_json("ada@example.com");
    assert_eq!(user["is_superuser"], true);
    assert_eq!(user["nickname"], "Countess");
    assert_eq!(user["department"], "Sales");
}

#[test]
fn unique_values_are_refused_with_exit_4_and_nothing_changes() {
    let env = TestEnv::with_config(FIELDS);
    assert!(
        create(
            &env,
            "ada@example.com",
            &["department=Sales", "employee_no=7"]
        )
        .status
        .success()
    );
    let out = create(
        &env,
        "bob@example.com",
        &["department=Sales", "employee_no=07"],
    );
    assert_eq!(out.status.code(), Some(4));
    assert!(
        stderr_text(&out).contains("another user already has employee_no = \"7\""),
        "{}",
        stderr_text(&out)
    );
    assert_eq!(env.query_one("SELECT count(*) FROM users"), "1");

    assert!(
        create(
            &env,
            "bob@example.com",
            &["department=Sales", "employee_no=8"]
        )
        .status
        .success()
    );
    env.cmd(&[
        "update-user",
        "bob@example.com",
        "--set",
        "employee_no=7",
        "--set",
        "nickname=Bob",
    ])
    .assert()
    .code(4);
    let bob = env.user_json("bob@example.com");
    assert_eq!(
        (bob["employee_no"].clone(), bob["nickname"].clone()),
        (json!(8), Value::Null)
    );
    // Setting a user's own value again is no clash.
    env.cmd(&["update-user", "ada@example.com", "--set", "employee_no=7"])
        .assert()
        .success();
    // A non-unique field may repeat.
    env.cmd(&[
        "update-user",
        "bob@example.com",
        "--set",
        "department=Sales",
    ])
    .assert()
    .success();
    // SQLite enforces it with a unique index of its own too (PostgreSQL checks
    // under the writers' lock and makes no index inside a write).
    assert_eq!(
        unique_indexes(&env, "employee_no"),
        if crate::ON_POSTGRES { 0 } else { 1 }
    );
}

#[test]
fn a_field_made_unique_over_shared_values_refuses_new_clashes_until_they_differ() {
    let env = TestEnv::with_config("[fields.badge]\ntype = \"text\"\n");
    env.create_user("ada@example.com", &["--set", "badge=B1"]);
    env.create_user("bob@example.com", &["--set", "badge=B1"]);
    env.write_config("[fields.badge]\ntype = \"text\"\nunique = true\n");
    // The shared value cannot be given again, not even to one who has it...
    env.cmd(&["update-user", "bob@example.com", "--set", "badge=B1"])
        .assert()
        .code(4);
    env.create_user("cy@example.com", &[]);
    env.cmd(&["update-user", "cy@example.com", "--set", "badge=B1"])
        .assert()
        .code(4);
    // ...and telling them apart is allowed, after which the index enforces it.
    env.cmd(&["update-user", "bob@example.com", "--set", "badge=B2"])
        .assert()
        .success();
    assert_eq!(
        unique_indexes(&env, "badge"),
        if crate::ON_POSTGRES { 0 } else { 1 }
    );
    env.cmd(&["update-user", "cy@example.com", "--set", "badge=B2"])
        .assert()
        .code(4);
    // Without `unique` the index goes and values may repeat.
    env.write_config("[fields.badge]\ntype = \"text\"\n");
    env.cmd(&["update-user", "cy@example.com", "--set", "badge=B2"])
        .assert()
        .success();
    assert_eq!(unique_indexes(&env, "badge"), 0);
}

#[test]
fn update_user_sets_and_clears_values_but_not_a_required_one() {
    let env = TestEnv::with_config(FIELDS);
    assert!(
        create(
            &env,
            "ada@example.com",
            &["department=Sales", "nickname=Ada"]
        )
        .status
        .success()
    );
    let out = env
        .cmd(&[
            "--json",
            "update-user",
            "ada@example.com",
            "--set",
            "nickname=",
            "--set",
            "born=1815-12-10",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_text(&out));
    let user = stdout_json(&out);
    assert_eq!(
        (user["nickname"].clone(), user["born"].clone()),
        (Value::Null, json!("1815-12-10"))
    );
    env.cmd(&["update-user", "ada@example.com", "--set", "department="])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "invalid value for field `department`: the field is required, so its value cannot be removed",
        ));
    env.cmd(&[
        "update-user",
        "ada@example.com",
        "--set",
        "vip=1",
        "--set",
        "vip=0",
    ])
    .assert()
    .code(2)
    .stderr(predicate::str::contains("given more than once"));
    assert_eq!(env.user_json("ada@example.com")["department"], "Sales");
}

#[test]
fn the_audit_log_names_changed_fields_but_not_their_values() {
    let env = TestEnv::with_config(FIELDS);
    assert!(
        create(&env, "ada@example.com", &["department=Sales"])
            .status
            .success()
    );
    env.cmd(&[
        "update-user",
        "ada@example.com",
        "--set",
        "nickname=Secretive",
    ])
    .assert()
    .success();
    let out = env
        .cmd(&["--json", "log", "--event", "user_updated"])
        .output()
        .unwrap();
    let rows = stdout_json(&out);
    assert_eq!(rows[0]["detail"], "nickname");
    let log = env.query_one("SELECT group_concat(detail, ' ') FROM audit_log");
    assert!(!log.contains("Secretive"), "{log}");
}

#[test]
fn list_users_filters_with_where_on_typed_values() {
    let env = TestEnv::with_config(FIELDS);
    for (email, sets) in [
        (
            "ada@example.com",
            vec!["department=R&D", "vip=true", "employee_no=1"],
        ),
        ("bob@example.com", vec!["department=Sales", "employee_no=2"]),
        (
            "cy@example.com",
            vec!["department=Sales", "vip=on", "born=2000-01-01"],
        ),
    ] {
        assert!(create(&env, email, &sets).status.success());
    }
    let emails = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["--json", "list-users"];
        all.extend_from_slice(args);
        let out = env.cmd(&all).output().unwrap();
        assert!(out.status.success(), "{}", stderr_text(&out));
        stdout_json(&out)
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["email"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        emails(&["--where", "vip=yes"]),
        ["ada@example.com", "cy@example.com"]
    );
    assert_eq!(
        emails(&["--where", "vip=true", "--where", "department=sales"]),
        ["cy@example.com"]
    );
    assert_eq!(emails(&["--where", "employee_no=2"]), ["bob@example.com"]);
    assert_eq!(
        emails(&["--where", "born="]),
        ["ada@example.com", "bob@example.com"]
    );
    assert!(emails(&["--where", "employee_no=3"]).is_empty());
    env.cmd(&["list-users", "--where", "employee_no=two"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("expected a whole number"));
    env.cmd(&["list-users", "--where", "is_staff=true"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "invalid field `is_staff`: it is a built-in field, not a custom one",
        ));
    env.cmd(&["list-users", "--where", "team=x"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no custom field named `team`"));
}

#[test]
fn list_users_shows_fields_as_columns_in_the_table_and_the_csv() {
    let env = TestEnv::with_config(FIELDS);
    assert!(
        create(
            &env,
            "ada@example.com",
            &["department=Ops", "employee_no=5"]
        )
        .status
        .success()
    );
    env.cmd(&["list-users"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "department ┆ employee_no ┆ born ┆ vip ┆ nickname",
        ))
        .stdout(predicate::str::is_match(r"Ops\s+┆ 5\s+┆ -\s+┆ no\s+┆ -").unwrap());
    let out = env.cmd(&["list-users", "--csv"]).output().unwrap();
    let csv = String::from_utf8(out.stdout).unwrap();
    let mut lines = csv.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .ends_with(",has_usable_password,must_change_password,expires_at,department,employee_no,born,vip,nickname")
    );
    assert!(
        lines
            .next()
            .unwrap()
            .ends_with(",false,false,,Ops,5,,false,"),
        "{csv}"
    );
}

#[test]
fn a_field_added_after_users_exist_is_empty_for_them_until_set() {
    let env = TestEnv::new();
    env.create_user("old@example.com", &[]);
    env.write_config(FIELDS);
    let old = env.user_json("old@example.com");
    // Declared fields appear for every user; old ones have no value (not even the
    // default, which is for users created from now on).
    assert_eq!(
        custom(&old),
        json!({"department": null, "employee_no": null, "born": null, "vip": null, "nickname": null})
    );
    // A required field does not block other changes to users that predate it.
    env.cmd(&["update-user", "old@example.com", "--first-name", "Old"])
        .assert()
        .success();
    env.cmd(&["update-user", "old@example.com", "--set", "department=Ops"])
        .assert()
        .success();
    assert_eq!(env.user_json("old@example.com")["department"], "Ops");
}

#[test]
fn a_field_removed_from_the_config_and_declared_again_has_its_values_back() {
    let env = TestEnv::with_config(FIELDS);
    assert!(
        create(
            &env,
            "ada@example.com",
            &["department=R&D", "employee_no=42", "born=1815-12-10"]
        )
        .status
        .success()
    );
    // `born` leaves the config: it is no longer shown or settable...
    env.write_config(&FIELDS.replace("[fields.born]\ntype = \"date\"\n", ""));
    let user = env.user_json("ada@example.com");
    assert!(user.get("born").is_none(), "{user}");
    assert_eq!(user["employee_no"], 42);
    env.cmd(&["update-user", "ada@example.com", "--set", "born=1815-12-11"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no custom field named `born`"));
    // ...and other changes keep its stored value.
    env.cmd(&[
        "update-user",
        "ada@example.com",
        "--set",
        "employee_no=43",
        "--last-name",
        "Lovelace",
    ])
    .assert()
    .success();
    env.write_config(FIELDS);
    let user = env.user_json("ada@example.com");
    assert_eq!(custom(&user)["born"], "1815-12-10");
    assert_eq!(user["employee_no"], 43);
    assert_eq!(user["last_name"], "Lovelace");
}

#[test]
fn deleting_a_user_deletes_its_field_values() {
    let env = TestEnv::with_config(FIELDS);
    assert!(
        create(
            &env,
            "ada@example.com",
            &["department=Ops", "employee_no=9"]
        )
        .status
        .success()
    );
    env.cmd(&["delete-user", "ada@example.com", "--yes"])
        .assert()
        .success();
    assert_eq!(env.query_one("SELECT count(*) FROM user_field_values"), "0");
    // The unique value is free again.
    assert!(
        create(
            &env,
            "bob@example.com",
            &["department=Ops", "employee_no=9"]
        )
        .status
        .success()
    );
}

#[test]
fn a_field_named_like_a_built_in_one_is_a_config_error_for_every_command() {
    let env = TestEnv::with_config("[fields.is_staff]\ntype = \"boolean\"\n");
    for args in [
        vec!["list-users"],
        vec!["createuser", "ada@example.com", "--no-password"],
    ] {
        let out = env.cmd(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(6));
        let err = stderr_text(&out);
        assert!(
            err.contains("[fields.is_staff]: `is_staff` clashes with the built-in field of that name; choose another name"),
            "{err}"
        );
    }
    env.write_config("[fields.dept]\ntype = \"choice\"\n");
    env.cmd(&["list-users"])
        .assert()
        .code(6)
        .stderr(predicate::str::contains(
            "[fields.dept]: type = \"choice\" needs `choices`",
        ));
}

#[test]
fn config_lists_the_declared_fields() {
    let env = TestEnv::with_config(FIELDS);
    let out = env.cmd(&["--json", "config"]).output().unwrap();
    let fields = stdout_json(&out)["fields"].clone();
    assert_eq!(fields[0]["name"], "department");
    assert_eq!(fields[0]["type"], "choice");
    assert_eq!(fields[0]["choices"], json!(["Sales", "Ops", "R&D"]));
    assert_eq!(fields[0]["required"], true);
    assert_eq!(fields[1]["unique"], true);
    assert_eq!(fields[3]["default"], false);
    env.cmd(&["config"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Custom field"))
        .stdout(predicate::str::contains("one of: Sales, Ops, R&D"));
}

#[test]
fn doctor_reports_values_that_no_longer_fit_their_declaration() {
    let env =
        TestEnv::with_config("[fields.badge]\ntype = \"text\"\n[fields.born]\ntype = \"date\"\n");
    env.create_user(
        "ada@example.com",
        &["--set", "badge=A1", "--set", "born=1815-12-10"],
    );
    env.create_user("bob@example.com", &["--set", "badge=A1"]);
    env.create_user("cy@example.com", &["--set", "badge=7"]);
    env.cmd(&["doctor"]).assert().success();
    // Redeclared: an integer, unique and required; `born` is gone.
    env.write_config("[fields.badge]\ntype = \"integer\"\nunique = true\nrequired = true\n");
    env.create_user("dee@example.com", &["--set", "badge=8"]);
    env.sql("DELETE FROM user_field_values WHERE user_id = 3");
    let out = env.cmd(&["--json", "doctor"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let report = stdout_json(&out);
    let messages: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["check"] == "fields")
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        messages,
        [
            "2 user(s) hold a `badge` value that is not a whole number (written under an earlier declaration): ada@example.com, bob@example.com",
            "1 user(s) have no value for the required field `badge` (created before it was required): cy@example.com",
            "values are kept for fields the config no longer declares: born (1)",
        ]
    );
    // Shown as what it is: text, under the integer declaration.
    assert_eq!(env.user_json("ada@example.com")["badge"], "A1");
    env.cmd(&["update-user", "ada@example.com", "--set", "badge=1"])
        .assert()
        .success();
    env.cmd(&["update-user", "bob@example.com", "--set", "badge=2"])
        .assert()
        .success();
    env.write_config("[fields.badge]\ntype = \"text\"\nunique = false\n");
    env.cmd(&["update-user", "cy@example.com", "--set", "badge=2"])
        .assert()
        .success();
    env.write_config("[fields.badge]\ntype = \"text\"\nunique = true\n");
    env.cmd(&["doctor"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "`badge` is declared unique, but 2 users share \"2\": bob@example.com, cy@example.com",
        ));
}

#[test]
fn register_demands_required_fields_like_createuser() {
    let env = TestEnv::with_config(FIELDS);
    env.cmd(&["register", "ada@example.com", "--no-password"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("field `department` is required"));
    assert_eq!(env.query_one("SELECT count(*) FROM users"), "0");
    let out = env
        .cmd(&[
            "--json",
            "register",
            "ada@example.com",
            "--no-password",
            "--set",
            "department=Ops",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_text(&out));
    let registered = stdout_json(&out);
    assert_eq!(registered["created"], true);
    assert_eq!(registered["user"]["department"], "Ops");
    assert_eq!(registered["user"]["vip"], false);
}

#[test]
fn createsuperuser_without_a_terminal_names_a_missing_field_before_the_password() {
    let env = TestEnv::with_config(FIELDS);
    env.cmd(&["createsuperuser", "--email", "root@example.com"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("field `department` is required"));
}

/// The unique indexes of the field `name` in the database, on either backend.
fn unique_indexes(env: &TestEnv, name: &str) -> u32 {
    let sql = if crate::ON_POSTGRES {
        format!("SELECT count(*) FROM pg_indexes WHERE indexname = 'user_field_unique_{name}'")
    } else {
        format!("SELECT count(*) FROM sqlite_master WHERE name = 'user_field_unique_{name}'")
    };
    env.query_one(&sql).parse().expect("a count")
}
