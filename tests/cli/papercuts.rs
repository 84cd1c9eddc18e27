//! What a new operator tripped over, each fixed and pinned here.

use crate::support::{STRONG, TestEnv, code_in, stderr_text};

/// `set -o pipefail; printf … | userdb … --if-not-exists`, run again and again:
/// the re-runs must not fail because userdb returned before reading the pipe.
#[test]
fn if_not_exists_reads_the_piped_password_so_the_writer_never_dies_of_sigpipe() {
    let env = TestEnv::new();
    let bin = env!("CARGO_BIN_EXE_userdb");
    // The writer is a little late (as under load): a reader that has already
    // left makes it die of SIGPIPE (exit 141), which pipefail reports.
    let script = format!(
        "set -o pipefail; {{ sleep 0.3; printf '%s\\n' '{STRONG}'; }} | '{bin}' createuser ada@example.com --password-stdin --if-not-exists && \
         {{ sleep 0.3; printf '%s\\n' '{STRONG}'; }} | '{bin}' createsuperuser --no-input --email root@example.com --password-stdin --if-not-exists"
    );
    for run in 0..3 {
        let out = std::process::Command::new("bash")
            .env_clear()
            .envs(env.vars())
            .args(["-c", &script])
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "run {run}: {}",
            stderr_text(&out)
        );
    }
    assert_eq!(env.query_one("SELECT count(*) FROM users"), "2");
}

#[test]
fn a_superuser_without_a_password_is_announced_and_can_be_refused() {
    let env = TestEnv::new();
    let out = env
        .cmd(&[
            "createsuperuser",
            "--no-input",
            "--email",
            "root@example.com",
        ])
        .env("USERDB_SUPERUSER_PASSWORD", "")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stderr_text(&out).contains(
            "warning: root@example.com has no usable password: USERDB_SUPERUSER_PASSWORD is empty or unset; set one with `userdb changepassword root@example.com`"
        ),
        "{}",
        stderr_text(&out)
    );
    let out = env
        .cmd(&[
            "createsuperuser",
            "--no-input",
            "--email",
            "ops@example.com",
            "--require-password",
        ])
        .env("USERDB_SUPERUSER_PASSWORD", "")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr_text(&out));
    assert!(stderr_text(&out).contains("USERDB_SUPERUSER_PASSWORD is empty or unset"));
    assert_eq!(
        env.query_one("SELECT count(*) FROM users WHERE email = 'ops@example.com'"),
        "0"
    );
    // With a password it is created as usual.
    env.cmd(&[
        "createsuperuser",
        "--no-input",
        "--email",
        "ops@example.com",
        "--require-password",
    ])
    .env("USERDB_SUPERUSER_PASSWORD", STRONG)
    .assert()
    .success();
}

#[test]
fn deleting_the_last_superuser_is_refused_before_any_question() {
    let env = TestEnv::new();
    env.create_superuser("root@example.com", &[]);
    // No terminal and no --yes: had it asked first, it would fail for want of input.
    let out = env
        .cmd(&["delete-user", "root@example.com"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5), "{}", stderr_text(&out));
    assert!(
        stderr_text(&out).contains("root@example.com"),
        "{}",
        stderr_text(&out)
    );
    assert!(
        !stderr_text(&out).contains("confirmation"),
        "{}",
        stderr_text(&out)
    );
}

#[test]
fn an_empty_or_malformed_code_is_a_usage_error_that_costs_no_try() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    let out = env.cmd(&["send-otp", "ada@example.com"]).output().unwrap();
    let code = code_in(&String::from_utf8_lossy(&out.stdout));
    for bad in ["", "abc", "12345", "12 34x56"] {
        let out = env
            .cmd(&["verify-otp", "ada@example.com", bad])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad:?}: {}", stderr_text(&out));
        assert!(
            stderr_text(&out).contains("one-time code"),
            "{}",
            stderr_text(&out)
        );
    }
    // Stdin that is not a terminal, and no code: it says a code is needed.
    let out = env
        .cmd(&["verify-otp", "ada@example.com"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr_text(&out).contains("a code is needed"),
        "{}",
        stderr_text(&out)
    );
    assert_eq!(env.query_one("SELECT attempts FROM otp_codes"), "0");
    env.cmd(&["verify-otp", "ada@example.com", &code])
        .assert()
        .success();
}

#[test]
fn typos_are_usage_errors_that_name_what_is_accepted() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    let out = env.cmd(&["log", "--event", "bogus"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr_text(&out).contains("possible values: user_created"),
        "{}",
        stderr_text(&out)
    );
    env.cmd(&["log", "--help"])
        .assert()
        .success()
        .stdout(predicates::str::contains("login_failed"));
    let out = env
        .cmd(&["revoke-token", "ada@example.com"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr_text(&out).contains("use --all EMAIL"),
        "{}",
        stderr_text(&out)
    );
    let out = env
        .cmd(&["update-user", "ada@example.com", "--staff", "maybe"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr_text(&out).contains("expected true or false"),
        "{}",
        stderr_text(&out)
    );
}

#[test]
fn messages_say_what_is_meant() {
    let env = TestEnv::new();
    // No doubled ".;" between a validator's sentence and the hint.
    let out = env
        .cmd(&["createuser", "ada@example.com", "--password-stdin"])
        .write_stdin("password\n")
        .output()
        .unwrap();
    assert!(
        stderr_text(&out).contains("This password is too common; choose"),
        "{}",
        stderr_text(&out)
    );
    // With --no-input given, the hint does not suggest --no-input.
    let out = env
        .cmd(&["--no-input", "createsuperuser"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let hint = stderr_text(&out);
    assert!(
        hint.contains("pass --email") && !hint.contains("or --no-input for"),
        "{hint}"
    );
    // USERDB_DB is set in every test: usage errors do not show `--db <PATH>` as if required.
    let out = env.cmd(&["revoke-token"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        !stderr_text(&out).contains("--db <PATH>"),
        "{}",
        stderr_text(&out)
    );
    // An unset secret is "not set"; a set one is redacted.
    let config = env.cmd(&["config"]).output().unwrap();
    let line = |out: &std::process::Output| {
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .find(|l| l.contains("email.password "))
            .unwrap()
            .to_string()
    };
    assert!(line(&config).contains("(not set)"), "{}", line(&config));
    let config = env
        .cmd(&["config"])
        .env("USERDB_EMAIL_PASSWORD", "hunter2hunter2")
        .output()
        .unwrap();
    assert!(line(&config).contains("(redacted)") && !line(&config).contains("hunter2"));
}

#[test]
fn completion_offers_the_purposes_and_other_closed_sets() {
    let env = TestEnv::new();
    let out = env.cmd(&["completions", "bash"]).output().unwrap();
    let script = String::from_utf8_lossy(&out.stdout);
    assert!(
        script.contains("verify-email login password-reset"),
        "purposes"
    );
    assert!(
        script.contains("user_created superuser_created"),
        "audit events"
    );
    let out = env
        .cmd(&["send-otp", "ada@example.com", "--purpose", "reset"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_text(&out).contains("possible values: verify-email, login, password-reset"));
}

#[test]
fn a_json_import_of_a_bad_file_counts_the_rows_it_read() {
    let env = TestEnv::new();
    let file = env.write_file(
        "users.csv",
        "email,first_name\nada@example.com,Ada\nnot an address,X\nbob@example.com,Bob\n",
    );
    let out = env.cmd(&["--json", "import", &file]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["rows"], 3, "{summary}");
    assert_eq!(summary["failed"], 1, "{summary}");
}
