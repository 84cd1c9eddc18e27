//! Custom fields ([fields.NAME] in the config) in import and export: columns of
//! CSV, keys of JSON Lines and of a Django fixture's `fields`.

use predicates::prelude::*;
use serde_json::{Value, json};

use crate::support::{TestEnv, stderr_text, stdout_json};

/// One field of each type, as in the brief's smoke config.
const FIELDS: &str = r#"
[fields.department]
type = "choice"
choices = ["Sales", "Ops"]
required = true
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
"#;

/// A user's stored values, `name=value` in name order.
fn stored(env: &TestEnv, email: &str) -> Vec<String> {
    env.query_rows(&format!(
        "SELECT v.name || '=' || v.value FROM user_field_values v \
         JOIN users u ON u.id = v.user_id WHERE u.email = '{email}' ORDER BY v.name"
    ))
}

fn users(env: &TestEnv) -> i64 {
    env.users_stored()
}

fn export(env: &TestEnv, format: &str) -> String {
    let out = env.cmd(&["export", "--format", format]).assert().success();
    String::from_utf8(out.get_output().stdout.clone()).expect("utf-8")
}

/// Two users: one with every field set, one with the required field only.
fn populated() -> TestEnv {
    let env = TestEnv::with_config(FIELDS);
    let csv = "email,department,employee_no,born,vip,nickname\n\
               ada@example.com,Ops,17,1815-12-10,yes,\"Countess, of code\"\n\
               bob@example.com,sales,,,,\n";
    let path = env.write_file("users.csv", csv);
    env.cmd(&["import", &path]).assert().success();
    env
}

#[test]
fn csv_columns_are_parsed_per_type_and_defaults_fill_the_gaps() {
    let env = populated();
    assert_eq!(
        stored(&env, "ada@example.com"),
        [
            "born=1815-12-10",
            "department=Ops",
            "employee_no=17",
            "nickname=Countess, of code",
            "vip=true",
        ]
    );
    // The choice as spelled in the config, and the default of vip.
    assert_eq!(
        stored(&env, "bob@example.com"),
        ["department=Sales", "vip=false"]
    );
}

#[test]
fn each_format_round_trips_every_type_of_field() {
    let source = populated();
    for format in ["csv", "jsonl", "django"] {
        let exported = export(&source, format);
        let target = TestEnv::with_config(FIELDS);
        let path = target.write_file(&format!("users.{format}"), &exported);
        target
            .cmd(&["import", &path, "--format", format])
            .assert()
            .success();
        for email in ["ada@example.com", "bob@example.com"] {
            assert_eq!(
                stored(&target, email),
                stored(&source, email),
                "{format}: {email}"
            );
        }
    }
}

#[test]
fn export_writes_declared_fields_typed_and_unset_ones_empty_or_null() {
    let env = populated();
    let csv = export(&env, "csv");
    let mut lines = csv.lines();
    assert!(lines.next().unwrap().ends_with(
        ",password_hash,groups,user_permissions,must_change_password,expires_at,department,employee_no,born,vip,nickname"
    ));
    assert!(
        lines
            .next()
            .unwrap()
            .ends_with(",Ops,17,1815-12-10,true,\"Countess, of code\"")
    );
    assert!(lines.next().unwrap().ends_with(",Sales,,,false,"));

    let jsonl = export(&env, "jsonl");
    let rows: Vec<Value> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows[0]["employee_no"], json!(17));
    assert_eq!(rows[0]["vip"], json!(true));
    assert_eq!(rows[0]["born"], json!("1815-12-10"));
    assert_eq!(rows[1]["employee_no"], Value::Null);
    assert_eq!(rows[1]["nickname"], Value::Null);

    let fixture: Value = serde_json::from_str(&export(&env, "django")).unwrap();
    let ada = &fixture[0]["fields"];
    assert_eq!(ada["department"], json!("Ops"));
    assert_eq!(ada["employee_no"], json!(17));
    assert_eq!(ada["born"], json!("1815-12-10"));
    assert_eq!(ada["vip"], json!(true));
    assert_eq!(ada["nickname"], json!("Countess, of code"));
    let bob = &fixture[1]["fields"];
    assert_eq!(bob["born"], Value::Null);
    assert_eq!(bob["vip"], json!(false));
}

#[test]
fn values_of_fields_no_longer_declared_are_not_exported() {
    let env = populated();
    std::fs::write(
        env.path().join("config/userdb/config.toml"),
        "[fields.department]\ntype = \"choice\"\nchoices = [\"Sales\", \"Ops\"]\n",
    )
    .unwrap();
    let csv = export(&env, "csv");
    assert!(csv.lines().next().unwrap().ends_with(
        ",password_hash,groups,user_permissions,must_change_password,expires_at,department"
    ));
    let jsonl = export(&env, "jsonl");
    assert!(!jsonl.contains("employee_no"));
    // Still stored, for when the field is declared again.
    assert_eq!(stored(&env, "ada@example.com").len(), 5);
}

