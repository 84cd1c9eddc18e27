//! Registration and sign-in flows through the binary: register → emailed code →
//! token, password-less sign-in, password reset (over the real SMTP server of
//! smtp_server.rs), and `[registration] verification = mandatory` at every entry
//! point (console backend).

use predicates::prelude::*;

use crate::smtp_server::{SmtpServer, with_server};
use crate::support::{STRONG, TestEnv, code_in, now_plus, stderr_text, stdout_json};

const NEW_PASSWORD: &str = "a brand new passphrase 42";

fn stdout_line(output: &std::process::Output) -> String {
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    assert_eq!(text.lines().count(), 1, "one line on stdout: {text:?}");
    text.trim_end().to_string()
}

/// The code in console output (the body line that is only digits).
fn console_code(output: &std::process::Output) -> String {
    code_in(&String::from_utf8_lossy(&output.stdout))
}

/// `verify-token` with the token on stdin; the assert for the caller to finish.
fn verify_token(env: &TestEnv, token: &str) -> assert_cmd::assert::Assert {
    env.cmd(&["verify-token"])
        .write_stdin(format!("{token}\n"))
        .assert()
}

/// The audit events of a user, oldest first.
fn events(env: &TestEnv, email: &str) -> Vec<String> {
    let out = env
        .cmd(&["--json", "log", "--user", email])
        .assert()
        .success()
        .get_output()
        .clone();
    stdout_json(&out)
        .as_array()
        .expect("an array")
        .iter()
        .map(|row| row["event"].as_str().expect("event").to_string())
        .collect()
}

fn later(minutes: i64) -> String {
    now_plus(minutes * 60)
}

#[test]
fn register_then_the_emailed_code_gives_a_token_that_verifies() {
    let env = TestEnv::new();
    let server = SmtpServer::start();
    with_server(
        &env,
        &server,
        &[
            "register",
            "ada@example.com",
            "--first-name",
            "Ada",
            "--password-stdin",
        ],
    )
    .write_stdin(format!("{STRONG}\n"))
    .assert()
    .success()
    .stdout("")
    .stderr(predicate::str::contains(
        "User ada@example.com registered (id 1); the address is not verified yet.",
    ));
    assert_eq!(
        env.user_json("ada@example.com")["email_verified_at"],
        serde_json::Value::Null
    );
    let messages = server.messages();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].to, ["ada@example.com"]);
    let code = messages[0].code();

    // The first verification sets the password given to it (here the same one).
    let out = with_server(
        &env,
        &server,
        &[
            "verify-otp",
            "ada@example.com",
            &code,
            "--password-stdin",
            "--issue-token",
            "--token-name",
            "laptop",
        ],
    )
    .write_stdin(format!("{STRONG}\n"))
    .assert()
    .success()
    .stderr(predicate::str::contains(
        "Token 1 (\"laptop\") issued to ada@example.com",
    ))
    .get_output()
    .clone();
    let token = stdout_line(&out);
    assert!(token.starts_with("udb_"), "{token}");
    assert_eq!(
        env.user_json("ada@example.com")["email_verified_at"],
        "2026-01-02T03:04:05.000000Z"
    );
    verify_token(&env, &token)
        .success()
        .stdout(predicate::str::contains("ada@example.com"));
    assert_eq!(
        events(&env, "ada@example.com"),
        [
            "user_registered",
            "otp_sent",
            "otp_verified",
            "password_changed",
            "login_succeeded",
            "token_issued",
            "token_used"
        ]
    );
}

#[test]
fn password_less_sign_in_with_a_login_code() {
    let env = TestEnv::new();
    let server = SmtpServer::start();
    with_server(
        &env,
        &server,
        &["register", "ada@example.com", "--no-password"],
    )
    .assert()
    .success();
    let code = server.messages()[0].code();
    with_server(&env, &server, &["verify-otp", "ada@example.com", &code])
        .assert()
        .success();

    with_server(
        &env,
        &server,
        &["send-otp", "ada@example.com", "--purpose", "login"],
    )
    .assert()
    .success();
    let messages = server.messages();
    assert_eq!(messages.len(), 2);
    let login = messages[1].code();
    let out = with_server(
        &env,
        &server,
        &[
            "--json",
            "verify-otp",
            "ada@example.com",
            "--purpose",
            "login",
            "--code-stdin",
            "--issue-token",
            "--expires",
            "1d",
        ],
    )
    .write_stdin(format!("{login}\n"))
    .assert()
    .success()
    .get_output()
    .clone();
    // The same object issue-token --json prints.
    let issued = stdout_json(&out);
    assert_eq!(issued["user"], "ada@example.com");
    assert_eq!(issued["name"], "token-1");
    assert_eq!(issued["expires_at"], "2026-01-03T03:04:05.000000Z");
    let token = issued["token"].as_str().unwrap();
    verify_token(&env, token).success();
    assert_eq!(
        events(&env, "ada@example.com"),
        [
            "user_registered",
            "otp_sent",
            "otp_verified",
            "otp_sent",
            "otp_verified",
            "login_succeeded",
            "token_issued",
            "token_used"
        ]
    );
}

