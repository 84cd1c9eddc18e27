//! Account lifecycle: must-change-password, operator-issued reset tokens,
//! expiring accounts and temporary superusers. Time moves through USERDB_NOW.

use predicates::prelude::*;
use serde_json::Value;

use crate::support::{
    STRONG, TestEnv, code_in, now_plus, readme_block, run_as_script, stderr_text, stdout_json,
};

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
        "the password or the email address was changed after it was made",
    ));
    sign_in(&env, "ada@example.com", NEW).success();
    assert_eq!(
        audit(&env, "reset_token_rejected"),
        [
            "reason=expired",
            "reason=replaced",
            "reason=wrong",
            "reason=password or address changed"
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
    // The lasting superuser stays protected while the temporary one exists,
    // and the message names the rule: not "the last active superuser".
    env.cmd(&["delete-user", "root@example.com", "--yes"])
        .assert()
        .code(5)
        .stderr(
            "error: root@example.com is the last lasting superuser (temporary ones expire); \
             refusing to leave the database without one; create another superuser without \
             --temporary first, or pass --force\n",
        );
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

#[test]
fn the_readme_break_glass_example_makes_a_superuser_who_can_sign_in_for_8h() {
    let env = TestEnv::new();
    env.write_file("pw.txt", &format!("{STRONG}\n"));
    let script = readme_block("# A contractor until the end of March");
    assert!(
        script.contains("--temporary 8h --generate-password"),
        "{script}"
    );
    let out = run_as_script(&env, &script, &[]);
    assert!(out.status.success(), "{}", stderr_text(&out));
    // The generated password comes first on stdout, alone on its line.
    let stdout = String::from_utf8(out.stdout.clone()).unwrap();
    let password = stdout.lines().next().unwrap_or_default();
    assert!(password.len() >= 20, "{stdout}");
    env.cmd(&["authenticate", "oncall@example.com", "--password-stdin"])
        .write_stdin(format!("{password}\n"))
        .assert()
        .success();
    let user = env.user_json("oncall@example.com");
    assert_eq!(user["is_superuser"], true);
    assert_eq!(user["expires_at"], "2026-01-02T11:04:05.000000Z");
}

/// A reset token is made for an address: the one who holds that address must
/// not reset the account once it moved to another (issue 24.10).
#[test]
fn a_reset_token_dies_when_the_email_address_changes() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    let token = reset_token(&env, "ada@example.com", &[]);
    env.cmd(&[
        "update-user",
        "ada@example.com",
        "--email",
        "ada@elsewhere.example",
    ])
    .assert()
    .success();
    reset(&env, "ada@elsewhere.example", &token, NEW)
        .code(1)
        .stderr(predicate::str::contains(
            "the password or the email address was changed after it was made",
        ));
    sign_in(&env, "ada@elsewhere.example", STRONG).success();
    // Another spelling of the same address is the same address: the token lives.
    let token = reset_token(&env, "ada@elsewhere.example", &[]);
    env.cmd(&[
        "update-user",
        "ada@elsewhere.example",
        "--email",
        "Ada@elsewhere.example",
    ])
    .assert()
    .success();
    reset(&env, "ada@elsewhere.example", &token, NEW).success();
    sign_in(&env, "ada@elsewhere.example", NEW).success();
}

fn sent_code(env: &TestEnv, email: &str, purpose: &str) -> String {
    let out = env
        .cmd(&["send-otp", email, "--purpose", purpose])
        .assert()
        .success();
    code_in(&String::from_utf8_lossy(&out.get_output().stdout))
}

/// A token refused with a right code leaves the code unused (issue 24.7).
#[test]
fn a_login_code_refused_a_token_for_a_must_change_password_is_not_used_up() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &["--must-change-password"]);
    let code = sent_code(&env, "ada@example.com", "login");
    let login = ["verify-otp", "ada@example.com", &code, "--purpose", "login"];
    env.cmd(&[&login[..], &["--issue-token"]].concat())
        .assert()
        .code(5)
        .stdout("")
        .stderr(predicate::str::contains(
            "must change the password an operator set",
        ));
    assert_eq!(
        audit(&env, "token_refused"),
        ["must change password; the code is kept"]
    );
    // The code still signs in (without a token).
    env.cmd(&login).assert().success();
}

