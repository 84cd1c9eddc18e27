//! The second factor's commands through the binary, on both engines:
//! enroll-totp (--json; the terminal flow is in pty.rs), confirm-totp,
//! recovery-codes, disable-2fa, and what show-user and list-users say of it.

use predicates::prelude::*;
use serde_json::Value;

use crate::support::{NOW, TestEnv, now_plus, stderr_text, stdout_json, totp_code};

const ADA: &str = "ada@example.com";

/// `--json enroll-totp EMAIL ARGS…`, parsed.
fn enroll_json(env: &TestEnv, email: &str, args: &[&str]) -> Value {
    let mut all = vec!["--json", "enroll-totp", email];
    all.extend_from_slice(args);
    stdout_json(env.cmd(&all).assert().success().get_output())
}

/// `--json confirm-totp EMAIL` with `code` on stdin.
fn confirm(env: &TestEnv, email: &str, code: &str) -> assert_cmd::assert::Assert {
    env.cmd(&["--json", "confirm-totp", email])
        .write_stdin(format!("{code}\n"))
        .assert()
}

/// The recovery codes of a `{"recovery_codes": [...]}` answer.
fn codes_of(output: &std::process::Output) -> Vec<String> {
    let json = stdout_json(output);
    json["recovery_codes"]
        .as_array()
        .expect("recovery_codes")
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect()
}

/// A user enrolled and confirmed through the binary: the secret and the codes.
fn enrolled(env: &TestEnv, email: &str) -> (String, Vec<String>) {
    let started = enroll_json(env, email, &[]);
    let secret = started["secret"].as_str().unwrap().to_string();
    let out = confirm(env, email, &totp_code(&secret, NOW)).success();
    (secret, codes_of(out.get_output()))
}

/// `show-user --json`'s second factor: (`second_factor`, `recovery_codes_left`).
fn status(env: &TestEnv, email: &str) -> (String, Value) {
    let json = env.user_json(email);
    (
        json["second_factor"].as_str().unwrap().to_string(),
        json["recovery_codes_left"].clone(),
    )
}

fn wrong_code(right: &str) -> &'static str {
    if right == "000000" {
        "111111"
    } else {
        "000000"
    }
}

fn is_recovery_code(code: &str) -> bool {
    let alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    code.len() == 11
        && code.char_indices().all(|(i, c)| {
            if i == 5 {
                c == '-'
            } else {
                alphabet.contains(c)
            }
        })
}

#[test]
fn enroll_totp_json_leaves_the_enrolment_pending_until_confirm_totp_gets_a_right_code() {
    let env = TestEnv::new();
    env.create_user(ADA, &[]);
    let started = enroll_json(&env, ADA, &[]);
    let keys: Vec<&str> = started
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    // Exactly these (serde_json's map keeps them sorted).
    assert_eq!(keys, ["email", "expires_at", "secret", "uri"]);
    assert_eq!(started["email"], ADA);
    assert_eq!(
        started["expires_at"], "2026-01-02T03:14:05.000000Z",
        "10 minutes on"
    );
    let secret = started["secret"].as_str().unwrap();
    assert_eq!(secret.len(), 32, "160 bits in base32");
    assert_eq!(
        started["uri"],
        format!("otpauth://totp/userdb:ada@example.com?secret={secret}&issuer=userdb")
    );
    assert_eq!(status(&env, ADA), ("pending".into(), Value::Null));

    let right = totp_code(secret, NOW);
    confirm(&env, ADA, wrong_code(&right))
        .code(1)
        .stderr(predicate::str::contains("was not accepted"));
    assert_eq!(status(&env, ADA).0, "pending");

    let out = confirm(&env, ADA, &right).success();
    let codes = codes_of(out.get_output());
    assert_eq!(codes.len(), 10);
    assert!(codes.iter().all(|c| is_recovery_code(c)), "{codes:?}");
    assert_eq!(status(&env, ADA), ("totp".into(), Value::from(10)));
}