#[test]
fn a_bad_value_of_each_type_is_reported_with_its_line() {
    let env = TestEnv::with_config(FIELDS);
    let csv = "email,department,employee_no,born,vip,nickname\n\
               a@example.com,Ops,,,,\n\
               b@example.com,Marketing,,,,\n\
               c@example.com,Ops,x,,,\n\
               d@example.com,Ops,,1990-02-30,,\n\
               e@example.com,Ops,,,maybe,\n\
               f@example.com,Ops,,,,bell\u{7}\n";
    let path = env.write_file("bad.csv", csv);
    let out = env.cmd(&["import", &path]).assert().code(2);
    let stderr = stderr_text(out.get_output());
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(
        lines[..5],
        [
            format!("{path}: line 3: department: expected one of Sales, Ops, found \"Marketing\""),
            format!("{path}: line 4: employee_no: expected a whole number, found \"x\""),
            format!("{path}: line 5: born: expected a date as YYYY-MM-DD, found \"1990-02-30\""),
            format!("{path}: line 6: vip: expected true or false, found \"maybe\""),
            format!("{path}: line 7: nickname: contains control characters"),
        ]
    );
    assert_eq!(users(&env), 0);

    // JSON: typed values, or text parsed the same way.
    let jsonl = [
        r#"{"email": "a@example.com", "department": "Ops", "employee_no": 3, "vip": true}"#,
        r#"{"email": "b@example.com", "department": "Ops", "employee_no": 1.5}"#,
        r#"{"email": "c@example.com", "department": "Ops", "vip": "perhaps"}"#,
        r#"{"email": "d@example.com", "department": "Ops", "born": 19900228}"#,
        r#"{"email": "e@example.com", "department": "Ops", "nickname": 7}"#,
    ]
    .join("\n");
    let path = env.write_file("bad.jsonl", &jsonl);
    let out = env.cmd(&["--json", "import", &path]).assert().code(2);
    let summary = stdout_json(out.get_output());
    assert_eq!(
        summary["errors"],
        json!([
            {"line": 2, "reason": "employee_no: expected a whole number, found 1.5"},
            {"line": 3, "reason": "vip: expected true or false, found \"perhaps\""},
            {"line": 4, "reason": "born: expected a date as YYYY-MM-DD, found a number"},
            {"line": 5, "reason": "nickname: expected text of at most 255 characters, found a number"},
        ])
    );
    assert_eq!(users(&env), 0);
}

#[test]
fn an_undeclared_column_is_refused_naming_the_declared_fields() {
    let env = TestEnv::with_config(FIELDS);
    let path = env.write_file(
        "x.csv",
        "email,department,shoe_size\na@example.com,Ops,44\n",
    );
    env.cmd(&["import", &path])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "line 1: unknown column \"shoe_size\" in the header (columns: email, ",
        ))
        .stderr(predicate::str::contains(
            "; custom fields: department, employee_no, born, vip, nickname)",
        ));
    let path = env.write_file("x.jsonl", r#"{"email": "a@example.com", "shoe_size": 44}"#);
    env.cmd(&["import", &path])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "line 1: unknown field \"shoe_size\" (fields: email, ",
        ));
}

#[test]
fn a_required_field_without_value_or_default_is_a_row_problem() {
    let env = TestEnv::with_config(FIELDS);
    let csv = "email,department,employee_no\n\
               a@example.com,Ops,1\n\
               b@example.com,,2\n\
               not-an-email,,3\n";
    let path = env.write_file("users.csv", csv);
    let out = env.cmd(&["import", &path, "--dry-run"]).assert().code(2);
    let stderr = stderr_text(out.get_output());
    assert!(stderr.starts_with(&format!(
        "{path}: line 3: department is required\n{path}: line 4: invalid email address"
    )));
    assert!(stderr.contains("error: 2 invalid row(s)"));
    // Without the column at all, the same.
    let path = env.write_file("users.jsonl", r#"{"email": "c@example.com"}"#);
    env.cmd(&["import", &path])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("line 1: department is required"));
    assert_eq!(users(&env), 0);
}

#[test]
fn a_unique_value_twice_in_the_file_is_a_row_problem() {
    let env = TestEnv::with_config(FIELDS);
    let jsonl = [
        r#"{"email": "a@example.com", "department": "Ops", "employee_no": 7}"#,
        r#"{"email": "b@example.com", "department": "Ops", "employee_no": "7"}"#,
    ]
    .join("\n");
    let path = env.write_file("users.jsonl", &jsonl);
    env.cmd(&["import", &path, "--dry-run"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "line 2: employee_no: \"7\" is also on line 1 (the field is unique)",
        ));
    env.cmd(&["import", &path]).assert().code(2);
    assert_eq!(users(&env), 0);
}

