//! A primary with a hot standby (PostgreSQL only): reads on the standby, writes
//! refused there in one line, `target_session_attrs` choosing the server, and a
//! failover in the middle of a run of writes, with synchronous replication.
//! Each test starts its own primary and standby (`pg_test_server::Standby`):
//! the failover kills its primary.

use std::time::{Duration, Instant};

use assert_cmd::Command;

use crate::pg_server::{PgServer, Standby};
use crate::support::{STRONG, TestEnv, stderr_text};

/// What a write pointed at a standby says.
const STANDBY_REFUSAL: &str =
    "the server is a read-only standby; name the primary or add target_session_attrs=read-write";

/// A primary with a hot standby, and a test schema on both.
struct Pair {
    primary: PgServer,
    standby: Standby,
    /// The primary's URL of the test schema.
    url: String,
}

impl Pair {
    /// `settings` on the primary's command line.
    fn start(settings: &[&str]) -> Pair {
        let primary = PgServer::start(settings);
        let url = primary.fresh_database();
        let standby = primary.start_standby(&[]);
        Pair {
            primary,
            standby,
            url,
        }
    }

    fn primary_host(&self) -> String {
        format!("127.0.0.1:{}", self.primary.port())
    }

    fn standby_host(&self) -> String {
        format!("127.0.0.1:{}", self.standby.port())
    }

    /// The test schema's URL naming `hosts` (`h:p,h:p`), with `query` added.
    fn url(&self, hosts: &[String], query: &str) -> String {
        let url = self.url.replacen(&self.primary_host(), &hosts.join(","), 1);
        if query.is_empty() {
            url
        } else {
            format!("{url}&{query}")
        }
    }

    /// `userdb ARGS…` against `url`.
    fn cmd(&self, env: &TestEnv, url: &str, args: &[&str]) -> Command {
        let mut cmd = env.cmd(args);
        cmd.env("USERDB_DB", url)
            .env("PGPASSWORD", self.primary.password());
        cmd
    }

    fn createuser(&self, env: &TestEnv, url: &str, email: &str) -> std::process::Output {
        self.cmd(env, url, &["createuser", email, "--password-stdin"])
            .write_stdin(format!("{STRONG}\n"))
            .output()
            .unwrap()
    }
}

/// Asserts `out` is the one-line refusal of a write on a standby, exit 7.
fn refused_on_standby(out: &std::process::Output, what: &str) {
    let err = stderr_text(out);
    assert_eq!(out.status.code(), Some(7), "{what}: {err}");
    assert!(err.contains(STANDBY_REFUSAL), "{what}: {err}");
    assert_eq!(err.lines().count(), 1, "{what}: {err}");
}

