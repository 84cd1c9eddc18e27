//! Account takeover (issue 12): pre-registration hijack, email changes, login
//! throttling, oracles, and sign-in by code, through the binary.

use nix::sys::wait::WaitStatus;
use predicates::prelude::*;
use rexpect::session::spawn_command;

use crate::support::{STRONG, TestEnv, code_in, now_plus, stderr_text, stdout_json};

/// Someone else's password: set by whoever registered the address first.
const SQUATTER: &str = "a squatter's own passphrase";
/// The password of the address's owner.
const OWNER: &str = "the owner's own passphrase";

/// `authenticate EMAIL --password-stdin` with `password`; the assert to finish.
fn authenticate(env: &TestEnv, password: &str) -> assert_cmd::assert::Assert {
    env.cmd(&["authenticate", "ada@example.com", "--password-stdin"])
        .write_stdin(format!("{password}\n"))
        .assert()
}

/// `register ada@example.com` with `password` (the console backend prints the
/// email on stdout); the code sent.
fn register(env: &TestEnv, vars: &[(&str, &str)], password: &str) -> (String, String) {
    let out = env
        .cmd(&["register", "ada@example.com", "--password-stdin"])
        .envs(vars.iter().copied())
        .write_stdin(format!("{password}\n"))
        .assert()
        .success()
        .get_output()
        .clone();
    (
        code_in(&String::from_utf8_lossy(&out.stdout)),
        stderr_text(&out),
    )
}

fn events(env: &TestEnv) -> Vec<String> {
    let out = env
        .cmd(&["--json", "log", "--user", "ada@example.com"])
        .assert()
        .success()
        .get_output()
        .clone();
    stdout_json(&out)
        .as_array()
        .expect("an array")
        .iter()
        .map(|row| {
            format!(
                "{} {}",
                row["event"].as_str().unwrap(),
                row["detail"].as_str().unwrap()
            )
        })
        .collect()
}

fn has_event(log: &[String], prefix: &str) -> bool {
    log.iter().any(|e| e.starts_with(prefix))
}

#[test]
fn an_owner_registering_after_a_squatter_ends_with_their_own_password_and_no_squatter_token() {
    let env = TestEnv::new();
    // The squatter registers the victim's address and signs in (optional verification).
    register(&env, &[], SQUATTER);
    let out = env
        .cmd(&[
            "authenticate",
            "ada@example.com",
            "--password-stdin",
            "--issue-token",
        ])
        .write_stdin(format!("{SQUATTER}\n"))
        .assert()
        .success()
        .get_output()
        .clone();
    let squatters_token = String::from_utf8_lossy(&out.stdout).trim().to_string();
    // The owner registers later (a minute on: the resend cooldown) with their own
    // password: told plainly that it is set at verification, not now.
    let later = now_plus(61);
    let (code, said) = register(&env, &[("USERDB_NOW", &later)], OWNER);
    assert!(
        said.contains("the password is set when the address is verified"),
        "{said}"
    );
    authenticate(&env, OWNER).code(1);
    // The owner verifies the newest code, giving their password.
    env.cmd(&["verify-otp", "ada@example.com", &code, "--password-stdin"])
        .env("USERDB_NOW", &later)
        .write_stdin(format!("{OWNER}\n"))
        .assert()
        .success();
    authenticate(&env, OWNER).success();
    authenticate(&env, SQUATTER).code(1);
    env.cmd(&["verify-token"])
        .write_stdin(format!("{squatters_token}\n"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("was revoked"));
    let log = events(&env);
    assert!(
        has_event(
            &log,
            "password_changed set by the verifier at the first verification"
        ),
        "{log:?}"
    );
    assert!(
        has_event(
            &log,
            "token_revoked 1 token(s) of the user, issued before the address was proven"
        ),
        "{log:?}"
    );
}

#[test]
fn an_owner_registering_first_keeps_their_password_when_a_squatter_registers_again() {
    let env = TestEnv::new();
    let mandatory = [("USERDB_REGISTRATION_VERIFICATION", "mandatory")];
    register(&env, &mandatory, OWNER);
    let later = now_plus(61);
    let (code, _) = register(
        &env,
        &[mandatory[0], ("USERDB_NOW", later.as_str())],
        SQUATTER,
    );
    env.cmd(&[
        "verify-otp",
        "ada@example.com",
        &code,
        "--password-env",
        "PW",
    ])
    .envs(mandatory)
    .env("PW", OWNER)
    .assert()
    .success();
    env.cmd(&["authenticate", "ada@example.com", "--password-stdin"])
        .envs(mandatory)
        .write_stdin(format!("{OWNER}\n"))
        .assert()
        .success();
    env.cmd(&["authenticate", "ada@example.com", "--password-stdin"])
        .envs(mandatory)
        .write_stdin(format!("{SQUATTER}\n"))
        .assert()
        .code(1);
}

#[test]
fn a_first_verification_without_a_password_leaves_no_usable_password_and_says_so() {
    let env = TestEnv::new();
    let mandatory = [("USERDB_REGISTRATION_VERIFICATION", "mandatory")];
    let (code, _) = register(&env, &mandatory, SQUATTER);
    env.cmd(&["send-otp", "ada@example.com", "--purpose", "login"])
        .assert()
        .success();
    env.cmd(&["verify-otp", "ada@example.com", &code])
        .envs(mandatory)
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "warning: ada@example.com has no usable password now: the one set at registration \
             was discarded",
        ));
    assert_eq!(
        env.user_json("ada@example.com")["has_usable_password"],
        false
    );
    authenticate(&env, SQUATTER).code(1);
    let log = events(&env);
    assert!(has_event(&log, "password_changed made unusable"), "{log:?}");
    assert!(
        has_event(
            &log,
            "otp_revoked 1 other code(s) of the user, sent before the address was proven"
        ),
        "{log:?}"
    );
    assert_eq!(env.query_one("SELECT count(*) FROM otp_codes"), "1");
}

