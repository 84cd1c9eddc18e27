//! Hashes made by Django itself authenticate through the binary, and are upgraded
//! to today's argon2id parameters after a successful check (Django's must_update).

use crate::support::TestEnv;

const VECTORS: &str = include_str!("../data/django-hash-vectors.jsonl");

fn vectors(hasher: &str) -> Vec<(String, String)> {
    VECTORS
        .lines()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap())
        .filter(|v| v["hasher"] == hasher)
        .map(|v| {
            (
                v["password"].as_str().unwrap().to_string(),
                v["encoded"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Two vectors per algorithm through the binary (the library's tests cover all 30):
/// the wrong password is refused and changes nothing; the right one passes and the
/// stored hash becomes argon2id at the configured parameters.
fn django_hashes_authenticate_and_upgrade(hasher: &str) {
    let env = TestEnv::new();
    for (i, (password, encoded)) in vectors(hasher).into_iter().take(2).enumerate() {
        let email = format!("user{i}@example.com");
        env.cmd(&["createuser", &email, "--no-password"])
            .assert()
            .success();
        env.sql(&format!(
            "UPDATE users SET password = '{encoded}' WHERE email = '{email}'"
        ));
        env.cmd(&["authenticate", &email, "--password-stdin"])
            .write_stdin(format!("{password}x\n"))
            .assert()
            .code(1);
        let stored = env.query_one(&format!(
            "SELECT password FROM users WHERE email = '{email}'"
        ));
        assert_eq!(stored, encoded);
        env.cmd(&["authenticate", &email, "--password-stdin"])
            .write_stdin(format!("{password}\n"))
            .assert()
            .success();
        let stored = env.query_one(&format!(
            "SELECT password FROM users WHERE email = '{email}'"
        ));
        assert!(
            stored.starts_with("argon2$argon2id$v=19$m=64,t=1,p=1$"),
            "{hasher}: {stored}"
        );
        env.cmd(&["authenticate", &email, "--password-stdin"])
            .write_stdin(format!("{password}\n"))
            .assert()
            .success();
        let again = env.query_one(&format!(
            "SELECT password FROM users WHERE email = '{email}'"
        ));
        assert_eq!(again, stored, "a current hash is not re-hashed");
    }
}

#[test]
fn django_argon2_hashes_authenticate_and_upgrade() {
    django_hashes_authenticate_and_upgrade("argon2");
}

#[test]
fn django_pbkdf2_sha256_hashes_authenticate_and_upgrade() {
    django_hashes_authenticate_and_upgrade("pbkdf2_sha256");
}

#[test]
fn django_pbkdf2_sha1_hashes_authenticate_and_upgrade() {
    django_hashes_authenticate_and_upgrade("pbkdf2_sha1");
}

#[test]
fn django_bcrypt_sha256_hashes_authenticate_and_upgrade() {
    django_hashes_authenticate_and_upgrade("bcrypt_sha256");
}

#[test]
fn django_scrypt_hashes_authenticate_and_upgrade() {
    django_hashes_authenticate_and_upgrade("scrypt");
}

#[test]
fn a_corrupt_stored_hash_is_a_clear_error_not_a_panic() {
    let env = TestEnv::new();
    env.cmd(&["createuser", "ada@example.com", "--no-password"])
        .assert()
        .success();
    env.sql("UPDATE users SET password = 'md5$$nonsense'");
    env.cmd(&["authenticate", "ada@example.com", "--password-stdin"])
        .write_stdin("whatever\n")
        .assert()
        .code(7)
        .stderr(predicates::str::contains(
            "the stored password hash of ada@example.com cannot be checked",
        ));
}
