use predicates::prelude::*;

use crate::support::{TestEnv, stdout_json};

fn setting<'a>(report: &'a serde_json::Value, key: &str) -> &'a serde_json::Value {
    report["settings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["key"] == key)
        .unwrap()
}

#[test]
fn config_shows_values_sources_and_paths() {
    let env = TestEnv::new();
    let file = env.path().join("userdb.toml");
    std::fs::write(&file, "[password]\nmin_length = 12\n").unwrap();
    let out = env
        .cmd(&["config", "--json", "--config", file.to_str().unwrap()])
        .assert()
        .success()
        .get_output()
        .clone();
    let report = stdout_json(&out);
    assert_eq!(report["config_file"], file.to_str().unwrap());
    assert_eq!(report["config_file_found"], true);
    assert_eq!(report["database"], env.db().to_str().unwrap());
    assert_eq!(setting(&report, "password.min_length")["value"], "12");
    assert_eq!(
        setting(&report, "password.min_length")["source"],
        "config file"
    );
    assert_eq!(
        setting(&report, "password.memory_cost")["source"],
        "env USERDB_PASSWORD_MEMORY_COST"
    );
    assert_eq!(
        setting(&report, "password.max_similarity")["source"],
        "default"
    );
    assert_eq!(
        setting(&report, "password.time_cost")["env"],
        "USERDB_PASSWORD_TIME_COST"
    );
}

#[test]
fn the_default_config_file_is_in_the_platform_config_dir() {
    let env = TestEnv::new();
    let dir = env.path().join("config/userdb");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("config.toml"), "[password]\nmin_length = 20\n").unwrap();
    env.cmd(&["createuser", "ada@example.com", "--password-stdin"])
        .write_stdin("correct horse\n")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("at least 20 characters"));
    env.cmd(&["config"])
        .assert()
        .success()
        .stdout(predicate::str::contains("config/userdb/config.toml"));
}

#[test]
fn the_flag_beats_the_environment_for_the_database() {
    let env = TestEnv::new();
    let other = env.path().join("other.sqlite3");
    env.cmd(&[
        "--db",
        other.to_str().unwrap(),
        "createuser",
        "ada@example.com",
        "--no-password",
    ])
    .assert()
    .success();
    assert!(other.exists());
    env.cmd(&["migrate"]).assert().success();
    env.cmd(&["list-users", "--json"])
        .assert()
        .success()
        .stdout("[]\n");
    // [database] path applies when neither flag nor USERDB_DB is given.
    let file = env.path().join("db.toml");
    std::fs::write(
        &file,
        format!("[database]\npath = \"{}\"\n", other.display()),
    )
    .unwrap();
    env.cmd(&[
        "--config",
        file.to_str().unwrap(),
        "show-user",
        "ada@example.com",
    ])
    .env_remove("USERDB_DB")
    .assert()
    .success();
}

#[test]
fn a_broken_config_is_exit_6_naming_the_problem() {
    let env = TestEnv::new();
    let file = env.path().join("bad.toml");
    std::fs::write(&file, "[password]\ntime_cost = \"two\"\n").unwrap();
    env.cmd(&["list-users", "--config", file.to_str().unwrap()])
        .assert()
        .code(6)
        .stderr(predicate::str::contains(
            "password.time_cost: expected a whole number, found string",
        ));
    env.cmd(&["list-users"])
        .env("USERDB_PASSWORD_MEMORY_COST", "lots")
        .assert()
        .code(6)
        .stderr(predicate::str::contains("USERDB_PASSWORD_MEMORY_COST"));
    env.cmd(&["list-users", "--config", "/nonexistent.toml"])
        .assert()
        .code(6);
    env.cmd(&["list-users"])
        .env("USERDB_PASSWORD_PARALLELISM", "4")
        .env("USERDB_PASSWORD_MEMORY_COST", "8")
        .assert()
        .code(6)
        .stderr(predicate::str::contains("argon2"));
}

/// A config file is read whole or not at all: over the limit it is refused,
/// never cut (the keys after the cut would silently be defaults).
#[test]
fn a_config_file_over_1_mib_is_refused_not_cut() {
    let env = TestEnv::new();
    let padding = format!("# {}\n", "x".repeat(1021)).repeat(1024);
    env.write_config(&format!("{padding}[database]\nbusy_timeout = \"9s\"\n"));
    env.cmd(&["config"])
        .assert()
        .code(6)
        .stderr(predicates::str::contains("it is larger than 1 MiB"));
}
