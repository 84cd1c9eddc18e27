//! The connection against the rules (no server) and against a real PostgreSQL
//! (the test server of the `pg_test_server` crate, and one with TLS).

use std::collections::HashMap;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use super::*;
use crate::ErrorKind;
use pg_test_server::{self as test_server, PgServer, TEST_DATABASE, TEST_ROLE};

const SECRET: &str = "Sup3rS3cret-pw";

/// A test's environment: exactly these variables, and a `HOME` with nothing in
/// it unless given.
fn env_of(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
    let mut map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    map.entry("HOME".into())
        .or_insert_with(|| "/nonexistent/userdb-test-home".into());
    move |name| map.get(name).cloned()
}

fn options(password_file: Option<&Path>) -> ConnectOptions<'_> {
    ConnectOptions {
        password_file,
        connect_timeout: Duration::from_secs(10),
    }
}

fn hosts(url: &str, vars: &[(&str, &str)], password_file: Option<&Path>) -> Result<Hosts> {
    let var = env_of(vars);
    Hosts::new(url, &options(password_file), &Environment { var: &var })
}

/// The plan of the URL's first server.
fn plan(url: &str, vars: &[(&str, &str)], password_file: Option<&Path>) -> Result<Plan> {
    Ok(hosts(url, vars, password_file)?.plans.remove(0))
}

fn open(url: &str, vars: &[(&str, &str)]) -> Result<postgres::Client> {
    hosts(url, vars, None)?.open().map(|c| c.client)
}

/// Asserts the error is one line of kind Storage without the password, and
/// returns its text.
fn connect_error(result: Result<postgres::Client>, password: &str) -> String {
    let err = result.map(|_| ()).unwrap_err();
    let text = err.to_string();
    assert_eq!(err.kind(), ErrorKind::Storage, "{text}");
    assert!(!text.contains('\n'), "not one line: {text}");
    assert!(!text.contains(password), "password shown: {text}");
    assert!(
        !format!("{err:?}").contains(password),
        "password in Debug: {err:?}"
    );
    text
}

fn private_file(dir: &Path, name: &str, text: &str, mode: u32) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    path
}

fn current_user_and_schema(client: &mut postgres::Client) -> (String, String) {
    let row = client
        .query_one("SELECT current_user::text, current_schema()::text", &[])
        .unwrap();
    (row.get(0), row.get(1))
}

// ---- Without a server ------------------------------------------------------