#[test]
fn a_password_is_taken_by_verify_email_only_and_only_at_the_first_verification() {
    let env = TestEnv::new();
    let (code, _) = register(&env, &[], STRONG);
    env.cmd(&[
        "verify-otp",
        "ada@example.com",
        &code,
        "--purpose",
        "login",
        "--password-env",
        "PW",
    ])
    .env("PW", OWNER)
    .assert()
    .code(2)
    .stderr(predicate::str::contains(
        "only taken with --purpose verify-email",
    ));
    env.cmd(&[
        "verify-otp",
        "ada@example.com",
        &code,
        "--password-env",
        "PW",
    ])
    .env("PW", "short")
    .assert()
    .code(2)
    .stderr(predicate::str::contains("password rejected"));
    env.cmd(&[
        "verify-otp",
        "ada@example.com",
        &code,
        "--password-env",
        "PW",
    ])
    .env("PW", OWNER)
    .assert()
    .success();
    let later = now_plus(61);
    let out = env
        .cmd(&["send-otp", "ada@example.com"])
        .env("USERDB_NOW", &later)
        .assert()
        .success()
        .get_output()
        .clone();
    let again = code_in(&String::from_utf8_lossy(&out.stdout));
    env.cmd(&[
        "verify-otp",
        "ada@example.com",
        &again,
        "--password-env",
        "PW",
    ])
    .env("USERDB_NOW", &later)
    .env("PW", SQUATTER)
    .assert()
    .code(2)
    .stderr(predicate::str::contains("is verified already"));
    // The refusal did not use the code up, and a re-verification changes no password.
    env.cmd(&["verify-otp", "ada@example.com", &again])
        .env("USERDB_NOW", &later)
        .assert()
        .success();
    authenticate(&env, OWNER).success();
}

#[test]
fn verify_otp_on_a_terminal_asks_for_the_code_then_the_password_twice() {
    let env = TestEnv::new();
    let (code, _) = register(&env, &[], SQUATTER);
    let mut p = spawn_command(
        env.std_cmd(&["verify-otp", "ada@example.com"]),
        Some(20_000),
    )
    .expect("spawn in a pty");
    p.exp_string("Code:").unwrap();
    p.send_line(&code).unwrap();
    p.exp_string("sets its password").unwrap();
    p.exp_string("Password:").unwrap();
    p.send_line(OWNER).unwrap();
    p.exp_string("Password (again):").unwrap();
    p.send_line(OWNER).unwrap();
    let shown = p.exp_string("the email address is verified").unwrap();
    assert!(!shown.contains(OWNER), "the password was echoed: {shown:?}");
    p.exp_eof().unwrap();
    match p.process().wait().expect("wait") {
        WaitStatus::Exited(_, code) => assert_eq!(code, 0),
        other => panic!("not a normal exit: {other:?}"),
    }
    authenticate(&env, OWNER).success();
    authenticate(&env, SQUATTER).code(1);
}