#[test]
fn confirm_totp_on_a_terminal_less_run_prints_the_codes_as_a_list() {
    let env = TestEnv::new();
    env.create_user(ADA, &[]);
    let started = enroll_json(&env, ADA, &[]);
    let code = totp_code(started["secret"].as_str().unwrap(), NOW);
    let out = env
        .cmd(&["confirm-totp", ADA])
        .write_stdin(format!("{code}\n"))
        .assert()
        .success();
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 10, "{stdout}");
    assert!(lines.iter().all(|c| is_recovery_code(c)), "{stdout}");
    assert!(stderr_text(out.get_output()).contains("shown this once"));
}

#[test]
fn confirm_totp_refuses_an_empty_stdin_an_unknown_user_and_an_expired_enrolment() {
    let env = TestEnv::new();
    env.create_user(ADA, &[]);
    env.cmd(&["confirm-totp", ADA])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no code on standard input"));
    env.cmd(&["confirm-totp", "nobody@example.com"])
        .write_stdin("123456\n")
        .assert()
        .code(3);
    // Nothing pending.
    confirm(&env, ADA, "123456")
        .code(1)
        .stderr(predicate::str::contains("no pending TOTP enrolment"));
    let started = enroll_json(&env, ADA, &[]);
    let later = now_plus(600);
    let code = totp_code(started["secret"].as_str().unwrap(), &later);
    env.cmd(&["confirm-totp", ADA])
        .env("USERDB_NOW", &later)
        .write_stdin(format!("{code}\n"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "userdb enroll-totp ada@example.com",
        ));
    assert_eq!(status(&env, ADA).0, "pending");
    env.cmd(&["--json", "show-user", ADA])
        .env("USERDB_NOW", &later)
        .assert()
        .success()
        .stdout(predicate::str::contains(r#""second_factor": "none""#));
}

#[test]
fn enroll_totp_without_a_terminal_or_json_stores_nothing_and_points_to_json_and_confirm_totp() {
    let env = TestEnv::new();
    env.create_user(ADA, &[]);
    for args in [
        &["enroll-totp", ADA][..],
        &["--no-input", "enroll-totp", ADA],
    ] {
        env.cmd(args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("--json enroll-totp"))
            .stderr(predicate::str::contains("confirm-totp"));
    }
    assert_eq!(status(&env, ADA).0, "none");
    assert_eq!(
        env.query_one("SELECT count(*) FROM audit_log WHERE event = 'totp_enrolment_started'"),
        "0"
    );
}

#[test]
fn a_confirmed_totp_is_replaced_only_with_replace() {
    let env = TestEnv::new();
    env.create_user(ADA, &[]);
    let (old, _) = enrolled(&env, ADA);
    env.cmd(&["--json", "enroll-totp", ADA])
        .assert()
        .code(4)
        .stdout("")
        .stderr(predicate::str::contains("already_exists"));
    env.cmd(&["enroll-totp", ADA]).assert().code(2);
    let new = enroll_json(&env, ADA, &["--replace"]);
    assert_ne!(new["secret"], old.as_str());
    // The confirmed secret stays until the new one is confirmed.
    assert_eq!(status(&env, ADA).0, "totp");
    let later = now_plus(30);
    env.cmd(&["--json", "confirm-totp", ADA])
        .env("USERDB_NOW", &later)
        .write_stdin(format!(
            "{}\n",
            totp_code(new["secret"].as_str().unwrap(), &later)
        ))
        .assert()
        .success();
    assert_eq!(status(&env, ADA), ("totp".into(), Value::from(10)));
}

#[test]
fn recovery_codes_makes_a_new_set_and_the_old_set_dies() {
    let env = TestEnv::new();
    env.create_user(ADA, &[]);
    env.cmd(&["recovery-codes", ADA])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("has no second factor"))
        .stderr(predicate::str::contains(
            "userdb enroll-totp ada@example.com",
        ));
    let (_, first) = enrolled(&env, ADA);
    let digests = |env: &TestEnv| {
        let hex = if crate::ON_POSTGRES {
            "encode(digest, 'hex')"
        } else {
            "lower(hex(digest))"
        };
        env.query_rows(&format!("SELECT {hex} FROM recovery_codes ORDER BY 1"))
    };
    let before = digests(&env);
    let out = env
        .cmd(&["--json", "recovery-codes", ADA])
        .assert()
        .success();
    let second = codes_of(out.get_output());
    assert_eq!(second.len(), 10);
    assert!(second.iter().all(|c| !first.contains(c)));
    let after = digests(&env);
    assert_eq!(after.len(), 10, "the old set is gone, not kept beside");
    assert!(after.iter().all(|d| !before.contains(d)));
    assert_eq!(status(&env, ADA), ("totp".into(), Value::from(10)));
}

#[test]
fn disable_2fa_removes_everything_revokes_tokens_unless_kept_and_audits_the_reason() {
    let env = TestEnv::new();
    env.create_user(ADA, &[]);
    env.create_user("bob@example.com", &[]);
    enrolled(&env, ADA);
    enrolled(&env, "bob@example.com");
    let token = |email: &str| {
        let out = env.cmd(&["issue-token", email]).assert().success();
        String::from_utf8(out.get_output().stdout.clone()).unwrap()
    };
    let ada_token = token(ADA);
    let bob_token = token("bob@example.com");

    env.cmd(&["disable-2fa", ADA]).assert().code(2);
    env.cmd(&["disable-2fa", ADA, "--reason", "  "])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("the reason"));
    assert_eq!(status(&env, ADA).0, "totp");

    let out = env
        .cmd(&[
            "--json",
            "disable-2fa",
            ADA,
            "--reason",
            "lost phone, ticket 42",
        ])
        .assert()
        .success();
    let json = stdout_json(out.get_output());
    assert_eq!(json["email"], ADA);
    assert_eq!(json["totp_removed"], true);
    assert_eq!(json["recovery_codes_removed"], 10);
    assert_eq!(json["revoked_tokens"].as_array().unwrap().len(), 1);
    assert_eq!(status(&env, ADA), ("none".into(), Value::Null));
    env.cmd(&["verify-token"])
        .write_stdin(ada_token)
        .assert()
        .code(1);

    env.cmd(&[
        "disable-2fa",
        "bob@example.com",
        "--reason",
        "new phone",
        "--keep-tokens",
    ])
    .assert()
    .success()
    .stderr(predicate::str::contains("tokens kept"));
    env.cmd(&["verify-token"])
        .write_stdin(bob_token)
        .assert()
        .success();
    assert_eq!(
        env.query_rows(
            "SELECT detail FROM audit_log WHERE event = 'second_factor_disabled' ORDER BY id"
        ),
        [
            "reason=\"lost phone, ticket 42\", tokens revoked",
            "reason=\"new phone\", tokens kept"
        ]
    );
    assert_eq!(env.query_one("SELECT count(*) FROM totp_secrets"), "0");
    assert_eq!(env.query_one("SELECT count(*) FROM recovery_codes"), "0");
}