#[test]
fn a_password_reset_with_a_code_sets_the_password_verifies_and_revokes_tokens() {
    let env = TestEnv::new();
    let server = SmtpServer::start();
    // Registered, never verified, with a token issued (verification is optional).
    with_server(
        &env,
        &server,
        &["register", "ada@example.com", "--password-stdin"],
    )
    .write_stdin(format!("{STRONG}\n"))
    .assert()
    .success();
    let out = env
        .cmd(&["issue-token", "ada@example.com"])
        .assert()
        .success()
        .get_output()
        .clone();
    let old_token = stdout_line(&out);

    with_server(
        &env,
        &server,
        &["send-otp", "ada@example.com", "--purpose", "password-reset"],
    )
    .env("USERDB_NOW", later(1))
    .assert()
    .success();
    let code = server.messages()[1].code();
    // A weak password is refused before the code is used up.
    with_server(
        &env,
        &server,
        &[
            "verify-otp",
            "ada@example.com",
            &code,
            "--purpose",
            "password-reset",
            "--new-password-env",
            "NEWPW",
        ],
    )
    .env("NEWPW", "12345")
    .env("USERDB_NOW", later(1))
    .assert()
    .code(2)
    .stderr(predicate::str::contains("password rejected"));
    with_server(
        &env,
        &server,
        &[
            "verify-otp",
            "ada@example.com",
            &code,
            "--purpose",
            "password-reset",
            "--new-password-env",
            "NEWPW",
        ],
    )
    .env("NEWPW", NEW_PASSWORD)
    .env("USERDB_NOW", later(1))
    .assert()
    .success()
    .stderr(predicate::str::contains(
        "Password of ada@example.com reset; the email address is verified; 1 token(s) revoked.",
    ));

    assert_eq!(
        env.user_json("ada@example.com")["email_verified_at"],
        "2026-01-02T03:05:05.000000Z"
    );
    verify_token(&env, &old_token)
        .code(1)
        .stderr(predicate::str::contains("was revoked"));
    env.cmd(&["authenticate", "ada@example.com", "--password-stdin"])
        .write_stdin(format!("{STRONG}\n"))
        .assert()
        .code(1);
    let out = env
        .cmd(&[
            "authenticate",
            "ada@example.com",
            "--password-stdin",
            "--issue-token",
        ])
        .write_stdin(format!("{NEW_PASSWORD}\n"))
        .assert()
        .success()
        .get_output()
        .clone();
    verify_token(&env, &stdout_line(&out)).success();
    // The code was used: a second reset with it fails.
    with_server(
        &env,
        &server,
        &[
            "verify-otp",
            "ada@example.com",
            &code,
            "--purpose",
            "password-reset",
            "--new-password-env",
            "NEWPW",
        ],
    )
    .env("NEWPW", NEW_PASSWORD)
    .assert()
    .code(1)
    .stderr(predicate::str::contains("already used"));
    let log = events(&env, "ada@example.com");
    for event in [
        "user_registered",
        "otp_sent",
        "token_issued",
        "otp_verified",
        "password_reset",
        "token_revoked",
        "login_succeeded",
        "token_used",
    ] {
        assert!(log.iter().any(|e| e == event), "{event} in {log:?}");
    }
}

