//! API tokens: issue-token, verify-token, list-tokens, revoke-token, and what other
//! commands do with tokens (show-user, changepassword --revoke-tokens, delete-user).

use predicates::prelude::*;
use serde_json::{Value, json};

use crate::support::{NOW, STRONG, TestEnv, stderr_text, stdout_json};

/// The regex the README publishes for secret scanners.
const TOKEN_REGEX: &str = r"^udb_[0-9A-Za-z]{38}$";

/// `issue-token EMAIL ARGS…`: the token, from the one line on stdout.
fn issue(env: &TestEnv, email: &str, args: &[&str]) -> String {
    let mut all = vec!["issue-token", email];
    all.extend_from_slice(args);
    let out = env.cmd(&all).assert().success().get_output().clone();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "one line on stdout: {stdout:?}");
    lines[0].to_string()
}

fn issue_json(env: &TestEnv, email: &str, args: &[&str]) -> Value {
    let mut all = vec!["--json", "issue-token", email];
    all.extend_from_slice(args);
    stdout_json(env.cmd(&all).assert().success().get_output())
}

/// `verify-token` with the token on stdin.
fn verify(env: &TestEnv, token: &str) -> assert_cmd::assert::Assert {
    env.cmd(&["verify-token"])
        .write_stdin(format!("{token}\n"))
        .assert()
}

fn verify_at(env: &TestEnv, token: &str, now: &str) -> assert_cmd::assert::Assert {
    env.cmd(&["verify-token"])
        .env("USERDB_NOW", now)
        .write_stdin(format!("{token}\n"))
        .assert()
}

fn tokens_json(env: &TestEnv, args: &[&str]) -> Vec<Value> {
    let mut all = vec!["--json", "list-tokens"];
    all.extend_from_slice(args);
    let out = env.cmd(&all).assert().success().get_output().clone();
    stdout_json(&out).as_array().unwrap().clone()
}

fn events(env: &TestEnv) -> String {
    env.query_one(
        "SELECT group_concat(event || '(' || detail || ')', ' ') FROM (SELECT * FROM audit_log \
         WHERE event LIKE 'token%' ORDER BY id) AS a",
    )
}

#[test]
fn issue_token_prints_the_token_alone_on_one_line() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    let out = env
        .cmd(&["issue-token", "ADA@example.com"])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "Token 1 (\"token-1\") issued to ada@example.com; it expires 2026-04-02 03:04:05 UTC (in 90d)",
        ))
        .get_output()
        .clone();
    let stdout = String::from_utf8(out.stdout.clone()).unwrap();
    assert!(stdout.ends_with('\n') && stdout.lines().count() == 1);
    let token = stdout.trim_end();
    assert!(
        regex::Regex::new(TOKEN_REGEX).unwrap().is_match(token),
        "{token}"
    );
    assert!(!stderr_text(&out).contains(token));
}

#[test]
fn issue_token_json_gives_the_token_id_name_and_expiry() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    let issued = issue_json(
        &env,
        "ada@example.com",
        &["--name", "deploy", "--expires", "12h"],
    );
    assert!(
        regex::Regex::new(TOKEN_REGEX)
            .unwrap()
            .is_match(issued["token"].as_str().unwrap())
    );
    assert_eq!(issued["id"], 1);
    assert_eq!(issued["name"], "deploy");
    assert_eq!(issued["expires_at"], "2026-01-02T15:04:05.000000Z");
    assert_eq!(issued["user"], "ada@example.com");
    let never = issue_json(&env, "ada@example.com", &["--expires", "never"]);
    assert_eq!(never["expires_at"], Value::Null);
    assert_eq!(never["name"], "token-2");
}

#[test]
fn the_default_expiry_is_90_days_unless_configured_and_never_only_when_said() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    assert_eq!(
        issue_json(&env, "ada@example.com", &[])["expires_at"],
        "2026-04-02T03:04:05.000000Z"
    );
    let out = env
        .cmd(&["--json", "issue-token", "ada@example.com"])
        .env("USERDB_TOKEN_DEFAULT_EXPIRY", "30d")
        .assert()
        .success()
        .get_output()
        .clone();
    assert_eq!(
        stdout_json(&out)["expires_at"],
        "2026-02-01T03:04:05.000000Z"
    );
    let config = env.path().join("userdb.toml");
    std::fs::write(&config, "[token]\ndefault_expiry = \"never\"\n").unwrap();
    let out = env
        .cmd(&["--json", "issue-token", "ada@example.com"])
        .args(["--config", config.to_str().unwrap()])
        .assert()
        .success()
        .get_output()
        .clone();
    assert_eq!(stdout_json(&out)["expires_at"], Value::Null);
    env.cmd(&["issue-token", "ada@example.com"])
        .env("USERDB_TOKEN_DEFAULT_EXPIRY", "soon")
        .assert()
        .code(6)
        .stderr(predicate::str::contains("USERDB_TOKEN_DEFAULT_EXPIRY"));
}

