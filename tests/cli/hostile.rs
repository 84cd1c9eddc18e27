//! No input makes the binary crash: hostile database files, config values and
//! arguments all end in a clean, documented exit code, never a panic (101), an
//! abort (134) or death by a signal. Each case is a real process (few cases: the
//! machine's CPU is shared).

use std::os::unix::process::ExitStatusExt;
use std::process::Output;
use std::sync::OnceLock;

use proptest::prelude::*;

use crate::support::TestEnv;

/// The exit codes the README documents.
const CLEAN: &[i32] = &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 130];

fn assert_clean(out: &Output, what: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.signal().is_none(),
        "{what}: killed by signal {:?}\n{stderr}",
        out.status.signal()
    );
    let code = out.status.code().unwrap();
    assert!(CLEAN.contains(&code), "{what}: exit {code}\n{stderr}");
    assert!(!stderr.contains("panicked"), "{what}: {stderr}");
}

fn cases(n: u32) -> ProptestConfig {
    ProptestConfig {
        cases: n,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// A real database with users, tokens and audit rows, as one file (a backup).
fn real_database() -> &'static [u8] {
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    BYTES.get_or_init(|| {
        let env = TestEnv::new();
        env.create_user("ada@example.com", &["--staff"]);
        env.create_user("bob@example.com", &[]);
        env.cmd(&["issue-token", "ada@example.com"])
            .assert()
            .success();
        let backup = env.path().join("backup.sqlite3");
        env.cmd(&["backup"]).arg(&backup).assert().success();
        std::fs::read(backup).unwrap()
    })
}

const DB_COMMANDS: &[&[&str]] = &[
    &["list-users", "--json"],
    &["show-user", "ada@example.com"],
    &["log"],
    &["list-tokens"],
    &["export", "--format", "csv"],
    &["doctor"],
    &["migrate", "--check"],
    &["createuser", "eve@example.com", "--no-password"],
];

fn run_all(env: &TestEnv, what: &str) {
    for args in DB_COMMANDS {
        let out = env.cmd(args).current_dir(env.path()).output().unwrap();
        assert_clean(&out, &format!("{what}: {args:?}"));
    }
}

fn hostile_database() -> impl Strategy<Value = Vec<u8>> {
    let len = real_database().len();
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..2048),
        (0..len).prop_map(|n| real_database()[..n].to_vec()),
        proptest::collection::vec((0..len, any::<u8>()), 1..16).prop_map(|flips| {
            let mut bytes = real_database().to_vec();
            for (i, b) in flips {
                bytes[i] = b;
            }
            bytes
        }),
    ]
}

proptest! {
    #![proptest_config(cases(24))]

    #[test]
    fn a_garbage_truncated_or_corrupted_database_file_is_a_clean_error(bytes in hostile_database()) {
        let env = TestEnv::new();
        std::fs::write(env.db(), &bytes).unwrap();
        run_all(&env, &format!("{} bytes", bytes.len()));
    }
}

#[test]
fn a_database_path_that_is_a_directory_or_a_device_is_a_clean_error() {
    let env = TestEnv::new();
    let dir = env.path().join("a-directory");
    std::fs::create_dir(&dir).unwrap();
    for db in [dir.to_str().unwrap(), "/dev/null", "/dev/zero", "/"] {
        for args in DB_COMMANDS {
            let out = env
                .cmd(args)
                .env("USERDB_DB", db)
                .current_dir(env.path())
                .output()
                .unwrap();
            assert_clean(&out, &format!("{db}: {args:?}"));
            assert_ne!(out.status.code(), Some(0), "{db}: {args:?}");
        }
    }
}

fn hostile_value() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9]{1,25}[smhd]?",
        "-[0-9]{1,20}",
        "[0-9]{1,5}\\.[0-9]{1,5}(e[0-9]{1,4})?",
        Just("never".to_string()),
        Just("18446744073709551615".to_string()),
        Just("9223372036854775807d".to_string()),
        "\\PC{0,24}",
    ]
}

/// A config value as TOML: a number of any size, a float, or a string.
fn hostile_toml() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|i| i.to_string()),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| format!("{f:e}")),
        hostile_value().prop_map(|s| format!("{s:?}")),
        Just("true".to_string()),
        Just("[1, 2]".to_string()),
    ]
}

fn any_key() -> impl Strategy<Value = &'static userdb::config::KeySpec> {
    (0..userdb::config::KEYS.len()).prop_map(|i| &userdb::config::KEYS[i])
}

proptest! {
    #![proptest_config(cases(24))]

    #[test]
    fn extreme_config_values_in_the_environment_are_a_clean_error(spec in any_key(), value in hostile_value()) {
        let env = TestEnv::new();
        env.cmd(&["migrate"]).assert().success();
        for args in [&["list-users"][..], &["config"], &["send-otp", "ada@example.com"]] {
            let out = env
                .cmd(args)
                .env(spec.env_var(), &value)
                .current_dir(env.path())
                .output()
                .unwrap();
            assert_clean(&out, &format!("{}={value:?} {args:?}", spec.env_var()));
        }
    }

    #[test]
    fn extreme_config_values_in_the_file_are_a_clean_error(spec in any_key(), value in hostile_toml()) {
        let env = TestEnv::new();
        env.cmd(&["migrate"]).assert().success();
        let config = env.write_file("config.toml", &format!("[{}]\n{} = {value}\n", spec.section, spec.key));
        for args in [&["list-users"][..], &["config"], &["send-otp", "ada@example.com"]] {
            let out = env
                .cmd(&[&["--config", config.as_str()][..], args].concat())
                .current_dir(env.path())
                .output()
                .unwrap();
            assert_clean(&out, &format!("[{}] {} = {value} {args:?}", spec.section, spec.key));
        }
    }

    #[test]
    fn hostile_arguments_are_a_clean_error(value in hostile_value()) {
        let env = TestEnv::new();
        env.create_user("ada@example.com", &[]);
        for args in [
            &["list-users", "--limit", &value][..],
            &["list-users", "--offset", &value],
            &["log", "--since", &value],
            &["log", "--limit", &value],
            &["issue-token", "ada@example.com", "--expires", &value],
            &["show-user", &value],
            &["revoke-token", &value],
            &["createuser", &value, "--no-password"],
        ] {
            let out = env.cmd(args).current_dir(env.path()).output().unwrap();
            assert_clean(&out, &format!("{args:?}"));
        }
    }
}

#[test]
fn every_config_key_at_its_extremes_is_a_clean_error() {
    let env = TestEnv::new();
    env.cmd(&["migrate"]).assert().success();
    for spec in userdb::config::KEYS {
        for value in ["25d", "36500d", "9223372036854775807", "-1", "0", ""] {
            let out = env
                .cmd(&["list-users"])
                .env(spec.env_var(), value)
                .current_dir(env.path())
                .output()
                .unwrap();
            assert_clean(&out, &format!("{}={value:?}", spec.env_var()));
        }
    }
}
