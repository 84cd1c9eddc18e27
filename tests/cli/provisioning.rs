//! Bulk provisioning: import and export in CSV, JSON Lines and Django fixtures.

use std::os::unix::fs::PermissionsExt;

use predicates::prelude::*;
use serde_json::{Value, json};

use crate::support::{STRONG, TestEnv, stderr_text, stdout_json};

fn users_json(env: &TestEnv) -> Value {
    let out = env.cmd(&["--json", "list-users"]).assert().success();
    stdout_json(out.get_output())
}

fn count(env: &TestEnv, sql: &str) -> i64 {
    env.query_one(sql).parse().expect("a number")
}

fn hashes(env: &TestEnv) -> Vec<String> {
    env.query_rows("SELECT email || ' ' || password FROM users ORDER BY id")
}

/// Three users with different flags, a login and a verified email.
fn populated() -> TestEnv {
    let env = TestEnv::new();
    env.create_user(
        "ada@example.com",
        &["--first-name", "Ada", "--last-name", "Lovelace", "--staff"],
    );
    env.cmd(&[
        "createuser",
        "Bob@Example.com",
        "--no-password",
        "--inactive",
    ])
    .assert()
    .success();
    env.cmd(&[
        "createsuperuser",
        "--no-input",
        "--email",
        "root@example.com",
    ])
    .env("USERDB_SUPERUSER_PASSWORD", STRONG)
    .assert()
    .success();
    env.cmd(&["authenticate", "ada@example.com", "--password-stdin"])
        .write_stdin(STRONG)
        .assert()
        .success();
    env.sql(
        "UPDATE users SET email_verified_at = '2026-01-01T00:00:00.250000Z' WHERE id = 1; \
             UPDATE users SET first_name = 'Zoë, \"quoted\"' WHERE id = 2;",
    );
    env
}

#[test]
fn each_format_round_trips_users_and_password_hashes() {
    let source = populated();
    for format in ["csv", "jsonl", "django"] {
        let out = source
            .cmd(&["export", "--format", format])
            .assert()
            .success();
        let exported = String::from_utf8(out.get_output().stdout.clone()).unwrap();
        let target = TestEnv::new();
        target
            .cmd(&["import", "-", "--format", format])
            .write_stdin(exported)
            .assert()
            .success()
            .stderr("Imported stdin: 3 created, 0 updated, 0 skipped, 0 failed.\n");
        let mut want = users_json(&source);
        if format == "django" {
            // Not a field of Django's user model: the fixture does not carry it.
            want[0]["email_verified_at"] = Value::Null;
        }
        assert_eq!(users_json(&target), want, "{format}");
        assert_eq!(hashes(&target), hashes(&source), "{format}");
        target
            .cmd(&["authenticate", "ada@example.com", "--password-stdin"])
            .write_stdin(STRONG)
            .assert()
            .success();
    }
}

