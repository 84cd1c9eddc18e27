//! userdb through PgBouncer, Debian's 1.18 (no `max_prepared_statements`),
//! started by the suite in front of its server (`pg_test_server::pgbouncer`,
//! pool size 4): in transaction mode the race guarantees hold as on the server
//! itself, session mode works too, and statement mode is refused in one line.
//! Each test's commands reach a database of their own through the pooler;
//! the checks read it on the server directly.

use predicates::prelude::*;

use crate::pg_server::PoolMode;
use crate::support::{TestEnv, stdout_json};

fn transaction_mode() -> TestEnv {
    TestEnv::through_pgbouncer(PoolMode::Transaction)
}

/// The report: 23 of 24 failed with `prepared statement "s0" already
/// exists`, since a transaction pooler hands each transaction another server
/// connection than the one a statement was prepared on.
#[test]
fn twenty_four_writers_through_transaction_pooling_all_succeed() {
    crate::concurrency::twenty_four_writers_all_succeed(&transaction_mode());
}

#[test]
fn the_last_superuser_survives_racing_demotions_through_transaction_pooling() {
    crate::concurrency::last_two_superusers_demoted_at_once_leave_one(transaction_mode);
}

#[test]
fn parallel_guesses_through_transaction_pooling_get_exactly_the_limits_checks() {
    crate::accounts::thirty_parallel_guesses_get_ten_checks(&transaction_mode());
}

#[test]
fn a_code_is_used_once_and_sent_once_per_cooldown_through_transaction_pooling() {
    crate::otp::six_parallel_uses_of_one_code_accept_it_once(&transaction_mode());
    crate::otp::four_parallel_sends_send_one(&transaction_mode());
}

#[test]
fn no_token_use_after_a_revocation_through_transaction_pooling() {
    crate::tokens::no_use_after_a_revocation_returns(&transaction_mode());
}

/// import, apply, copy (out to a file and back in), list-users, verify-token
/// and doctor, in transaction and in session mode.
#[test]
fn everyday_commands_work_in_transaction_and_session_mode() {
    for mode in [PoolMode::Transaction, PoolMode::Session] {
        let env = TestEnv::through_pgbouncer(mode);
        let users = env.write_file(
            "users.csv",
            "email,first_name,is_staff\nada@example.com,Ada,true\nbob@example.com,Bob,false\n",
        );
        env.cmd(&["import", &users]).assert().success();
        let plan = env.write_file(
            "plan.toml",
            "[[groups]]\nname = \"editors\"\npermissions = [\"blog.change_post\"]\n\n\
             [[users]]\nemail = \"cy@example.com\"\ngroups = [\"editors\"]\n",
        );
        env.cmd(&["apply", &plan]).assert().success();
        let listed = env.cmd(&["--json", "list-users"]).assert().success();
        let listed = stdout_json(listed.get_output());
        assert_eq!(
            listed.as_array().map(Vec::len),
            Some(3),
            "{mode:?}: {listed}"
        );

        let token = env
            .cmd(&["issue-token", "ada@example.com"])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        env.cmd(&["verify-token"])
            .write_stdin(token)
            .assert()
            .success()
            .stdout(predicate::str::contains("ada@example.com"));

        let file = env.path().join("copy.sqlite3").display().to_string();
        env.cmd(&["copy", "--to", &file]).assert().success();
        let back = TestEnv::through_pgbouncer(mode);
        back.cmd(&["--db", &file, "copy", "--to", &back.database()])
            .assert()
            .success();
        assert_eq!(back.users_stored(), 3, "{mode:?}");
        env.cmd(&["doctor"]).assert().success();
    }
}

/// Statement pooling runs no transaction, and every command needs one: the
/// first refused `BEGIN` (PgBouncer's reason, or its closing the connection)
/// is one line, exit 7, saying which pool mode to use.
#[test]
fn statement_pooling_is_refused_in_one_line_naming_the_pool_mode_to_use() {
    let env = TestEnv::through_pgbouncer(PoolMode::Statement);
    for args in [
        &["createuser", "ada@example.com", "--no-password"][..],
        &["migrate"],
        &["list-users"],
    ] {
        for _ in 0..3 {
            let out = env.cmd(args).assert().code(7);
            let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
            assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
            assert!(
                stderr.contains("statement pooling mode")
                    && stderr.contains("set pool_mode = transaction (or session)"),
                "{args:?}: {stderr}"
            );
        }
    }
    assert_eq!(
        env.query_one("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"),
        "0"
    );
}

/// An engine whose advisory locks are no-ops, made here from PostgreSQL: in a
/// database of its own, the writers' lock functions replaced by ones that lock
/// nothing (the session pool keeps no connection that knew the old ones). Writes are refused naming the engine (exit 7), reads still work,
/// and doctor reports the lock does not exclude a second session.
#[test]
fn a_server_whose_advisory_locks_lock_nothing_is_refused_for_writes() {
    let env = TestEnv::through_pgbouncer(PoolMode::Session);
    env.cmd(&["migrate"]).assert().success();
    let server = crate::pg_server::server();
    let mut config: postgres::Config = env.direct_url().parse().unwrap();
    config.user(server.admin_role()).password(server.password());
    let mut admin = config.connect(postgres::NoTls).unwrap();
    admin
        .batch_execute(
            // The built-in functions are called by their number whatever
            // pg_proc says: renamed out of the way, then replaced by name.
            "ALTER FUNCTION pg_advisory_xact_lock(integer, integer) RENAME TO real_lock; \
             ALTER FUNCTION pg_try_advisory_xact_lock(integer, integer) RENAME TO real_try; \
             CREATE FUNCTION pg_catalog.pg_advisory_xact_lock(integer, integer) \
               RETURNS void LANGUAGE sql AS 'SELECT'; \
             CREATE FUNCTION pg_catalog.pg_try_advisory_xact_lock(integer, integer) \
               RETURNS boolean LANGUAGE sql AS 'SELECT true'",
        )
        .unwrap();
    env.cmd(&["createuser", "ada@example.com", "--no-password"])
        .assert()
        .code(7)
        .stderr(predicate::str::contains(
            "the server's advisory locks do not lock",
        ))
        .stderr(predicate::str::contains("(PostgreSQL 1"));
    assert_eq!(env.users_stored(), 0);
    env.cmd(&["list-users"]).assert().success();
    env.cmd(&["doctor"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "problem [lock]: the writers' lock does not exclude a second session",
        ));
}

/// Imports that update go row by row with statements prepared inside their
/// transaction: six at once through transaction pooling all succeed, each
/// in turn under the writers' lock.
#[test]
fn parallel_updating_imports_through_transaction_pooling_all_succeed() {
    let env = transaction_mode();
    let rows: String = (0..30)
        .map(|i| format!("user{i}@example.com,User {i}\n"))
        .collect();
    let file = env.write_file("users.csv", &format!("email,first_name\n{rows}"));
    let children: Vec<_> = (0..6)
        .map(|_| {
            env.std_cmd(&["import", &file, "--on-conflict", "update"])
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(env.users_stored(), 30);
}