#[test]
fn passwords_come_from_the_url_then_pgpassword_then_password_file_then_pgpass() {
    let dir = tempfile::tempdir().unwrap();
    let password_file = private_file(dir.path(), "db-password", "from-file\n", 0o600);
    let pgpass = private_file(
        dir.path(),
        "pgpass",
        "db.internal:5432:users:other:not-this\n*:*:users:app:from-pgpass\n",
        0o600,
    );
    let pgpass_text = pgpass.to_str().unwrap();
    let with_url = "postgres://app:from-url@db.internal/users?sslmode=disable";
    let without = "postgres://app@db.internal/users?sslmode=disable";
    let all = [("PGPASSWORD", "from-env"), ("PGPASSFILE", pgpass_text)];

    let p = plan(with_url, &all, Some(&password_file)).unwrap();
    assert_eq!(p.password_source, PasswordSource::Url);
    assert_eq!(p.config.get_password(), Some(&b"from-url"[..]));

    let p = plan(without, &all, Some(&password_file)).unwrap();
    assert_eq!(p.password_source, PasswordSource::PgPassword);
    assert_eq!(p.config.get_password(), Some(&b"from-env"[..]));

    // An empty PGPASSWORD counts as unset.
    let some = [("PGPASSWORD", ""), ("PGPASSFILE", pgpass_text)];
    let p = plan(without, &some, Some(&password_file)).unwrap();
    assert_eq!(
        p.password_source,
        PasswordSource::PasswordFile(password_file.clone())
    );
    assert_eq!(p.config.get_password(), Some(&b"from-file"[..]));

    let p = plan(without, &some, None).unwrap();
    assert_eq!(
        p.password_source,
        PasswordSource::Passfile {
            path: pgpass.clone(),
            line: 2
        }
    );
    assert_eq!(p.config.get_password(), Some(&b"from-pgpass"[..]));

    // ?passfile= wins over PGPASSFILE; ~/.pgpass is the last resort.
    let other = private_file(dir.path(), "other", "*:*:*:*:from-url-passfile\n", 0o600);
    let url = format!("{without}&passfile={}", other.display());
    let p = plan(&url, &some, None).unwrap();
    assert_eq!(p.config.get_password(), Some(&b"from-url-passfile"[..]));
    private_file(dir.path(), ".pgpass", "*:*:*:*:from-home\n", 0o600);
    let home = [("HOME", dir.path().to_str().unwrap())];
    let p = plan(without, &home, None).unwrap();
    assert_eq!(p.config.get_password(), Some(&b"from-home"[..]));

    // None anywhere: no password, and nothing ignored.
    let p = plan(without, &[], None).unwrap();
    assert_eq!(p.password_source, PasswordSource::None);
    assert!(p.config.get_password().is_none() && p.ignored_passfile.is_none());

    // A password file others can read is skipped, and the reason kept.
    std::fs::set_permissions(&pgpass, std::fs::Permissions::from_mode(0o644)).unwrap();
    let p = plan(without, &[("PGPASSFILE", pgpass_text)], None).unwrap();
    assert_eq!(p.password_source, PasswordSource::None);
    assert!(p.ignored_passfile.as_deref().unwrap().contains("chmod 600"));

    // [database] password_file is a secret file: refused when others can read it.
    std::fs::set_permissions(&password_file, std::fs::Permissions::from_mode(0o640)).unwrap();
    let err = plan(without, &[], Some(&password_file))
        .map(|_| ())
        .unwrap_err();
    assert!(err.to_string().contains("chmod 600"), "{err}");
    assert!(!err.to_string().contains("from-file"), "{err}");
}

#[test]
fn sslmode_is_prefer_on_this_machine_and_verify_full_elsewhere() {
    for (url, mode, defaulted) in [
        ("postgres://app@localhost/users", SslMode::Prefer, true),
        ("postgres://app@127.0.0.1/users", SslMode::Prefer, true),
        ("postgres://app@[::1]/users", SslMode::Prefer, true),
        ("postgres://app@%2Ftmp%2Fpg/users", SslMode::Prefer, true),
        ("postgres://app@/users", SslMode::Prefer, true),
        (
            "postgres://app@db.example.com/users",
            SslMode::VerifyFull,
            true,
        ),
        ("postgres://app@10.0.0.5/users", SslMode::VerifyFull, true),
        (
            "postgres://app@db.example.com/users?sslmode=require",
            SslMode::Require,
            false,
        ),
        (
            "postgres://app@localhost/users?sslmode=verify-full",
            SslMode::VerifyFull,
            false,
        ),
        (
            "postgres://app@db/users?sslrootcert=system",
            SslMode::VerifyFull,
            true,
        ),
        (
            "postgres://app@localhost/users?sslrootcert=system",
            SslMode::VerifyFull,
            true,
        ),
    ] {
        let p = plan(url, &[], None).unwrap_or_else(|e| panic!("{url}: {e}"));
        assert_eq!((p.sslmode, p.sslmode_defaulted), (mode, defaulted), "{url}");
    }
    // PGSSLMODE fills in a URL without sslmode.
    let p = plan("postgres://app@db/users", &[("PGSSLMODE", "disable")], None).unwrap();
    assert_eq!((p.sslmode, p.sslmode_defaulted), (SslMode::Disable, false));
    // A socket never uses TLS.
    let p = plan("postgres://app@%2Ftmp/users?sslmode=verify-full", &[], None).unwrap();
    assert_eq!(p.config.get_ssl_mode(), postgres::config::SslMode::Disable);
    // verify-full checks against the system store without sslrootcert.
    let p = plan("postgres://app@db.example.com/users", &[], None).unwrap();
    assert_eq!(p.roots.as_deref(), Some("the system trust store"));
    assert_eq!(p.config.get_ssl_mode(), postgres::config::SslMode::Require);

    for (url, words) in [
        (
            "postgres://app@db/users?sslmode=verify-ca",
            "verify-ca needs",
        ),
        (
            "postgres://app@db/users?sslmode=require&sslrootcert=system",
            "verify-full",
        ),
        (
            "postgres://app@db/users?sslrootcert=/nonexistent/ca.pem",
            "/nonexistent/ca.pem",
        ),
    ] {
        let err = plan(url, &[], None).map(|_| ()).unwrap_err();
        assert!(err.to_string().contains(words), "{url}: {err}");
        assert_eq!(err.kind(), ErrorKind::Storage);
    }
    let err = plan("postgres://app@db/users", &[("PGSSLMODE", "on")], None)
        .map(|_| ())
        .unwrap_err();
    assert!(err.to_string().contains("PGSSLMODE"), "{err}");
}