#[test]
fn sign_in_by_code_records_the_login_as_a_password_sign_in_does() {
    let env = TestEnv::new();
    env.cmd(&["createuser", "ada@example.com", "--no-password"])
        .assert()
        .success();
    let out = env
        .cmd(&["send-otp", "ada@example.com", "--purpose", "login"])
        .assert()
        .success()
        .get_output()
        .clone();
    let code = code_in(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(
        env.user_json("ada@example.com")["last_login"],
        serde_json::Value::Null
    );
    env.cmd(&[
        "verify-otp",
        "ada@example.com",
        &code,
        "--purpose",
        "login",
        "--issue-token",
    ])
    .assert()
    .success();
    assert_eq!(
        env.user_json("ada@example.com")["last_login"],
        "2026-01-02T03:04:05.000000Z"
    );
    assert!(
        has_event(&events(&env), "login_succeeded with an emailed login code"),
        "{:?}",
        events(&env)
    );
}

#[test]
fn an_email_change_unverifies_the_address_and_kills_the_codes_sent_to_the_old_one() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    env.sql("UPDATE users SET email_verified_at = '2026-01-01T00:00:00.000000Z'");
    let out = env
        .cmd(&["send-otp", "ada@example.com"])
        .assert()
        .success()
        .get_output()
        .clone();
    let old_code = code_in(&String::from_utf8_lossy(&out.stdout));
    env.cmd(&[
        "update-user",
        "ada@example.com",
        "--email",
        "ada@elsewhere.org",
    ])
    .assert()
    .success();
    assert_eq!(
        env.user_json("ada@elsewhere.org")["email_verified_at"],
        serde_json::Value::Null
    );
    env.cmd(&["verify-otp", "ada@elsewhere.org", &old_code])
        .assert()
        .code(1);
    assert_eq!(
        env.user_json("ada@elsewhere.org")["email_verified_at"],
        serde_json::Value::Null
    );
    // Under mandatory verification the unproven address does not sign in.
    env.cmd(&["authenticate", "ada@elsewhere.org", "--password-stdin"])
        .env("USERDB_REGISTRATION_VERIFICATION", "mandatory")
        .write_stdin(format!("{STRONG}\n"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("is not verified"));
    // Another spelling of the same address is no change of address.
    env.sql("UPDATE users SET email_verified_at = '2026-01-01T00:00:00.000000Z'");
    env.cmd(&[
        "update-user",
        "ada@elsewhere.org",
        "--email",
        "Ada@ELSEWHERE.org",
    ])
    .assert()
    .success();
    assert_eq!(
        env.user_json("ada@elsewhere.org")["email_verified_at"],
        "2026-01-01T00:00:00.000000Z"
    );
}

#[test]
fn ten_failed_sign_ins_lock_the_account_for_a_minute_without_checking_the_password() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    for _ in 0..10 {
        authenticate(&env, "a wrong guess").code(1);
    }
    let locked = "error: too many failed sign-ins to ada@example.com: locked until \
                  2026-01-02 03:05:05 UTC (try again in 1m); wait, or lift the lock with \
                  `userdb update-user ada@example.com --unlock`\n";
    // The right password is not even checked while locked.
    authenticate(&env, STRONG).code(5).stderr(locked);
    env.cmd(&[
        "authenticate",
        "ada@example.com",
        "--password-stdin",
        "--issue-token",
    ])
    .write_stdin(format!("{STRONG}\n"))
    .assert()
    .code(5)
    .stdout("");
    let out = env
        .cmd(&[
            "--json",
            "authenticate",
            "ada@example.com",
            "--password-stdin",
        ])
        .write_stdin(format!("{STRONG}\n"))
        .assert()
        .code(5)
        .get_output()
        .clone();
    let err: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(err["error"]["kind"], "refused");
    assert_eq!(err["error"]["retry_at"], "2026-01-02T03:05:05.000000Z");
    let log = events(&env);
    assert!(
        has_event(
            &log,
            "login_locked after 10 failed sign-ins in a row, until 2026-01-02 03:05:05 UTC"
        ),
        "{log:?}"
    );
    assert!(has_event(&log, "login_failed locked until"), "{log:?}");
    // The lock ends by itself; one more failure then locks for twice as long.
    let later = now_plus(60);
    env.cmd(&["authenticate", "ada@example.com", "--password-stdin"])
        .env("USERDB_NOW", &later)
        .write_stdin("another guess\n")
        .assert()
        .code(1);
    env.cmd(&["authenticate", "ada@example.com", "--password-stdin"])
        .env("USERDB_NOW", &later)
        .write_stdin(format!("{STRONG}\n"))
        .assert()
        .code(5)
        .stderr(predicate::str::contains(
            "locked until 2026-01-02 03:07:05 UTC",
        ));
    // An operator lifts it; a success then starts the count again.
    env.cmd(&["update-user", "ada@example.com", "--unlock"])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "Sign-in to ada@example.com unlocked",
        ));
    assert!(has_event(&events(&env), "login_unlocked by an operator"));
    authenticate(&env, STRONG).success();
    for _ in 0..9 {
        authenticate(&env, "a wrong guess").code(1);
    }
    authenticate(&env, STRONG).success();
    assert_eq!(env.query_one("SELECT count(*) FROM login_failures"), "0");
}

