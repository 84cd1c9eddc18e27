//! What only a PostgreSQL database has: connection failures, passwords kept out
//! of every output, doctor's checks, and what a file-only command says.

use predicates::prelude::*;

use crate::support::{STRONG, TestEnv, stderr_text, stdout_json};

/// The test's URL with a password written into it.
fn url_with_password(env: &TestEnv, password: &str) -> String {
    env.database()
        .replacen("userdb_test@", &format!("userdb_test:{password}@"), 1)
}

#[test]
fn a_wrong_password_is_one_line_exit_7_that_never_shows_it() {
    let env = TestEnv::new();
    let url = url_with_password(&env, "not-the-s3cret");
    for json in [false, true] {
        let mut args = vec!["--db", url.as_str(), "list-users"];
        if json {
            args.insert(0, "--json");
        }
        let out = env
            .cmd(&args)
            .env_remove("PGPASSWORD")
            .assert()
            .code(7)
            .get_output()
            .clone();
        let err = stderr_text(&out);
        assert!(!err.contains("not-the-s3cret"), "{err}");
        assert!(err.contains("password"), "{err}");
        if !json {
            assert_eq!(
                err.lines().filter(|l| l.starts_with("error:")).count(),
                1,
                "{err}"
            );
        }
    }
}

#[test]
fn a_database_that_does_not_exist_and_a_closed_port_are_exit_7() {
    let env = TestEnv::new();
    let missing = env.database().replace("/userdb_test?", "/no_such_db?");
    env.cmd(&["--db", &missing, "list-users"])
        .assert()
        .code(7)
        .stderr(predicate::str::contains("no_such_db"));
    env.cmd(&["--db", "postgres://app@127.0.0.1:1/users", "list-users"])
        .assert()
        .code(7);
}

#[test]
fn config_and_migrate_show_the_url_without_its_password() {
    let env = TestEnv::new();
    let url = url_with_password(&env, crate::pg_server::server().password());
    let out = env
        .cmd(&["--json", "--db", &url, "migrate"])
        .env_remove("PGPASSWORD")
        .assert()
        .success()
        .get_output()
        .clone();
    let report = stdout_json(&out);
    let shown = report["database"].as_str().unwrap();
    assert!(shown.contains("(redacted)"), "{shown}");
    assert!(
        !shown.contains(crate::pg_server::server().password()),
        "{shown}"
    );
    assert!(report["pending"].as_array().unwrap().is_empty());
    let config = env
        .cmd(&["config"])
        .env("USERDB_DB", &url)
        .assert()
        .success()
        .get_output()
        .clone();
    let text = String::from_utf8_lossy(&config.stdout);
    assert!(
        !text.contains(crate::pg_server::server().password()),
        "{text}"
    );
}

#[test]
fn doctor_checks_the_constraints_the_rules_rely_on() {
    let env = TestEnv::new();
    env.create_superuser("ada@example.com", &[]);
    env.cmd(&["doctor"])
        .assert()
        .success()
        .stdout(predicate::str::contains("no problems found"));
    env.sql("ALTER TABLE users DROP CONSTRAINT users_email_key_key");
    env.sql(
        "INSERT INTO users (email, email_key, password, date_joined) \
             VALUES ('ADA@example.com', 'ada@example.com', '!x', now())",
    );
    env.cmd(&["doctor"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("users_email_key_key is missing"))
        .stdout(predicate::str::contains("ada@example.com"));
}

#[test]
fn backup_says_to_use_pg_dump() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    let file = env.path().join("backup.sqlite3");
    env.cmd(&["backup", file.to_str().unwrap()])
        .assert()
        .code(7)
        .stderr(predicate::str::contains("pg_dump"));
    assert!(!file.exists());
}

// ---- the URL as shown, the writers' lock, the server's reasons ---------------

