//! Snapshots of what a person reads: the tables, `show-user`, `log`, `doctor`,
//! `config`, error messages with their hints, and the shapes of `--json`. Other
//! modules check what a command does; these keep how it looks, so a broken
//! layout or a lost hint fails here (the snapshots are in `tests/cli/snapshots/`;
//! README, *Development*, says how to review a change that is meant).
//!
//! Each snapshot is a transcript: the command, its exit code, stdout and stderr.
//! What differs between runs or machines is replaced first ([`redact`]): the
//! temporary directory, the random part of a token, the OS account in the audit
//! log. The clock is fixed and hashing cheap (`support.rs`), so the rest is stable.

use assert_cmd::Command;
use regex::Regex;

use crate::support::{STRONG, TestEnv, os_user};

/// Custom fields, as a team would declare them: one shows in every table.
const FIELDS: &str = r#"
[fields.department]
type = "choice"
choices = ["Sales", "Ops", "R&D"]
help = "Where they work"
"#;

/// A small team: a superuser, a staff member in a group with a custom field, an
/// inactive user and a plain one; a group with a permission and one without members.
fn team() -> TestEnv {
    let env = TestEnv::with_config(FIELDS);
    env.create_superuser("boss@example.com", &[]);
    env.cmd(&["create-group", "ops", "--perm", "infra.deploy"])
        .assert()
        .success();
    env.cmd(&["create-group", "readers", "--perm", "blog.view_post"])
        .assert()
        .success();
    env.create_user(
        "ada@example.com",
        &[
            "--first-name",
            "Ada",
            "--last-name",
            "Lovelace",
            "--staff",
            "--set",
            "department=R&D",
            "--group",
            "ops",
        ],
    );
    env.create_user("bob@example.com", &["--inactive", "--first-name", "Bob"]);
    env.create_user("carol@example.com", &["--set", "department=Sales"]);
    env
}

/// `text` with what differs between runs and machines replaced: the test's
/// temporary directory, and tokens and the random characters of their display
/// prefix (keeping its width, so a table keeps its layout).
fn redact(env: &TestEnv, text: &str) -> String {
    let text = text.replace(&env.path().display().to_string(), "[TMP]");
    let token = Regex::new(r"\budb(r?)_[0-9A-Za-z]{38}\b").unwrap();
    let text = token.replace_all(&text, "[TOKEN${1}]");
    let prefix = Regex::new(r"\budb_[0-9A-Za-z]{4}\b").unwrap();
    prefix.replace_all(&text, "udb_XXXX").into_owned()
}

/// The audit log's tables with the account running the tests (the `By`
/// column, the last) as `[ACTOR]`, and the column as wide as that: the name and
/// its length differ between machines.
fn redact_actor(tables: &str) -> String {
    let me = regex::escape(&os_user());
    [
        (r"(?m)┬─+┐$", "┬─────────┐"),
        (r"(?m)┆ By +│$", "┆ By      │"),
        (r"(?m)╪═+╡$", "╪═════════╡"),
        (&format!(r"(?m)┆ {me} +│$"), "┆ [ACTOR] │"),
        (r"(?m)┴─+┘$", "┴─────────┘"),
    ]
    .iter()
    .fold(tables.to_string(), |text, (pattern, by)| {
        Regex::new(pattern)
            .unwrap()
            .replace_all(&text, *by)
            .into_owned()
    })
}

/// `userdb ARGS…` as a person sees it: the command, the exit code, stdout and
/// stderr, redacted.
fn transcript(env: &TestEnv, args: &[&str]) -> String {
    transcript_with(env, args, |_| {})
}

/// The same, with the command given its stdin or a variable first.
fn transcript_with(env: &TestEnv, args: &[&str], prepare: impl FnOnce(&mut Command)) -> String {
    let mut cmd = env.cmd(args);
    prepare(&mut cmd);
    let out = cmd.output().unwrap();
    let section = |name: &str, bytes: &[u8]| {
        let text = String::from_utf8_lossy(bytes);
        if text.is_empty() {
            format!("--- {name}: (empty)\n")
        } else {
            format!("--- {name}:\n{text}")
        }
    };
    redact(
        env,
        &format!(
            "$ userdb {}\n[exit {}]\n{}{}",
            args.join(" "),
            out.status.code().map_or("signal".into(), |c| c.to_string()),
            section("stdout", &out.stdout),
            section("stderr", &out.stderr),
        ),
    )
}

