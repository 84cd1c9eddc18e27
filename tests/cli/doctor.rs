//! `userdb doctor` finds what an operator should fix and says how.

use std::os::unix::fs::PermissionsExt;

use crate::support::{TestEnv, stdout_json};

#[test]
fn a_healthy_database_has_no_findings() {
    let env = TestEnv::new();
    env.create_superuser("root@example.com", &[]);
    env.cmd(&["doctor"])
        .assert()
        .success()
        .stdout(format!("{}: no problems found.\n", env.db().display()));
}

#[test]
fn doctor_reports_each_problem_with_its_fix() {
    let env = TestEnv::new();
    env.create_superuser("root@example.com", &[]);
    env.create_user("ada@example.com", &[]);
    // Older data: a second spelling slipped in with a wrong key, a Django hash, a broken hash.
    env.sql(
        "INSERT INTO users (email, email_key, password, date_joined) \
         VALUES ('ADA@example.com', 'legacy-key', 'pbkdf2_sha256$1500000$DixNsNHFd7hGfVOR6FKMt9$uQ1RWoLHiTEpao0ui7Wt1N2UQRo+sK6VFSCH7pXncMk=', '2020-01-01T00:00:00.000000Z'); \
         INSERT INTO users (email, email_key, password, date_joined) \
         VALUES ('broken@example.com', 'broken@example.com', 'argon2$nonsense', '2020-01-01T00:00:00.000000Z');",
    );
    std::fs::set_permissions(env.db(), std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = env
        .cmd(&["doctor", "--json"])
        .assert()
        .code(1)
        .get_output()
        .clone();
    let report = stdout_json(&out);
    assert_eq!(report["ok"], false);
    let findings: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {}: {} => {}",
                f["severity"].as_str().unwrap(),
                f["check"].as_str().unwrap(),
                f["message"].as_str().unwrap(),
                f["fix"].as_str().unwrap()
            )
        })
        .collect();
    let all = findings.join("\n");
    assert!(all.contains("problem permissions: "), "{all}");
    assert!(
        all.contains("(mode 644)") && all.contains("=> chmod 600 "),
        "{all}"
    );
    assert!(
        all.contains(
            "these addresses are one login case-insensitively: ada@example.com, ADA@example.com"
        ),
        "{all}"
    );
    assert!(
        all.contains("broken@example.com has a password hash that cannot be checked"),
        "{all}"
    );
    assert!(
        all.contains("=> userdb changepassword 'broken@example.com'"),
        "{all}"
    );
    assert!(all.contains("notice hashes: 1 password hash is not argon2id at the current parameters (pbkdf2_sha256: 1)"), "{all}");
    // The human form says the same, with the fixes.
    let text = env.cmd(&["doctor"]).assert().code(1).get_output().clone();
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(
        text.contains("problem [permissions]") && text.contains("    fix: chmod 600"),
        "{text}"
    );
}

#[test]
fn doctor_reports_pending_migrations_without_applying_them() {
    let env = TestEnv::new();
    env.cmd(&["migrate"]).assert().success();
    env.sql("DELETE FROM userdb_migrations");
    let names: Vec<&str> = userdb::storage::SqliteStore::MIGRATIONS
        .iter()
        .map(|m| m.name)
        .collect();
    let pending = format!("{} pending migration(s): {}", names.len(), names.join(", "));
    env.cmd(&["doctor"])
        .assert()
        .code(1)
        .stdout(predicates::str::contains(pending))
        .stdout(predicates::str::contains("fix: run `userdb migrate`"));
    assert_eq!(env.query_one("SELECT count(*) FROM userdb_migrations"), "0");
}

#[test]
fn doctor_without_a_database_says_so() {
    let env = TestEnv::new();
    env.cmd(&["doctor"])
        .assert()
        .code(7)
        .stderr(predicates::str::contains("no database at"));
    assert!(!env.db().exists());
}