fn stdout_text(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The test's schema (`t_N`), from its URL's `options=-csearch_path%3Dt_N`.
fn schema_of(url: &str) -> String {
    url.rsplit_once("search_path%3D").unwrap().1.to_string()
}

/// A login role of its own for this test, with `password`, that may use the
/// test's schema and do what `grants` says there.
fn role_for(env: &TestEnv, password: &str, grants: &str) -> String {
    let schema = schema_of(&env.database());
    let role = format!("{schema}_role");
    let server = crate::pg_server::server();
    server.admin_sql(&format!(
        "CREATE ROLE {role} LOGIN PASSWORD '{}'; GRANT USAGE ON SCHEMA {schema} TO {role}; {}",
        password.replace('\'', "''"),
        grants.replace("{schema}", &schema).replace("{role}", &role)
    ));
    role
}

/// Every spelling of a password libpq takes from a URL, with this role's real
/// password (so the commands connect), plus one whose authority cannot be read:
/// `config` (text and JSON), `doctor`, `copy`'s summary and a runtime error
/// never show any of it.
#[test]
fn no_spelling_of_the_password_in_a_url_is_ever_shown() {
    let env = TestEnv::new();
    env.create_superuser("ada@example.com", &[]);
    // Read-only: the role reads everything and may write nothing.
    let password = "Zq9?sEc#ret:x";
    let role = role_for(
        &env,
        password,
        "GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {role}; \
         GRANT SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {role};",
    );
    let server = crate::pg_server::server();
    let host = format!("{}:{}/userdb_test", server.host(), server.port());
    let options = format!("options=-csearch_path%3D{}", schema_of(&env.database()));
    let encoded = "Zq9%3FsEc%23ret%3Ax";
    let urls = [
        // Raw '?', '#' and ':' in the userinfo: libpq ends it at the '@'.
        format!("postgres://{role}:{password}@{host}?{options}"),
        format!("postgres://{role}:{encoded}@{host}?{options}"),
        format!("postgres://{role}@{host}?{options}&password={encoded}"),
        // A percent-encoded key, a repeated one, a mixed-case scheme.
        format!("postgres://{role}@{host}?{options}&%70assword={encoded}"),
        format!("postgres://{role}@{host}?pass%77ord=wrong&{options}&password={encoded}"),
        format!("POSTGRESQL://{role}:wrong@{host}?{options}&password={encoded}"),
    ];
    let hides = |what: &str, text: &str| {
        for fragment in ["Zq9", "sEc", "ret:x", "3FsEc", "wrong"] {
            assert!(
                !text.contains(fragment),
                "{what} shows {fragment:?}:\n{text}"
            );
        }
    };
    for url in &urls {
        let run = |args: &[&str]| {
            let out = env
                .cmd(args)
                .env("USERDB_DB", url)
                .env_remove("PGPASSWORD")
                .output()
                .unwrap();
            let text = format!("{}{}", stdout_text(&out), stderr_text(&out));
            (out.status.code(), text)
        };
        for args in [&["config"][..], &["--json", "config"]] {
            let (code, text) = run(args);
            assert_eq!(code, Some(0), "{text}");
            hides(url, &text);
            assert!(
                text.contains(&format!("{role}:(redacted)@127.0.0.1")),
                "{text}"
            );
        }
        let (code, text) = run(&["doctor"]);
        assert_eq!(code, Some(0), "{url}: {text}");
        hides(url, &text);
        assert!(text.contains("no problems found"), "{text}");
        // A runtime error: the role may not write.
        let (code, text) = run(&["createuser", "bob@example.com", "--no-password"]);
        assert_eq!(code, Some(7), "{text}");
        hides(url, &text);
        assert!(text.contains("permission denied for table"), "{text}");
        assert!(text.contains(&format!("{role}:(redacted)@")), "{text}");
        let copy = env.path().join(format!("copy{}.sqlite3", url.len()));
        let (code, text) = run(&["copy", "--to", copy.to_str().unwrap()]);
        assert_eq!(code, Some(0), "{text}");
        hides(url, &text);
        assert!(text.to_lowercase().contains("copied postgres"), "{text}");
    }
    // A URL libpq would read with part of the password as host and port: not
    // shown at all, and the error says how to write it.
    let url = format!("postgres://{role}:Zq9/sEc@{host}?{options}");
    let out = env.cmd(&["--db", &url, "list-users"]).output().unwrap();
    assert_eq!(out.status.code(), Some(7));
    let text = stderr_text(&out);
    hides(&url, &text);
    assert!(text.contains("percent-encoded"), "{text}");
    assert!(text.contains("PGPASSWORD"), "{text}");
    let out = env
        .cmd(&["--json", "config"])
        .env("USERDB_DB", &url)
        .output()
        .unwrap();
    hides(&url, &stdout_text(&out));
}

/// Two clients reaching the same tables through different search paths (one
/// with an empty schema first) serialise on one lock: racing demotions of the
/// last two superusers leave one. The users table is held until both are
/// under way, so that neither can finish before the other has started.
#[test]
fn writers_reaching_the_tables_through_different_search_paths_share_the_lock() {
    let env = TestEnv::new();
    for email in ["a@example.com", "b@example.com"] {
        env.create_superuser(email, &[]);
    }
    let url = env.database();
    let schema = schema_of(&url);
    let server = crate::pg_server::server();
    server.admin_sql(&format!(
        "CREATE SCHEMA {schema}_decoy AUTHORIZATION {}",
        crate::pg_server::TEST_ROLE
    ));
    let decoy = url.replace(
        &format!("search_path%3D{schema}"),
        &format!("search_path%3D{schema}_decoy%2C{schema}"),
    );
    let mut holder = server.admin_client();
    let mut hold = holder.transaction().unwrap();
    hold.batch_execute(&format!("LOCK TABLE {schema}.users IN EXCLUSIVE MODE"))
        .unwrap();
    let children: Vec<_> = [("a@example.com", url.as_str()), ("b@example.com", &decoy)]
        .into_iter()
        .map(|(email, db)| {
            env.std_cmd(&["--db", db, "update-user", email, "--superuser", "false"])
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    // Both wait: on the table (the one with the lock) and on the lock.
    let waiting = format!(
        "SELECT count(DISTINCT pid) FROM pg_locks WHERE NOT granted AND \
         ((locktype = 'relation' AND relation = '{schema}.users'::regclass) OR \
          (locktype = 'advisory' AND classid = 1970496882 AND objsubid = 2 AND \
           objid = (hashtext('{schema}')::bigint & 4294967295)::oid))"
    );
    let mut watcher = server.admin_client();
    let start = std::time::Instant::now();
    while start.elapsed() < std::time::Duration::from_secs(20) {
        let n: i64 = watcher.query_one(&waiting, &[]).unwrap().get(0);
        if n >= 2 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    hold.commit().unwrap();
    let mut outcomes: Vec<(i32, String)> = children
        .into_iter()
        .map(|c| {
            let out = c.wait_with_output().unwrap();
            (out.status.code().unwrap(), stderr_text(&out))
        })
        .collect();
    outcomes.sort();
    assert_eq!(outcomes[0].0, 0, "{outcomes:?}");
    assert_eq!(outcomes[1].0, 5, "{outcomes:?}");
    assert!(outcomes[1].1.contains("last"), "{outcomes:?}");
    assert_eq!(
        env.query_one("SELECT count(*) FROM users WHERE is_superuser AND is_active"),
        "1"
    );
    // Through the other path, doctor checks the same tables' constraints.
    env.cmd(&["--db", &decoy, "doctor"]).assert().success();
}

/// Reads resolve names through the connection's own path: a schema first on it
/// that holds a table of userdb's names (another application's `users`) would
/// be read while writes go to userdb's tables, so the connection is refused,
/// naming the table and how to put userdb's schema first.
#[test]
fn a_table_of_userdbs_names_found_first_on_the_path_is_refused() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    let url = env.database();
    let schema = schema_of(&url);
    let server = crate::pg_server::server();
    server.admin_sql(&format!(
        "CREATE SCHEMA {schema}_other AUTHORIZATION {role}; \
         CREATE TABLE {schema}_other.users (email text); \
         ALTER TABLE {schema}_other.users OWNER TO {role}",
        role = crate::pg_server::TEST_ROLE
    ));
    let shadowed = url.replace(
        &format!("search_path%3D{schema}"),
        &format!("search_path%3D{schema}_other%2C{schema}"),
    );
    for args in [
        &["list-users"][..],
        &["authenticate", "ada@example.com", "--password-stdin"],
    ] {
        let out = env
            .cmd(&[&["--db", shadowed.as_str()][..], args].concat())
            .write_stdin(format!("{STRONG}\n"))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(7), "{args:?}: {out:?}");
        assert!(
            stderr_text(&out).contains(&format!(
                "finds {schema}_other.users before userdb's tables in schema {schema}"
            )),
            "{}",
            stderr_text(&out)
        );
    }
    // Through its own path, nothing changed.
    env.cmd(&["list-users"]).assert().success();
}

/// A role that may not create in the schema (PostgreSQL 15's `public`): the
/// server's reason with its SQLSTATE and the GRANT to run, never "db error";
/// and doctor says the same instead of "run `userdb migrate`" again.
#[test]
fn a_role_without_create_on_the_schema_is_told_the_grant_to_run() {
    let env = TestEnv::new();
    let role = role_for(&env, "plain-pw", "");
    let schema = schema_of(&env.database());
    let url = env.database().replace(
        &format!("{}@", crate::pg_server::TEST_ROLE),
        &format!("{role}@"),
    );
    let out = env
        .cmd(&["--db", &url, "migrate"])
        .env("PGPASSWORD", "plain-pw")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(7));
    let err = stderr_text(&out);
    assert!(!err.contains("db error"), "{err}");
    assert!(
        err.contains(&format!("permission denied for schema {schema}")),
        "{err}"
    );
    assert!(
        err.contains("SQLSTATE 42501: insufficient privilege"),
        "{err}"
    );
    assert!(
        err.contains(&format!("GRANT USAGE, CREATE ON SCHEMA {schema} TO {role}")),
        "{err}"
    );
    let out = env
        .cmd(&["--db", &url, "doctor"])
        .env("PGPASSWORD", "plain-pw")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr_text(&out));
    let text = stdout_text(&out);
    assert!(text.contains("pending migration"), "{text}");
    assert!(text.contains("may not create tables"), "{text}");
    assert!(
        text.contains(&format!("GRANT USAGE, CREATE ON SCHEMA {schema} TO {role}")),
        "{text}"
    );
    assert!(!text.contains("fix: run `userdb migrate`"), "{text}");
    // Once granted, migrate works and doctor is content.
    crate::pg_server::server().admin_sql(&format!("GRANT CREATE ON SCHEMA {schema} TO {role}"));
    for args in [&["migrate"][..], &["doctor"]] {
        let mut all = vec!["--db", url.as_str()];
        all.extend_from_slice(args);
        env.cmd(&all)
            .env("PGPASSWORD", "plain-pw")
            .assert()
            .success();
    }
}