#[test]
fn a_unique_value_another_user_holds_fails_the_import_and_writes_nothing() {
    let env = populated();
    let csv = "email,department,employee_no\n\
               new@example.com,Ops,5\n\
               carol@example.com,Ops,17\n";
    let path = env.write_file("more.csv", csv);
    let expected = "error: 1 value(s) of unique fields in the import belong to other users, \
                    nothing was imported: line 3: employee_no = 17 (ada@example.com has it)";
    env.cmd(&["import", &path, "--dry-run"])
        .assert()
        .code(4)
        .stderr(predicate::str::contains(expected));
    env.cmd(&["import", &path])
        .assert()
        .code(4)
        .stderr(predicate::str::contains(expected));
    let out = env.cmd(&["--json", "import", &path]).assert().code(4);
    let summary = stdout_json(out.get_output());
    assert_eq!(summary["failed"], 1);
    assert_eq!(
        summary["taken"],
        json!(["line 3: employee_no = 17 (ada@example.com has it)"])
    );
    assert_eq!(users(&env), 2);
    // A row skipped as a conflict writes nothing, so holds nothing; updated, it clashes.
    let csv = "email,department,employee_no\nbob@example.com,Ops,17\n";
    let path = env.write_file("bob.csv", csv);
    env.cmd(&["import", &path, "--on-conflict", "skip"])
        .assert()
        .success();
    env.cmd(&["import", &path, "--on-conflict", "update"])
        .assert()
        .code(4)
        .stderr(predicate::str::contains(
            "line 2: employee_no = 17 (ada@example.com has it)",
        ));
    assert_eq!(
        stored(&env, "bob@example.com"),
        ["department=Sales", "vip=false"]
    );
    // A user's own value is no clash when the row updates that user.
    let csv = "email,department,employee_no\nada@example.com,Sales,17\n";
    let path = env.write_file("own.csv", csv);
    env.cmd(&["import", &path, "--on-conflict", "update"])
        .assert()
        .success();
    assert!(stored(&env, "ada@example.com").contains(&"department=Sales".to_string()));
}

#[test]
fn an_update_keeps_the_fields_the_row_leaves_out_and_removes_emptied_ones() {
    let env = populated();
    let csv = "email,nickname,born\nada@example.com,Ada,\n";
    let path = env.write_file("update.csv", csv);
    env.cmd(&["import", &path, "--on-conflict", "update"])
        .assert()
        .success()
        .stderr(predicate::str::contains("0 created, 1 updated"));
    assert_eq!(
        stored(&env, "ada@example.com"),
        [
            "department=Ops",
            "employee_no=17",
            "nickname=Ada",
            "vip=true"
        ]
    );
    // Emptying a required field is refused; skipped rows are not checked.
    let csv = "email,department\nada@example.com,\n";
    let path = env.write_file("empty.csv", csv);
    env.cmd(&["import", &path, "--on-conflict", "update"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "line 2: department is required, so an empty value cannot remove it",
        ));
    env.cmd(&["import", &path, "--on-conflict", "skip"])
        .assert()
        .success()
        .stderr(predicate::str::contains("0 created, 0 updated, 1 skipped"));
    assert!(stored(&env, "ada@example.com").contains(&"department=Ops".to_string()));
}

#[test]
fn a_django_fixture_gives_custom_fields_and_ignores_undeclared_ones() {
    let env = TestEnv::with_config(FIELDS);
    let fixture = r#"[
  {"model": "accounts.customuser", "pk": 1, "fields": {
      "email": "a@example.com", "department": "Ops", "employee_no": 12,
      "born": "2000-01-31", "vip": true, "nickname": null, "shoe_size": 44}},
  {"model": "accounts.customuser", "pk": 2, "fields": {
      "email": "b@example.com", "department": "Ops", "vip": "nope"}}
]
"#;
    let path = env.write_file("users.json", fixture);
    env.cmd(&["import", &path])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "line 5: object 2: vip: expected true or false, found \"nope\"",
        ));
    let path = env.write_file("users.json", &fixture.replace("\"nope\"", "false"));
    env.cmd(&["import", &path]).assert().success();
    assert_eq!(
        stored(&env, "a@example.com"),
        [
            "born=2000-01-31",
            "department=Ops",
            "employee_no=12",
            "vip=true"
        ]
    );
}

#[test]
fn fields_travel_with_rows_whose_passwords_are_hashed_first() {
    // Plain passwords send the rows through the hashing spool before the write.
    let env = TestEnv::with_config(FIELDS);
    let csv = "email,password,department,employee_no,nickname\n\
               a@example.com,correct horse battery staple,Ops,1,Al\n\
               b@example.com,,Sales,,\n";
    let path = env.write_file("users.csv", csv);
    env.cmd(&["import", &path]).assert().success();
    assert_eq!(
        stored(&env, "a@example.com"),
        [
            "department=Ops",
            "employee_no=1",
            "nickname=Al",
            "vip=false"
        ]
    );
    assert_eq!(
        stored(&env, "b@example.com"),
        ["department=Sales", "vip=false"]
    );
    // An update through the spool removes an emptied value and keeps the rest.
    let csv = "email,password,nickname\na@example.com,another long passphrase,\n";
    let path = env.write_file("update.csv", csv);
    env.cmd(&["import", &path, "--on-conflict", "update"])
        .assert()
        .success();
    assert_eq!(
        stored(&env, "a@example.com"),
        ["department=Ops", "employee_no=1", "vip=false"]
    );
}