#[test]
fn no_secret_code_or_uri_reaches_the_audit_log() {
    let env = TestEnv::new();
    env.create_user(ADA, &[]);
    let started = enroll_json(&env, ADA, &[]);
    let secret = started["secret"].as_str().unwrap().to_string();
    let code = totp_code(&secret, NOW);
    confirm(&env, ADA, wrong_code(&code)).code(1);
    let out = confirm(&env, ADA, &code).success();
    let mut codes = codes_of(out.get_output());
    let out = env
        .cmd(&["--json", "recovery-codes", ADA])
        .assert()
        .success();
    codes.extend(codes_of(out.get_output()));
    env.cmd(&["disable-2fa", ADA, "--reason", "test"])
        .assert()
        .success();
    for args in [&["log"][..], &["--json", "log"]] {
        let out = env.cmd(args).assert().success();
        let log = String::from_utf8(out.get_output().stdout.clone()).unwrap();
        for event in [
            "totp_enrolment_started",
            "second_factor_failed",
            "totp_confirmed",
            "recovery_codes_regenerated",
            "second_factor_disabled",
        ] {
            assert!(log.contains(event), "{event} in\n{log}");
        }
        assert!(!log.contains(&secret), "{log}");
        assert!(!log.contains("otpauth"), "{log}");
        assert!(!log.contains(&code), "{log}");
        for c in &codes {
            assert!(!log.contains(c.as_str()), "{log}");
        }
    }
}

