//! The second factor at sign-in, through the binary: every sign-in path
//! (`authenticate`, with or without `--issue-token`; `verify-otp --purpose
//! login`, with or without it) asks a user with a confirmed TOTP for a TOTP
//! code or a recovery code; a missing one is exit 9, a wrong one counts toward
//! the login lock; resets keep it; `[mfa] required` refuses tokens to users
//! without one. Users are enrolled through the library on the test's database
//! ([`enroll`]): the enrolment commands are tested with them.

use std::io::Write;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use userdb::clock::FixedClock;
use userdb::config::Settings;
use userdb::manager::SecondFactorSettings;
use userdb::otp::SecretKey;
use userdb::storage::{Open, OpenOptions, Store, Target};
use userdb::totp::{self, TotpSecret};
use userdb::{ExposeSecret, SecondFactor, SecretString, UserManager};

use crate::support::{NOW, STRONG, TestEnv, code_in, now_plus, stderr_text, stdout_json};

/// The secret key of every test here, in the key file the binary reads.
const KEY: &str = "a test key for second factors, longer than 32 characters";

/// A user enrolled through the library: the authenticator's secret and the
/// recovery codes shown once.
pub struct Enrolled {
    pub secret: TotpSecret,
    pub recovery_codes: Vec<String>,
}

impl Enrolled {
    /// The TOTP code at the tests' clock moved by `seconds`.
    pub fn code_at(&self, seconds: i64) -> String {
        let at: Timestamp = now_plus(seconds).parse().unwrap();
        totp::code_at_step(&self.secret, totp::step_at(at)).to_string()
    }

    /// The TOTP code at the tests' clock (`USERDB_NOW`).
    pub fn code(&self) -> String {
        self.code_at(0)
    }
}

/// The manager the binary would use, over the test's database, at `at`.
fn manager_at(env: &TestEnv, at: Timestamp) -> UserManager<Store> {
    let password_file = crate::ON_POSTGRES.then(|| {
        let path = env.path().join("pg-password");
        std::fs::write(&path, crate::pg_server::server().password()).unwrap();
        private(&path);
        path
    });
    let options = OpenOptions {
        busy_timeout: std::time::Duration::from_secs(30),
        password_file,
    };
    let target = Target::parse(PathBuf::from(env.database())).unwrap();
    let store = Store::open(&target, Open::Existing, &options).unwrap();
    let mut settings = Settings::default();
    settings.password.argon2.memory_cost = 64;
    settings.password.argon2.time_cost = 1;
    UserManager::from_settings(store, &settings, Arc::new(FixedClock(at)), "tests").unwrap()
}

fn private(path: &std::path::Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
}

fn mfa() -> SecondFactor {
    SecondFactor::new(
        SecondFactorSettings::default(),
        SecretKey::new(KEY, "test").unwrap(),
    )
}

/// Enrols and confirms a TOTP for `email` (a user already there) through the
/// library, two minutes before the tests' clock (so the clock's own step is
/// still unused), with the key the binary reads from its key file.
pub fn enroll(env: &TestEnv, email: &str) -> Enrolled {
    let key_file = env.path().join("config/userdb/secret.key");
    std::fs::create_dir_all(key_file.parent().unwrap()).unwrap();
    std::fs::write(&key_file, format!("{KEY}\n")).unwrap();
    private(&key_file);
    let at = NOW
        .parse::<Timestamp>()
        .unwrap()
        .checked_sub(SignedDuration::from_secs(120))
        .unwrap();
    let mut manager = manager_at(env, at);
    let mfa = mfa();
    let enrolment = manager.enroll_totp(email, &mfa, false).unwrap();
    let code = totp::code_at_step(&enrolment.secret, totp::step_at(at));
    let codes = manager
        .confirm_totp(email, &SecretString::from(code.as_str()), &mfa)
        .unwrap();
    Enrolled {
        secret: enrolment.secret,
        recovery_codes: codes
            .iter()
            .map(|c| c.expose_secret().to_string())
            .collect(),
    }
}

/// A code that is not `right`.
fn wrong(right: &str) -> &'static str {
    if right == "000000" {
        "111111"
    } else {
        "000000"
    }
}