#[test]
fn the_environment_fills_in_what_the_url_leaves_out() {
    let vars = [
        ("PGHOST", "db.env"),
        ("PGPORT", "6543"),
        ("PGUSER", "envuser"),
        ("PGDATABASE", "envdb"),
    ];
    let p = plan("postgres://?sslmode=disable", &vars, None).unwrap();
    assert_eq!(p.host, Host::Tcp("db.env".into()));
    assert_eq!(
        (p.port, p.user.as_str(), p.dbname.as_str()),
        (6543, "envuser", "envdb")
    );
    let p = plan("postgres://u@h:1/d?sslmode=disable", &vars, None).unwrap();
    assert_eq!(p.host, Host::Tcp("h".into()));
    assert_eq!((p.port, p.user.as_str(), p.dbname.as_str()), (1, "u", "d"));
    // No host anywhere: libpq's socket directory; no database: the user's name.
    let p = plan("postgres://u@", &[], None).unwrap();
    assert_eq!(p.host, Host::Socket(passfile::DEFAULT_SOCKET_DIR.into()));
    assert_eq!((p.port, p.dbname.as_str()), (5432, "u"));
    assert_eq!(p.config.get_application_name(), Some("userdb"));
    let err = plan("postgres://u@", &[("PGPORT", "x")], None)
        .map(|_| ())
        .unwrap_err();
    assert!(err.to_string().contains("PGPORT"), "{err}");
}

#[test]
fn several_hosts_come_from_the_url_or_pghost_with_one_port_or_one_each() {
    let endpoints = |url: &str, vars: &[(&str, &str)]| -> Vec<(Host, u16)> {
        hosts(url, vars, None)
            .unwrap_or_else(|e| panic!("{url}: {e}"))
            .plans
            .iter()
            .map(|p| (p.host.clone(), p.port))
            .collect()
    };
    let tcp = |name: &str, port: u16| (Host::Tcp(name.into()), port);
    assert_eq!(
        endpoints("postgres://db1:5432,db2:5433/users?sslmode=disable", &[]),
        [tcp("db1", 5432), tcp("db2", 5433)]
    );
    assert_eq!(
        endpoints(
            "postgres:///users?host=db1,db2&port=5432,5433&sslmode=disable",
            &[]
        ),
        [tcp("db1", 5432), tcp("db2", 5433)]
    );
    // One port for every host; a host without a port gets the default.
    assert_eq!(
        endpoints(
            "postgres:///users?host=db1,db2&port=6432&sslmode=disable",
            &[]
        ),
        [tcp("db1", 6432), tcp("db2", 6432)]
    );
    assert_eq!(
        endpoints("postgres://db1,db2:5433/users?sslmode=disable", &[]),
        [tcp("db1", 5432), tcp("db2", 5433)]
    );
    // PGHOST and PGPORT lists, as libpq reads them.
    let vars = [("PGHOST", "db1,db2"), ("PGPORT", "5432,5433")];
    assert_eq!(
        endpoints("postgres://u@/users?sslmode=disable", &vars),
        [tcp("db1", 5432), tcp("db2", 5433)]
    );
    // Each host is planned on its own: sslmode's default is per host.
    let plans = hosts("postgres://localhost,db.example.com/users", &[], None)
        .unwrap()
        .plans;
    assert_eq!(
        plans.iter().map(|p| p.sslmode).collect::<Vec<_>>(),
        [SslMode::Prefer, SslMode::VerifyFull]
    );
    // Ports that pair with nothing are refused, saying why.
    let err = hosts("postgres:///users?host=a,b,c&port=1,2", &[], None)
        .map(|_| ())
        .unwrap_err()
        .to_string();
    assert!(err.contains("3 hosts and 2 ports"), "{err}");
    let err = hosts("postgres://u@/users", &[("PGHOST", "a,,b")], None)
        .map(|_| ())
        .unwrap_err()
        .to_string();
    assert!(err.contains("PGHOST"), "{err}");
    // target_session_attrs and load_balance_hosts, from the URL or libpq's variables.
    let h = hosts("postgres://a,b/x?target_session_attrs=standby", &[], None).unwrap();
    assert_eq!((h.attrs, h.random), (SessionAttrs::Standby, false));
    let vars = [
        ("PGTARGETSESSIONATTRS", "prefer-standby"),
        ("PGLOADBALANCEHOSTS", "random"),
    ];
    let h = hosts("postgres://a,b/x", &vars, None).unwrap();
    assert_eq!((h.attrs, h.random), (SessionAttrs::PreferStandby, true));
    let err = hosts("postgres://a/x", &[("PGTARGETSESSIONATTRS", "rw")], None)
        .map(|_| ())
        .unwrap_err()
        .to_string();
    assert!(err.contains("PGTARGETSESSIONATTRS must be one of"), "{err}");
}

