//! Text an attacker controls — look-alike addresses, invisible and control
//! characters, escape sequences — never makes two accounts of one address, and
//! never reaches a terminal raw.

use crate::support::{TestEnv, stderr_text};

#[test]
fn a_fullwidth_look_alike_of_an_address_is_the_same_account() {
    let env = TestEnv::new();
    env.cmd(&["createuser", "user@example.com", "--no-password"])
        .assert()
        .success();
    // `ｅxample.com` with a fullwidth e (U+FF45), and a fullwidth at sign.
    for look_alike in ["user@\u{ff45}xample.com", "user\u{ff20}example.com"] {
        let out = env
            .cmd(&["createuser", look_alike, "--no-password"])
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(4),
            "{look_alike:?}: {}",
            stderr_text(&out)
        );
        env.cmd(&["show-user", look_alike]).assert().success();
    }
    assert_eq!(env.query_one("SELECT count(*) FROM users"), "1");
}

#[test]
fn invisible_and_text_direction_characters_in_an_address_are_refused() {
    let env = TestEnv::new();
    for hostile in [
        "us\u{200b}er@example.com",
        "user\u{202e}@example.com",
        "\"a\u{1b}[2J\"@example.com",
    ] {
        let out = env
            .cmd(&["createuser", hostile, "--no-password"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{hostile:?}");
        let err = stderr_text(&out);
        assert!(
            err.contains("invisible, control or text-direction character"),
            "{err}"
        );
        assert!(
            !err.contains('\u{1b}') && !err.contains('\u{202e}'),
            "{err:?}"
        );
    }
    assert_eq!(env.query_one("SELECT count(*) FROM users"), "0");
}

#[test]
fn a_unique_text_field_holds_one_value_however_it_is_composed() {
    let env = TestEnv::with_config("[fields.handle]\ntype = \"text\"\nunique = true\n");
    // "é" precomposed (U+00E9), then as e + combining acute (U+0301).
    env.cmd(&[
        "createuser",
        "a@example.com",
        "--no-password",
        "--set",
        "handle=caf\u{e9}",
    ])
    .assert()
    .success();
    let out = env
        .cmd(&[
            "createuser",
            "b@example.com",
            "--no-password",
            "--set",
            "handle=cafe\u{301}",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", stderr_text(&out));
}

/// What a terminal would obey: ESC (every escape sequence), BEL, CSI in C1,
/// and the right-to-left override that makes one address read as another.
fn obeyable(text: &str) -> bool {
    text.contains(['\u{1b}', '\u{7}', '\u{9b}', '\u{202e}'])
}

#[test]
fn stored_escape_sequences_are_shown_escaped_in_every_table_and_message() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    env.cmd(&["issue-token", "ada@example.com", "--name", "ci"])
        .assert()
        .success();
    // A database written by someone else (an old import, another tool): the
    // names carry a screen-clearing sequence, a bell and a bidi override.
    env.sql(
        "UPDATE users SET first_name = char(27) || '[2J' || char(7), \
         last_name = 'evil' || char(8238) || 'moc'; \
         UPDATE tokens SET name = char(27) || ']0;pwned' || char(7);",
    );
    for args in [
        &["list-users"][..],
        &["show-user", "ada@example.com"],
        &["list-tokens"],
        &["log"],
    ] {
        let out = env.cmd(args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", stderr_text(&out));
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(!obeyable(&stdout), "{args:?} printed raw: {stdout:?}");
        assert!(!obeyable(&stderr_text(&out)), "{args:?}");
    }
    let table = env.cmd(&["show-user", "ada@example.com"]).output().unwrap();
    let table = String::from_utf8_lossy(&table.stdout);
    assert!(table.contains("\\u{1b}[2J\\u{7}"), "{table}");
    assert!(table.contains("evil\\u{202e}moc"), "{table}");
    // --json keeps the exact value (JSON escapes the controls itself).
    let user = env.user_json("ada@example.com");
    assert_eq!(user["first_name"], "\u{1b}[2J\u{7}");
    assert_eq!(user["last_name"], "evil\u{202e}moc");
}

#[test]
fn an_error_quoting_hostile_input_is_one_escaped_line() {
    let env = TestEnv::new();
    let out = env
        .cmd(&["show-user", "a@example.com\u{1b}[2J\n\u{1b}]0;x\u{7}"])
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0));
    let err = stderr_text(&out);
    assert!(!obeyable(&err), "{err:?}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err:?}");
}

#[test]
fn the_audit_log_escapes_a_hostile_sudo_user() {
    let env = TestEnv::new();
    env.cmd(&["createuser", "ada@example.com", "--no-password"])
        .env("SUDO_USER", "root\u{1b}[2J")
        .assert()
        .success();
    let out = env.cmd(&["log"]).output().unwrap();
    assert!(!obeyable(&String::from_utf8_lossy(&out.stdout)));
}

/// Tables fit the terminal's width, giving way in the columns nobody copies
/// from; an address (or a path) is never broken to fit, so a table holding one
/// longer than the width allows is as wide as that address needs.
#[test]
fn tables_fit_the_terminal_width() {
    let env = TestEnv::new();
    let names = [
        "--first-name",
        "Bartholomew Aloysius",
        "--last-name",
        "Featherstonehaugh-Cholmondeley",
    ];
    env.create_user("ada@example.com", &names);
    // The database's path is a word `config` never breaks either: the borders
    // (10), its widest variable (40), "default" (7) and the path.
    let config_needs = 57 + env.database().chars().count();
    for (args, fits) in [
        (&["config"][..], config_needs.max(80)),
        (&["list-users"], 80),
        (&["log"], 80),
    ] {
        let out = env.cmd(args).env("COLUMNS", "80").output().unwrap();
        assert!(out.status.success(), "{args:?}");
        let stdout = String::from_utf8_lossy(&out.stdout);
        // The table lines (the paths above `config`'s table are what they are).
        for line in stdout
            .lines()
            .filter(|l| l.starts_with(['┌', '│', '├', '╞', '└']))
        {
            assert!(
                line.chars().count() <= fits,
                "{args:?}: {} columns: {line}",
                line.chars().count()
            );
        }
    }
    let long = "a.very.long.address.for.a.table.cell@departments.example.com";
    env.create_user(long, &names);
    for args in [&["list-users"][..], &["log"]] {
        let out = env.cmd(args).env("COLUMNS", "80").output().unwrap();
        assert!(
            String::from_utf8_lossy(&out.stdout).contains(long),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
    // Piped without COLUMNS, cells keep their full length.
    let out = env.cmd(&["list-users"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains(long));
}

#[test]
fn a_closed_stderr_does_not_fail_a_command_that_did_its_work() {
    let env = TestEnv::new();
    let bin = env!("CARGO_BIN_EXE_userdb");
    for script in [
        format!(
            "printf 'correct horse battery staple\\n' | '{bin}' createuser ada@example.com --password-stdin 2>&-"
        ),
        format!("'{bin}' send-otp ada@example.com >/dev/null 2>&-"),
    ] {
        let out = std::process::Command::new("sh")
            .env_clear()
            .envs(env.vars())
            .args(["-c", &script])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{script}");
    }
    assert_eq!(env.user_json("ada@example.com")["email"], "ada@example.com");
}

#[test]
fn a_usage_error_never_repeats_a_value_that_may_be_a_secret() {
    let env = TestEnv::new();
    for (args, secret) in [
        (
            &["authenticate", "ada@example.com", "MyPassw0rd"][..],
            "MyPassw0rd",
        ),
        (
            &["verify-token", "udb_6n2Xb9Qd0kLr4TzWmC8yHa1sEvPj3uFo5gNi7B"],
            "udb_6n2X",
        ),
        (&["udb_6n2Xb9Qd0kLr4TzWmC8yHa1sEvPj3uFo5gNi7B"], "udb_6n2X"),
        (
            &["createuser", "ada@example.com", "--password=hunter2hunter2"],
            "hunter2",
        ),
    ] {
        let out = env.cmd(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = stderr_text(&out);
        assert!(!err.contains(secret), "{args:?}: {err}");
        assert!(
            err.starts_with("error: ") && err.lines().count() == 1,
            "{err}"
        );
    }
}

#[test]
fn with_json_a_usage_error_is_the_json_error_object() {
    let env = TestEnv::new();
    for args in [
        &["--json", "createuser"][..],
        &["createuser", "--json"],
        &["list-users", "--bogus", "--json"],
    ] {
        let out = env.cmd(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err: serde_json::Value = serde_json::from_slice(&out.stderr)
            .unwrap_or_else(|e| panic!("{args:?}: {e}: {}", stderr_text(&out)));
        assert_eq!(err["error"]["kind"], "usage");
        assert_eq!(err["error"]["exit_code"], 2);
        assert!(err["error"]["message"].as_str().unwrap().len() > 10);
    }
    // Help is still help.
    env.cmd(&["--json", "createuser", "--help"])
        .assert()
        .success()
        .stdout(predicates::str::contains("Usage: userdb createuser"));
}