/// `authenticate EMAIL --password-stdin` with `second` on the line after the password.
fn authenticate(
    env: &TestEnv,
    email: &str,
    second: Option<&str>,
    extra: &[&str],
) -> assert_cmd::assert::Assert {
    let mut args = vec!["authenticate", email, "--password-stdin"];
    args.extend_from_slice(extra);
    let stdin = match second {
        Some(code) => format!("{STRONG}\n{code}\n"),
        None => format!("{STRONG}\n"),
    };
    env.cmd(&args).write_stdin(stdin).assert()
}

fn audit_events(env: &TestEnv, event: &str) -> Vec<String> {
    let out = env
        .cmd(&["--json", "log", "--event", event])
        .assert()
        .success();
    let rows = stdout_json(out.get_output());
    rows.as_array()
        .unwrap()
        .iter()
        .map(|r| r["detail"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn authenticate_asks_an_enrolled_user_for_the_second_factor() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    env.create_user("bob@example.com", &[]);
    let ada = enroll(&env, "ada@example.com");

    // None given: its own kind and exit code, and no login recorded.
    let out = authenticate(&env, "ada@example.com", None, &[]).code(9);
    assert!(
        stderr_text(out.get_output()).contains("signs in with a second factor too"),
        "{}",
        stderr_text(out.get_output())
    );
    let out = authenticate(&env, "ada@example.com", None, &["--json", "--no-input"]).code(9);
    let error: serde_json::Value =
        serde_json::from_str(stderr_text(out.get_output()).trim()).unwrap();
    assert_eq!(error["error"]["kind"], "second_factor_required");
    assert_eq!(error["error"]["exit_code"], 9);
    assert!(env.user_json("ada@example.com")["last_login"].is_null());

    // A wrong one is a failed sign-in; the right one signs in, once.
    let code = ada.code();
    authenticate(&env, "ada@example.com", Some(wrong(&code)), &[]).code(1);
    authenticate(&env, "ada@example.com", Some(&code), &[])
        .success()
        .stderr("Authenticated ada@example.com.\n");
    authenticate(&env, "ada@example.com", Some(&code), &[]).code(1);
    // The previous step's code is accepted too (`totp_skew = 1`), once.
    let next = ada.code_at(30);
    env.cmd(&["authenticate", "ada@example.com", "--password-stdin"])
        .env("USERDB_NOW", now_plus(60))
        .write_stdin(format!("{STRONG}\n{next}\n"))
        .assert()
        .success();

    // A recovery code, from USERDB_SECOND_FACTOR, with a token: used once.
    let recovery = &ada.recovery_codes[0];
    let out = env
        .cmd(&[
            "authenticate",
            "ada@example.com",
            "--password-stdin",
            "--issue-token",
        ])
        .env("USERDB_SECOND_FACTOR", recovery.to_lowercase())
        .write_stdin(format!("{STRONG}\n"))
        .assert()
        .success();
    assert!(String::from_utf8_lossy(&out.get_output().stdout).starts_with("udb_"));
    env.cmd(&["authenticate", "ada@example.com", "--password-stdin"])
        .env("USERDB_SECOND_FACTOR", recovery)
        .write_stdin(format!("{STRONG}\n"))
        .assert()
        .code(1);

    // A user without one is not asked (a line given for it is ignored).
    authenticate(&env, "bob@example.com", None, &[]).success();
    authenticate(&env, "bob@example.com", Some("123456"), &["--issue-token"]).success();

    let failed = audit_events(&env, "login_failed");
    assert_eq!(
        failed,
        [
            "second factor required",
            "second factor required",
            "wrong second factor",
            "wrong second factor",
            "wrong second factor",
        ]
    );
    // Never the code in the audit log.
    let all = env.cmd(&["log"]).assert().success();
    let text = String::from_utf8_lossy(&all.get_output().stdout).to_string();
    assert!(!text.contains(&code) && !text.contains(recovery.as_str()));
}

#[test]
fn wrong_second_factors_lock_the_address_and_a_locked_ones_is_not_checked() {
    let env = TestEnv::with_config("[login]\nmax_failures = 2\n");
    env.create_user("ada@example.com", &[]);
    let ada = enroll(&env, "ada@example.com");
    let code = ada.code();
    for _ in 0..2 {
        authenticate(&env, "ada@example.com", Some(wrong(&code)), &[]).code(1);
    }
    let out = authenticate(&env, "ada@example.com", Some(&code), &[]).code(5);
    assert!(stderr_text(out.get_output()).contains("locked"));
    assert_eq!(audit_events(&env, "second_factor_failed").len(), 2);
    // The right code was not spent on the locked attempt: once the lock is
    // lifted it still signs in.
    env.cmd(&["update-user", "ada@example.com", "--unlock"])
        .assert()
        .success();
    authenticate(&env, "ada@example.com", Some(&code), &[]).success();
}

fn send_login_code(env: &TestEnv, email: &str, at: &str) -> String {
    let out = env
        .cmd(&["send-otp", email, "--purpose", "login"])
        .env("USERDB_NOW", at)
        .assert()
        .success();
    code_in(&String::from_utf8_lossy(&out.get_output().stdout))
}

#[test]
fn a_login_code_asks_for_the_second_factor_and_is_kept_until_it_is_right() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    let ada = enroll(&env, "ada@example.com");
    let login = send_login_code(&env, "ada@example.com", NOW);
    let verify = |second: Option<&str>, extra: &[&str]| {
        let mut args = vec![
            "verify-otp",
            "ada@example.com",
            "--purpose",
            "login",
            "--code-stdin",
        ];
        args.extend_from_slice(extra);
        let stdin = match second {
            Some(second) => format!("{login}\n{second}\n"),
            None => format!("{login}\n"),
        };
        env.cmd(&args).write_stdin(stdin).assert()
    };
    // None, then a wrong one: refused, and the code is not used up.
    verify(None, &["--issue-token"]).code(9);
    let code = ada.code();
    verify(Some(wrong(&code)), &["--issue-token"]).code(1);
    assert!(env.user_json("ada@example.com")["last_login"].is_null());
    // The line after the code: signed in, with a token.
    let out = verify(Some(&code), &["--issue-token"]).success();
    assert!(String::from_utf8_lossy(&out.get_output().stdout).starts_with("udb_"));
    assert!(!env.user_json("ada@example.com")["last_login"].is_null());

    // Without --issue-token, the code as an argument: USERDB_SECOND_FACTOR.
    let later = now_plus(120);
    let login = send_login_code(&env, "ada@example.com", &later);
    let args = [
        "verify-otp",
        "ada@example.com",
        &login,
        "--purpose",
        "login",
    ];
    env.cmd(&args).env("USERDB_NOW", &later).assert().code(9);
    env.cmd(&args)
        .env("USERDB_NOW", &later)
        .env("USERDB_SECOND_FACTOR", &ada.recovery_codes[1])
        .assert()
        .success()
        .stderr("The login code for ada@example.com is right.\n");
    // Used up, with the recovery code.
    env.cmd(&args)
        .env("USERDB_NOW", &later)
        .env("USERDB_SECOND_FACTOR", &ada.recovery_codes[2])
        .assert()
        .code(1);
    assert_eq!(audit_events(&env, "recovery_code_used").len(), 1);
}

#[test]
fn resets_by_token_or_code_neither_ask_for_the_second_factor_nor_remove_it() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    let ada = enroll(&env, "ada@example.com");
    let out = env
        .cmd(&["create-reset-token", "ada@example.com"])
        .assert()
        .success();
    let token = String::from_utf8_lossy(&out.get_output().stdout)
        .trim()
        .to_string();
    env.cmd(&["reset-password", "ada@example.com", "--new-password-stdin"])
        .env("USERDB_RESET_TOKEN", &token)
        .write_stdin(format!("{STRONG}\n"))
        .assert()
        .success();
    let out = env
        .cmd(&["send-otp", "ada@example.com", "--purpose", "password-reset"])
        .env("USERDB_NOW", now_plus(120))
        .assert()
        .success();
    let code = code_in(&String::from_utf8_lossy(&out.get_output().stdout));
    env.cmd(&[
        "verify-otp",
        "ada@example.com",
        &code,
        "--purpose",
        "password-reset",
        "--new-password-stdin",
    ])
    .env("USERDB_NOW", now_plus(120))
    .write_stdin(format!("{STRONG}\n"))
    .assert()
    .success();
    // Still asked for at sign-in.
    authenticate(&env, "ada@example.com", None, &[]).code(9);
    authenticate(&env, "ada@example.com", Some(&ada.code()), &[]).success();
}