#[test]
fn mandatory_verification_blocks_an_unverified_user_everywhere_until_verified() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    let out = env
        .cmd(&["issue-token", "ada@example.com"])
        .assert()
        .success()
        .get_output()
        .clone();
    let before = stdout_line(&out);
    let mandatory = |args: &[&str]| {
        let mut cmd = env.cmd(args);
        cmd.env("USERDB_REGISTRATION_VERIFICATION", "mandatory");
        cmd
    };
    let why = "the email address of ada@example.com is not verified, and [registration] \
               verification is mandatory; verify it first: `userdb send-otp ada@example.com`, \
               then `userdb verify-otp ada@example.com CODE --password-stdin`";

    mandatory(&["authenticate", "ada@example.com", "--password-stdin"])
        .write_stdin(format!("{STRONG}\n"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains(why));
    mandatory(&[
        "authenticate",
        "ada@example.com",
        "--password-stdin",
        "--issue-token",
    ])
    .write_stdin(format!("{STRONG}\n"))
    .assert()
    .code(1)
    .stdout("")
    .stderr(predicate::str::contains(why));
    mandatory(&["issue-token", "ada@example.com"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains(why));
    let mut verify = mandatory(&["verify-token"]);
    verify
        .write_stdin(format!("{before}\n"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains(format!(
            "error: token rejected: {}",
            &why[..95]
        )));
    // A login code cannot stand in for the proof; it is not used up either.
    let out = mandatory(&["send-otp", "ada@example.com", "--purpose", "login"])
        .assert()
        .success()
        .get_output()
        .clone();
    let login = console_code(&out);
    mandatory(&[
        "verify-otp",
        "ada@example.com",
        &login,
        "--purpose",
        "login",
        "--issue-token",
    ])
    .assert()
    .code(1)
    .stderr(predicate::str::contains(why));
    assert_eq!(env.query_one("SELECT count(*) FROM tokens"), "1");

    // The way out the message names.
    let out = mandatory(&["send-otp", "ada@example.com"])
        .assert()
        .success()
        .get_output()
        .clone();
    let code = console_code(&out);
    mandatory(&[
        "verify-otp",
        "ada@example.com",
        &code,
        "--password-env",
        "PW",
    ])
    .env("PW", STRONG)
    .assert()
    .success();
    mandatory(&["authenticate", "ada@example.com", "--password-stdin"])
        .write_stdin(format!("{STRONG}\n"))
        .assert()
        .success();
    // What was issued or sent before the address was proven did not survive it.
    mandatory(&["verify-token"])
        .write_stdin(format!("{before}\n"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("was revoked"));
    mandatory(&[
        "verify-otp",
        "ada@example.com",
        &login,
        "--purpose",
        "login",
        "--issue-token",
    ])
    .assert()
    .code(1);
    let log = events(&env, "ada@example.com");
    for event in ["login_failed", "token_refused", "token_rejected"] {
        assert!(log.iter().any(|e| e == event), "{event} in {log:?}");
    }
    let detail = env.query_one(
        "SELECT detail FROM audit_log WHERE event = 'token_rejected' ORDER BY id LIMIT 1",
    );
    assert_eq!(detail, "id=1, reason=email not verified");
}

#[test]
fn registering_again_resends_the_code_within_the_limits_and_a_verified_address_exists() {
    let env = TestEnv::new();
    env.cmd(&["register", "ada@example.com", "--no-password"])
        .assert()
        .success();
    // Inside the cooldown: exit 5, nothing sent.
    env.cmd(&["register", "ada@example.com"])
        .env("USERDB_NOW", later(0))
        .assert()
        .code(5)
        .stdout("")
        .stderr(predicate::str::contains("resend_cooldown"));
    // After it: the code is sent again, no password is asked for.
    let out = env
        .cmd(&["register", "ada@example.com"])
        .env("USERDB_NOW", later(2))
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "User ada@example.com is registered but not verified; sending the code again.",
        ))
        .get_output()
        .clone();
    let code = console_code(&out);
    env.cmd(&["verify-otp", "ada@example.com", &code])
        .env("USERDB_NOW", later(3))
        .assert()
        .success();
    env.cmd(&["register", "ada@example.com", "--no-password"])
        .env("USERDB_NOW", later(5))
        .assert()
        .code(4)
        .stderr(predicate::str::contains(
            "error: a user with email ada@example.com already exists; sign in with \
             `userdb authenticate ada@example.com`",
        ));
    assert_eq!(env.query_one("SELECT count(*) FROM users"), "1");
}

#[test]
fn with_verification_none_register_sends_no_code() {
    let env = TestEnv::new();
    let none = |args: &[&str]| {
        let mut cmd = env.cmd(args);
        cmd.env("USERDB_REGISTRATION_VERIFICATION", "none");
        cmd
    };
    none(&["register", "ada@example.com", "--password-stdin"])
        .write_stdin(format!("{STRONG}\n"))
        .assert()
        .success()
        .stdout("");
    assert_eq!(env.query_one("SELECT count(*) FROM otp_codes"), "0");
    none(&["register", "ada@example.com", "--no-password"])
        .assert()
        .code(4);
    assert_eq!(events(&env, "ada@example.com"), ["user_registered"]);
}

#[test]
fn a_code_that_cannot_be_sent_leaves_the_user_registered_and_says_to_resend() {
    let env = TestEnv::new();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = env
        .cmd(&["register", "ada@example.com", "--no-password"])
        .env("USERDB_EMAIL_HOST", "127.0.0.1")
        .env("USERDB_EMAIL_PORT", port.to_string())
        .assert()
        .code(8)
        .get_output()
        .clone();
    let err = stderr_text(&out);
    assert!(
        err.contains("ada@example.com is registered but not verified: the verification code was not sent: cannot connect"),
        "{err}"
    );
    assert!(err.contains("`userdb register ada@example.com`"), "{err}");
    assert_eq!(
        events(&env, "ada@example.com"),
        ["user_registered", "otp_send_failed"]
    );
    // The resend goes through once the server is reachable (no cooldown was used).
    let out = env
        .cmd(&["register", "ada@example.com"])
        .assert()
        .success()
        .get_output()
        .clone();
    console_code(&out);
}

#[test]
fn a_wrong_code_or_a_taken_token_name_issues_nothing_and_keeps_the_code() {
    let env = TestEnv::new();
    let out = env
        .cmd(&["register", "ada@example.com", "--no-password"])
        .assert()
        .success()
        .get_output()
        .clone();
    let code = console_code(&out);
    let wrong = if code == "000000" { "000001" } else { "000000" };
    env.cmd(&["verify-otp", "ada@example.com", wrong, "--issue-token"])
        .assert()
        .code(1)
        .stdout("");
    // Verified already (a first verification would revoke every token, and
    // free the name with them).
    env.sql("UPDATE users SET email_verified_at = '2026-01-01T00:00:00Z'");
    env.cmd(&["issue-token", "ada@example.com", "--name", "ci"])
        .assert()
        .success();
    env.cmd(&[
        "verify-otp",
        "ada@example.com",
        &code,
        "--issue-token",
        "--token-name",
        "ci",
    ])
    .assert()
    .code(4)
    .stdout("");
    assert_eq!(env.query_one("SELECT count(*) FROM tokens"), "1");
    assert_eq!(env.query_one("SELECT used_at IS NULL FROM otp_codes"), "1");
    env.cmd(&[
        "verify-otp",
        "ada@example.com",
        &code,
        "--issue-token",
        "--token-name",
        "laptop",
    ])
    .assert()
    .success();
}

#[test]
fn flow_options_that_do_not_fit_are_usage_errors() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    env.cmd(&[
        "verify-otp",
        "ada@example.com",
        "123456",
        "--new-password-env",
        "X",
    ])
    .assert()
    .code(2)
    .stderr(predicate::str::contains("--purpose password-reset"));
    env.cmd(&[
        "verify-otp",
        "ada@example.com",
        "--purpose",
        "password-reset",
        "--code-stdin",
        "--new-password-stdin",
    ])
    .assert()
    .code(2);
    env.cmd(&[
        "verify-otp",
        "ada@example.com",
        "123456",
        "--purpose",
        "password-reset",
        "--issue-token",
    ])
    .assert()
    .code(2);
    env.cmd(&[
        "verify-otp",
        "ada@example.com",
        "123456",
        "--token-name",
        "x",
    ])
    .assert()
    .code(2);
}