#[test]
fn issue_token_refuses_bad_names_expiries_users_and_inactive_users() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    issue(&env, "ada@example.com", &["--name", "ci"]);
    env.cmd(&["issue-token", "ada@example.com", "--name", "ci"])
        .assert()
        .code(4)
        .stderr(predicate::str::contains(
            "ada@example.com already has a token named \"ci\"",
        ));
    env.cmd(&["issue-token", "ada@example.com", "--expires", "tomorrow"])
        .assert()
        .code(2);
    env.cmd(&["issue-token", "ada@example.com", "--expires", "0s"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("already expired"));
    env.cmd(&["issue-token", "ada@example.com", "--name", " "])
        .assert()
        .code(2);
    env.cmd(&["issue-token", "nobody@example.com"])
        .assert()
        .code(3);
    env.create_user("off@example.com", &["--inactive"]);
    env.cmd(&["issue-token", "off@example.com"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains(
            "user off@example.com is inactive: no token can be issued to it",
        ));
    assert_eq!(tokens_json(&env, &["off@example.com"]).len(), 0);
}

#[test]
fn verify_token_from_stdin_prints_the_email_and_records_the_use() {
    let env = TestEnv::new();
    env.create_user("Ada@Example.com", &[]);
    let token = issue(&env, "ada@example.com", &["--name", "ci"]);
    assert_eq!(tokens_json(&env, &[])[0]["last_used_at"], Value::Null);
    let later = "2026-01-05T00:00:00Z";
    verify_at(&env, &token, later)
        .success()
        .stdout("Ada@example.com\n");
    assert_eq!(
        tokens_json(&env, &[])[0]["last_used_at"],
        "2026-01-05T00:00:00.000000Z"
    );
    // Without a trailing newline, too.
    env.cmd(&["verify-token"])
        .write_stdin(token.clone())
        .assert()
        .success();
}

#[test]
fn verify_token_reads_userdb_token_when_set() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    let token = issue(&env, "ada@example.com", &[]);
    env.cmd(&["verify-token"])
        .env("USERDB_TOKEN", &token)
        .assert()
        .success()
        .stdout("ada@example.com\n");
}

#[test]
fn verify_token_json_is_the_user_and_the_token_without_its_secret() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &["--first-name", "Ada"]);
    let token = issue(
        &env,
        "ada@example.com",
        &["--name", "ci", "--expires", "30d"],
    );
    let out = env
        .cmd(&["verify-token", "--json"])
        .write_stdin(token.clone())
        .assert()
        .success()
        .get_output()
        .clone();
    let mut verified = stdout_json(&out);
    let token_obj = verified.as_object_mut().unwrap().remove("token").unwrap();
    assert_eq!(
        token_obj,
        json!({
            "id": 1,
            "name": "ci",
            "prefix": &token[..8],
            "expires_at": "2026-02-01T03:04:05.000000Z",
            "scopes": null,
        })
    );
    // The rest is exactly what `show-user --json` prints (last_login untouched).
    assert_eq!(verified, env.user_json("ada@example.com"));
    assert_eq!(verified["active_tokens"], 1);
    assert!(!String::from_utf8_lossy(&out.stdout).contains(&token[8..]));
}

#[test]
fn a_token_is_never_an_argument() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    let token = issue(&env, "ada@example.com", &[]);
    env.cmd(&["verify-token", &token]).assert().code(2);
    env.cmd(&["verify-token", "--token", &token])
        .assert()
        .code(2);
}

