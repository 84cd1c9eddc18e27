//! What comes out of userdb goes back in: `list-users --csv` and `export` (in
//! every format, with or without --format) import again, and CSV cells that a
//! spreadsheet would run as formulas are written as text and read back intact.

use predicates::prelude::*;

use crate::support::{STRONG, TestEnv, stdout_json};

fn stdout_of(cmd: &mut assert_cmd::Command) -> String {
    String::from_utf8(cmd.assert().success().get_output().stdout.clone()).unwrap()
}

/// The fields import carries, of every user, in email order.
fn users(env: &TestEnv) -> Vec<serde_json::Value> {
    let out = env.cmd(&["--json", "list-users"]).assert().success();
    let mut users = stdout_json(out.get_output())
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            serde_json::json!({
                "email": u["email"], "first_name": u["first_name"],
                "last_name": u["last_name"], "is_active": u["is_active"],
                "is_staff": u["is_staff"], "is_superuser": u["is_superuser"],
                "date_joined": u["date_joined"], "last_login": u["last_login"],
            })
        })
        .collect::<Vec<_>>();
    users.sort_by_key(|u| u["email"].as_str().unwrap_or_default().to_string());
    users
}

fn seed(env: &TestEnv) {
    env.create_user("ada@example.com", &["--first-name", "Ada", "--staff"]);
    env.create_user(
        "+bob@example.com",
        &[
            "--first-name",
            "=HYPERLINK(\"http://evil.example\",\"Bob\")",
            "--last-name=-1",
        ],
    );
    env.cmd(&[
        "createuser",
        "svc@example.com",
        "--no-password",
        "--inactive",
    ])
    .assert()
    .success();
}

#[test]
fn the_csv_of_list_users_imports_its_read_only_columns_ignored() {
    let from = TestEnv::new();
    seed(&from);
    let csv = stdout_of(&mut from.cmd(&["list-users", "--csv"]));
    assert!(csv.starts_with("id,email,"), "{csv}");
    assert!(
        csv.contains(",has_usable_password,must_change_password,expires_at\n"),
        "{csv}"
    );
    let to = TestEnv::new();
    let path = to.write_file("users.csv", &csv);
    to.cmd(&["import", &path])
        .assert()
        .success()
        .stderr(predicate::str::contains("3 created"));
    assert_eq!(users(&to), users(&from));
    // It carries no hashes (export does): the passwords are not usable.
    assert_eq!(
        to.query_one("SELECT count(*) FROM users WHERE password LIKE '!%'"),
        "3"
    );
}

#[test]
fn export_with_neither_format_nor_output_writes_json_lines_on_stdout() {
    let env = TestEnv::new();
    seed(&env);
    let out = env
        .cmd(&["export"])
        .assert()
        .success()
        .stderr("Exported 3 user(s) to stdout (jsonl).\n");
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert_eq!(text.lines().count(), 3);
    for line in text.lines() {
        let user: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(user["email"].is_string(), "{line}");
    }
}

#[test]
fn import_from_stdin_tells_the_format_from_the_first_character() {
    let from = TestEnv::new();
    seed(&from);
    for format in ["jsonl", "django", "csv"] {
        let exported = stdout_of(&mut from.cmd(&["export", "--format", format]));
        let to = TestEnv::new();
        to.cmd(&["import", "-"])
            .write_stdin(exported)
            .assert()
            .success()
            .stderr("Imported stdin: 3 created, 0 updated, 0 skipped, 0 failed.\n");
        assert_eq!(users(&to), users(&from), "{format}");
        // Hashes travel: the password still works.
        to.cmd(&["authenticate", "ada@example.com", "--password-stdin"])
            .write_stdin(format!("{STRONG}\n"))
            .assert()
            .success();
    }
    // A file named without a known extension is read the same way.
    let to = TestEnv::new();
    let path = to.write_file("users.dump", &stdout_of(&mut from.cmd(&["export"])));
    to.cmd(&["import", &path]).assert().success();
    assert_eq!(users(&to), users(&from));
    // Leading blank lines do not change the guess, nor the line numbers.
    let to = TestEnv::new();
    to.cmd(&["import", "-"])
        .write_stdin("\n\n{\"email\": \"a@example.com\"}\n{\"email\": 7}\n")
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "stdin: line 4: email must be a string",
        ));
}

#[test]
fn csv_cells_that_start_a_formula_are_written_as_text_and_imported_back() {
    let from = TestEnv::new();
    seed(&from);
    let hyperlink = "=HYPERLINK(\"\"http://evil.example\"\",\"\"Bob\"\")";
    for csv in [
        stdout_of(&mut from.cmd(&["export", "--format", "csv"])),
        stdout_of(&mut from.cmd(&["list-users", "--csv"])),
    ] {
        // OWASP's prefix: a leading ' makes the cell text in a spreadsheet.
        assert!(
            csv.contains(&format!("'+bob@example.com,\"'{hyperlink}\",'-1,")),
            "{csv}"
        );
        assert!(!csv.contains(&format!(",\"{hyperlink}\"")), "{csv}");
        assert!(csv.contains("ada@example.com,Ada,,"), "{csv}");
        let to = TestEnv::new();
        let path = to.write_file("users.csv", &csv);
        to.cmd(&["import", &path]).assert().success();
        assert_eq!(users(&to), users(&from));
        assert_eq!(
            to.user_json("+bob@example.com")["first_name"],
            "=HYPERLINK(\"http://evil.example\",\"Bob\")"
        );
    }
}

#[test]
fn a_named_pipe_is_read_once_like_standard_input() {
    let from = TestEnv::new();
    seed(&from);
    let exported = stdout_of(&mut from.cmd(&["export"]));
    let to = TestEnv::new();
    // What `userdb import <(ssh host userdb export)` hands over: a FIFO with no
    // extension, which cannot be opened a second time for the second pass.
    let fifo = to.path().join("63");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    assert!(made.unwrap().success());
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::write(fifo, exported))
    };
    to.cmd(&["import", fifo.to_str().unwrap()])
        // A guard only: reading a pipe twice would block for ever.
        .timeout(std::time::Duration::from_secs(120))
        .assert()
        .success()
        .stderr(predicate::str::contains("3 created"));
    writer.join().unwrap().unwrap();
    assert_eq!(users(&to), users(&from));
}