#[test]
fn show_user_and_list_users_say_and_filter_by_the_second_factor() {
    let env = TestEnv::new();
    env.create_user(ADA, &[]);
    env.create_user("bob@example.com", &[]);
    env.create_user("carol@example.com", &[]);
    enrolled(&env, ADA);
    enroll_json(&env, "bob@example.com", &[]);
    env.cmd(&["show-user", ADA])
        .assert()
        .success()
        .stdout(predicate::str::contains("2fa"))
        .stdout(predicate::str::contains("totp, 10 recovery codes left"));
    env.cmd(&["show-user", "bob@example.com"])
        .assert()
        .success()
        .stdout(predicate::str::is_match(r"2fa +┆ pending ").unwrap());
    env.cmd(&["show-user", "carol@example.com"])
        .assert()
        .success()
        .stdout(predicate::str::is_match(r"2fa +┆ none ").unwrap());

    let listed = |args: &[&str]| -> Vec<(String, String, Value)> {
        let mut all = vec!["--json", "list-users"];
        all.extend_from_slice(args);
        let out = env.cmd(&all).assert().success();
        stdout_json(out.get_output())
            .as_array()
            .unwrap()
            .iter()
            .map(|u| {
                (
                    u["email"].as_str().unwrap().to_string(),
                    u["second_factor"].as_str().unwrap().to_string(),
                    u["recovery_codes_left"].clone(),
                )
            })
            .collect()
    };
    assert_eq!(
        listed(&[]),
        [
            (ADA.into(), "totp".into(), Value::from(10)),
            ("bob@example.com".into(), "pending".into(), Value::Null),
            ("carol@example.com".into(), "none".into(), Value::Null),
        ]
    );
    assert_eq!(
        listed(&["--2fa", "yes"]),
        [(ADA.into(), "totp".into(), Value::from(10))]
    );
    let without: Vec<String> = listed(&["--2fa", "no"]).into_iter().map(|u| u.0).collect();
    assert_eq!(without, ["bob@example.com", "carol@example.com"]);
    // A page of the list says the same of each user.
    assert_eq!(
        listed(&["--offset", "1", "--limit", "1"]),
        [("bob@example.com".into(), "pending".into(), Value::Null)]
    );
    env.cmd(&["list-users", "--2fa", "maybe"]).assert().code(2);
}

#[test]
fn export_never_writes_a_second_factor_and_says_how_many_users_had_one() {
    let env = TestEnv::new();
    env.create_user(ADA, &[]);
    env.create_user("bob@example.com", &[]);
    let (secret, codes) = enrolled(&env, ADA);
    enroll_json(&env, "bob@example.com", &[]);
    for format in ["jsonl", "csv", "django"] {
        let out = env.cmd(&["export", "--format", format]).assert().success();
        let file = String::from_utf8(out.get_output().stdout.clone()).unwrap();
        assert!(file.contains(ADA), "{file}");
        assert!(!file.contains(&secret), "{file}");
        assert!(!file.contains("otpauth"), "{file}");
        for code in &codes {
            assert!(!file.contains(code.as_str()), "{file}");
        }
        let stderr = stderr_text(out.get_output());
        assert!(
            stderr.contains(
                "warning: 1 user(s) have a second factor (TOTP) that the file does not carry"
            ),
            "{format}: {stderr}"
        );
    }
    env.cmd(&["disable-2fa", ADA, "--reason", "test"])
        .assert()
        .success();
    env.cmd(&["export"])
        .assert()
        .success()
        .stderr(predicate::str::contains("second factor").not());
}