/// One rule for every path that issues a token (issue 24.8): a user who must
/// change the password an operator set gets none until they chose one.
#[test]
fn every_path_that_issues_a_token_refuses_a_must_change_password() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &["--must-change-password"]);
    let must_change =
        |env: &TestEnv| env.user_json("ada@example.com")["must_change_password"].clone();
    // A verify-email code without a password: refused, and nothing changes.
    let code = sent_code(&env, "ada@example.com", "verify-email");
    env.cmd(&["verify-otp", "ada@example.com", &code, "--issue-token"])
        .assert()
        .code(5)
        .stdout("");
    assert_eq!(must_change(&env), true);
    assert_eq!(
        env.user_json("ada@example.com")["email_verified_at"],
        Value::Null
    );
    // The password sign-in, and the operator's issue-token: refused alike.
    sign_in(&env, "ada@example.com", STRONG).success();
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
    env.cmd(&["issue-token", "ada@example.com"])
        .assert()
        .code(5);
    // The same code with a password the user chooses meets it: a token.
    let out = env
        .cmd(&[
            "verify-otp",
            "ada@example.com",
            &code,
            "--issue-token",
            "--password-stdin",
        ])
        .write_stdin(format!("{NEW}\n"))
        .assert()
        .success();
    assert!(stdout(out).starts_with("udb_"));
    assert_eq!(must_change(&env), false);
}

/// A first verification without a password makes the password unusable; that
/// is not a password the user chose, so a must-change-password stays.
#[test]
fn an_unusable_password_does_not_meet_a_must_change_password() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &["--must-change-password"]);
    let code = sent_code(&env, "ada@example.com", "verify-email");
    env.cmd(&["verify-otp", "ada@example.com", &code])
        .assert()
        .success();
    let ada = env.user_json("ada@example.com");
    assert_eq!(ada["must_change_password"], true);
    let code = sent_code(&env, "ada@example.com", "login");
    env.cmd(&[
        "verify-otp",
        "ada@example.com",
        &code,
        "--purpose",
        "login",
        "--issue-token",
    ])
    .assert()
    .code(5);
}

/// Django's reset leaves inactive users out (issue 24.12): by token, by code,
/// and no reset token is made for one.
#[test]
fn an_inactive_or_expired_user_cannot_reset_the_password() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    let token = reset_token(&env, "ada@example.com", &[]);
    let code = sent_code(&env, "ada@example.com", "password-reset");
    env.cmd(&["update-user", "ada@example.com", "--active", "false"])
        .assert()
        .success();
    reset(&env, "ada@example.com", &token, NEW)
        .code(1)
        .stderr(predicate::str::contains("user ada@example.com is inactive"));
    env.cmd(&[
        "verify-otp",
        "ada@example.com",
        &code,
        "--purpose",
        "password-reset",
        "--new-password-stdin",
    ])
    .write_stdin(format!("{NEW}\n"))
    .assert()
    .code(1)
    .stderr(predicate::str::contains("inactive"));
    env.cmd(&["create-reset-token", "ada@example.com"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains("--active true"));
    assert_eq!(
        audit(&env, "reset_token_rejected"),
        ["reason=inactive user"]
    );
    sign_in(&env, "ada@example.com", STRONG).code(1);
    // Active again, the token made before works: it was the account that was refused.
    env.cmd(&["update-user", "ada@example.com", "--active", "true"])
        .assert()
        .success();
    reset(&env, "ada@example.com", &token, NEW).success();
    // An expired account is refused alike.
    env.create_user("gone@example.com", &["--expires-at", &now_plus(60)]);
    let token = reset_token(&env, "gone@example.com", &[]);
    env.cmd(&["reset-password", "gone@example.com", "--new-password-stdin"])
        .env("USERDB_RESET_TOKEN", &token)
        .env("USERDB_NOW", now_plus(61))
        .write_stdin(format!("{NEW}\n"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("expired"));
}

/// A reset token is used once however many processes present it at once: on
/// PostgreSQL the claim holds the user's and the token's rows, not the writers'
/// lock, and a second claim waits, then finds it used.
#[test]
fn parallel_uses_of_one_reset_token_set_one_password() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    let token = reset_token(&env, "ada@example.com", &[]);
    let children: Vec<_> = (0..8)
        .map(|i| {
            let mut child = env
                .std_cmd(&["reset-password", "ada@example.com", "--new-password-stdin"])
                .env("USERDB_RESET_TOKEN", &token)
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap();
            use std::io::Write;
            writeln!(child.stdin.take().unwrap(), "{NEW} number {i}").unwrap();
            child
        })
        .collect();
    let codes: Vec<i32> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap().status.code().unwrap())
        .collect();
    assert_eq!(codes.iter().filter(|c| **c == 0).count(), 1, "{codes:?}");
    assert!(codes.iter().all(|c| *c == 0 || *c == 1), "{codes:?}");
    assert_eq!(audit(&env, "password_reset").len(), 1);
    let winner = codes.iter().position(|c| *c == 0).unwrap();
    sign_in(&env, "ada@example.com", &format!("{NEW} number {winner}")).success();
}
