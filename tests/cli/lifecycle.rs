//! Account lifecycle: must-change-password, operator-issued reset tokens,
//! expiring accounts and temporary superusers. Time moves through USERDB_NOW.

use predicates::prelude::*;
use serde_json::Value;

use crate::support::{STRONG, TestEnv, code_in, now_plus, stderr_text, stdout_json};

const NEW: &str = "a brand new passphrase to remember";

fn stdout(assert: assert_cmd::assert::Assert) -> String {
    String::from_utf8(assert.get_output().stdout.clone())
        .unwrap()
        .trim()
        .to_string()
}

fn reset_token(env: &TestEnv, email: &str, extra: &[&str]) -> String {
    let mut args = vec!["create-reset-token", email];
    args.extend_from_slice(extra);
    stdout(env.cmd(&args).assert().success())
}

fn reset(env: &TestEnv, email: &str, token: &str, password: &str) -> assert_cmd::assert::Assert {
    env.cmd(&["reset-password", email, "--new-password-stdin"])
        .env("USERDB_RESET_TOKEN", token)
        .write_stdin(format!("{password}\n"))
        .assert()
}

fn sign_in(env: &TestEnv, email: &str, password: &str) -> assert_cmd::assert::Assert {
    env.cmd(&["authenticate", email, "--password-stdin"])
        .write_stdin(format!("{password}\n"))
        .assert()
}

fn audit(env: &TestEnv, event: &str) -> Vec<String> {
    env.query_rows(&format!(
        "SELECT detail FROM audit_log WHERE event = '{event}' ORDER BY id"
    ))
}

#[test]
fn a_must_change_password_signs_in_but_gets_no_token_until_changed() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &["--must-change-password"]);
    assert_eq!(
        env.user_json("ada@example.com")["must_change_password"],
        true
    );
    let out = env
        .cmd(&[
            "--json",
            "authenticate",
            "ada@example.com",
            "--password-stdin",
        ])
        .write_stdin(format!("{STRONG}\n"))
        .assert()
        .success();
    assert_eq!(stdout_json(out.get_output())["must_change_password"], true);
    assert!(stderr_text(out.get_output()).contains("must change this password"));
    env.cmd(&["issue-token", "ada@example.com"])
        .assert()
        .code(5)
        .stdout("")
        .stderr(predicate::str::contains(
            "must change the password an operator set",
        ));
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
    assert_eq!(env.query_one("SELECT count(*) FROM tokens"), "0");
    env.cmd(&["changepassword", "ada@example.com", "--password-stdin"])
        .write_stdin(format!("{NEW}\n"))
        .assert()
        .success();
    assert_eq!(
        env.user_json("ada@example.com")["must_change_password"],
        false
    );
    env.cmd(&["issue-token", "ada@example.com"])
        .assert()
        .success();
}

#[test]
fn the_config_default_marks_users_an_operator_creates_but_not_registrants() {
    let env = TestEnv::with_config("[password]\nmust_change_on_create = true\n");
    env.create_user("ada@example.com", &[]);
    env.create_user("bob@example.com", &["--must-change-password=false"]);
    env.create_superuser("root@example.com", &[]);
    env.cmd(&["register", "reg@example.com", "--password-stdin"])
        .write_stdin(format!("{STRONG}\n"))
        .assert()
        .success();
    let flag = |email: &str| env.user_json(email)["must_change_password"].clone();
    assert_eq!(flag("ada@example.com"), true);
    assert_eq!(flag("bob@example.com"), false);
    assert_eq!(flag("root@example.com"), true);
    assert_eq!(flag("reg@example.com"), false);
    env.cmd(&[
        "update-user",
        "ada@example.com",
        "--must-change-password",
        "false",
    ])
    .assert()
    .success();
    assert_eq!(flag("ada@example.com"), false);
    assert_eq!(audit(&env, "user_updated"), ["must_change_password=false"]);
}