#[test]
fn the_django_fixture_has_dumpdata_shape() {
    let env = populated();
    let out = env
        .cmd(&["export", "--format", "django", "--model", "shop.Customer"])
        .assert()
        .success();
    let fixture: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let objects = fixture.as_array().expect("an array");
    assert_eq!(objects.len(), 3);
    let ada = &objects[0];
    let hash = &hashes(&env)[0]["ada@example.com ".len()..];
    assert_eq!(
        ada,
        &json!({
            "model": "shop.Customer",
            "pk": 1,
            "fields": {
                "password": hash,
                "last_login": "2026-01-02T03:04:05.000000Z",
                "is_superuser": false,
                "first_name": "Ada",
                "last_name": "Lovelace",
                "is_staff": true,
                "is_active": true,
                "date_joined": "2026-01-02T03:04:05.000000Z",
                "email": "ada@example.com",
                "groups": [],
                "user_permissions": [],
            }
        })
    );
    assert!(
        objects[1]["fields"]["password"]
            .as_str()
            .unwrap()
            .starts_with('!')
    );
    // The default label is the custom user model of the recipe.
    let out = env
        .cmd(&["export", "--format", "django"])
        .assert()
        .success();
    let fixture: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(fixture[2]["model"], "accounts.customuser");
    env.cmd(&["export", "--format", "django", "--model", "nodot"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a Django model label"));
}

/// The vectors Django itself made: `{"hasher", "password", "encoded"}` per line.
fn django_vectors() -> Vec<Value> {
    include_str!("../data/django-hash-vectors.jsonl")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn a_django_fixture_with_djangos_hashes_imports_and_its_users_authenticate() {
    let env = TestEnv::new();
    let vectors = django_vectors();
    let mut objects = Vec::new();
    let mut logins = Vec::new();
    for (i, hasher) in ["pbkdf2_sha256", "argon2", "bcrypt_sha256"]
        .iter()
        .enumerate()
    {
        let v = vectors
            .iter()
            .find(|v| v["hasher"] == *hasher && v["password"] == STRONG)
            .expect("a vector");
        let email = format!("{hasher}@example.com");
        let last_login = [
            Value::Null,
            json!("2025-03-04T05:06:07.123Z"),
            json!("2025-03-04T05:06:07.123"),
        ][i]
            .clone();
        let date_joined = [
            "2025-01-02T03:04:05.123Z",
            "2025-01-02T03:04:05.123+00:00",
            "2025-01-02T03:04:05.123",
        ][i];
        objects.push(json!({
            "model": "auth.user",
            "pk": i + 10,
            "fields": {
                "password": v["encoded"],
                "last_login": last_login,
                "is_superuser": i == 1,
                "username": hasher,
                "first_name": "",
                "last_name": "",
                "email": email,
                "is_staff": false,
                "is_active": true,
                "date_joined": date_joined,
                "groups": [],
                "user_permissions": [],
            }
        }));
        logins.push(email);
    }
    let path = env.write_file(
        "users.json",
        &serde_json::to_string_pretty(&objects).unwrap(),
    );
    env.cmd(&["import", &path])
        .assert()
        .success()
        .stderr(predicate::str::contains("3 created"));
    let users = users_json(&env);
    for user in users.as_array().unwrap() {
        assert_eq!(user["date_joined"], "2025-01-02T03:04:05.123000Z");
    }
    assert_eq!(users[1]["last_login"], "2025-03-04T05:06:07.123000Z");
    assert_eq!(users[2]["last_login"], "2025-03-04T05:06:07.123000Z");
    for email in &logins {
        env.cmd(&["authenticate", email, "--password-stdin"])
            .write_stdin(STRONG)
            .assert()
            .success();
        env.cmd(&["authenticate", email, "--password-stdin"])
            .write_stdin("wrong")
            .assert()
            .code(1);
    }
}

#[test]
fn every_bad_row_is_reported_with_its_line_and_nothing_is_written() {
    let env = TestEnv::new();
    let csv = "email,first_name,password,password_hash,is_staff,date_joined\n\
               good@example.com,Good,,,,\n\
               not-an-email,,,,,\n\
               pw@example.com,,password,,,\n\
               both@example.com,,x-long-enough-pass,pbkdf2_sha256$1$s$h,,\n\
               hash@example.com,,,md5$abc$def,,\n\
               flag@example.com,,,,perhaps,\n\
               date@example.com,,,,,yesterday\n\
               GOOD@EXAMPLE.COM,,,,,\n\
               short,row\n";
    let path = env.write_file("bad.csv", csv);
    let out = env.cmd(&["import", &path]).assert().code(2);
    let stderr = stderr_text(out.get_output());
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(
        lines[..8],
        [
            // The file has a password column: a misaligned cell could be a
            // password, so no cell is quoted.
            format!("{path}: line 3: invalid email address (value not shown): it has no @"),
            format!(
                "{path}: line 4: password rejected: This password is too common. (or import with --skip-validation)"
            ),
            format!("{path}: line 5: gives both password and password_hash; give one of them"),
            format!(
                "{path}: line 6: password_hash: unknown password hash algorithm `md5` (supported: argon2, pbkdf2_sha256, pbkdf2_sha1, bcrypt_sha256, bcrypt, scrypt)"
            ),
            format!("{path}: line 7: is_staff must be true or false, not (value not shown)"),
            format!(
                "{path}: line 8: date_joined (value not shown) is not a date and time (expected ISO 8601, e.g. 2026-01-02T03:04:05Z)"
            ),
            format!(
                "{path}: line 9: the email is also on line 2 (emails are compared case-insensitively)"
            ),
            format!("{path}: line 10: has 2 field(s) but the header has 6"),
        ]
    );
    // Each row problem is said once: the error line does not repeat the first.
    assert_eq!(
        lines[8..],
        [
            "error: 8 invalid row(s), nothing was imported; fix the rows listed and run the import again"
        ]
    );
    // Refused: not even a database file is created.
    match env.db_file() {
        Some(file) => assert!(!file.exists(), "{}", file.display()),
        None => assert_eq!(count(&env, "SELECT count(*) FROM audit_log"), 0),
    }
    assert_eq!(env.users_stored(), 0);
    // The same with --json: the summary on stdout lists the rows.
    let out = env.cmd(&["--json", "import", &path]).assert().code(2);
    let summary = stdout_json(out.get_output());
    assert_eq!(summary["failed"], 8);
    assert_eq!(summary["created"], 0);
    assert_eq!(
        summary["errors"][0],
        json!({"line": 3, "reason": "invalid email address (value not shown): it has no @"})
    );
    assert_eq!(summary["errors"].as_array().unwrap().len(), 8);
}

#[test]
fn the_list_of_bad_rows_is_capped_but_the_count_is_exact() {
    let env = TestEnv::new();
    let mut jsonl = String::new();
    for i in 0..250 {
        jsonl.push_str(&format!("{{\"email\": \"user{i}\"}}\n"));
    }
    let path = env.write_file("bad.jsonl", &jsonl);
    let out = env.cmd(&["import", &path]).assert().code(2);
    let stderr = stderr_text(out.get_output());
    assert_eq!(stderr.lines().count(), 102);
    assert!(stderr.contains("… and 150 more"));
    assert!(stderr.contains("error: 250 invalid row(s)"));
}

#[test]
fn plain_passwords_are_validated_unless_told_not_to_and_neither_gives_an_unusable_one() {
    let env = TestEnv::new();
    let jsonl = "{\"email\": \"a@example.com\", \"password\": \"12345678\"}\n\
                 {\"email\": \"b@example.com\"}\n";
    let path = env.write_file("users.jsonl", jsonl);
    env.cmd(&["import", &path])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("line 1: password rejected: This password is too common. This password is entirely numeric."));
    env.cmd(&["import", &path, "--skip-validation"])
        .assert()
        .success();
    env.cmd(&["authenticate", "a@example.com", "--password-stdin"])
        .write_stdin("12345678")
        .assert()
        .success();
    assert_eq!(env.user_json("b@example.com")["has_usable_password"], false);
    let blank = env.write_file(
        "blank.jsonl",
        "{\"email\": \"c@example.com\", \"password\": \"\"}\n",
    );
    env.cmd(&["import", &blank, "--skip-validation"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "line 1: blank passwords aren't allowed",
        ));
}

#[test]
fn a_dry_run_checks_everything_and_writes_nothing() {
    let env = TestEnv::new();
    env.create_user("old@example.com", &[]);
    let csv = format!("email,password\nnew@example.com,{STRONG}\nOLD@example.com,{STRONG}\n");
    let path = env.write_file("users.csv", &csv);
    let before = hashes(&env);
    env.cmd(&["import", &path, "--dry-run", "--on-conflict", "update"])
        .assert()
        .success()
        .stderr(format!("Dry run of {path}: would be 1 created, 1 updated, 0 skipped, 0 failed; nothing was written.\n"));
    let out = env
        .cmd(&[
            "--json",
            "import",
            &path,
            "--dry-run",
            "--on-conflict",
            "skip",
        ])
        .assert()
        .success();
    assert_eq!(
        stdout_json(out.get_output()),
        json!({"source": path, "format": "csv", "rows": 2, "created": 1, "updated": 0,
               "skipped": 1, "failed": 0, "hashed": 0, "groups_created": 0,
               "groups_updated": 0, "dry_run": true})
    );
    assert_eq!(hashes(&env), before);
    assert_eq!(
        count(
            &env,
            "SELECT count(*) FROM audit_log WHERE event IN ('user_imported', 'user_updated')"
        ),
        0
    );
    // A dry run that would fail says so, with the exit code of the real thing.
    env.cmd(&["import", &path, "--dry-run"]).assert().code(4);
}

#[test]
fn conflicts_fail_by_default_and_can_be_skipped_or_updated() {
    let env = TestEnv::new();
    env.create_user(
        "ada@example.com",
        &["--first-name", "Ada", "--last-name", "Lovelace"],
    );
    env.create_user("bob@example.com", &[]);
    let ada_before = env.user_json("ada@example.com");
    let hashes_before = hashes(&env);
    let csv = "email,first_name,is_staff,password\n\
               new@example.com,New,,another long passphrase\n\
               ADA@example.com,Augusta,true,another long passphrase\n\
               bob@example.com,,,\n";
    let path = env.write_file("users.csv", csv);
    env.cmd(&["import", &path])
        .assert()
        .code(4)
        .stderr(predicate::str::contains(
            "error: 2 user(s) of the import already exist, nothing was imported: ada@example.com, bob@example.com; pass --on-conflict skip",
        ));
    assert_eq!(count(&env, "SELECT count(*) FROM users"), 2);

    env.cmd(&["import", &path, "--on-conflict", "skip"])
        .assert()
        .success()
        .stderr(format!(
            "Imported {path}: 1 created, 0 updated, 2 skipped, 0 failed.\n"
        ));
    assert_eq!(env.user_json("ada@example.com"), ada_before);
    assert_eq!(hashes(&env)[..2], hashes_before[..]);

    let out = env
        .cmd(&["--json", "import", &path, "--on-conflict", "update"])
        .assert()
        .success();
    let summary = stdout_json(out.get_output());
    assert_eq!(
        (summary["created"].clone(), summary["updated"].clone()),
        (json!(0), json!(3))
    );
    let ada = env.user_json("ada@example.com");
    assert_eq!(ada["email"], "ADA@example.com");
    assert_eq!(ada["first_name"], "Augusta");
    assert_eq!(
        ada["last_name"], "Lovelace",
        "a column the file lacks is kept"
    );
    assert_eq!(ada["is_staff"], true);
    assert_eq!(ada["date_joined"], ada_before["date_joined"]);
    env.cmd(&["authenticate", "ada@example.com", "--password-stdin"])
        .write_stdin("another long passphrase")
        .assert()
        .success();
    // bob's row gives no password: bob keeps his.
    env.cmd(&["authenticate", "bob@example.com", "--password-stdin"])
        .write_stdin(STRONG)
        .assert()
        .success();
    assert_eq!(
        count(
            &env,
            "SELECT count(*) FROM audit_log WHERE event = 'user_imported'"
        ),
        1
    );
    assert_eq!(
        count(
            &env,
            "SELECT count(*) FROM audit_log WHERE event = 'user_updated' AND detail LIKE 'import of %'"
        ),
        3
    );
}

#[test]
fn stdin_is_imported_with_one_audit_row_per_user() {
    let env = TestEnv::new();
    let jsonl = format!(
        "{{\"email\": \"a@example.com\", \"password\": \"{STRONG}\", \"is_superuser\": true}}\n\
         {{\"email\": \"b@example.com\", \"password_hash\": null, \"last_login\": \"2025-05-06T07:08:09Z\"}}\n"
    );
    env.cmd(&["import", "-", "--format", "jsonl"])
        .write_stdin(jsonl)
        .assert()
        .success()
        .stdout("")
        .stderr("Imported stdin: 2 created, 0 updated, 0 skipped, 0 failed.\n");
    env.cmd(&["authenticate", "a@example.com", "--password-stdin"])
        .write_stdin(STRONG)
        .assert()
        .success();
    assert_eq!(env.user_json("a@example.com")["is_superuser"], true);
    assert_eq!(
        env.user_json("b@example.com")["last_login"],
        "2025-05-06T07:08:09.000000Z"
    );
    assert_eq!(
        env.query_one("SELECT group_concat(event || ' ' || email || ' ' || detail || ' ' || actor, '|') FROM audit_log WHERE event = 'user_imported'"),
        "user_imported a@example.com import of stdin (jsonl) ME|user_imported b@example.com import of stdin (jsonl) ME"
            .replace("ME", &crate::support::os_user())
    );
    // Empty stdin is taken as CSV (the first character tells), with no header.
    env.cmd(&["import", "-"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("the file is empty"));
}

#[test]
fn many_plain_passwords_are_hashed_in_file_order() {
    let env = TestEnv::new();
    let mut csv = String::from("email,password\n");
    for i in 0..300 {
        if i % 3 == 0 {
            csv.push_str(&format!("u{i}@example.com,{STRONG} {i}\n"));
        } else {
            csv.push_str(&format!("u{i}@example.com,\n"));
        }
    }
    let path = env.write_file("many.csv", &csv);
    let out = env
        .cmd(&["--json", "import", &path, "--jobs", "3"])
        .assert()
        .success();
    assert_eq!(stdout_json(out.get_output())["hashed"], 100);
    let emails = env.query_one(
        "SELECT group_concat(email, ',') FROM (SELECT email FROM users ORDER BY id) AS u",
    );
    let want: Vec<String> = (0..300).map(|i| format!("u{i}@example.com")).collect();
    assert_eq!(emails, want.join(","));
    env.cmd(&["authenticate", "u297@example.com", "--password-stdin"])
        .write_stdin(format!("{STRONG} 297"))
        .assert()
        .success();
}

#[test]
fn binary_non_utf8_and_huge_input_get_a_clear_error_and_no_panic() {
    let env = TestEnv::new();
    let binary: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    let path = env.path().join("binary.bin");
    std::fs::write(&path, &binary).unwrap();
    let path = path.display().to_string();
    for format in ["csv", "jsonl", "django"] {
        let out = env
            .cmd(&["import", &path, "--format", format])
            .assert()
            .code(2);
        let stderr = stderr_text(out.get_output());
        assert!(stderr.contains("line 1: "), "{format}: {stderr}");
        assert!(!stderr.contains("panicked"), "{format}: {stderr}");
    }
    let latin1 = env.path().join("latin1.csv");
    std::fs::write(&latin1, b"email,first_name\nz@example.com,Zo\xeb\n").unwrap();
    env.cmd(&["import", latin1.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "line 2: not valid UTF-8; save the file as UTF-8",
        ));
    let huge = format!(
        "email,first_name\nh@example.com,{}\n",
        "x".repeat(2_000_000)
    );
    let huge_path = env.write_file("huge.csv", &huge);
    env.cmd(&["import", &huge_path])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("line 2: longer than 64 KiB"));
    let long_name = format!(
        "{{\"email\": \"n@example.com\", \"first_name\": \"{}\"}}\n",
        "y".repeat(151)
    );
    let long_path = env.write_file("long.jsonl", &long_name);
    env.cmd(&["import", &long_path])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "line 1: invalid first_name: longer than 150 characters",
        ));
    assert_eq!(env.users_stored(), 0);
}