#[test]
fn verify_token_without_any_token_is_a_usage_error() {
    let env = TestEnv::new();
    env.cmd(&["verify-token"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(
            predicate::str::contains("no token given")
                .and(predicate::str::contains("USERDB_TOKEN")),
        );
    env.cmd(&["verify-token"])
        .write_stdin("\n")
        .assert()
        .code(2);
}

#[test]
fn a_mistyped_token_is_refused_before_the_database_is_opened() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    let token = issue(&env, "ada@example.com", &[]);
    let mut typo = token.clone().into_bytes();
    typo[10] = if typo[10] == b'a' { b'b' } else { b'a' };
    let typo = String::from_utf8(typo).unwrap();
    verify(&env, &typo)
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains(
            "token rejected: malformed: its checksum does not match",
        ));
    // A database path that cannot be opened: a malformed token never gets there.
    let not_a_dir = env.path().join("file");
    std::fs::write(&not_a_dir, "").unwrap();
    let unusable_db = not_a_dir.join("db.sqlite3");
    for bad in [
        typo.as_str(),
        "udb_short",
        "ghp_0123456789012345678901234567890123456789",
    ] {
        env.cmd(&["verify-token"])
            .env("USERDB_DB", &unusable_db)
            .write_stdin(bad)
            .assert()
            .code(1)
            .stderr(predicate::str::contains("malformed"));
    }
    // An unknown but well-formed token does need the database.
    env.cmd(&["verify-token"])
        .env("USERDB_DB", &unusable_db)
        .write_stdin(token)
        .assert()
        .code(7);
}

#[test]
fn verify_token_tells_unknown_expired_revoked_and_inactive_apart() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    let other = TestEnv::new();
    other.create_user("ada@example.com", &[]);
    let foreign = issue(&other, "ada@example.com", &[]);
    verify(&env, &foreign)
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains("token rejected: unknown token"));

    let short = issue(
        &env,
        "ada@example.com",
        &["--name", "short", "--expires", "1h"],
    );
    verify_at(&env, &short, "2026-01-02T04:04:04Z").success();
    verify_at(&env, &short, "2026-01-02T04:04:05Z")
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains(
            "token rejected: token 1 (\"short\") expired at 2026-01-02 04:04:05 UTC",
        ));

    let revoked = issue(&env, "ada@example.com", &["--name", "old"]);
    env.cmd(&["revoke-token", "2"]).assert().success();
    verify(&env, &revoked)
        .code(1)
        .stderr(predicate::str::contains(
            "token rejected: token 2 (\"old\") was revoked at 2026-01-02 03:04:05 UTC",
        ));

    let live = issue(&env, "ada@example.com", &["--name", "live"]);
    env.cmd(&["update-user", "ada@example.com", "--active", "false"])
        .assert()
        .success();
    verify(&env, &live).code(1).stderr(predicate::str::contains(
        "token rejected: user ada@example.com is inactive",
    ));
    env.cmd(&["update-user", "ada@example.com", "--active", "true"])
        .assert()
        .success();
    verify(&env, &live).success();

    // Rejections are logged where the user is known; unknown tokens have no user.
    assert_eq!(
        events(&env),
        "token_issued(name=short, expires=2026-01-02 04:04:05 UTC) token_used(id=1) \
         token_rejected(id=1, reason=expired) token_issued(name=old, expires=2026-04-02 03:04:05 UTC) \
         token_revoked(id=2, name=old) token_rejected(id=2, reason=revoked) \
         token_issued(name=live, expires=2026-04-02 03:04:05 UTC) \
         token_rejected(id=3, reason=inactive user) token_used(id=3)"
    );
}

#[test]
fn list_tokens_shows_everything_but_the_secret() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    env.create_user("bob@example.com", &[]);
    let a = issue(&env, "ada@example.com", &["--name", "ci"]);
    let b = issue(&env, "bob@example.com", &["--expires", "never"]);
    verify(&env, &a).success();
    env.cmd(&["revoke-token", "2"]).assert().success();
    let all = tokens_json(&env, &[]);
    assert_eq!(
        all,
        vec![
            json!({
                "id": 1, "name": "ci", "prefix": &a[..8], "user": "ada@example.com",
                "created_at": "2026-01-02T03:04:05.000000Z",
                "expires_at": "2026-04-02T03:04:05.000000Z",
                "last_used_at": "2026-01-02T03:04:05.000000Z",
                "revoked_at": null,
                "scopes": null,
            }),
            json!({
                "id": 2, "name": "token-1", "prefix": &b[..8], "user": "bob@example.com",
                "created_at": "2026-01-02T03:04:05.000000Z",
                "expires_at": null,
                "last_used_at": null,
                "revoked_at": "2026-01-02T03:04:05.000000Z",
                "scopes": null,
            }),
        ]
    );
    let bobs = tokens_json(&env, &["BOB@example.com"]);
    assert_eq!(bobs.len(), 1);
    assert_eq!(bobs[0]["user"], "bob@example.com");

    let out = env
        .cmd(&["list-tokens"])
        .assert()
        .success()
        .get_output()
        .clone();
    let table = String::from_utf8(out.stdout).unwrap();
    for expected in [
        "ada@example.com",
        "ci",
        &format!("{}…", &a[..8]),
        "2026-04-02 03:04:05 UTC",
        "active",
        "never",
        "revoked 2026-01-02 03:04:05 UTC",
    ] {
        assert!(table.contains(expected), "{expected}: {table}");
    }
    for secret in [&a, &b] {
        assert!(!table.contains(&secret[8..]));
    }
    env.cmd(&["list-tokens", "nobody@example.com"])
        .assert()
        .code(3);
}

