//! One-time codes through the binary with the console and file backends: limits,
//! failures told apart, and the key kept outside the database. (Over real SMTP:
//! smtp.rs.)

use std::os::unix::fs::MetadataExt;

use predicates::prelude::*;

use crate::support::{TestEnv, code_in, now_plus, stderr_text, stdout_json};

fn send(env: &TestEnv, email: &str, extra: &[&str]) -> String {
    let mut args = vec!["send-otp", email];
    args.extend_from_slice(extra);
    let out = env.cmd(&args).assert().success().get_output().clone();
    code_in(&String::from_utf8_lossy(&out.stdout))
}

fn at(minutes: i64, seconds: i64) -> String {
    now_plus(minutes * 60 + seconds)
}

#[test]
fn the_console_backend_prints_the_message_and_the_code_verifies_once() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    let out = env
        .cmd(&["send-otp", "ada@example.com"])
        .assert()
        .success()
        .get_output()
        .clone();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.starts_with("From: webmaster@localhost\nTo: ada@example.com\n"),
        "{stdout}"
    );
    assert!(stdout.contains("Subject: Your one-time code\n"));
    // LF for a terminal or a pipe: the code line matches `^ *[0-9]*$` as it is.
    assert!(!stdout.contains('\r'), "{stdout:?}");
    assert!(
        stdout
            .lines()
            .any(|l| regex::Regex::new("^ *[0-9]+$").unwrap().is_match(l))
    );
    assert!(stdout.contains("It is valid for 10 minutes and works once."));
    assert!(stdout.ends_with(&format!("\n{}\n", "-".repeat(79))));
    let code = code_in(&stdout);
    env.cmd(&["verify-otp", "ada@example.com", &code])
        .assert()
        .success();
    env.cmd(&["verify-otp", "ada@example.com", &code])
        .assert()
        .code(1)
        .stderr(
            "error: the verify-email code for ada@example.com was already used; \
             send a new code with `userdb send-otp ada@example.com --purpose verify-email`\n",
        );
    assert!(env.user_json("ada@example.com")["email_verified_at"].is_string());
}

#[test]
fn the_code_is_stored_only_as_an_hmac_under_a_private_key_file() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    let code = send(&env, "ada@example.com", &["--purpose", "login"]);
    let key = env.path().join("config/userdb/secret.key");
    assert_eq!(std::fs::metadata(&key).unwrap().mode() & 0o777, 0o600);
    let stored = env.query_one("SELECT code_mac FROM otp_codes");
    assert_eq!(stored.len(), 64);
    assert!(!stored.contains(&code));
    for (place, bytes) in env.stored_bytes() {
        assert!(!String::from_utf8_lossy(&bytes).contains(&code), "{place}");
    }
    // Another key cannot check the code: it lives outside the database.
    env.cmd(&["verify-otp", "ada@example.com", &code, "--purpose", "login"])
        .env(
            "USERDB_SECRET_KEY",
            "some other key of at least 32 characters",
        )
        .assert()
        .code(1);
}

#[test]
fn a_short_secret_key_is_a_config_error() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    env.cmd(&["send-otp", "ada@example.com"])
        .env("USERDB_SECRET_KEY", "too short")
        .assert()
        .code(6)
        .stderr(predicate::str::contains(
            "the secret key in USERDB_SECRET_KEY is too short: it needs at least 32 characters",
        ));
}

#[test]
fn wrong_expired_and_locked_codes_are_told_apart() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    let code = send(&env, "ada@example.com", &[]);
    let wrong = if code == "000000" { "000001" } else { "000000" };
    env.cmd(&["verify-otp", "ada@example.com", wrong])
        .assert()
        .code(1)
        .stderr("error: wrong verify-email code for ada@example.com; 4 tries left\n");
    env.cmd(&["verify-otp", "ada@example.com", &code])
        .env("USERDB_NOW", at(10, 0))
        .assert()
        .code(1)
        .stderr(predicate::str::starts_with(
            "error: the verify-email code for ada@example.com has expired;",
        ));
    for left in ["3 tries left", "2 tries left", "1 try left"] {
        env.cmd(&["verify-otp", "ada@example.com", wrong])
            .assert()
            .code(1)
            .stderr(predicate::str::contains(left));
    }
    env.cmd(&["verify-otp", "ada@example.com", wrong])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "no tries left, the code is now locked",
        ));
    env.cmd(&["verify-otp", "ada@example.com", &code])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "is locked after too many wrong tries",
        ));
    let log =
        env.query_one("SELECT group_concat(detail, '|') FROM audit_log WHERE event = 'otp_failed'");
    assert_eq!(
        log,
        "purpose=verify-email, reason=wrong|purpose=verify-email, reason=expired|\
         purpose=verify-email, reason=wrong|purpose=verify-email, reason=wrong|\
         purpose=verify-email, reason=wrong|purpose=verify-email, reason=wrong_now_locked|\
         purpose=verify-email, reason=locked"
    );
}

