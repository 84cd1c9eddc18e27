//! `userdb copy --to TARGET`: everything moves, ids kept, from SQLite to a real
//! PostgreSQL server and back; an occupied target is refused.

use predicates::prelude::*;

use crate::support::{STRONG, TestEnv, code_in, stderr_text, stdout_json};

/// A fresh PostgreSQL schema on the suite's server.
fn server_database() -> String {
    crate::pg_server::server().fresh_database()
}

/// `userdb ARGS` with the server's password at hand (PGPASSWORD).
fn cmd(env: &TestEnv, args: &[&str]) -> assert_cmd::Command {
    let mut cmd = env.cmd(args);
    cmd.env("PGPASSWORD", crate::pg_server::server().password());
    cmd
}

/// `--json ARGS` against `db`, parsed.
fn json_on(env: &TestEnv, db: &str, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["--json", "--db", db];
    all.extend_from_slice(args);
    let out = cmd(env, &all).assert().success().get_output().clone();
    stdout_json(&out)
}

#[test]
fn copy_moves_users_tokens_codes_throttling_and_the_audit_log_both_ways() {
    let env = TestEnv::with_config("[fields.team]\ntype = \"text\"\n");
    env.create_user("ada@example.com", &["--set", "team=ops"]);
    env.create_user("bob@example.com", &[]);
    let token = String::from_utf8(
        cmd(&env, &["issue-token", "ada@example.com"])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone(),
    )
    .unwrap()
    .trim()
    .to_string();
    let mail = cmd(&env, &["send-otp", "ada@example.com", "--purpose", "login"])
        .assert()
        .success()
        .get_output()
        .clone();
    let code = code_in(&String::from_utf8_lossy(&mail.stdout));
    cmd(
        &env,
        &["authenticate", "bob@example.com", "--password-stdin"],
    )
    .write_stdin("wrong\n")
    .assert()
    .code(1);
    let here = env.database();
    let there = server_database();
    let out = cmd(&env, &["--json", "copy", "--to", &there])
        .assert()
        .success()
        .get_output()
        .clone();
    let report = stdout_json(&out);
    assert_eq!(report["rows"]["users"], 2);
    assert_eq!(report["rows"]["tokens"], 1);
    assert_eq!(report["rows"]["otp_codes"], 1);
    assert_eq!(report["rows"]["login_failures"], 1);
    assert_eq!(report["rows"]["user_field_values"], 1);
    for args in [&["list-users"][..], &["list-tokens"], &["log"]] {
        assert_eq!(
            json_on(&env, &here, args),
            json_on(&env, &there, args),
            "{args:?}"
        );
    }
    // Everything works there: the token, the code (bound to the user's id), the
    // password, the throttling count, and new rows follow the copied ids.
    cmd(&env, &["--db", &there, "verify-token"])
        .write_stdin(format!(
            "{token}
"
        ))
        .assert()
        .success();
    cmd(
        &env,
        &[
            "--db",
            &there,
            "verify-otp",
            "ada@example.com",
            &code,
            "--purpose",
            "login",
        ],
    )
    .assert()
    .success();
    cmd(
        &env,
        &[
            "--db",
            &there,
            "authenticate",
            "bob@example.com",
            "--password-stdin",
        ],
    )
    .write_stdin(format!("{STRONG}\n"))
    .assert()
    .success();
    cmd(
        &env,
        &[
            "--db",
            &there,
            "createuser",
            "cy@example.com",
            "--no-password",
        ],
    )
    .assert()
    .success()
    .stderr(predicate::str::contains("(id 3)"));
    // And back into a new SQLite file.
    let back = env.path().join("back.sqlite3");
    let back = back.to_str().unwrap();
    cmd(&env, &["--db", &there, "copy", "--to", back])
        .assert()
        .success()
        .stderr(predicate::str::contains("3 users"));
    for args in [&["list-users"][..], &["list-tokens"], &["log"]] {
        assert_eq!(
            json_on(&env, &there, args),
            json_on(&env, back, args),
            "{args:?}"
        );
    }
}

#[test]
fn copy_into_a_database_that_holds_data_is_refused_and_changes_nothing() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    let there = server_database();
    cmd(
        &env,
        &[
            "--db",
            &there,
            "createuser",
            "other@example.com",
            "--no-password",
        ],
    )
    .assert()
    .success();
    let out = cmd(&env, &["copy", "--to", &there])
        .assert()
        .code(4)
        .get_output()
        .clone();
    assert!(
        stderr_text(&out).contains("copy into a new, empty database"),
        "{}",
        stderr_text(&out)
    );
    assert!(
        stderr_text(&out).contains("already holds"),
        "{}",
        stderr_text(&out)
    );
    let users = json_on(&env, &there, &["list-users"]);
    assert_eq!(users.as_array().unwrap().len(), 1);
    cmd(&env, &["copy", "--to", &env.database()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("names the database being copied"));
}