#[test]
fn list_tokens_marks_expired_ones_and_says_when_there_are_none() {
    let env = TestEnv::new();
    env.cmd(&["migrate"]).assert().success();
    env.cmd(&["list-tokens"])
        .assert()
        .success()
        .stdout("")
        .stderr("No tokens.\n");
    env.cmd(&["--json", "list-tokens"])
        .assert()
        .success()
        .stdout("[]\n");
    env.create_user("ada@example.com", &[]);
    issue(&env, "ada@example.com", &["--expires", "1d"]);
    env.cmd(&["list-tokens"])
        .env("USERDB_NOW", "2026-02-01T00:00:00Z")
        .assert()
        .success()
        .stdout(predicate::str::contains("expired"));
}

#[test]
fn revoke_token_by_id_says_when_it_already_was() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    issue(&env, "ada@example.com", &["--name", "ci"]);
    env.cmd(&["revoke-token", "1"])
        .assert()
        .success()
        .stderr("Token 1 (\"ci\") of ada@example.com revoked.\n");
    env.cmd(&["revoke-token", "1"])
        .env("USERDB_NOW", "2026-01-03T00:00:00Z")
        .assert()
        .success()
        .stderr(
            "Token 1 (\"ci\") of ada@example.com was already revoked at 2026-01-02 03:04:05 UTC; \
             nothing changed.\n",
        );
    let out = env
        .cmd(&["--json", "revoke-token", "1"])
        .assert()
        .success()
        .get_output()
        .clone();
    let json = stdout_json(&out);
    assert_eq!(json["already_revoked"], true);
    assert_eq!(json["revoked_at"], "2026-01-02T03:04:05.000000Z");
    env.cmd(&["revoke-token", "42"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("no token with id 42"));
    env.cmd(&["revoke-token"]).assert().code(2);
    env.cmd(&["revoke-token", "1", "--all", "ada@example.com"])
        .assert()
        .code(2);
    env.cmd(&["revoke-token", "one"]).assert().code(2);
}

#[test]
fn revoke_token_all_revokes_every_token_of_the_user_only() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    env.create_user("bob@example.com", &[]);
    let a1 = issue(&env, "ada@example.com", &[]);
    let a2 = issue(&env, "ada@example.com", &[]);
    let b = issue(&env, "bob@example.com", &[]);
    env.cmd(&["revoke-token", "--all", "ADA@example.com"])
        .assert()
        .success()
        .stderr("Revoked 2 tokens of ada@example.com.\n");
    for token in [&a1, &a2] {
        verify(&env, token).code(1);
    }
    verify(&env, &b).success();
    env.cmd(&["revoke-token", "--all", "ada@example.com"])
        .assert()
        .success()
        .stderr("ada@example.com has no tokens to revoke.\n");
    env.cmd(&["revoke-token", "--all", "nobody@example.com"])
        .assert()
        .code(3);
    assert_eq!(
        env.query_one("SELECT count(*) FROM audit_log WHERE event = 'token_revoked'"),
        "2"
    );
}