/// Runs `authenticate` `n` times at once, each given `second`; how many succeeded.
fn parallel_sign_ins(env: &TestEnv, email: &str, second: &str, n: usize) -> usize {
    let children: Vec<_> = (0..n)
        .map(|_| {
            let mut child = env
                .std_cmd(&["authenticate", email, "--password-stdin"])
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            let mut stdin = child.stdin.take().unwrap();
            stdin
                .write_all(format!("{STRONG}\n{second}\n").as_bytes())
                .unwrap();
            child
        })
        .collect();
    children
        .into_iter()
        .map(|mut c| c.wait().unwrap())
        .filter(|status| status.success())
        .count()
}

#[test]
fn ten_parallel_sign_ins_with_one_code_succeed_once() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    env.create_user("bob@example.com", &[]);
    let ada = enroll(&env, "ada@example.com");
    let bob = enroll(&env, "bob@example.com");
    assert_eq!(
        parallel_sign_ins(&env, "ada@example.com", &ada.code(), 10),
        1
    );
    let recovery = &bob.recovery_codes[0];
    assert_eq!(parallel_sign_ins(&env, "bob@example.com", recovery, 10), 1);
    assert_eq!(audit_events(&env, "recovery_code_used").len(), 1);
}

#[test]
fn a_recovery_code_says_so_when_two_or_fewer_are_left() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    let ada = enroll(&env, "ada@example.com");
    // Seven used already.
    let mut manager = manager_at(&env, NOW.parse().unwrap());
    let user = manager.get_user("ada@example.com").unwrap();
    for code in &ada.recovery_codes[..7] {
        manager
            .check_second_factor(&user, &SecretString::from(code.as_str()), &mfa())
            .unwrap();
    }
    drop(manager);
    authenticate(&env, "ada@example.com", Some(&ada.recovery_codes[7]), &[])
        .success()
        .stderr(
            "warning: a recovery code of ada@example.com was used; 2 left: make a new set \
             with `userdb recovery-codes ada@example.com`\nAuthenticated ada@example.com.\n",
        );
}

