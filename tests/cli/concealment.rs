//! `[registration] conceal_accounts`: answers a service can pass on to the public
//! never say whether an address has an account. Whoever reads the mailbox learns
//! why no code came; whoever reads the answer learns nothing. (Issue 12.5.)

use crate::support::{STRONG, TestEnv, code_in, now_plus, stderr_text, stdout_json};

const CONCEAL: (&str, &str) = ("USERDB_REGISTRATION_CONCEAL_ACCOUNTS", "true");

/// A run's exit code and stderr, with `email` blanked, and its stdout (the
/// console backend's mailbox).
fn answer(env: &TestEnv, email: &str, args: &[&str], stdin: &str) -> (i32, String, String) {
    let out = env
        .cmd(args)
        .env(CONCEAL.0, CONCEAL.1)
        .write_stdin(stdin.to_string())
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        stderr_text(&out).replace(email, "ADDRESS"),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// A verified account with the owner's password; and an inactive one.
fn accounts(env: &TestEnv) {
    env.create_user("ada@example.com", &[]);
    env.sql("UPDATE users SET email_verified_at = '2026-01-01T00:00:00Z'");
    env.create_user("off@example.com", &["--inactive"]);
}

#[test]
fn send_otp_answers_alike_for_an_account_an_unknown_address_and_an_inactive_user() {
    let env = TestEnv::new();
    accounts(&env);
    let mut answers = Vec::new();
    for email in ["ada@example.com", "nobody@example.com", "off@example.com"] {
        let (code, stderr, mailbox) =
            answer(&env, email, &["send-otp", email, "--purpose", "login"], "");
        assert_eq!(code, 0, "{email}: {stderr}");
        answers.push((stderr, mailbox));
    }
    assert_eq!(answers[0].0, answers[1].0);
    assert_eq!(answers[0].0, answers[2].0);
    assert!(
        answers[0]
            .0
            .contains("If the address has an active account"),
        "{}",
        answers[0].0
    );
    // Only the mailbox says why.
    code_in(&answers[0].1);
    assert!(
        answers[1].1.contains("no account uses it"),
        "{}",
        answers[1].1
    );
    assert!(
        answers[2].1.contains("its account is inactive"),
        "{}",
        answers[2].1
    );
    let log = env.query_one(
        "SELECT group_concat(event || ' ' || email, '; ') FROM audit_log \
         WHERE event = 'otp_notice_sent'",
    );
    assert_eq!(
        log,
        "otp_notice_sent nobody@example.com; otp_notice_sent off@example.com"
    );
}

#[test]
fn an_unknown_address_is_held_to_the_same_cooldown_as_an_account() {
    let env = TestEnv::new();
    accounts(&env);
    let mut refusals = Vec::new();
    for email in ["ada@example.com", "nobody@example.com"] {
        answer(&env, email, &["send-otp", email, "--purpose", "login"], "");
        let (code, stderr, _) = answer(&env, email, &["send-otp", email, "--purpose", "login"], "");
        assert_eq!(code, 5, "{stderr}");
        refusals.push(stderr);
    }
    assert_eq!(refusals[0], refusals[1]);
}

#[test]
fn the_json_answer_of_send_otp_has_one_shape_whoever_holds_the_address() {
    let env = TestEnv::new();
    accounts(&env);
    let shape = |email: &str| {
        let out = env
            .cmd(&["--json", "send-otp", email])
            .env(CONCEAL.0, CONCEAL.1)
            .env("USERDB_EMAIL_BACKEND", "file")
            .env("USERDB_EMAIL_FILE_PATH", env.path().join("outbox"))
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr_text(&out));
        let mut json = stdout_json(&out);
        assert_eq!(json["email"], email);
        json["email"] = "ADDRESS".into();
        json["message_id"] = "ID".into();
        json
    };
    assert_eq!(shape("ada@example.com"), shape("nobody@example.com"));
}

#[test]
fn register_answers_alike_for_a_free_a_verified_and_an_inactive_address() {
    let env = TestEnv::new();
    accounts(&env);
    let stdin = format!("{STRONG}\n");
    let mut answers = Vec::new();
    for email in ["new@example.com", "ada@example.com", "off@example.com"] {
        let (code, stderr, mailbox) = answer(
            &env,
            email,
            &["register", email, "--password-stdin"],
            &stdin,
        );
        assert_eq!(code, 0, "{email}: {stderr}");
        answers.push((stderr, mailbox));
    }
    assert_eq!(answers[0].0, answers[1].0);
    assert_eq!(answers[0].0, answers[2].0);
    assert!(
        answers[0].0.contains("it holds a code valid for 10m"),
        "{}",
        answers[0].0
    );
    code_in(&answers[0].1);
    assert!(answers[1].1.contains("already has one"), "{}", answers[1].1);
    assert!(answers[2].1.contains("inactive"), "{}", answers[2].1);
    // The verified owner's password is untouched; the stranger's does not sign in.
    env.cmd(&["authenticate", "ada@example.com", "--password-stdin"])
        .write_stdin(format!("{STRONG}\n"))
        .assert()
        .success();
    env.cmd(&["authenticate", "ada@example.com", "--password-stdin"])
        .write_stdin("a stranger's passphrase\n")
        .assert()
        .code(1);
    // A weak password is refused alike, whether the address is free or taken.
    let (free, free_err, _) = answer(
        &env,
        "free@example.com",
        &["register", "free@example.com", "--password-stdin"],
        "123\n",
    );
    let (taken, taken_err, _) = answer(
        &env,
        "ada@example.com",
        &["register", "ada@example.com", "--password-stdin"],
        "123\n",
    );
    assert_eq!((free, free_err), (taken, taken_err));
    assert_eq!(free, 2);
}

#[test]
fn authenticate_and_verify_otp_fail_alike_for_an_unknown_address() {
    let env = TestEnv::new();
    accounts(&env);
    let auth = |email: &str| {
        answer(
            &env,
            email,
            &["authenticate", email, "--password-stdin"],
            "not the password\n",
        )
    };
    let (known, unknown) = (auth("ada@example.com"), auth("nobody@example.com"));
    assert_eq!((known.0, &known.1), (unknown.0, &unknown.1));
    assert_eq!(known.0, 1);
    let verify = |email: &str| {
        answer(
            &env,
            email,
            &["verify-otp", email, "123456", "--purpose", "login"],
            "",
        )
    };
    let (known, unknown) = (verify("ada@example.com"), verify("nobody@example.com"));
    assert_eq!((known.0, &known.1), (unknown.0, &unknown.1));
    assert_eq!(known.0, 1);
}

#[test]
fn without_the_key_the_operator_is_told_the_plain_reason() {
    let env = TestEnv::new();
    env.cmd(&["send-otp", "nobody@example.com"])
        .env("USERDB_NOW", now_plus(0))
        .assert()
        .code(3);
    env.cmd(&["config", "--json"])
        .env(CONCEAL.0, CONCEAL.1)
        .assert()
        .success()
        .stdout(predicates::str::contains("registration.conceal_accounts"));
}