/// A copy carries each table's highest id ever handed out, not only the
/// highest present: a deleted user's id is never given to a new user on the
/// target, whose `log --user` would then show the deleted user's history.
/// Along a chain covering every pair of engines: SQLite to PostgreSQL,
/// PostgreSQL to SQLite, SQLite to SQLite, PostgreSQL to PostgreSQL.
#[test]
fn copy_never_hands_a_deleted_users_id_out_again() {
    let env = TestEnv::new();
    let file = |name: &str| env.path().join(name).display().to_string();
    let chain = [
        env.database(),
        server_database(),
        file("second.sqlite3"),
        file("third.sqlite3"),
        server_database(),
        server_database(),
    ];
    // The id `createuser` reports.
    let create = |db: &str, email: &str| -> i64 {
        let out = cmd(&env, &["--db", db, "createuser", email, "--no-password"])
            .assert()
            .success()
            .get_output()
            .clone();
        let err = stderr_text(&out);
        let at = err.find("(id ").expect("an id") + 4;
        err[at..].split(')').next().unwrap().parse().unwrap()
    };
    create(&chain[0], "ada@example.com");
    for (step, pair) in chain.windows(2).enumerate() {
        let (from, to) = (&pair[0], &pair[1]);
        let gone = format!("gone{step}@example.com");
        let deleted = create(from, &gone);
        cmd(&env, &["--db", from, "issue-token", &gone])
            .assert()
            .success();
        cmd(&env, &["--db", from, "delete-user", &gone, "--yes"])
            .assert()
            .success();
        cmd(&env, &["--db", from, "copy", "--to", to])
            .assert()
            .success();
        let new = format!("new{step}@example.com");
        let id = create(to, &new);
        assert!(
            id > deleted,
            "{from} -> {to}: id {id} after deleted {deleted}"
        );
        let log = json_on(&env, to, &["log", "--user", &new]);
        let events: Vec<&str> = log
            .as_array()
            .unwrap()
            .iter()
            .map(|row| row["event"].as_str().unwrap())
            .collect();
        assert_eq!(events, ["user_created"], "{from} -> {to}");
        // Tokens too: the deleted user's token (the newest) took the id before.
        let issued = json_on(&env, to, &["issue-token", &new]);
        assert_eq!(issued["id"], 2 * step as i64 + 2, "{from} -> {to}");
    }
}

/// More rows than one batch of the load (1,000) in users, field values,
/// memberships and audit rows, with gaps in the ids (a deleted user): every
/// row arrives with its id, both ways.
#[test]
fn copy_moves_every_row_and_id_of_tables_larger_than_a_batch() {
    let env = TestEnv::with_config("[fields.team]\ntype = \"text\"\n");
    let mut csv = String::from("email,first_name,team,groups\n");
    for i in 0..2500 {
        csv.push_str(&format!("u{i}@example.com,Zoë \\N \\ {i},t{i},staff\n"));
    }
    let file = env.path().join("users.csv");
    std::fs::write(&file, csv).unwrap();
    cmd(&env, &["import", file.to_str().unwrap(), "--create-groups"])
        .assert()
        .success();
    for user in ["u1@example.com", "u1500@example.com", "u2499@example.com"] {
        cmd(&env, &["issue-token", user]).assert().success();
    }
    cmd(&env, &["delete-user", "u7@example.com", "--yes"])
        .assert()
        .success();
    let here = env.database();
    let there = server_database();
    let back = env.path().join("back.sqlite3").display().to_string();
    let out = cmd(&env, &["--json", "copy", "--to", &there])
        .assert()
        .success()
        .get_output()
        .clone();
    let rows = &stdout_json(&out)["rows"];
    assert_eq!(rows["users"], 2499);
    assert_eq!(rows["user_field_values"], 2499);
    assert_eq!(rows["user_groups"], 2499);
    assert_eq!(rows["tokens"], 3);
    cmd(&env, &["--db", &there, "copy", "--to", &back])
        .assert()
        .success();
    let lists = [
        &["list-users"][..],
        &["list-tokens"],
        &["log"],
        &["list-groups"],
    ];
    for args in lists {
        let source = json_on(&env, &here, args);
        assert!(!source.as_array().unwrap().is_empty(), "{args:?}");
        assert_eq!(source, json_on(&env, &there, args), "{args:?}");
        assert_eq!(source, json_on(&env, &back, args), "{args:?}");
    }
    let users = json_on(&env, &back, &["list-users"]);
    let ids: Vec<i64> = (users.as_array().unwrap().iter())
        .map(|u| u["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids.len(), 2499);
    assert!(!ids.contains(&8) && ids.contains(&2500), "{ids:?}");
    let log = json_on(&env, &back, &["log"]);
    assert!(log.as_array().unwrap().len() > 2500);
}