#[test]
fn changepassword_can_revoke_the_tokens_with_the_password() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    let kept = issue(&env, "ada@example.com", &[]);
    env.cmd(&["changepassword", "ada@example.com", "--password-stdin"])
        .write_stdin("a completely new phrase\n")
        .assert()
        .success();
    verify(&env, &kept).success();
    issue(&env, "ada@example.com", &[]);
    let out = env
        .cmd(&[
            "--json",
            "changepassword",
            "ada@example.com",
            "--password-stdin",
            "--revoke-tokens",
        ])
        .write_stdin("yet another new phrase\n")
        .assert()
        .success()
        .get_output()
        .clone();
    assert_eq!(stdout_json(&out)["revoked_tokens"], 2);
    verify(&env, &kept)
        .code(1)
        .stderr(predicate::str::contains("revoked"));
    assert_eq!(env.user_json("ada@example.com")["active_tokens"], 0);
    // A rejected password changes nothing, tokens included.
    let fresh = issue(&env, "ada@example.com", &[]);
    env.cmd(&[
        "changepassword",
        "ada@example.com",
        "--password-stdin",
        "--revoke-tokens",
    ])
    .write_stdin("abc\n")
    .assert()
    .code(2);
    verify(&env, &fresh).success();
    env.cmd(&[
        "changepassword",
        "ada@example.com",
        "--password-stdin",
        "--revoke-tokens",
    ])
    .write_stdin(format!("{STRONG}\n"))
    .assert()
    .success()
    .stderr(predicate::str::contains(
        "Revoked 1 token of ada@example.com.",
    ));
    verify(&env, &fresh).code(1);
}

#[test]
fn show_user_counts_the_active_tokens() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    assert_eq!(env.user_json("ada@example.com")["active_tokens"], 0);
    issue(&env, "ada@example.com", &["--expires", "1h"]);
    issue(&env, "ada@example.com", &["--expires", "never"]);
    issue(&env, "ada@example.com", &[]);
    env.cmd(&["revoke-token", "3"]).assert().success();
    assert_eq!(env.user_json("ada@example.com")["active_tokens"], 2);
    env.cmd(&["show-user", "ada@example.com"])
        .env("USERDB_NOW", "2026-01-02T05:00:00Z")
        .assert()
        .success()
        .stdout(predicate::str::is_match(r"active tokens\s+┆ 1\s").unwrap());
}

#[test]
fn delete_user_deletes_the_tokens() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    env.create_user("bob@example.com", &[]);
    let token = issue(&env, "ada@example.com", &[]);
    issue(&env, "bob@example.com", &[]);
    env.cmd(&["delete-user", "ada@example.com", "--yes"])
        .assert()
        .success();
    assert_eq!(env.query_one("SELECT count(*) FROM tokens"), "1");
    verify(&env, &token)
        .code(1)
        .stderr(predicate::str::contains("unknown token"));
}

#[test]
fn no_token_secret_is_ever_written_to_the_database_files() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    let mut tokens = Vec::new();
    for _ in 0..5 {
        let token = issue(&env, "ada@example.com", &[]);
        verify(&env, &token).success();
        tokens.push(token);
    }
    tokens.push(
        issue_json(&env, "ada@example.com", &[])["token"]
            .as_str()
            .unwrap()
            .to_string(),
    );
    env.cmd(&["revoke-token", "1"]).assert().success();
    let files = env.stored_bytes();
    assert!(
        crate::ON_POSTGRES
            || files
                .iter()
                .any(|(p, b)| p.ends_with("-wal") && !b.is_empty()),
        "the writes are still in the WAL, which must be checked too"
    );
    assert!(
        files
            .iter()
            .any(|(_, b)| String::from_utf8_lossy(b).contains("udb_")),
        "the token prefixes are stored: the search looks in the right place"
    );
    for (path, bytes) in &files {
        for token in &tokens {
            // The part after the display prefix is never stored, whole or in part.
            let secret = &token.as_bytes()[8..];
            for window in secret.windows(12) {
                assert!(
                    !bytes.windows(window.len()).any(|w| w == window),
                    "{path} contains part of a token"
                );
            }
        }
    }
    let digest = env.query_one("SELECT length(digest) FROM tokens WHERE id = 1");
    assert_eq!(digest, "32", "a SHA-256 is stored instead");
}

#[test]
fn token_commands_are_in_the_audit_log_without_secrets() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    let token = issue(
        &env,
        "ada@example.com",
        &["--name", "ci", "--expires", "never"],
    );
    verify(&env, &token).success();
    env.cmd(&["revoke-token", "1"]).assert().success();
    verify(&env, &token).code(1);
    assert_eq!(
        events(&env),
        "token_issued(name=ci, expires=never) token_used(id=1) token_revoked(id=1, name=ci) \
         token_rejected(id=1, reason=revoked)"
    );
    let everything =
        env.query_one("SELECT group_concat(detail || actor || email, ' ') FROM audit_log");
    assert!(!everything.contains(&token[4..]));
    let _ = NOW;
}