#[test]
fn copy_carries_second_factors_sealed_and_refuses_when_this_key_cannot_open_them() {
    let env = TestEnv::new();
    env.create_user(ADA, &[]);
    env.create_user("bob@example.com", &[]);
    enrolled(&env, ADA);
    let bob = enroll_json(&env, "bob@example.com", &[]);
    let target = env.path().join("copy.sqlite3").display().to_string();
    env.cmd(&["copy", "--to", &target])
        .env(
            "USERDB_SECRET_KEY",
            "another key, not the one that sealed them",
        )
        .assert()
        .code(6)
        .stderr(predicate::str::contains(
            "the TOTP secret of ada@example.com was sealed under key id",
        ));
    assert!(!std::path::Path::new(&target).exists(), "nothing written");

    env.cmd(&["copy", "--to", &target]).assert().success();
    let copied = |email: &str| {
        let out = env
            .cmd(&["--json", "show-user", email])
            .env("USERDB_DB", &target)
            .assert()
            .success();
        stdout_json(out.get_output())["second_factor"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(copied(ADA), "totp");
    assert_eq!(copied("bob@example.com"), "pending");
    // The copy opens with the same key: Bob's enrolment completes there.
    let code = totp_code(bob["secret"].as_str().unwrap(), NOW);
    env.cmd(&["--json", "confirm-totp", "bob@example.com"])
        .env("USERDB_DB", &target)
        .write_stdin(format!("{code}\n"))
        .assert()
        .success();
    assert_eq!(copied("bob@example.com"), "totp");
}

#[test]
fn copy_of_a_database_without_second_factors_needs_no_secret_key() {
    let env = TestEnv::new();
    env.create_user(ADA, &[]);
    let target = env.path().join("copy.sqlite3").display().to_string();
    env.cmd(&["copy", "--to", &target]).assert().success();
    let config = std::fs::read_dir(env.path().join("config")).unwrap();
    assert_eq!(config.count(), 0, "no key file was made");
}

/// A secret another system gave Ada's authenticator (160 bits, base32).
const IMPORTED: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

#[test]
fn import_keeps_the_authenticator_of_a_totp_uri_as_a_confirmed_secret() {
    let env = TestEnv::new();
    let uri = format!("otpauth://totp/Old%20Co:{ADA}?secret={IMPORTED}&issuer=Old%20Co");
    let path = env.write_file(
        "users.csv",
        &format!("email,totp_uri\n{ADA},{uri}\nbob@example.com,\n"),
    );
    let out = env.cmd(&["import", &path]).assert().success();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.get_output().stdout),
        stderr_text(out.get_output())
    );
    assert!(
        !said.contains(IMPORTED) && !said.contains("otpauth"),
        "{said}"
    );
    // Confirmed, without recovery codes: the operator makes a set.
    assert_eq!(status(&env, ADA), ("totp".into(), Value::from(0)));
    assert_eq!(status(&env, "bob@example.com").0, "none");
    env.cmd(&["--json", "enroll-totp", ADA]).assert().code(4);
    env.cmd(&["--json", "recovery-codes", ADA])
        .assert()
        .success();
    assert_eq!(status(&env, ADA), ("totp".into(), Value::from(10)));
    // Sealed to Ada under this key: `copy` opens every stored secret first.
    let target = env.path().join("copy.sqlite3").display().to_string();
    env.cmd(&["copy", "--to", &target]).assert().success();
    // JSON Lines too; with --on-conflict update the URI replaces a confirmed
    // secret (and its recovery codes), and a row without one leaves it alone.
    let jsonl = format!(
        "{{\"email\": \"{ADA}\", \"totp_uri\": \"otpauth://totp/{ADA}?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\"}}\n\
         {{\"email\": \"bob@example.com\", \"totp_uri\": null}}\n"
    );
    let path = env.write_file("users.jsonl", &jsonl);
    env.cmd(&["import", &path, "--on-conflict", "update"])
        .assert()
        .success();
    assert_eq!(status(&env, ADA), ("totp".into(), Value::from(0)));
    assert_eq!(status(&env, "bob@example.com").0, "none");
    // One audit line per secret imported, never the secret or the URI.
    let log = env
        .query_rows("SELECT event || ' ' || coalesce(email, '') || ' ' || detail FROM audit_log WHERE event = 'totp_imported' ORDER BY id");
    assert_eq!(log.len(), 2, "{log:?}");
    assert!(
        log.iter()
            .all(|l| l.starts_with(&format!("totp_imported {ADA} import of "))),
        "{log:?}"
    );
    let out = env.cmd(&["--json", "log"]).assert().success();
    let all = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(all.contains("totp_imported"));
    assert!(!all.contains(IMPORTED) && !all.contains("otpauth"), "{all}");
    // Stored sealed: neither the base32 text nor the raw bytes.
    let raw = userdb::totp::TotpSecret::from_base32(IMPORTED).unwrap();
    for (place, bytes) in env.stored_bytes() {
        let found = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
        assert!(
            !found(IMPORTED.as_bytes()) && !found(raw.expose()),
            "{place}"
        );
    }
}