#[test]
fn target_session_attrs_choose_by_what_the_server_is() {
    let primary = Session {
        in_recovery: false,
        read_only: false,
    };
    let standby = Session {
        in_recovery: true,
        read_only: true,
    };
    let read_only_primary = Session {
        in_recovery: false,
        read_only: true,
    };
    use SessionAttrs as A;
    for (attrs, accepts) in [
        (A::Any, [true, true, true]),
        (A::ReadWrite, [true, false, false]),
        (A::ReadOnly, [false, true, true]),
        (A::Primary, [true, false, true]),
        (A::Standby, [false, true, false]),
        (A::PreferStandby, [false, true, false]),
    ] {
        assert_eq!(
            [primary, standby, read_only_primary].map(|s| attrs.accepts(s)),
            accepts,
            "{attrs:?}"
        );
    }
}

#[test]
fn several_hosts_are_tried_in_order_and_errors_name_each() {
    let server = test_server::own_server();
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let port = server.port();
    let vars = [("PGPASSWORD", server.password())];
    let url = |query: &str| {
        format!(
            "postgres://{TEST_ROLE}@127.0.0.1:{closed},127.0.0.1:{port}/{TEST_DATABASE}?{query}"
        )
    };
    // The first refuses; the second, a primary, fits any, read-write, primary
    // and (failing a standby) prefer-standby.
    for attrs in ["any", "read-write", "primary", "prefer-standby"] {
        let connection = hosts(&url(&format!("target_session_attrs={attrs}")), &vars, None)
            .unwrap()
            .open()
            .unwrap_or_else(|e| panic!("{attrs}: {e}"));
        assert!(!connection.session.in_recovery, "{attrs}");
    }
    // Asked for a standby, none fits: the error names every server tried, and why.
    for (attrs, wanted) in [("standby", "is a standby"), ("read-only", "is read-only")] {
        let text = connect_error(
            hosts(&url(&format!("target_session_attrs={attrs}")), &vars, None)
                .unwrap()
                .open()
                .map(|c| c.client),
            server.password(),
        );
        assert!(
            text.contains(&format!(
                "none of the 2 servers named {wanted} (target_session_attrs={attrs})"
            )),
            "{text}"
        );
        assert!(
            text.contains(&format!("connection refused at 127.0.0.1:{closed}")),
            "{text}"
        );
        assert!(
            text.contains(&format!(
                "127.0.0.1:{port} is a primary that accepts writes"
            )),
            "{text}"
        );
    }
    // Both down: both named.
    let text = connect_error(
        open(
            &format!("postgres://{TEST_ROLE}@127.0.0.1:{closed},[::1]:{closed}/x"),
            &vars,
        ),
        server.password(),
    );
    assert!(
        text.contains("none of the 2 servers named answered"),
        "{text}"
    );
    assert!(text.contains(&format!("[::1]:{closed}")), "{text}");
    // Shuffled, either order reaches the server that answers.
    for _ in 0..4 {
        open(&url("load_balance_hosts=random"), &vars).unwrap();
    }
}