#[test]
fn export_to_a_file_is_private_and_the_format_follows_the_extension() {
    let env = populated();
    let path = env.path().join("users.jsonl");
    std::fs::write(&path, "old and world-readable").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    env.cmd(&["export", "--output", path.to_str().unwrap()])
        .assert()
        .success()
        .stdout("")
        .stderr(format!(
            "Exported 3 user(s) to {} (jsonl).\n",
            path.display()
        ));
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.lines().count(), 3);
    assert!(!text.contains("\"password\""));
    // Neither --format nor --output: JSON Lines on stdout.
    env.cmd(&["export"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("{\"email\":"));
    // An empty database exports a header, nothing, and an empty fixture.
    let empty = TestEnv::new();
    empty.cmd(&["migrate"]).assert().success();
    empty.cmd(&["export", "--format", "csv"]).assert().success().stdout(
        "email,first_name,last_name,is_active,is_staff,is_superuser,date_joined,last_login,email_verified_at,password_hash,groups,user_permissions,must_change_password,expires_at\n",
    );
    empty
        .cmd(&["export", "--format", "jsonl"])
        .assert()
        .success()
        .stdout("");
    empty
        .cmd(&["export", "--format", "django"])
        .assert()
        .success()
        .stdout("[]\n");
}

#[test]
fn a_killed_import_leaves_the_database_as_it_was_and_a_rerun_completes_it() {
    use nix::sys::signal::{Signal, kill};
    use nix::unistd::Pid;

    let env = TestEnv::new();
    env.create_user("keep@example.com", &[]);
    // Enough pre-hashed rows that the import is still writing when it is killed.
    let hash = "pbkdf2_sha256$1000$salt$EpBAh5mbIOzYxvB4Jq2ONt4t1pEYgw9T9VFY0Z0EU5Y=";
    let mut csv = String::from("email,first_name,password_hash\n");
    for i in 0..60_000 {
        csv.push_str(&format!("u{i}@example.com,User {i},{hash}\n"));
    }
    let path = env.write_file("users.csv", &csv);
    let mut child = env
        .std_cmd(&["import", &path])
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    // Wait until the import holds the write lock (its transaction is open).
    while !env.writer_lock_held() {
        assert!(
            child.try_wait().expect("wait").is_none(),
            "the import ended too soon"
        );
        std::thread::yield_now();
    }
    kill(Pid::from_raw(child.id() as i32), Signal::SIGKILL).expect("kill");
    child.wait().expect("wait");
    assert_eq!(count(&env, "SELECT count(*) FROM users"), 1);
    env.cmd(&["import", &path])
        .assert()
        .success()
        .stderr(predicate::str::contains("60000 created"));
    assert_eq!(count(&env, "SELECT count(*) FROM users"), 60_001);
}