#[test]
fn the_registration_keys_load_and_reject_bad_values() {
    let env = TestEnv::new();
    env.cmd(&["config"])
        .env("USERDB_REGISTRATION_VERIFICATION", "mandatory")
        .assert()
        .success()
        .stdout(predicate::str::contains("mandatory"))
        .stdout(predicate::str::contains("reset_revokes_tokens"));
    env.cmd(&["list-users"])
        .env("USERDB_REGISTRATION_VERIFICATION", "required")
        .assert()
        .code(6)
        .stderr(predicate::str::contains(
            "not one of mandatory, optional, none",
        ));
}

#[test]
fn with_reset_revokes_tokens_false_a_reset_keeps_the_tokens() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    // A proven address: the reset is not its first proof (which revokes them all).
    env.sql("UPDATE users SET email_verified_at = '2026-01-01T00:00:00.000000Z'");
    let out = env
        .cmd(&["issue-token", "ada@example.com"])
        .assert()
        .success()
        .get_output()
        .clone();
    let token = stdout_line(&out);
    let out = env
        .cmd(&["send-otp", "ada@example.com", "--purpose", "password-reset"])
        .assert()
        .success()
        .get_output()
        .clone();
    let code = console_code(&out);
    env.cmd(&[
        "verify-otp",
        "ada@example.com",
        &code,
        "--purpose",
        "password-reset",
        "--new-password-stdin",
    ])
    .env("USERDB_REGISTRATION_RESET_REVOKES_TOKENS", "false")
    .write_stdin(format!("{NEW_PASSWORD}\n"))
    .assert()
    .success()
    .stderr("Password of ada@example.com reset; the email address is verified.\n");
    verify_token(&env, &token).success();
}