#[test]
fn a_reset_token_is_shown_once_stored_hashed_and_sets_the_password_once() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &["--must-change-password"]);
    env.cmd(&["issue-token", "ada@example.com"])
        .assert()
        .code(5);
    let out = env
        .cmd(&["create-reset-token", "ada@example.com"])
        .assert()
        .success();
    let token = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(
        regex::Regex::new(r"^udbr_[0-9A-Za-z]{38}\n$")
            .unwrap()
            .is_match(&token)
    );
    let token = token.trim().to_string();
    let err = stderr_text(out.get_output());
    assert!(
        err.contains("expires 2026-01-03 03:04:05 UTC (in 1d)"),
        "{err}"
    );
    assert!(!err.contains(&token));
    // Only its digest is kept; nothing secret in the log.
    let stored = env.stored_bytes();
    assert!(
        stored
            .iter()
            .all(|(_, bytes)| !bytes.windows(token.len()).any(|w| w == token.as_bytes()))
    );
    assert!(
        !env.query_rows("SELECT detail FROM audit_log")
            .join(" ")
            .contains(&token[5..])
    );

    reset(&env, "ada@example.com", &token, NEW)
        .success()
        .stderr("Password of ada@example.com reset; its API tokens are revoked.\n");
    sign_in(&env, "ada@example.com", NEW).success();
    assert_eq!(
        env.user_json("ada@example.com")["must_change_password"],
        false
    );
    env.cmd(&["issue-token", "ada@example.com"])
        .assert()
        .success();
    reset(
        &env,
        "ada@example.com",
        &token,
        "yet another fine passphrase",
    )
    .code(1)
    .stderr(predicate::str::contains(
        "reset token rejected: it was already used at",
    ));
    assert_eq!(audit(&env, "reset_token_rejected"), ["reason=used"]);
    assert_eq!(audit(&env, "password_reset").len(), 1);
}

#[test]
fn a_reset_token_dies_when_it_expires_is_replaced_or_the_password_changes() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    env.create_user("bob@example.com", &[]);
    let short = reset_token(&env, "ada@example.com", &["--expires", "1h"]);
    env.cmd(&["reset-password", "ada@example.com", "--new-password-stdin"])
        .env("USERDB_RESET_TOKEN", &short)
        .env("USERDB_NOW", now_plus(3600))
        .write_stdin(format!("{NEW}\n"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "it expired at 2026-01-02 04:04:05 UTC",
        ));

    let older = reset_token(&env, "ada@example.com", &[]);
    let newer = reset_token(&env, "ada@example.com", &[]);
    reset(&env, "ada@example.com", &older, NEW)
        .code(1)
        .stderr(predicate::str::contains("a newer reset token replaced it"));
    // Someone else's token is just wrong: it says nothing about whose it is.
    reset(&env, "bob@example.com", &newer, NEW)
        .code(1)
        .stderr(predicate::str::contains("wrong reset token"));
    env.cmd(&["changepassword", "ada@example.com", "--password-stdin"])
        .write_stdin(format!("{NEW}\n"))
        .assert()
        .success();
    reset(
        &env,
        "ada@example.com",
        &newer,
        "yet another fine passphrase",
    )
    .code(1)
    .stderr(predicate::str::contains(
        "the password was changed after it was made",
    ));
    sign_in(&env, "ada@example.com", NEW).success();
    assert_eq!(
        audit(&env, "reset_token_rejected"),
        [
            "reason=expired",
            "reason=replaced",
            "reason=wrong",
            "reason=password changed"
        ]
    );
}