#[test]
fn an_old_server_is_refused_by_its_version() {
    let p = plan("postgres://app@db/users?sslmode=disable", &[], None).unwrap();
    p.check_version(130000, "13.0").unwrap();
    p.check_version(170002, "17.2").unwrap();
    let err = p.check_version(120004, "12.4").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Storage);
    assert_eq!(
        err.to_string(),
        "cannot connect to PostgreSQL server postgres://app@db/users?sslmode=disable: the \
         server runs PostgreSQL 12.4, and userdb needs PostgreSQL 13 or newer: upgrade the server"
    );
}

#[test]
fn no_error_shows_the_password() {
    // Errors before any connection: the URL, the TLS set-up.
    for url in [
        format!("postgres://app:{SECRET}@db:54x2/users"),
        format!("postgres://app:{SECRET}/x@db/users"),
        format!("postgres://app:{SECRET}?x@db/users?foo=1"),
        format!("postgres://app:{SECRET}@db/users?foo=1"),
        format!("postgres://app@db/users?password={SECRET}&foo=1"),
        format!("postgres://app:{SECRET}@db/users?sslmode=verify-ca"),
        format!("postgres://app:{SECRET}@db/users?sslmode=maybe"),
        format!("postgres://app:{SECRET}@db/users?sslrootcert=/nonexistent"),
        format!("postgres://app:{SECRET}@db,,db2/users"),
        format!("postgres://app:{SECRET}@db,db2/users?port=1,2,3"),
        format!("postgres://app:{SECRET}%ZZ@db/users"),
    ] {
        let text = connect_error(plan(&url, &[], None).map(|_| unreachable!()), SECRET);
        assert!(
            text.starts_with("cannot connect to PostgreSQL server postgres"),
            "{text}"
        );
    }
    // The describer never lets a password through, however the URL is written.
    for url in [
        format!("postgres://app:{SECRET}@db/users"),
        format!("postgres://app:{SECRET}?x@db/users"),
        format!("postgres://app:{SECRET}#x@db/users"),
        format!("postgres://app@db/users?password={SECRET}"),
    ] {
        let described = describe(&url);
        assert!(!described.contains(SECRET), "{described}");
        assert!(described.contains("app"), "{described}");
    }
}

// ---- Against the test server -----------------------------------------------

fn pgpassword() -> [(&'static str, &'static str); 1] {
    [("PGPASSWORD", test_server::own_server().password())]
}