#[test]
fn import_refuses_a_totp_uri_sign_ins_cannot_verify_and_writes_nothing() {
    let env = TestEnv::new();
    let uri = |extra: &str| format!("otpauth://totp/X:{ADA}?secret={IMPORTED}{extra}");
    let csv = format!(
        "email,totp_uri\n\
         a@example.com,{}\n\
         b@example.com,{}\n\
         c@example.com,otpauth://totp/X?secret=JBSWY3DPEHPK3PXP\n\
         d@example.com,{IMPORTED}\n\
         e@example.com,{}\n",
        uri("&algorithm=SHA256"),
        uri("&digits=8"),
        uri("&period=60"),
    );
    let path = env.write_file("bad.csv", &csv);
    let out = env.cmd(&["import", &path]).assert().code(2);
    let stderr = stderr_text(out.get_output());
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(
        lines[..5],
        [
            format!(
                "{path}: line 2: totp_uri: algorithm SHA256 is not supported: only SHA1 works in every authenticator app"
            ),
            format!("{path}: line 3: totp_uri: 8 digits are not supported: only 6"),
            format!(
                "{path}: line 4: totp_uri: the secret has 80 bits; at least 128 are needed (RFC 4226)"
            ),
            format!("{path}: line 5: totp_uri: not an otpauth://totp/ URI"),
            format!("{path}: line 6: totp_uri: a period of 60 seconds is not supported: only 30"),
        ]
    );
    assert!(!stderr.contains(IMPORTED), "{stderr}");
    assert_eq!(env.users_stored(), 0);
    // A misaligned cell could be the URI: no value is quoted.
    let path = env.write_file(
        "misaligned.csv",
        &format!("email,is_staff,totp_uri\n{ADA},{},\n", uri("")),
    );
    let out = env.cmd(&["import", &path]).assert().code(2);
    let stderr = stderr_text(out.get_output());
    assert!(stderr.contains("(value not shown)"), "{stderr}");
    assert!(
        !stderr.contains(IMPORTED) && !stderr.contains("otpauth"),
        "{stderr}"
    );
    // Nothing was sealed, so no key was needed.
    let config = std::fs::read_dir(env.path().join("config")).unwrap();
    assert_eq!(config.count(), 0, "no key file was made");
}