#[test]
fn no_progress_bar_when_stderr_is_not_a_terminal() {
    let env = TestEnv::new();
    let path = env.write_file(
        "users.csv",
        &format!("email,password\na@example.com,{STRONG}\n"),
    );
    env.cmd(&["import", &path])
        .assert()
        .success()
        .stdout("")
        .stderr(format!(
            "Imported {path}: 1 created, 0 updated, 0 skipped, 0 failed.\n"
        ));
}

#[test]
fn an_update_import_cannot_demote_the_last_active_superuser_without_force() {
    let env = TestEnv::new();
    env.create_superuser("root@example.com", &[]);
    env.create_user("ada@example.com", &[]);
    let path = env.write_file(
        "demote.csv",
        "email,is_superuser,first_name\nada@example.com,,Ada\nroot@example.com,false,\n",
    );
    env.cmd(&["import", &path, "--on-conflict", "update"])
        .assert()
        .code(5)
        .stderr(predicate::str::contains(
            "root@example.com is the last lasting superuser (temporary ones expire); refusing to leave the database without one",
        ));
    assert_eq!(env.user_json("ada@example.com")["first_name"], "");
    assert_eq!(env.user_json("root@example.com")["is_superuser"], true);
    // Another superuser in the same file makes it fine; so does --force.
    let path = env.write_file(
        "swap.csv",
        "email,is_superuser,is_staff\nada@example.com,true,true\nroot@example.com,false,\n",
    );
    env.cmd(&["import", &path, "--on-conflict", "update"])
        .assert()
        .success();
    let path = env.write_file("lock.csv", "email,is_active\nada@example.com,false\n");
    env.cmd(&["import", &path, "--on-conflict", "update", "--force"])
        .assert()
        .success();
    assert_eq!(env.user_json("ada@example.com")["is_active"], false);
}