#[test]
fn pgpassword_connects_and_options_choose_the_schema() {
    let server = test_server::own_server();
    let url = server.fresh_database();
    let mut client = open(&url, &pgpassword()).unwrap();
    let (user, schema) = current_user_and_schema(&mut client);
    assert_eq!(user, TEST_ROLE);
    assert!(
        url.ends_with(&format!("search_path%3D{schema}")),
        "{url} {schema}"
    );
    client.batch_execute("CREATE TABLE probe (id int)").unwrap();
    let where_: String = client
        .query_one(
            "SELECT table_schema::text FROM information_schema.tables WHERE table_name = 'probe'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(where_, schema);
    // The URL never holds the password, and without one the server says no.
    assert!(!url.contains(server.password()));
    let text = connect_error(open(&url, &[]), server.password());
    assert!(
        text.contains("asks for a password and none was given"),
        "{text}"
    );
    // options with a plain `=` works too, and the crate's own entry point.
    let url = url.replace("%3D", "=");
    let mut client = connect(
        &url.replace(
            "postgres://userdb_test@",
            &format!("postgres://userdb_test:{}@", server.password()),
        ),
        &options(None),
    )
    .unwrap()
    .client;
    assert_eq!(current_user_and_schema(&mut client).1, schema);
}

#[test]
fn password_file_option_and_url_password_connect() {
    let server = test_server::own_server();
    let url = server.fresh_database();
    let p = plan(&url, &[], Some(server.password_file())).unwrap();
    let mut client = p.open().unwrap().client;
    assert_eq!(current_user_and_schema(&mut client).0, TEST_ROLE);
    let with_password = format!(
        "postgres://{TEST_ROLE}:{}@127.0.0.1:{}/{TEST_DATABASE}",
        server.password(),
        server.port()
    );
    open(&with_password, &[]).unwrap();
    let in_query = format!(
        "postgres://{TEST_ROLE}@127.0.0.1:{}/{TEST_DATABASE}?password={}",
        server.port(),
        server.password()
    );
    open(&in_query, &[]).unwrap();
}

#[test]
fn a_private_pgpass_is_read_and_one_others_can_read_is_skipped() {
    let server = test_server::own_server();
    let url = server.fresh_database();
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "# userdb test\n*:*:*:someone_else:nope\n127.0.0.1:{}:{TEST_DATABASE}:{TEST_ROLE}:{}\n",
        server.port(),
        server.password()
    );
    let pgpass = private_file(dir.path(), "pgpass", &text, 0o600);
    let vars = [("PGPASSFILE", pgpass.to_str().unwrap())];
    let mut client = open(&url, &vars).unwrap();
    assert_eq!(current_user_and_schema(&mut client).0, TEST_ROLE);
    // ~/.pgpass, as libpq.
    std::fs::copy(&pgpass, dir.path().join(".pgpass")).unwrap();
    open(&url, &[("HOME", dir.path().to_str().unwrap())]).unwrap();

    std::fs::set_permissions(&pgpass, std::fs::Permissions::from_mode(0o644)).unwrap();
    let text = connect_error(open(&url, &vars), server.password());
    assert!(
        text.contains("asks for a password and none was given"),
        "{text}"
    );
    assert!(
        text.contains("was ignored because others can access it (mode 644)"),
        "{text}"
    );
    assert!(
        text.contains(&format!("chmod 600 {}", pgpass.display())),
        "{text}"
    );
}

#[test]
fn a_wrong_password_says_so_and_where_it_came_from() {
    let server = test_server::own_server();
    let url = server.fresh_database();
    let text = connect_error(open(&url, &[("PGPASSWORD", SECRET)]), SECRET);
    assert!(
        text.contains(&format!(
            "password authentication failed for user \"{TEST_ROLE}\" (with the password in \
             PGPASSWORD): check the user name and the password"
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!("127.0.0.1:{}", server.port())),
        "{text}"
    );
    let with_password = format!(
        "postgres://{TEST_ROLE}:{SECRET}@127.0.0.1:{}/{TEST_DATABASE}",
        server.port()
    );
    let text = connect_error(open(&with_password, &[]), SECRET);
    assert!(text.contains("(with the password in the URL)"), "{text}");
    assert!(
        text.contains(&format!("{TEST_ROLE}:(redacted)@127.0.0.1")),
        "{text}"
    );
}

#[test]
fn a_database_that_does_not_exist_says_how_to_make_it() {
    let server = test_server::own_server();
    let url = format!(
        "postgres://{TEST_ROLE}:{SECRET}@127.0.0.1:{}/no_such_db",
        server.port()
    );
    let url = url.replace(SECRET, server.password());
    let text = connect_error(open(&url, &[]), server.password());
    assert!(
        text.contains("database \"no_such_db\" does not exist: create it (CREATE DATABASE"),
        "{text}"
    );
}

#[test]
fn a_closed_port_is_refused_at_once() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("postgres://app:{SECRET}@127.0.0.1:{port}/users");
    let started = Instant::now();
    let text = connect_error(open(&url, &[]), SECRET);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert!(
        text.contains(&format!(
            "connection refused at 127.0.0.1:{port}: is PostgreSQL running"
        )),
        "{text}"
    );
}

#[test]
fn a_server_that_never_answers_times_out() {
    // Accepts (the kernel does) and never says a word.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let url = format!("postgres://app:{SECRET}@127.0.0.1:{port}/users?connect_timeout=2");
    let started = Instant::now();
    let text = connect_error(open(&url, &[]), SECRET);
    let took = started.elapsed();
    assert!(
        took >= Duration::from_secs(2) && took < Duration::from_secs(5),
        "{took:?}"
    );
    assert!(
        text.contains(&format!("no answer from 127.0.0.1:{port} within 2s")),
        "{text}"
    );
    drop(listener);
}