#[test]
fn a_resend_inside_the_cooldown_is_refused_with_exit_5() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    let first = send(&env, "ada@example.com", &[]);
    env.cmd(&["send-otp", "ada@example.com"])
        .env("USERDB_NOW", at(0, 45))
        .assert()
        .code(5)
        .stdout("")
        .stderr(
            "error: a verify-email code was sent to ada@example.com less than 1m ago \
             ([otp] resend_cooldown); try again in 15s (at 2026-01-02 03:05:05 UTC)\n",
        );
    let out = env
        .cmd(&["send-otp", "ada@example.com"])
        .env("USERDB_NOW", at(1, 0))
        .assert()
        .success()
        .get_output()
        .clone();
    let second = code_in(&String::from_utf8_lossy(&out.stdout));
    // The new code replaced the old one.
    if first != second {
        env.cmd(&["verify-otp", "ada@example.com", &first])
            .env("USERDB_NOW", at(1, 0))
            .assert()
            .code(1);
    }
    env.cmd(&["verify-otp", "ada@example.com", &second])
        .env("USERDB_NOW", at(1, 0))
        .assert()
        .success();
}

#[test]
fn at_most_five_sends_per_hour_then_exit_5_until_the_oldest_ages_out() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    for i in 0..5 {
        env.cmd(&["send-otp", "ada@example.com"])
            .env("USERDB_NOW", at(i * 2, 0))
            .assert()
            .success();
    }
    env.cmd(&["send-otp", "ada@example.com", "--purpose", "login"])
        .env("USERDB_NOW", at(10, 0))
        .assert()
        .code(5)
        .stderr(predicate::str::contains(
            "5 codes were sent to ada@example.com in the last hour ([otp] max_sends_per_hour); try again in 50m",
        ));
    let out = env
        .cmd(&[
            "--json",
            "send-otp",
            "ada@example.com",
            "--purpose",
            "login",
        ])
        .env("USERDB_NOW", at(59, 59))
        .assert()
        .code(5)
        .get_output()
        .clone();
    let err: serde_json::Value = serde_json::from_str(stderr_text(&out).trim()).unwrap();
    assert_eq!(err["error"]["kind"], "refused");
    assert_eq!(err["error"]["retry_at"], "2026-01-02T04:04:05.000000Z");
    env.cmd(&["send-otp", "ada@example.com", "--purpose", "login"])
        .env("USERDB_NOW", at(60, 0))
        .assert()
        .success();
}

#[test]
fn the_limits_are_configurable() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    let out = env
        .cmd(&["send-otp", "ada@example.com"])
        .env("USERDB_OTP_DIGITS", "8")
        .env("USERDB_OTP_TTL", "2m")
        .env("USERDB_OTP_MAX_ATTEMPTS", "1")
        .assert()
        .success()
        .get_output()
        .clone();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("valid for 2 minutes"));
    let code = code_in(&stdout);
    assert_eq!(code.len(), 8);
    env.cmd(&["verify-otp", "ada@example.com", "00000000"])
        .env("USERDB_OTP_MAX_ATTEMPTS", "1")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("now locked"));
    env.cmd(&["send-otp", "ada@example.com"])
        .env("USERDB_OTP_DIGITS", "11")
        .assert()
        .code(6)
        .stderr(predicate::str::contains(
            "USERDB_OTP_DIGITS: 11 is out of range (6 to 10)",
        ));
}