/// The runs of several commands, one after another.
fn transcripts(env: &TestEnv, runs: &[&[&str]]) -> String {
    runs.iter()
        .map(|args| transcript(env, args))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `issue-token ARGS…`: the token printed.
fn issue_token(env: &TestEnv, args: &[&str]) -> Vec<u8> {
    let mut all = vec!["issue-token"];
    all.extend_from_slice(args);
    let out = env.cmd(&all).assert().success();
    out.get_output().stdout.clone()
}

// ---- tables -----------------------------------------------------------------

#[test]
fn list_users_table() {
    let env = team();
    insta::assert_snapshot!(transcripts(
        &env,
        &[
            &["list-users"],
            &["list-users", "--staff"],
            &["list-users", "--search", "nobody"],
        ]
    ));
}

/// The team, with Ada given a direct permission and a token named "ci".
fn ada_with_a_grant_and_a_token() -> TestEnv {
    let env = team();
    env.cmd(&["update-user", "ada@example.com", "--grant", "blog.add_post"])
        .assert()
        .success();
    issue_token(&env, &["ada@example.com", "--name", "ci"]);
    env
}

#[test]
fn show_user() {
    let env = ada_with_a_grant_and_a_token();
    insta::assert_snapshot!(transcripts(
        &env,
        &[
            &["show-user", "ada@example.com"],
            &["show-user", "boss@example.com"],
        ]
    ));
}

#[test]
fn groups() {
    let env = team();
    insta::assert_snapshot!(transcripts(
        &env,
        &[
            &["list-groups"],
            &["show-group", "ops"],
            &["show-group", "readers"]
        ]
    ));
}

#[test]
fn list_tokens_table() {
    let env = team();
    issue_token(&env, &["ada@example.com", "--name", "ci"]);
    issue_token(
        &env,
        &[
            "ada@example.com",
            "--name",
            "deploy",
            "--expires",
            "never",
            "--scope",
            "infra.deploy",
        ],
    );
    let token = issue_token(&env, &["carol@example.com", "--expires", "12h"]);
    env.cmd(&["verify-token"])
        .write_stdin(token)
        .assert()
        .success();
    env.cmd(&["revoke-token", "1"]).assert().success();
    insta::assert_snapshot!(transcripts(
        &env,
        &[&["list-tokens"], &["list-tokens", "bob@example.com"]]
    ));
}

#[test]
fn log_table() {
    let env = team();
    env.cmd(&["authenticate", "ada@example.com", "--password-stdin"])
        .write_stdin("wrong guess here\n")
        .assert()
        .code(1);
    env.cmd(&["delete-user", "carol@example.com", "--yes"])
        .assert()
        .success();
    insta::assert_snapshot!(redact_actor(&transcripts(
        &env,
        &[&["log"], &["log", "--user", "carol@example.com"]]
    )));
}

#[test]
fn doctor_on_a_healthy_database() {
    let env = team();
    insta::assert_snapshot!(transcript(&env, &["doctor"]));
}

#[test]
fn doctor_with_findings() {
    let env = team();
    // Older data: a Django hash (upgraded on the next sign-in) and a broken one.
    env.sql(
        "INSERT INTO users (email, email_key, password, date_joined) \
         VALUES ('old@example.com', 'old@example.com', 'pbkdf2_sha256$1500000$DixNsNHFd7hGfVOR6FKMt9$uQ1RWoLHiTEpao0ui7Wt1N2UQRo+sK6VFSCH7pXncMk=', '2020-01-01T00:00:00.000000Z'); \
         INSERT INTO users (email, email_key, password, date_joined) \
         VALUES ('broken@example.com', 'broken@example.com', 'argon2$nonsense', '2020-01-01T00:00:00.000000Z');",
    );
    insta::assert_snapshot!(transcripts(&env, &[&["doctor"], &["doctor", "--json"]]));
}

#[test]
fn config_table() {
    let env = TestEnv::with_config(FIELDS);
    insta::assert_snapshot!(transcript(&env, &["config"]));
}

// ---- errors and their hints -------------------------------------------------

#[test]
fn errors_with_their_hints() {
    let env = team();
    insta::assert_snapshot!(transcripts(
        &env,
        &[
            &["show-user", "nobody@example.com"],
            &["createuser", "ADA@example.com", "--no-password"],
            &["createuser", "not-an-email", "--no-password"],
            &["createuser", "eve@example.com", "--set", "department=Legal"],
            &["--db", "mysql://localhost/users", "list-users"],
            &["--json", "show-user", "nobody@example.com"],
        ]
    ));
}

#[test]
fn usage_errors() {
    let env = TestEnv::new();
    insta::assert_snapshot!(transcripts(
        &env,
        &[
            &["createuser"],
            &["list-users", "--limit", "many"],
            &["no-such-command"],
        ]
    ));
}

// ---- the second factor -------------------------------------------------------

/// A transcript with the secrets of a second factor replaced: the base32
/// secret (alone or in a URI) and the recovery codes, which are random.
fn redact_second_factor(text: &str) -> String {
    let secret = Regex::new(r"\b[A-Z2-7]{32}\b").unwrap();
    let text = secret.replace_all(text, "[SECRET]");
    let code = Regex::new(r"\b[A-Z2-9]{5}-[A-Z2-9]{5}\b").unwrap();
    code.replace_all(&text, "XXXXX-XXXXX").into_owned()
}

#[test]
fn second_factor_commands() {
    let env = team();
    let started = env
        .cmd(&["--json", "enroll-totp", "ada@example.com"])
        .output()
        .unwrap();
    let secret = crate::support::stdout_json(&started)["secret"]
        .as_str()
        .unwrap()
        .to_string();
    let code = crate::support::totp_code(&secret, crate::support::NOW);
    let confirmed = transcript_with(&env, &["confirm-totp", "ada@example.com"], |cmd| {
        cmd.write_stdin(format!("{code}\n"));
    });
    let rest = transcripts(
        &env,
        &[
            &["show-user", "ada@example.com"],
            &["--json", "list-users", "--2fa", "yes"],
            &["enroll-totp", "ada@example.com"],
            &["--json", "enroll-totp", "ada@example.com"],
            &["--json", "recovery-codes", "ada@example.com"],
            &["recovery-codes", "carol@example.com"],
            &["disable-2fa", "ada@example.com", "--reason", "lost phone"],
            &[
                "--json",
                "disable-2fa",
                "carol@example.com",
                "--reason",
                "check",
                "--keep-tokens",
            ],
        ],
    );
    insta::assert_snapshot!(redact_second_factor(&format!(
        "{}\n{confirmed}\n{rest}",
        redact(
            &env,
            &format!(
                "$ userdb --json enroll-totp ada@example.com\n{}",
                String::from_utf8_lossy(&started.stdout)
            )
        )
    )));
}

// ---- --json shapes ----------------------------------------------------------

#[test]
fn list_users_json() {
    let env = team();
    insta::assert_snapshot!(transcripts(
        &env,
        &[
            &["--json", "list-users"],
            &["--json", "list-users", "--search", "nobody"]
        ]
    ));
}

#[test]
fn show_user_json() {
    let env = ada_with_a_grant_and_a_token();
    insta::assert_snapshot!(transcripts(
        &env,
        &[
            &["--json", "show-user", "ada@example.com"],
            &["--json", "show-user", "boss@example.com"],
        ]
    ));
}

#[test]
fn verify_token_json() {
    let env = team();
    let token = issue_token(
        &env,
        &[
            "ada@example.com",
            "--name",
            "deploy",
            "--scope",
            "infra.deploy",
        ],
    );
    insta::assert_snapshot!(
        [
            transcript_with(&env, &["--json", "verify-token"], |cmd| {
                cmd.write_stdin(token.clone());
            }),
            transcript_with(
                &env,
                &["--json", "verify-token", "--require", "blog.add_post"],
                |cmd| {
                    cmd.write_stdin(token);
                }
            ),
        ]
        .join("\n")
    );
}

#[test]
fn apply_json() {
    let env = team();
    let file = env.write_file(
        "users.toml",
        r#"
[[groups]]
name = "ops"
permissions = ["infra.deploy", "infra.rollback"]

[[users]]
email = "ada@example.com"
first_name = "Augusta Ada"
groups = ["ops"]

[[users]]
email = "dan@example.com"
password_env = "DAN_PASSWORD"
permissions = ["blog.add_post"]
"#,
    );
    insta::assert_snapshot!(
        [
            transcript_with(&env, &["--json", "apply", &file, "--dry-run"], |cmd| {
                cmd.env("DAN_PASSWORD", STRONG);
            }),
            transcript_with(&env, &["--json", "apply", &file], |cmd| {
                cmd.env("DAN_PASSWORD", STRONG);
            }),
        ]
        .join("\n")
    );
}