#[test]
fn require_against_a_server_without_tls_fails_saying_so() {
    let server = test_server::own_server();
    let url = format!("{}&sslmode=require", server.fresh_database());
    let text = connect_error(open(&url, &pgpassword()), server.password());
    assert!(
        text.contains("the server does not offer TLS, and sslmode=require requires it"),
        "{text}"
    );
    // The default on this machine is prefer: plain text is fine here.
    open(&server.fresh_database(), &pgpassword()).unwrap();
}

#[test]
fn a_socket_directory_as_host_connects_without_a_password() {
    let server = test_server::own_server();
    let dir = server.socket_dir().to_str().unwrap();
    let encoded = dir.replace('/', "%2F");
    let url = format!(
        "postgres://{TEST_ROLE}@{encoded}:{}/{TEST_DATABASE}",
        server.port()
    );
    let mut client = open(&url, &[]).unwrap();
    assert_eq!(current_user_and_schema(&mut client).0, TEST_ROLE);
    let url = format!(
        "postgres:///{TEST_DATABASE}?host={dir}&port={}&user={TEST_ROLE}",
        server.port()
    );
    open(&url, &[]).unwrap();
    let wrong_port = format!("postgres:///{TEST_DATABASE}?host={dir}&port=1&user={TEST_ROLE}");
    let text = connect_error(open(&wrong_port, &[]), server.password());
    assert!(
        text.contains(&format!("no server at socket {dir}/.s.PGSQL.1")),
        "{text}"
    );
}

// ---- TLS -----------------------------------------------------------------------

/// A server with TLS on: its certificate names `localhost` (not 127.0.0.1) and is
/// signed by `ca.crt`; `other-ca.crt` signs nothing of it. The client's copies
/// are in the server's directory.
struct TlsServer {
    server: PgServer,
    ca: String,
    other_ca: String,
    leaf: String,
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the TLS tests need the openssl command: run the tests with `scripts/test`, which installs it");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn tls_server() -> &'static TlsServer {
    static SERVER: OnceLock<TlsServer> = OnceLock::new();
    SERVER.get_or_init(|| {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        let ec = [
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
        ];
        for ca in ["ca", "other-ca"] {
            let mut args = vec!["req", "-x509"];
            args.extend(ec);
            let (key, crt) = (format!("{ca}.key"), format!("{ca}.crt"));
            args.extend([
                "-keyout",
                &key,
                "-out",
                &crt,
                "-subj",
                "/CN=userdb test CA",
                "-days",
                "2",
            ]);
            openssl(d, &args);
        }
        let mut args = vec!["req"];
        args.extend(ec);
        args.extend([
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=localhost",
        ]);
        openssl(d, &args);
        std::fs::write(
            d.join("ext"),
            "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\n\
             keyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n",
        )
        .unwrap();
        openssl(
            d,
            &[
                "x509",
                "-req",
                "-in",
                "server.csr",
                "-CA",
                "ca.crt",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-out",
                "server.crt",
                "-days",
                "2",
                "-extfile",
                "ext",
            ],
        );
        let read = |name: &str| std::fs::read(d.join(name)).unwrap();
        let (crt, key) = (read("server.crt"), read("server.key"));
        let server = PgServer::start_with(
            &[("server.crt", &crt), ("server.key", &key)],
            &[
                "ssl=on",
                "ssl_cert_file=server.crt",
                "ssl_key_file=server.key",
            ],
        );
        let keep = |name: &str| {
            let path = server.dir().join(name);
            std::fs::write(&path, read(name)).unwrap();
            path.to_str().unwrap().to_string()
        };
        TlsServer {
            ca: keep("ca.crt"),
            other_ca: keep("other-ca.crt"),
            leaf: keep("server.crt"),
            server,
        }
    })
}

fn tls_url(host: &str, query: &str) -> String {
    format!(
        "postgres://{TEST_ROLE}@{host}:{}/{TEST_DATABASE}?{query}",
        tls_server().server.port()
    )
}