#[test]
fn the_policy_refuses_tokens_to_users_in_scope_without_a_second_factor() {
    let env = TestEnv::with_config("[mfa]\nrequired = \"staff\"\n");
    env.create_user("staff@example.com", &["--staff"]);
    env.create_user("bob@example.com", &[]);
    // Signing in is not refused; the token is, as for must-change-password.
    authenticate(&env, "staff@example.com", None, &[]).success();
    let out = authenticate(&env, "staff@example.com", None, &["--issue-token"]).code(5);
    let stderr = stderr_text(out.get_output());
    assert!(
        stderr.contains("must enroll a second factor first"),
        "{stderr}"
    );
    assert!(
        stderr.contains("userdb enroll-totp staff@example.com"),
        "{stderr}"
    );
    env.cmd(&["issue-token", "staff@example.com"])
        .assert()
        .code(5);
    // Out of scope: a token as before.
    authenticate(&env, "bob@example.com", None, &["--issue-token"]).success();
    // Enrolled: a token.
    let staff = enroll(&env, "staff@example.com");
    authenticate(
        &env,
        "staff@example.com",
        Some(&staff.code()),
        &["--issue-token"],
    )
    .success();
    env.cmd(&["issue-token", "staff@example.com"])
        .assert()
        .success();
}

#[test]
fn mfa_settings_are_read_and_checked() {
    let env = TestEnv::with_config("[mfa]\ntotp_skew = 0\n");
    env.create_user("ada@example.com", &[]);
    let ada = enroll(&env, "ada@example.com");
    // Without skew the previous step's code is refused; the current one is not.
    let previous = ada.code_at(-30);
    authenticate(&env, "ada@example.com", Some(&previous), &[]).code(1);
    authenticate(&env, "ada@example.com", Some(&ada.code()), &[]).success();
    for (key, value) in [
        ("USERDB_MFA_REQUIRED", "admins"),
        ("USERDB_MFA_TOTP_SKEW", "2"),
        ("USERDB_MFA_ENROLMENT_TTL", "0s"),
    ] {
        let out = env
            .cmd(&["authenticate", "ada@example.com", "--password-stdin"])
            .env(key, value)
            .write_stdin(format!("{STRONG}\n"))
            .assert()
            .code(6);
        assert!(stderr_text(out.get_output()).contains(key), "{key}");
    }
}