#[test]
fn on_a_terminal_verify_token_asks_without_echo() {
    use rexpect::session::spawn_command;
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    let token = issue(&env, "ada@example.com", &[]);
    let mut p = spawn_command(env.std_cmd(&["verify-token"]), Some(20_000)).unwrap();
    p.exp_string("Token:").unwrap();
    p.send_line(&token).unwrap();
    let before = p.exp_string("ada@example.com").unwrap();
    assert!(!before.contains(&token[4..]), "the token was echoed");
    p.exp_eof().unwrap();
    // With --no-input a terminal is not asked.
    let mut p = spawn_command(env.std_cmd(&["verify-token", "--no-input"]), Some(20_000)).unwrap();
    p.exp_string("a token is needed").unwrap();
    p.exp_eof().unwrap();
}

/// An import (or `apply`, or `copy`) holds the writers' lock for seconds; a token
/// check does not wait for it. PostgreSQL records the use under row locks (and a
/// sign-in too); SQLite, which has one writer, answers from a fresh read and
/// leaves that use unrecorded.
#[test]
fn a_token_check_does_not_wait_for_a_writer_holding_the_lock() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    let token = issue(&env, "ada@example.com", &[]);
    let revoked = issue(&env, "ada@example.com", &["--name", "old"]);
    env.cmd(&["revoke-token", "2"]).assert().success();
    let held = env.hold_writer_lock();
    // Waiting for the lock would take the whole busy timeout, then fail.
    let prompt = |args: &[&str], stdin: &str| {
        env.cmd(args)
            .env("USERDB_DATABASE_BUSY_TIMEOUT", "1h")
            .timeout(std::time::Duration::from_secs(20))
            .write_stdin(format!("{stdin}\n"))
            .assert()
    };
    prompt(&["verify-token"], &token)
        .success()
        .stdout(predicate::str::contains("ada@example.com"));
    if crate::ON_POSTGRES {
        prompt(&["verify-token"], &revoked)
            .code(1)
            .stderr(predicate::str::contains("was revoked"));
        let sign_in = ["authenticate", "ada@example.com", "--password-stdin"];
        prompt(&sign_in, STRONG).success();
        prompt(&sign_in, "wrong horse").code(1);
    }
    drop(held);
    let used = &tokens_json(&env, &[])[0]["last_used_at"];
    assert_eq!(used.is_null(), !crate::ON_POSTGRES, "{used}");
    verify(&env, &revoked).code(1);
}

/// Checks racing a revocation: those that overlap it may pass, every use that
/// passed is recorded once, and none recorded or passed after it returns (on
/// PostgreSQL the use holds the token's row, not the writers' lock).
#[test]
fn no_use_passes_or_is_recorded_after_a_revocation_returns() {
    no_use_after_a_revocation_returns(&TestEnv::new());
}

/// Also through PgBouncer: pooler.rs.
pub fn no_use_after_a_revocation_returns(env: &TestEnv) {
    env.create_user("ada@example.com", &[]);
    let token = issue(env, "ada@example.com", &[]);
    let spawn = || -> Vec<std::process::Child> {
        (0..6)
            .map(|_| {
                let mut child = env
                    .std_cmd(&["verify-token"])
                    .stdin(std::process::Stdio::piped())
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::null())
                    .spawn()
                    .unwrap();
                use std::io::Write;
                writeln!(child.stdin.take().unwrap(), "{token}").unwrap();
                child
            })
            .collect()
    };
    let codes = |children: Vec<std::process::Child>| -> Vec<i32> {
        children
            .into_iter()
            .map(|c| c.wait_with_output().unwrap().status.code().unwrap())
            .collect()
    };
    let racing = spawn();
    env.cmd(&["revoke-token", "1"]).assert().success();
    let used_at_revoke = env.query_one("SELECT count(*) FROM audit_log WHERE event = 'token_used'");
    let after = codes(spawn());
    assert_eq!(after, [1; 6], "every check after the revocation fails");
    let racing = codes(racing);
    assert!(racing.iter().all(|c| *c == 0 || *c == 1), "{racing:?}");
    assert_eq!(
        env.query_one("SELECT count(*) FROM audit_log WHERE event = 'token_used'"),
        used_at_revoke,
        "no use recorded after the revocation returned"
    );
}