/// A password file with no line for this connection: the error says what was
/// looked up (a `localhost` line does not match 127.0.0.1, as in libpq).
#[test]
fn a_password_file_without_a_matching_line_says_what_was_looked_up() {
    let env = TestEnv::new();
    let port = crate::pg_server::server().port();
    let pgpass = env.path().join("home/.pgpass");
    std::fs::write(
        &pgpass,
        format!("localhost:{port}:userdb_test:userdb_test:x\n"),
    )
    .unwrap();
    std::fs::set_permissions(&pgpass, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    let out = env
        .cmd(&["list-users"])
        .env_remove("PGPASSWORD")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(7));
    let err = stderr_text(&out);
    assert!(
        err.contains(&format!(
            "no line of {} matches host 127.0.0.1, port {port}, database userdb_test and user \
             userdb_test",
            pgpass.display()
        )),
        "{err}"
    );
    assert!(err.contains("not a loopback address"), "{err}");
}

/// `config` names the database in use, a URL as every message shows it.
#[test]
fn config_names_the_url_in_use_as_the_database() {
    let env = TestEnv::new();
    let url = url_with_password(&env, "Zq9sEcret");
    let out = env
        .cmd(&["--json", "config"])
        .env("USERDB_DB", &url)
        .assert()
        .success()
        .get_output()
        .clone();
    let report = stdout_json(&out);
    let row = report["settings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["key"] == "database.path")
        .unwrap()
        .clone();
    assert_eq!(row["value"], report["database"]);
    assert!(
        row["value"]
            .as_str()
            .unwrap()
            .starts_with("postgres://userdb_test:(redacted)@"),
        "{row}"
    );
    assert_eq!(row["source"], "env USERDB_DB");
}

/// A read-only session (a standby, or default_transaction_read_only): the
/// server's reason, its SQLSTATE, and to point the URL at the primary.
#[test]
fn a_read_only_server_says_to_use_the_primary() {
    let env = TestEnv::new();
    env.cmd(&["migrate"]).assert().success();
    let role = role_for(
        &env,
        "plain-pw",
        "GRANT ALL ON ALL TABLES IN SCHEMA {schema} TO {role}; \
         GRANT ALL ON ALL SEQUENCES IN SCHEMA {schema} TO {role}; \
         ALTER ROLE {role} SET default_transaction_read_only = on;",
    );
    let url = env.database().replace(
        &format!("{}@", crate::pg_server::TEST_ROLE),
        &format!("{role}@"),
    );
    let out = env
        .cmd(&[
            "--db",
            &url,
            "createuser",
            "bob@example.com",
            "--no-password",
        ])
        .env("PGPASSWORD", "plain-pw")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(7));
    let err = stderr_text(&out);
    assert!(err.contains("read-only transaction"), "{err}");
    assert!(err.contains("SQLSTATE 25006"), "{err}");
    assert!(err.contains("point the URL at the primary"), "{err}");
    assert!(!err.contains("bob@example.com"), "{err}");
}