#[test]
fn subject_and_body_are_templates_from_the_config_file() {
    let env = TestEnv::new();
    env.create_user("zoe@example.com", &[]);
    let config = env.path().join("userdb.toml");
    std::fs::write(
        &config,
        "[otp]\nsubject = \"Code für {email}\"\nbody = \"Dein Code: {code} ({minutes} Min.)\\n\"\n",
    )
    .unwrap();
    let out = env
        .cmd(&[
            "--config",
            config.to_str().unwrap(),
            "send-otp",
            "zoe@example.com",
        ])
        .assert()
        .success()
        .get_output()
        .clone();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("Subject: Code =?utf-8?"), "{stdout}");
    assert!(stdout.contains("Dein Code: "), "{stdout}");
    std::fs::write(&config, "[otp]\nbody = \"no code\"\n").unwrap();
    env.cmd(&[
        "--config",
        config.to_str().unwrap(),
        "send-otp",
        "zoe@example.com",
    ])
    .assert()
    .code(6)
    .stderr(predicate::str::contains("otp.body: must contain {code}"));
}

#[test]
fn the_file_backend_writes_private_eml_files() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    let outbox = env.path().join("outbox");
    let out = env
        .cmd(&[
            "--json",
            "send-otp",
            "ada@example.com",
            "--purpose",
            "password-reset",
        ])
        .env("USERDB_EMAIL_BACKEND", "file")
        .env("USERDB_EMAIL_FILE_PATH", outbox.to_str().unwrap())
        .assert()
        .success()
        .get_output()
        .clone();
    let sent = stdout_json(&out);
    assert_eq!(sent["purpose"], "password-reset");
    assert_eq!(sent["expires_at"], "2026-01-02T03:14:05.000000Z");
    assert!(sent.get("code").is_none());
    let files: Vec<_> = std::fs::read_dir(&outbox)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1);
    assert_eq!(std::fs::metadata(&files[0]).unwrap().mode() & 0o777, 0o600);
    let text = std::fs::read_to_string(&files[0]).unwrap();
    assert!(text.contains(sent["message_id"].as_str().unwrap()));
    let code = code_in(&text);
    env.cmd(&[
        "verify-otp",
        "ada@example.com",
        "--purpose",
        "password-reset",
        "--code-stdin",
    ])
    .write_stdin(format!("{code}\n"))
    .assert()
    .success();
    // A password-reset code does not verify the address.
    assert!(env.user_json("ada@example.com")["email_verified_at"].is_null());
}

#[test]
fn with_json_the_console_backend_keeps_stdout_for_the_result() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    let out = env
        .cmd(&["--json", "send-otp", "ada@example.com"])
        .assert()
        .success()
        .get_output()
        .clone();
    assert_eq!(stdout_json(&out)["email"], "ada@example.com");
    assert!(stderr_text(&out).contains("Subject: Your one-time code"));
}