fn uses_tls(client: &mut postgres::Client) -> bool {
    client
        .query_one(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            &[],
        )
        .unwrap()
        .get(0)
}

#[test]
fn tls_modes_check_what_libpq_checks() {
    let tls = tls_server();
    let password = tls.server.password();
    let vars = [("PGPASSWORD", password)];
    let ok = |url: String| {
        let mut client = open(&url, &vars).unwrap_or_else(|e| panic!("{url}: {e}"));
        assert!(uses_tls(&mut client), "{url}");
    };
    // No check: require, and the default (prefer) on this machine.
    ok(tls_url("127.0.0.1", "sslmode=require"));
    ok(tls_url("127.0.0.1", ""));
    // The chain and the name.
    ok(tls_url(
        "localhost",
        &format!("sslmode=verify-full&sslrootcert={}", tls.ca),
    ));
    // The chain only: any name.
    ok(tls_url(
        "127.0.0.1",
        &format!("sslmode=verify-ca&sslrootcert={}", tls.ca),
    ));
    // The server's own certificate as the root: pinned.
    ok(tls_url(
        "localhost",
        &format!("sslmode=verify-full&sslrootcert={}", tls.leaf),
    ));
    // PGSSLROOTCERT as sslrootcert.
    let with_root = [("PGPASSWORD", password), ("PGSSLROOTCERT", tls.ca.as_str())];
    open(&tls_url("localhost", "sslmode=verify-full"), &with_root).unwrap();

    let fails = |url: String, words: &str| {
        let text = connect_error(open(&url, &vars), password);
        assert!(text.contains(words), "{url}: {text}");
    };
    fails(
        tls_url(
            "127.0.0.1",
            &format!("sslmode=verify-full&sslrootcert={}", tls.ca),
        ),
        "TLS: the server's certificate does not name 127.0.0.1 (sslmode=verify-full)",
    );
    fails(
        tls_url("localhost", "sslmode=verify-full"),
        "TLS: the server's certificate is not signed by a CA of the system trust store",
    );
    // A root file makes require check the chain, as libpq.
    fails(
        tls_url(
            "localhost",
            &format!("sslmode=require&sslrootcert={}", tls.other_ca),
        ),
        &format!("is not signed by a CA of sslrootcert {}", tls.other_ca),
    );
    fails(
        tls_url(
            "localhost",
            &format!("sslmode=verify-ca&sslrootcert={}", tls.other_ca),
        ),
        "is not signed by a CA of sslrootcert",
    );
    // libpq's ~/.postgresql/root.crt is a root file too, even for the default mode.
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir(home.path().join(".postgresql")).unwrap();
    let root = home.path().join(".postgresql/root.crt");
    std::fs::copy(&tls.other_ca, &root).unwrap();
    let vars = [
        ("PGPASSWORD", password),
        ("HOME", home.path().to_str().unwrap()),
    ];
    let text = connect_error(open(&tls_url("localhost", ""), &vars), password);
    assert!(
        text.contains(&format!(
            "not signed by a CA of the default root certificate file {} (sslmode=prefer, the \
             default for a server on this machine)",
            root.display()
        )),
        "{text}"
    );
    std::fs::copy(&tls.ca, &root).unwrap();
    open(&tls_url("localhost", ""), &vars).unwrap();
}

#[test]
fn no_connection_error_shows_the_password() {
    let server = test_server::own_server();
    let tls = tls_server();
    let with =
        |port: u16, rest: &str| format!("postgres://{TEST_ROLE}:{SECRET}@127.0.0.1:{port}/{rest}");
    for (url, words) in [
        (
            with(server.port(), TEST_DATABASE),
            "password authentication failed",
        ),
        (
            with(server.port(), "missing_db"),
            "password authentication failed",
        ),
        (
            with(server.port(), "x?sslmode=require"),
            "does not offer TLS",
        ),
        (
            with(tls.server.port(), "x?sslmode=verify-full"),
            "not signed by a CA",
        ),
        (with(1, "x"), "connection refused"),
    ] {
        let text = connect_error(open(&url, &[]), SECRET);
        assert!(text.contains(words), "{url}: {text}");
        assert!(text.contains(&format!("{TEST_ROLE}:(redacted)@")), "{text}");
    }
}