#[test]
fn reads_work_on_a_hot_standby_and_every_write_is_refused_saying_so() {
    let pair = Pair::start(&[]);
    let env = TestEnv::new();
    let primary = pair.url(&[pair.primary_host()], "");
    let standby = pair.url(&[pair.standby_host()], "");
    assert!(
        pair.createuser(&env, &primary, "ada@example.com")
            .status
            .success()
    );
    for args in [
        &["update-user", "ada@example.com", "--grant", "blog.add_post"][..],
        &["create-group", "staff"],
    ] {
        pair.cmd(&env, &primary, args).assert().success();
    }
    let token = String::from_utf8(
        pair.cmd(&env, &primary, &["issue-token", "ada@example.com"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    pair.standby.catch_up(&pair.primary);

    // Every command that only reads works there, and sees the primary's data.
    for args in [
        &["list-users"][..],
        &["show-user", "ada@example.com"],
        &["export"],
        &["log"],
        &["has-perm", "ada@example.com", "blog.add_post"],
        &["list-groups"],
        &["list-tokens"],
        &["doctor"],
    ] {
        let out = pair.cmd(&env, &standby, args).output().unwrap();
        assert!(
            out.status.success(),
            "{args:?} on the standby: {}",
            stderr_text(&out)
        );
    }
    let listed = pair.cmd(&env, &standby, &["list-users"]).output().unwrap();
    assert!(String::from_utf8_lossy(&listed.stdout).contains("ada@example.com"));

    // Every write is refused in one line, exit 7: the standby has nothing new.
    refused_on_standby(
        &pair.createuser(&env, &standby, "bob@example.com"),
        "createuser",
    );
    for args in [
        &["update-user", "ada@example.com", "--active", "false"][..],
        &["create-group", "other"],
        &["issue-token", "ada@example.com"],
        &["delete-user", "ada@example.com", "--yes"],
    ] {
        let out = pair.cmd(&env, &standby, args).output().unwrap();
        refused_on_standby(&out, &format!("{args:?}"));
    }
    // verify-token and authenticate record a use and count attempts: they
    // need the primary, and say so (a standby could not throttle guesses).
    let out = pair
        .cmd(&env, &standby, &["verify-token"])
        .write_stdin(token)
        .output()
        .unwrap();
    refused_on_standby(&out, "verify-token");
    let out = pair
        .cmd(
            &env,
            &standby,
            &["authenticate", "ada@example.com", "--password-stdin"],
        )
        .write_stdin(format!("{STRONG}\n"))
        .output()
        .unwrap();
    refused_on_standby(&out, "authenticate");
    pair.standby.catch_up(&pair.primary);
    let users: i64 = pair
        .standby
        .client()
        .query_one(
            &format!("SELECT count(*) FROM {}.users", schema_of(&pair.url)),
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(users, 1);

    // A database the primary has not migrated: a clear error, no attempt.
    let fresh = pair.primary.fresh_database();
    pair.standby.catch_up(&pair.primary);
    let fresh_standby = fresh.replacen(&pair.primary_host(), &pair.standby_host(), 1);
    let out = pair
        .cmd(&env, &fresh_standby, &["list-users"])
        .output()
        .unwrap();
    let err = stderr_text(&out);
    assert_eq!(out.status.code(), Some(7), "{err}");
    assert!(
        err.contains("pending migration(s)")
            && err.contains("read-only standby: run `userdb migrate` against the primary"),
        "{err}"
    );
}

/// The schema a test URL selects (`options=-csearch_path%3Dt_N`).
fn schema_of(url: &str) -> &str {
    url.rsplit("%3D").next().unwrap()
}

#[test]
fn target_session_attrs_choose_the_server_among_several() {
    let pair = Pair::start(&[]);
    let env = TestEnv::new();
    let (p, s) = (pair.primary_host(), pair.standby_host());
    let primary = pair.url(std::slice::from_ref(&p), "");
    pair.cmd(&env, &primary, &["migrate"]).assert().success();
    pair.standby.catch_up(&pair.primary);
    // The standby first: `any` takes it, and a write there is refused.
    let standby_first = |attrs: &str| pair.url(&[s.clone(), p.clone()], attrs);
    refused_on_standby(
        &pair.createuser(&env, &standby_first(""), "a@example.com"),
        "no target_session_attrs",
    );
    refused_on_standby(
        &pair.createuser(
            &env,
            &standby_first("target_session_attrs=any"),
            "a@example.com",
        ),
        "any",
    );
    // read-write and primary pass over it to the primary.
    for (n, attrs) in ["read-write", "primary"].iter().enumerate() {
        let out = pair.createuser(
            &env,
            &standby_first(&format!("target_session_attrs={attrs}")),
            &format!("w{n}@example.com"),
        );
        assert!(out.status.success(), "{attrs}: {}", stderr_text(&out));
    }
    // The primary first: standby, read-only and prefer-standby pass over it.
    pair.standby.catch_up(&pair.primary);
    let primary_first = |attrs: &str| pair.url(&[p.clone(), s.clone()], attrs);
    for attrs in ["standby", "read-only", "prefer-standby"] {
        let url = primary_first(&format!("target_session_attrs={attrs}"));
        refused_on_standby(&pair.createuser(&env, &url, "b@example.com"), attrs);
        let out = pair.cmd(&env, &url, &["list-users"]).output().unwrap();
        assert!(out.status.success(), "{attrs}: {}", stderr_text(&out));
        assert!(String::from_utf8_lossy(&out.stdout).contains("w1@example.com"));
    }
    // The standby alone cannot be what read-write asks: the error says what each server is.
    let out = pair.createuser(
        &env,
        &pair.url(std::slice::from_ref(&s), "target_session_attrs=read-write"),
        "c@example.com",
    );
    let err = stderr_text(&out);
    assert_eq!(out.status.code(), Some(7), "{err}");
    assert!(
        err.contains(&format!("{s} is a read-only standby")),
        "{err}"
    );
    // prefer-standby falls back to the primary when no standby answers.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("127.0.0.1:{}", listener.local_addr().unwrap().port())
    };
    let url = pair.url(&[closed, p.clone()], "target_session_attrs=prefer-standby");
    let out = pair.createuser(&env, &url, "d@example.com");
    assert!(out.status.success(), "{}", stderr_text(&out));
    // `host=` and `port=` lists name the same servers.
    let url = pair.url.replacen(&p, "", 1).replacen(
        '?',
        &format!(
            "?host=127.0.0.1,127.0.0.1&port={},{}&target_session_attrs=read-write&",
            pair.standby.port(),
            pair.primary.port()
        ),
        1,
    );
    let out = pair.createuser(&env, &url, "e@example.com");
    assert!(out.status.success(), "{url}: {}", stderr_text(&out));
    // So do PGHOST and PGPORT lists, for a URL that names no host.
    let url = pair.url.replacen(&p, "", 1) + "&target_session_attrs=read-write";
    let out = pair
        .cmd(
            &env,
            &url,
            &["createuser", "f@example.com", "--password-stdin"],
        )
        .env("PGHOST", "127.0.0.1,127.0.0.1")
        .env(
            "PGPORT",
            format!("{},{}", pair.standby.port(), pair.primary.port()),
        )
        .write_stdin(format!("{STRONG}\n"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{url}: {}", stderr_text(&out));
}

/// 30 `createuser` runs, one after another, against a URL naming both
/// servers; the primary killed (`-m immediate`) after the 10th, the standby
/// promoted half a second later. With synchronous replication, every run that
/// said it was done is on the new primary; every other said why (exit 7); the
/// runs after the promotion succeed through the same URL; and the rules that
/// races test (the last superuser, the code cooldown) hold on the new primary.
#[test]
fn a_failover_loses_no_acknowledged_write_and_the_same_url_finds_the_new_primary() {
    let pair = Pair::start(&["synchronous_commit=on"]);
    pair.primary.make_synchronous();
    let env = TestEnv::new();
    let url = pair.url(
        &[pair.primary_host(), pair.standby_host()],
        "target_session_attrs=read-write&connect_timeout=5",
    );
    let mut done = Vec::new();
    let mut failures = Vec::new();
    let mut promoted_at = None;
    let mut killed_at = None;
    let mut first_success_after_kill = None;
    std::thread::scope(|scope| {
        let mut failover = None;
        for i in 0..30 {
            if i == 10 {
                killed_at = Some(Instant::now());
                let pair = &pair;
                failover = Some(scope.spawn(move || {
                    pair.primary.stop_immediately();
                    std::thread::sleep(Duration::from_millis(500));
                    pair.standby.promote();
                    Instant::now()
                }));
            }
            if i == 20 {
                // Runs from here on start after the promotion.
                promoted_at = failover.take().map(|f| f.join().unwrap());
            }
            let email = format!("u{i}@example.com");
            let out = pair.createuser(&env, &url, &email);
            if out.status.success() {
                if killed_at.is_some() && first_success_after_kill.is_none() {
                    first_success_after_kill = Some(Instant::now());
                }
                done.push((i, email));
            } else {
                failures.push((i, out.status.code(), stderr_text(&out)));
            }
        }
    });
    assert!(!pair.standby.in_recovery());
    let stored: Vec<String> = pair
        .standby
        .client()
        .query(
            &format!("SELECT email FROM {}.users", schema_of(&pair.url)),
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let lost: Vec<&String> = done
        .iter()
        .map(|(_, email)| email)
        .filter(|email| !stored.contains(email))
        .collect();
    assert!(lost.is_empty(), "acknowledged and lost: {lost:?}");
    for (i, code, err) in &failures {
        assert_eq!(*code, Some(7), "run {i}: {err}");
        assert!(
            err.contains("cannot connect to PostgreSQL server")
                || err.contains("may or may not have been applied")
                || err.contains(STANDBY_REFUSAL),
            "run {i} did not say why: {err}"
        );
        assert!(
            *i >= 10 && *i < 20,
            "run {i} failed outside the failover: {err}"
        );
    }
    assert!(
        done.iter().filter(|(i, _)| *i >= 20).count() == 10,
        "{failures:?}"
    );
    rules_hold_in_a_race(&pair, &env, &url);
    let (killed, promoted) = (killed_at.unwrap(), promoted_at.unwrap());
    let said = |words: &str| {
        failures
            .iter()
            .filter(|(_, _, e)| e.contains(words))
            .count()
    };
    eprintln!(
        "failover: {} cannot connect, {} unknown outcome, {} on a standby",
        said("cannot connect"),
        said("may or may not"),
        said(STANDBY_REFUSAL)
    );
    eprintln!(
        "failover: {} of 30 runs failed; promotion {} ms after the kill; first success {} ms \
         after the kill; acknowledged writes lost: {}",
        failures.len(),
        (promoted - killed).as_millis(),
        first_success_after_kill.map_or(0, |t| (t - killed).as_millis()),
        lost.len()
    );
}

/// On the new primary, through the same URL: parallel demotions of the last
/// two superusers leave one, and parallel sends of a code cannot both slip
/// past the cooldown.
fn rules_hold_in_a_race(pair: &Pair, env: &TestEnv, url: &str) {
    use std::process::Stdio;
    let parallel = |runs: Vec<Vec<String>>| -> Vec<i32> {
        let children: Vec<_> = runs
            .iter()
            .map(|args| {
                let mut cmd = env.std_cmd(&args.iter().map(String::as_str).collect::<Vec<_>>());
                cmd.env("USERDB_DB", url)
                    .env("PGPASSWORD", pair.primary.password())
                    .env("USERDB_EMAIL_BACKEND", "file")
                    .env("USERDB_EMAIL_FILE_PATH", env.path().join("outbox"))
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .unwrap()
            })
            .collect();
        crate::support::sorted_exit_codes(children)
    };
    let args = |list: &[&str]| list.iter().map(|a| a.to_string()).collect::<Vec<_>>();
    for email in ["root1@example.com", "root2@example.com"] {
        pair.cmd(
            env,
            url,
            &["createsuperuser", "--no-input", "--email", email],
        )
        .assert()
        .success();
    }
    let demotions = ["root1@example.com", "root2@example.com"]
        .map(|email| args(&["update-user", email, "--superuser", "false"]));
    assert_eq!(parallel(demotions.to_vec()), [0, 5]);
    let sends = (0..4)
        .map(|_| args(&["send-otp", "u25@example.com"]))
        .collect();
    assert_eq!(parallel(sends), [0, 5, 5, 5]);
    assert_eq!(
        std::fs::read_dir(env.path().join("outbox"))
            .unwrap()
            .count(),
        1
    );
}

/// Polls `sql` (one `int4` pid, or no row) as the server's superuser until it
/// finds the backend of a waiting command.
fn backend_of(admin: &mut postgres::Client, sql: &str) -> i32 {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(row) = admin.query_opt(sql, &[]).unwrap() {
            return row.get(0);
        }
        assert!(Instant::now() < deadline, "no backend for {sql} after 30 s");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `createuser EMAIL --password-stdin` started in the background.
fn spawn_createuser(mut cmd: std::process::Command, email: &str) -> std::process::Child {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = cmd
        .args(["createuser", email, "--password-stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "{STRONG}").unwrap();
    child
}

/// A write whose connection is cut before its COMMIT (an administrator's
/// shutdown, as a failover does it) runs again, from the start, on a fresh
/// connection: the command succeeds and the user is made once.
#[test]
fn a_write_cut_off_before_its_commit_runs_again_on_a_fresh_connection() {
    let env = TestEnv::new();
    env.cmd(&["migrate"]).assert().success();
    let held = env.hold_writer_lock();
    let crate::support::WriterLockHold::Postgres(mut holder) = held else {
        unreachable!("the PostgreSQL suite")
    };
    let holder_pid: i32 = holder
        .query_one("SELECT pg_backend_pid()", &[])
        .unwrap()
        .get(0);
    let child = spawn_createuser(env.std_cmd(&[]), "ada@example.com");
    let mut admin = crate::pg_server::server().admin_client();
    let waiting = backend_of(
        &mut admin,
        &format!(
            "SELECT pid FROM pg_stat_activity WHERE {holder_pid} = ANY(pg_blocking_pids(pid))"
        ),
    );
    admin
        .execute("SELECT pg_terminate_backend($1)", &[&waiting])
        .unwrap();
    holder
        .batch_execute("SELECT pg_advisory_unlock_all()")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", stderr_text(&out));
    assert_eq!(env.users_stored(), 1);
}

/// A connection lost while COMMIT waits (here, for a synchronous standby that
/// never answers) has an unknown outcome: exit 7 saying so and how to check,
/// never success and never a plain failure. (The server had committed it
/// locally: the user is there.)
#[test]
fn a_connection_lost_during_commit_is_an_unknown_outcome() {
    let primary = PgServer::start(&["synchronous_commit=on"]);
    let url = primary.fresh_database();
    let env = TestEnv::new();
    let run = |args: &[&str]| {
        let mut cmd = env.std_cmd(args);
        cmd.env("USERDB_DB", &url)
            .env("PGPASSWORD", primary.password());
        cmd
    };
    assert!(run(&["migrate"]).status().unwrap().success());
    // No standby: every COMMIT now waits for one.
    primary.make_synchronous();
    let child = spawn_createuser(run(&[]), "ada@example.com");
    let mut admin = primary.admin_client();
    let committing = backend_of(
        &mut admin,
        "SELECT pid FROM pg_stat_activity WHERE wait_event = 'SyncRep'",
    );
    admin
        .execute("SELECT pg_terminate_backend($1)", &[&committing])
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let err = stderr_text(&out);
    assert_eq!(out.status.code(), Some(7), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains(
            "the change may or may not have been applied; check with `userdb show-user …`; \
             commands with --if-not-exists and `apply` are safe to run again"
        ),
        "{err}"
    );
    let users: i64 = admin
        .query_one(
            &format!("SELECT count(*) FROM {}.users", schema_of(&url)),
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(users, 1);
}
