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

/// Every answer of a run with `args` (EMAIL stands for the address), `vars`
/// and `stdin`, for each of `emails`, in text and in `--json`: exit code,
/// stdout and stderr, with the address blanked, must be the same byte for byte.
/// Returns the exit code and stderr (text).
fn answers_alike(
    env: &TestEnv,
    emails: &[&str],
    args: &[&str],
    vars: &[(&str, &str)],
    stdin: &str,
) -> (i32, String) {
    let mut seen: Vec<(i32, String, String)> = Vec::new();
    for json in [false, true] {
        let mut first = None;
        for email in emails {
            let mut full: Vec<&str> = if json { vec!["--json"] } else { Vec::new() };
            full.extend(args.iter().map(|a| if *a == "EMAIL" { *email } else { a }));
            let out = env
                .cmd(&full)
                .env(CONCEAL.0, CONCEAL.1)
                .envs(vars.iter().copied())
                .write_stdin(stdin.to_string())
                .output()
                .unwrap();
            let answer = (
                out.status.code().unwrap(),
                String::from_utf8_lossy(&out.stdout).replace(email, "ADDRESS"),
                stderr_text(&out).replace(email, "ADDRESS"),
            );
            match &first {
                None => first = Some(answer),
                Some(expected) => assert_eq!(
                    &answer, expected,
                    "{email} answers otherwise than {} to {full:?}",
                    emails[0]
                ),
            }
        }
        seen.push(first.unwrap());
    }
    (seen[0].0, seen[0].2.clone())
}

/// A verified account, an inactive one, an unverified one, one whose password
/// an operator set (must change), and no account at all (issue 24.5).
const EVERYONE: [&str; 5] = [
    "nobody@example.com",
    "ada@example.com",
    "off@example.com",
    "new@example.com",
    "temp@example.com",
];

fn everyone(env: &TestEnv) {
    accounts(env);
    env.create_user("new@example.com", &[]);
    env.create_user("temp@example.com", &["--must-change-password"]);
    env.sql(
        "UPDATE users SET email_verified_at = '2026-01-01T00:00:00Z' \
         WHERE email = 'temp@example.com'",
    );
    for email in ["ada@example.com", "new@example.com"] {
        env.cmd(&["issue-token", email, "--name", "ci"])
            .assert()
            .success();
    }
}

/// The reset token `create-reset-token` prints for `email`.
fn reset_token(env: &TestEnv, email: &str) -> String {
    let out = env.cmd(&["create-reset-token", email]).assert().success();
    String::from_utf8_lossy(&out.get_output().stdout)
        .trim()
        .to_string()
}

#[test]
fn reset_password_answers_alike_whoever_holds_the_address() {
    let env = TestEnv::new();
    everyone(&env);
    env.create_user("bob@example.com", &[]);
    let args = ["reset-password", "EMAIL", "--new-password-stdin"];
    let stdin = format!("{STRONG}\n");
    // A well-formed token, someone else's.
    let bobs = reset_token(&env, "bob@example.com");
    let (code, stderr) = answers_alike(
        &env,
        &EVERYONE,
        &args,
        &[("USERDB_RESET_TOKEN", &bobs)],
        &stdin,
    );
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("reset token is not valid"), "{stderr}");
    // A malformed one is told as such, for everyone alike.
    let (code, stderr) = answers_alike(
        &env,
        &EVERYONE,
        &args,
        &[("USERDB_RESET_TOKEN", "udbr_not-a-token")],
        &stdin,
    );
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("malformed"), "{stderr}");
    // An inactive user's own token is refused as a wrong one (issue 24.12).
    env.cmd(&["update-user", "off@example.com", "--active", "true"])
        .assert()
        .success();
    let offs = reset_token(&env, "off@example.com");
    env.cmd(&["update-user", "off@example.com", "--active", "false"])
        .assert()
        .success();
    answers_alike(
        &env,
        &["off@example.com", "nobody@example.com"],
        &args,
        &[("USERDB_RESET_TOKEN", &offs)],
        &stdin,
    );
}

#[test]
fn verify_otp_answers_alike_for_every_purpose_and_flag() {
    let env = TestEnv::new();
    everyone(&env);
    let wrong = "000000";
    let weak = "123\n";
    let strong = format!("{STRONG}\n");
    let reset = ["--purpose", "password-reset"];
    let login = ["--purpose", "login"];
    let cases: Vec<(Vec<&str>, &str, i32)> = vec![
        (vec![], "", 1),
        (login.to_vec(), "", 1),
        (vec!["--issue-token"], "", 1),
        ([&login[..], &["--issue-token"]].concat(), "", 1),
        // A token name the account already has: judged only once the code is right.
        (
            [&login[..], &["--issue-token", "--token-name", "ci"]].concat(),
            "",
            1,
        ),
        (vec!["--password-stdin"], &strong, 1),
        (vec!["--password-stdin", "--issue-token"], &strong, 1),
        // A weak password is refused alike, before the account is looked at.
        (vec!["--password-stdin"], weak, 2),
        (reset.to_vec(), "", 1),
        ([&reset[..], &["--new-password-stdin"]].concat(), &strong, 1),
        ([&reset[..], &["--new-password-stdin"]].concat(), weak, 2),
    ];
    for (extra, stdin, expected) in &cases {
        let mut args = vec!["verify-otp", "EMAIL", wrong];
        args.extend_from_slice(extra);
        let (code, stderr) = answers_alike(&env, &EVERYONE, &args, &[], stdin);
        assert_eq!(code, *expected, "{args:?}: {stderr}");
    }
    let (code, _) = answers_alike(
        &env,
        &EVERYONE,
        &["verify-otp", "EMAIL", "--code-stdin"],
        &[],
        "000000\n",
    );
    assert_eq!(code, 1);
    // Not a code at all: an input error, alike.
    let (code, _) = answers_alike(&env, &EVERYONE, &["verify-otp", "EMAIL", "12"], &[], "");
    assert_eq!(code, 2);
}

#[test]
fn authenticate_and_send_otp_answer_alike_with_every_flag() {
    let env = TestEnv::new();
    everyone(&env);
    let wrong = "not the password\n";
    let sign_in = ["authenticate", "EMAIL", "--password-stdin"];
    let (code, _) = answers_alike(&env, &EVERYONE, &sign_in, &[], wrong);
    assert_eq!(code, 1);
    let with_token = [&sign_in[..], &["--issue-token", "--token-name", "ci"]].concat();
    let (code, _) = answers_alike(&env, &EVERYONE, &with_token, &[], wrong);
    assert_eq!(code, 1);
    // The mailbox is a file: what a caller reads is stdout and stderr.
    let outbox = env.path().join("outbox");
    let mail = [
        ("USERDB_EMAIL_BACKEND", "file"),
        ("USERDB_EMAIL_FILE_PATH", outbox.to_str().unwrap()),
    ];
    for purpose in ["verify-email", "login", "password-reset"] {
        // Each run sends: the cooldown holds from the second (json) round on,
        // alike for every address.
        answers_alike(
            &env,
            &EVERYONE,
            &["send-otp", "EMAIL", "--purpose", purpose],
            &mail,
            "",
        );
    }
}