/// Doctor's findings of the `second_factor` check, as "message => fix".
fn second_factor_findings(env: &TestEnv, vars: &[(&str, &str)]) -> Vec<String> {
    let mut cmd = env.cmd(&["--json", "doctor"]);
    for (name, value) in vars {
        cmd.env(name, value);
    }
    let out = cmd.assert();
    let report = stdout_json(out.get_output());
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["check"] == "second_factor")
        .map(|f| format!("{} => {}", f["message"], f["fix"]))
        .collect()
}

#[test]
fn doctor_checks_that_every_totp_secret_opens_and_names_who_the_policy_misses() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    env.create_superuser("root@example.com", &[]);
    env.create_user("staff@example.com", &["--staff"]);
    let ada = enroll(&env, "ada@example.com");
    assert!(second_factor_findings(&env, &[]).is_empty());
    // Another key: ada's secret does not open; named, never the secret.
    let other = [(
        "USERDB_SECRET_KEY",
        "another key of at least thirty-two characters",
    )];
    let findings = second_factor_findings(&env, &other);
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert!(
        findings[0].contains("the TOTP secret of ada@example.com")
            && findings[0].contains("key id")
            && findings[0].contains("userdb disable-2fa 'ada@example.com'"),
        "{findings:?}"
    );
    let base32 = ada.secret.to_base32();
    assert!(!findings[0].contains(base32.as_str()));
    env.cmd(&["doctor"])
        .env(other[0].0, other[0].1)
        .assert()
        .code(1);
    // The policy: superusers and staff without one are named.
    let findings = second_factor_findings(&env, &[("USERDB_MFA_REQUIRED", "superusers")]);
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert!(findings[0].contains(": root@example.com\""), "{findings:?}");
    let findings = second_factor_findings(&env, &[("USERDB_MFA_REQUIRED", "all")]);
    assert!(
        findings[0].contains("2 superuser(s) or staff have no second factor")
            && findings[0].contains("root@example.com, staff@example.com"),
        "{findings:?}"
    );
    enroll(&env, "root@example.com");
    enroll(&env, "staff@example.com");
    assert!(second_factor_findings(&env, &[("USERDB_MFA_REQUIRED", "all")]).is_empty());
}

/// The key rotated in; the key file keeps [`KEY`], the one rotated out.
const NEW_KEY: &str = "the key rotated in, also longer than thirty-two characters";