/// "The lock is real": doctor takes a lock of the writers' kind in one
/// session and a second session must be refused it (some engines speaking
/// PostgreSQL's protocol made these locks no-ops); it reports the engine. And
/// the writers' lock held by one session makes a writer in another wait, up
/// to its busy timeout.
#[test]
fn doctor_proves_the_writers_lock_excludes_a_second_session() {
    let env = TestEnv::new();
    env.create_superuser("ada@example.com", &[]);
    env.cmd(&["doctor"])
        .assert()
        .success()
        .stdout(predicate::str::contains("no problems found."))
        .stdout(predicate::str::contains(
            "checked: the writers' lock excludes a second session (PostgreSQL 1",
        ));
    let out = env.cmd(&["--json", "doctor"]).assert().success();
    let report = crate::support::stdout_json(out.get_output());
    assert_eq!(report["lock"]["verdict"], "excludes", "{report}");

    let held = env.hold_writer_lock();
    env.cmd(&["createuser", "bob@example.com", "--no-password"])
        .env("USERDB_DATABASE_BUSY_TIMEOUT", "1s")
        .assert()
        .code(7)
        .stderr(predicate::str::contains("busy_timeout"));
    drop(held);
    env.cmd(&["createuser", "bob@example.com", "--no-password"])
        .assert()
        .success();
}