#[test]
fn reset_password_refuses_a_token_on_argv_weak_passwords_and_long_lifetimes() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    let token = reset_token(&env, "ada@example.com", &[]);
    let out = env
        .cmd(&["reset-password", "ada@example.com", &token])
        .assert()
        .code(2);
    assert!(!stderr_text(out.get_output()).contains(&token[5..]));
    env.cmd(&["reset-password", "ada@example.com", "--new-password-stdin"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("USERDB_RESET_TOKEN"));
    reset(&env, "ada@example.com", &token, "123")
        .code(2)
        .stderr(predicate::str::contains("password rejected"));
    // The token was not used up by the rejected password.
    env.cmd(&[
        "reset-password",
        "ada@example.com",
        "--token-stdin",
        "--new-password-env",
        "PW",
    ])
    .env("PW", NEW)
    .write_stdin(format!("{token}\n"))
    .assert()
    .success();
    env.cmd(&["create-reset-token", "ada@example.com", "--expires", "8d"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("7d"));
    env.cmd(&["create-reset-token", "nobody@example.com"])
        .assert()
        .code(3);
    // One character changed (to another one: a token may end in x).
    let last = if token.ends_with('x') { 'y' } else { 'x' };
    let mistyped = format!("{}{last}", &token[..token.len() - 1]);
    reset(&env, "ada@example.com", &mistyped, NEW)
        .code(1)
        .stderr(predicate::str::contains("malformed"));
}

#[test]
fn an_account_past_its_expiry_is_refused_everywhere_until_extended() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &["--expires-at", "2026-01-03"]);
    assert_eq!(
        env.user_json("ada@example.com")["expires_at"],
        "2026-01-03T00:00:00.000000Z"
    );
    let token = stdout(
        env.cmd(&["issue-token", "ada@example.com"])
            .assert()
            .success(),
    );
    let later = "2026-01-03T00:00:01Z";
    let at_later = |args: &[&str]| {
        let mut cmd = env.cmd(args);
        cmd.env("USERDB_NOW", later);
        cmd
    };
    at_later(&["authenticate", "ada@example.com", "--password-stdin"])
        .write_stdin(format!("{STRONG}\n"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "the account of ada@example.com expired at 2026-01-03 00:00:00 UTC",
        ));
    at_later(&["verify-token"])
        .env("USERDB_TOKEN", &token)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("expired"));
    at_later(&["issue-token", "ada@example.com"])
        .assert()
        .code(1);
    let sent = at_later(&["send-otp", "ada@example.com", "--purpose", "login"])
        .assert()
        .code(1);
    assert!(stderr_text(sent.get_output()).contains("expired"));
    let listed = stdout_json(
        at_later(&["--json", "list-users", "--expired"])
            .assert()
            .success()
            .get_output(),
    );
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let doctor = at_later(&["doctor"]).assert().success();
    assert!(
        String::from_utf8_lossy(&doctor.get_output().stdout)
            .contains("1 account(s) have expired but are still active: ada@example.com"),
    );
    env.cmd(&["update-user", "ada@example.com", "--expires-at", "never"])
        .assert()
        .success();
    at_later(&["authenticate", "ada@example.com", "--password-stdin"])
        .write_stdin(format!("{STRONG}\n"))
        .assert()
        .success();
    assert_eq!(audit(&env, "login_failed"), ["account expired"]);
    env.cmd(&["update-user", "ada@example.com", "--expires-at", "soon"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("RFC 3339"));
}

#[test]
fn a_code_sign_in_is_refused_once_the_account_expired() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &["--expires-at", &now_plus(60)]);
    let out = env
        .cmd(&["send-otp", "ada@example.com", "--purpose", "login"])
        .assert()
        .success();
    let code = code_in(&String::from_utf8_lossy(&out.get_output().stdout));
    env.cmd(&["verify-otp", "ada@example.com", &code, "--purpose", "login"])
        .env("USERDB_NOW", now_plus(61))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("expired"));
    assert_eq!(
        env.query_one("SELECT detail FROM audit_log WHERE event = 'otp_failed'"),
        "purpose=login, reason=account_expired"
    );
}

#[test]
fn a_temporary_superuser_expires_by_itself_and_never_counts_as_the_last_one() {
    let env = TestEnv::new();
    env.create_superuser("root@example.com", &[]);
    env.create_superuser("glass@example.com", &["--temporary", "8h"]);
    let glass = env.user_json("glass@example.com");
    assert_eq!(glass["is_superuser"], true);
    assert_eq!(glass["expires_at"], "2026-01-02T11:04:05.000000Z");
    // The lasting superuser stays protected while the temporary one exists.
    env.cmd(&["delete-user", "root@example.com", "--yes"])
        .assert()
        .code(5);
    env.cmd(&["update-user", "root@example.com", "--superuser", "false"])
        .assert()
        .code(5);
    env.cmd(&[
        "update-user",
        "root@example.com",
        "--expires-at",
        "2027-01-01",
    ])
    .assert()
    .code(5);
    env.cmd(&["delete-user", "glass@example.com", "--yes"])
        .assert()
        .success();
    env.cmd(&[
        "createsuperuser",
        "--no-input",
        "--email",
        "x@example.com",
        "--temporary",
        "8h",
        "--expires-at",
        "never",
    ])
    .assert()
    .code(2);
}

#[test]
fn export_and_import_carry_must_change_password_and_expiry() {
    let from = TestEnv::new();
    from.create_user(
        "ada@example.com",
        &["--must-change-password", "--expires-at", "2027-01-31"],
    );
    from.create_user("bob@example.com", &[]);
    for format in ["csv", "jsonl"] {
        let out = from.cmd(&["export", "--format", format]).assert().success();
        let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
        let to = TestEnv::new();
        to.cmd(&["import", "-", "--format", format])
            .write_stdin(text)
            .assert()
            .success();
        let ada = to.user_json("ada@example.com");
        assert_eq!(ada["must_change_password"], true, "{format}");
        assert_eq!(ada["expires_at"], "2027-01-31T00:00:00.000000Z", "{format}");
        let bob = to.user_json("bob@example.com");
        assert_eq!(bob["must_change_password"], false, "{format}");
        assert_eq!(bob["expires_at"], Value::Null, "{format}");
    }
}