#[test]
fn after_a_rotation_the_previous_key_opens_old_secrets_and_codes_until_they_move() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    let ada = enroll(&env, "ada@example.com");
    let rotated = |args: &[&str], previous: bool| {
        let mut cmd = env.cmd(args);
        cmd.env("USERDB_SECRET_KEY", NEW_KEY);
        if previous {
            cmd.env("USERDB_PREVIOUS_SECRET_KEY", KEY);
        }
        cmd
    };
    let sign_in = |second: &str, previous: bool, at: i64| {
        rotated(
            &["authenticate", "ada@example.com", "--password-stdin"],
            previous,
        )
        .env("USERDB_NOW", now_plus(at))
        .write_stdin(format!("{STRONG}\n{second}\n"))
        .assert()
    };
    let target = env.path().join("copy.sqlite3").display().to_string();

    // The new key alone: the secret does not open (the error names both key
    // ids and the way out), old recovery codes do not match, doctor and copy
    // refuse.
    let out = sign_in(&ada.code(), false, 0).code(6);
    let said = stderr_text(out.get_output());
    assert!(
        said.contains("was sealed under key id")
            && said.contains("(key id ")
            && said.contains("USERDB_PREVIOUS_SECRET_KEY"),
        "{said}"
    );
    sign_in(&ada.recovery_codes[1], false, 0).code(1);
    rotated(&["doctor"], false).assert().code(1);
    rotated(&["copy", "--to", &target], false).assert().code(6);

    // With the old key as the previous one: doctor passes and says who is
    // still under it; copy accepts the secret.
    rotated(&["doctor"], true).assert().success();
    let previous = [
        ("USERDB_SECRET_KEY", NEW_KEY),
        ("USERDB_PREVIOUS_SECRET_KEY", KEY),
    ];
    let findings = second_factor_findings(&env, &previous);
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert!(
        findings[0].contains("1 TOTP secret(s) are still sealed under the previous key")
            && findings[0].contains("ada@example.com"),
        "{findings:?}"
    );
    rotated(&["copy", "--to", &target], true).assert().success();

    // A TOTP code signs in and re-seals the secret under the new key: the
    // previous key is no longer needed for it.
    sign_in(&ada.code(), true, 0).success();
    assert!(second_factor_findings(&env, &previous[..1]).is_empty());
    sign_in(&ada.code_at(30), false, 30).success();

    // A recovery code made under the old key matches with it, once.
    sign_in(&ada.recovery_codes[0], true, 60).success();
    sign_in(&ada.recovery_codes[0], true, 60).code(1);
}

#[test]
fn a_wrong_second_factor_after_a_login_code_counts_toward_the_lock_too() {
    let env = TestEnv::with_config("[login]\nmax_failures = 1\n");
    env.create_user("ada@example.com", &[]);
    let ada = enroll(&env, "ada@example.com");
    let login = send_login_code(&env, "ada@example.com", NOW);
    let code = ada.code();
    let verify = |second: &str| {
        env.cmd(&[
            "verify-otp",
            "ada@example.com",
            "--purpose",
            "login",
            "--code-stdin",
            "--issue-token",
        ])
        .write_stdin(format!("{login}\n{second}\n"))
        .assert()
    };
    verify(wrong(&code)).code(1);
    // Locked: the right second factor is not checked, and the code is kept.
    verify(&code).code(5);
    assert_eq!(audit_events(&env, "second_factor_failed").len(), 1);
    env.cmd(&["update-user", "ada@example.com", "--unlock"])
        .assert()
        .success();
    verify(&code).success();
    // The success forgot the failures: a password sign-in goes on from here.
    authenticate(&env, "ada@example.com", Some(&ada.recovery_codes[0]), &[]).success();
}

#[test]
fn help_says_where_the_second_factor_comes_from() {
    let env = TestEnv::new();
    for command in ["authenticate", "verify-otp"] {
        let out = env.cmd(&[command, "--help"]).assert().success();
        let help = String::from_utf8_lossy(&out.get_output().stdout).to_string();
        assert!(
            help.contains("USERDB_SECOND_FACTOR") && help.contains("Exit 9"),
            "{command}: {help}"
        );
    }
}

#[test]
fn signing_in_never_creates_the_key_and_without_one_says_what_is_missing() {
    let env = TestEnv::new();
    env.create_user("bob@example.com", &[]);
    authenticate(&env, "bob@example.com", None, &[]).success();
    let key_file = env.path().join("config/userdb/secret.key");
    assert!(!key_file.exists());
    env.create_user("ada@example.com", &[]);
    let ada = enroll(&env, "ada@example.com");
    std::fs::remove_file(&key_file).unwrap();
    let out = authenticate(&env, "ada@example.com", Some(&ada.code()), &[]).code(6);
    assert!(
        stderr_text(out.get_output()).contains("no secret key is set to check it with"),
        "{}",
        stderr_text(out.get_output())
    );
    assert!(!key_file.exists());
}