#[test]
fn unknown_and_inactive_users_get_no_email() {
    let env = TestEnv::new();
    env.cmd(&["send-otp", "nobody@example.com"])
        .assert()
        .code(3)
        .stdout("");
    env.create_user("ada@example.com", &["--inactive"]);
    env.cmd(&["send-otp", "ada@example.com"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains("user ada@example.com is inactive"));
    assert_eq!(
        env.query_one("SELECT detail FROM audit_log WHERE event = 'otp_send_refused'"),
        "purpose=verify-email, inactive user"
    );
}

#[test]
fn verify_without_a_code_or_terminal_fails_fast() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    env.cmd(&["verify-otp", "ada@example.com"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--code-stdin"));
    env.cmd(&[
        "verify-otp",
        "ada@example.com",
        "--purpose",
        "signup",
        "123456",
    ])
    .assert()
    .code(2);
    env.cmd(&["verify-otp", "ada@example.com", "123456"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "no verify-email code was sent to ada@example.com",
        ));
}

#[test]
fn delete_user_removes_the_codes_but_not_the_addresses_send_limits() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    send(&env, "ada@example.com", &[]);
    env.cmd(&["delete-user", "ada@example.com", "--yes"])
        .assert()
        .success();
    assert_eq!(env.query_one("SELECT count(*) FROM otp_codes"), "0");
    // The limits belong to the mailbox: deleting and re-creating the user does
    // not reopen it to a flood.
    env.create_user("ada@example.com", &[]);
    env.cmd(&["send-otp", "ada@example.com"])
        .assert()
        .code(5)
        .stderr(predicate::str::contains("resend_cooldown"));
}

#[test]
fn config_redacts_the_smtp_password_and_guards_it_in_the_file() {
    use std::os::unix::fs::PermissionsExt;
    let env = TestEnv::new();
    let config = env.path().join("userdb.toml");
    std::fs::write(
        &config,
        "[email]\nhost = \"smtp.example.com\"\npassword = \"hunter2\"\n",
    )
    .unwrap();
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o644)).unwrap();
    env.cmd(&["--config", config.to_str().unwrap(), "config"])
        .assert()
        .code(6)
        .stderr(predicate::str::contains(
            "email.password is a secret, but the file can be read by others (mode 644)",
        ))
        .stderr(predicate::str::contains("hunter2").not());
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o600)).unwrap();
    let out = env
        .cmd(&["--json", "--config", config.to_str().unwrap(), "config"])
        .assert()
        .success()
        .get_output()
        .clone();
    assert!(!String::from_utf8_lossy(&out.stdout).contains("hunter2"));
    let report = stdout_json(&out);
    let setting = |key: &str| {
        report["settings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["key"] == key)
            .unwrap()
            .clone()
    };
    assert_eq!(setting("email.password")["value"], "(redacted)");
    assert_eq!(setting("email.password")["env"], "USERDB_EMAIL_PASSWORD");
    assert_eq!(setting("email.backend")["value"], "smtp (automatic)");
    assert_eq!(setting("email.port")["value"], "587");
    assert_eq!(setting("otp.ttl")["value"], "10m");
}

#[test]
fn a_database_from_before_the_codes_gets_0003_despite_the_gap_in_numbers() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    // As a database made by a build that knew only 0001 would look.
    env.sql(
        "DROP TABLE otp_codes; DROP TABLE otp_sends; \
         DELETE FROM userdb_migrations WHERE version IN (3, 6);",
    );
    env.cmd(&["migrate", "--check"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("0003_otp"));
    env.cmd(&["migrate"])
        .assert()
        .success()
        .stderr(predicate::str::contains("Applied 0003_otp."));
    send(&env, "ada@example.com", &[]);
}

#[test]
fn parallel_sends_cannot_both_slip_past_the_cooldown() {
    four_parallel_sends_send_one(&TestEnv::new());
}

/// Also through PgBouncer: pooler.rs.
pub fn four_parallel_sends_send_one(env: &TestEnv) {
    env.create_user("ada@example.com", &[]);
    let outbox = env.path().join("outbox");
    let children: Vec<_> = (0..4)
        .map(|_| {
            env.std_cmd(&["send-otp", "ada@example.com"])
                .env("USERDB_EMAIL_BACKEND", "file")
                .env("USERDB_EMAIL_FILE_PATH", &outbox)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    let codes = crate::support::sorted_exit_codes(children);
    assert_eq!(codes, [0, 5, 5, 5]);
    assert_eq!(std::fs::read_dir(&outbox).unwrap().count(), 1);
}

#[test]
fn parallel_uses_of_one_code_accept_it_once() {
    six_parallel_uses_of_one_code_accept_it_once(&TestEnv::new());
}

/// Six `verify-otp`s of one code at once: exactly one is accepted, the others
/// find it used. Also through PgBouncer: pooler.rs.
pub fn six_parallel_uses_of_one_code_accept_it_once(env: &TestEnv) {
    env.create_user("ada@example.com", &[]);
    let code = send(env, "ada@example.com", &[]);
    let children: Vec<_> = (0..6)
        .map(|_| {
            env.std_cmd(&["verify-otp", "ada@example.com", &code])
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    let codes = crate::support::sorted_exit_codes(children);
    assert_eq!(codes, [0, 1, 1, 1, 1, 1]);
    assert_eq!(
        env.query_one("SELECT count(*) FROM audit_log WHERE event = 'otp_verified'"),
        "1"
    );
}