#[test]
fn parallel_guesses_get_no_more_password_checks_than_the_limit() {
    thirty_parallel_guesses_get_ten_checks(&TestEnv::new());
}

/// Also through PgBouncer: pooler.rs.
pub fn thirty_parallel_guesses_get_ten_checks(env: &TestEnv) {
    env.create_user("ada@example.com", &[]);
    let children: Vec<_> = (0..30)
        .map(|_| {
            let mut cmd = env.std_cmd(&["authenticate", "ada@example.com", "--password-env", "PW"]);
            cmd.env("PW", "a wrong guess")
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null());
            cmd.spawn().expect("spawn")
        })
        .collect();
    let codes = crate::support::sorted_exit_codes(children);
    assert_eq!(codes, [vec![1; 10], vec![5; 20]].concat());
    assert_eq!(
        env.query_one("SELECT count(*) FROM audit_log WHERE detail = 'wrong password'"),
        "10"
    );
}

#[test]
fn failed_sign_ins_to_an_unknown_address_are_audited_and_throttled_alike() {
    let env = TestEnv::new();
    for _ in 0..10 {
        env.cmd(&["authenticate", "nobody@example.com", "--password-stdin"])
            .write_stdin("a guess\n")
            .assert()
            .code(3);
    }
    // Locked as a real account would be: a lock does not tell that one exists.
    env.cmd(&["authenticate", "nobody@example.com", "--password-stdin"])
        .write_stdin("a guess\n")
        .assert()
        .code(5)
        .stderr(predicate::str::contains(
            "too many failed sign-ins to nobody@example.com: locked until",
        ));
    let out = env
        .cmd(&[
            "--json",
            "log",
            "--user",
            "nobody@example.com",
            "--event",
            "login_failed",
        ])
        .assert()
        .success()
        .get_output()
        .clone();
    let rows = stdout_json(&out);
    assert_eq!(rows.as_array().unwrap().len(), 11);
    assert_eq!(rows[0]["detail"], "unknown address");
}

#[test]
fn the_login_keys_load_from_the_file_and_the_environment_and_bad_values_are_config_errors() {
    let env = TestEnv::with_config("[login]\nmax_failures = 3\nlockout = \"5m\"\n");
    let out = env
        .cmd(&["--json", "config"])
        .env("USERDB_LOGIN_MAX_LOCKOUT", "2h")
        .assert()
        .success()
        .get_output()
        .clone();
    let text = String::from_utf8_lossy(&out.stdout);
    for (key, value) in [
        ("login.max_failures", "3"),
        ("login.lockout", "5m"),
        ("login.max_lockout", "2h"),
    ] {
        assert!(
            text.contains(&format!("\"{key}\"")) && text.contains(&format!("\"{value}\"")),
            "{key}={value} in {text}"
        );
    }
    env.create_user("ada@example.com", &[]);
    for _ in 0..3 {
        authenticate(&env, "a wrong guess").code(1);
    }
    authenticate(&env, STRONG)
        .code(5)
        .stderr(predicate::str::contains(
            "locked until 2026-01-02 03:09:05 UTC",
        ));
    for (var, value) in [
        ("USERDB_LOGIN_MAX_FAILURES", "0"),
        ("USERDB_LOGIN_LOCKOUT", "0s"),
        ("USERDB_LOGIN_MAX_LOCKOUT", "31d"),
    ] {
        env.cmd(&["config"])
            .env(var, value)
            .assert()
            .code(6)
            .stderr(
                predicate::str::contains(var.to_string()).or(predicate::str::contains("login.")),
            );
    }
}
