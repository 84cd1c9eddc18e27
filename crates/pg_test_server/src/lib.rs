//! A real PostgreSQL server for tests: one per test binary, started on first use
//! in a temporary directory, listening on 127.0.0.1 at a free port and on a Unix
//! socket in that directory, stopped and removed when the binary exits.
//!
//! Or a server of one's own: [`server`] uses the one `USERDB_TEST_DATABASE_URL`
//! names ([`SERVER_ENV`]; a superuser with its password, e.g.
//! `postgres://postgres:PW@127.0.0.1:5432/postgres`, reached without TLS) and
//! starts none. There it makes the test role and database as it would on its own
//! server (the test role gets the URL's password), and each test's schema is
//! `t_<run>_<n>`, `<run>` random per test binary, left behind for a look: drop
//! the database `userdb_test` and the `t_*_role` roles when done. Tests that
//! need the server's socket or files use [`own_server`], always one's own.
//!
//! A crate of the workspace (std, `libc`, `tempfile` and `postgres`, all in the
//! versions userdb builds), and a dev-dependency of userdb only: the library's
//! unit tests and the test binaries use it, and no build of userdb links it.
//!
//! - The binaries are Debian's (`/usr/lib/postgresql/<newest>/bin`) or, failing
//!   that, `initdb` found on `PATH`. Without them it panics naming `scripts/test`,
//!   which installs PostgreSQL: a test never skips silently.
//! - PostgreSQL refuses to run as root; run as root (as the suite and CI are),
//!   it runs as the `postgres` account, which owns the directory.
//! - Speed over durability: `initdb --no-sync`, `fsync=off`,
//!   `synchronous_commit=off`, `full_page_writes=off`.
//! - Host connections need the password ([`PgServer::password`], SCRAM, as a
//!   production `pg_hba.conf` has it); the URLs handed out never hold it: pass it
//!   in `PGPASSWORD` (a child process) or `[database] password_file`
//!   ([`PgServer::password_file`], mode 0600, in process). Connections over the
//!   socket ([`PgServer::socket_dir`]) are trusted.
//! - Stopping: an `atexit` hook stops each server (SIGQUIT, immediate shutdown),
//!   waits for it and removes its directory when the binary exits normally (the
//!   test harness returns from `main` or calls `exit`). A binary that dies
//!   otherwise (a signal, Ctrl-C, an abort) is covered by a watchdog: a small
//!   `sh` holding the read end of a pipe whose only writer is the test process
//!   (close-on-exec, so no other child inherits it). When the process ends its
//!   end closes, `read` returns, and the watchdog stops the server and removes
//!   the directory. It starts with the directory (before `initdb`), runs in its
//!   own process group and ignores SIGINT and SIGHUP, so a Ctrl-C on the tests
//!   does not stop it before its work. After a normal exit the hook tells it
//!   "done" first, so it never signals a process id that may have been reused.

mod standby;

pub use standby::Standby;

mod pgbouncer;

pub use pgbouncer::{POOL_SIZE, PgBouncer, PoolMode, pgbouncer};

use std::ffi::CString;
use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// The role tests connect as: not a superuser, owner of [`TEST_DATABASE`].
pub const TEST_ROLE: &str = "userdb_test";
pub const TEST_DATABASE: &str = "userdb_test";
/// The superuser ([`PgServer::admin_url`]).
pub const ADMIN_ROLE: &str = "postgres";

/// The variable naming a server to test against instead of starting one.
pub const SERVER_ENV: &str = "USERDB_TEST_DATABASE_URL";

pub struct PgServer {
    dir: PathBuf,
    host: String,
    port: u16,
    /// `None` on a named server (see the module's doc).
    socket_dir: Option<PathBuf>,
    /// How the superuser reaches a named server (`None`: over the socket).
    named: Option<postgres::Config>,
    /// Each test's schema is this and a number.
    schema_prefix: String,
    password: String,
    password_file: PathBuf,
    /// The superuser in the test database over the socket: makes the schemas.
    admin: Mutex<postgres::Client>,
    next_schema: AtomicU64,
}

static SERVER: OnceLock<PgServer> = OnceLock::new();

/// The test binary's server: the one [`SERVER_ENV`] names, or one started on
/// first use.
pub fn server() -> &'static PgServer {
    SERVER.get_or_init(|| match named_url() {
        Some(url) => PgServer::named(&url),
        None => PgServer::start(&[]),
    })
}

/// A server of the suite's own (its socket and files are there to use), even
/// when [`SERVER_ENV`] names another.
pub fn own_server() -> &'static PgServer {
    static OWN: OnceLock<PgServer> = OnceLock::new();
    match named_url() {
        Some(_) => OWN.get_or_init(|| PgServer::start(&[])),
        None => server(),
    }
}

fn named_url() -> Option<String> {
    std::env::var(SERVER_ENV).ok().filter(|url| !url.is_empty())
}

impl PgServer {
    /// A fresh, empty schema for one test, in the test database, owned by the
    /// test role; its URL selects it with `options=-csearch_path=<schema>`:
    /// `postgres://userdb_test@127.0.0.1:PORT/userdb_test?options=-csearch_path%3Dt_N`.
    pub fn fresh_database(&self) -> String {
        let n = self.next_schema.fetch_add(1, Ordering::Relaxed);
        let schema = format!("{}{n}", self.schema_prefix);
        self.admin
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .batch_execute(&format!("CREATE SCHEMA {schema} AUTHORIZATION {TEST_ROLE}"))
            .unwrap_or_else(|e| {
                panic!("test PostgreSQL: CREATE SCHEMA {schema}: {}", describe(&e))
            });
        format!(
            "postgres://{TEST_ROLE}@{}:{}/{TEST_DATABASE}?options=-csearch_path%3D{schema}",
            self.host, self.port
        )
    }

    /// The host the URLs name (127.0.0.1 on the suite's own server).
    pub fn host(&self) -> &str {
        &self.host
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The superuser in the test database (same password as the test role).
    pub fn admin_url(&self) -> String {
        format!(
            "postgres://{}@{}:{}/{TEST_DATABASE}",
            self.admin_role(),
            self.host,
            self.port
        )
    }

    /// The superuser, seeing the schema of a URL from [`Self::fresh_database`]
    /// first (its query is kept), so raw SQL names that test's tables plainly.
    pub fn admin_url_for(&self, test_url: &str) -> String {
        match test_url.split_once('?') {
            Some((_, query)) => format!("{}?{query}", self.admin_url()),
            None => self.admin_url(),
        }
    }

    /// The superuser's name: [`ADMIN_ROLE`], or the named server's URL's.
    pub fn admin_role(&self) -> &str {
        self.named
            .as_ref()
            .and_then(|config| config.get_user())
            .unwrap_or(ADMIN_ROLE)
    }

    /// A new connection as the superuser to the test database (over the socket,
    /// default search_path): for roles, grants and locks a test holds.
    pub fn admin_client(&self) -> postgres::Client {
        self.admin_connect(TEST_DATABASE)
            .unwrap_or_else(|e| panic!("test PostgreSQL: admin connection: {}", describe(&e)))
    }

    /// The superuser in `dbname`: over the socket, or as a named server's URL says.
    fn admin_connect(&self, dbname: &str) -> Result<postgres::Client, postgres::Error> {
        match (&self.named, &self.socket_dir) {
            (Some(config), _) => config.clone().dbname(dbname).connect(postgres::NoTls),
            (None, Some(socket_dir)) => socket_client(socket_dir, self.port, dbname),
            (None, None) => unreachable!("a server of the suite's own has a socket"),
        }
    }

    /// Runs SQL as the superuser in the test database.
    pub fn admin_sql(&self, sql: &str) {
        self.admin
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .batch_execute(sql)
            .unwrap_or_else(|e| panic!("test PostgreSQL: {sql}: {}", describe(&e)));
    }

    /// The password of both roles, for `PGPASSWORD`. Never in a URL.
    pub fn password(&self) -> &str {
        &self.password
    }

    /// A file holding [`Self::password`], mode 0600, owned by the test process's
    /// account: a `[database] password_file` for in-process connections.
    pub fn password_file(&self) -> &Path {
        &self.password_file
    }

    /// The directory of the server's Unix socket (connections there are trusted).
    pub fn socket_dir(&self) -> &Path {
        self.socket_dir
            .as_deref()
            .expect("the socket of a named server is not known: use own_server()")
    }

    /// The server's temporary directory (data, socket, logs).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Starts another server, with `settings` (`name=value`) added to its
    /// command line, e.g. `ssl=on`. Stopped at exit as [`server`]'s is.
    pub fn start(settings: &[&str]) -> PgServer {
        PgServer::start_with(&[], settings)
    }

    /// [`Self::start`], with `files` (name, contents) written into the data
    /// directory first, the server's own, mode 0600: a relative path in a
    /// setting is read from there (`ssl_cert_file=server.crt`).
    pub fn start_with(files: &[(&str, &[u8])], settings: &[&str]) -> PgServer {
        let bin = bin_dir();
        let account = server_account();
        let (dir, index, socket_dir) = server_dirs("userdb-pg-", account);

        let password = random_password();
        let initdb_pw = dir.join("initdb-password");
        std::fs::write(&initdb_pw, format!("{password}\n")).unwrap();
        give(&initdb_pw, account);
        let password_file = dir.join("password");
        std::fs::write(&password_file, format!("{password}\n")).unwrap();
        std::fs::set_permissions(&password_file, std::fs::Permissions::from_mode(0o600)).unwrap();

        let data = dir.join("data");
        let mut initdb = Command::new(bin.join("initdb"));
        initdb
            .arg("-D")
            .arg(&data)
            .args([
                "-U",
                ADMIN_ROLE,
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
            ])
            .arg(format!("--pwfile={}", initdb_pw.display()))
            .args(["--no-sync", "-E", "UTF8", "--no-locale"]);
        as_account(&mut initdb, account);
        let out = initdb.output().unwrap_or_else(|e| {
            panic!("test PostgreSQL: cannot run {}/initdb: {e}", bin.display())
        });
        let _ = std::fs::remove_file(&initdb_pw);
        if !out.status.success() {
            panic!(
                "test PostgreSQL: initdb failed ({}): {}{}",
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }

        for (name, contents) in files {
            let path = data.join(name);
            std::fs::write(&path, contents).unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
            give(&path, account);
        }

        let (port, admin) = start_postgres(&bin, &data, &socket_dir, settings, account, index);
        let server = PgServer {
            dir,
            host: "127.0.0.1".to_string(),
            port,
            socket_dir: Some(socket_dir),
            named: None,
            schema_prefix: "t_".to_string(),
            password,
            password_file,
            admin: Mutex::new(admin),
            next_schema: AtomicU64::new(1),
        };
        server.set_up();
        server
    }

    /// The server `url` names (see the module's doc), set up as [`Self::start`]
    /// sets up its own: the test role (with the URL's password) and database,
    /// made unless there.
    pub fn named(url: &str) -> PgServer {
        fn fail(why: String) -> ! {
            panic!(
                "{SERVER_ENV}: {why}; it names a superuser with its password, e.g. \
                 postgres://postgres:PASSWORD@127.0.0.1:5432/postgres"
            )
        }
        let config: postgres::Config = url
            .parse()
            .unwrap_or_else(|e| fail(format!("not a PostgreSQL URL ({e})")));
        let host = match config.get_hosts() {
            [postgres::config::Host::Tcp(host)] => host.clone(),
            _ => fail("one host (not a socket) is needed".to_string()),
        };
        let port = config.get_ports().first().copied().unwrap_or(5432);
        let password = match config.get_password() {
            Some(password) => String::from_utf8_lossy(password).into_owned(),
            None => fail("it holds no password".to_string()),
        };
        let admin = config
            .connect(postgres::NoTls)
            .unwrap_or_else(|e| fail(format!("cannot connect ({})", describe(&e))));
        let (dir, _) = kept_dir("userdb-pg-named-");
        let password_file = dir.join("password");
        std::fs::write(&password_file, format!("{password}\n")).unwrap();
        std::fs::set_permissions(&password_file, std::fs::Permissions::from_mode(0o600)).unwrap();
        let server = PgServer {
            dir,
            host,
            port,
            socket_dir: None,
            named: Some(config),
            schema_prefix: format!("t_{}_", &random_password()[..6]),
            password,
            password_file,
            admin: Mutex::new(admin),
            next_schema: AtomicU64::new(1),
        };
        server.set_up();
        server
    }

    fn set_up(&self) {
        let mut admin = self.admin.lock().unwrap();
        let password = self.password.replace('\'', "''");
        let mut run = |sql: &str| {
            admin
                .batch_execute(sql)
                .unwrap_or_else(|e| panic!("test PostgreSQL: set-up failed: {}", describe(&e)))
        };
        if self.named.is_none() {
            // One statement each: CREATE DATABASE refuses to run in a transaction.
            run(&format!(
                "CREATE ROLE {TEST_ROLE} LOGIN PASSWORD '{password}'"
            ));
            run(&format!(
                "CREATE DATABASE {TEST_DATABASE} OWNER {TEST_ROLE}"
            ));
        } else {
            // Made by an earlier run, or by another test binary meanwhile (the
            // lock): the role gets the URL's password again, the same each time.
            run("SELECT pg_advisory_lock(hashtext('userdb test set-up'))");
            run(&format!(
                "DO $$ BEGIN \
                   IF EXISTS (SELECT FROM pg_roles WHERE rolname = '{TEST_ROLE}') THEN \
                     ALTER ROLE {TEST_ROLE} LOGIN PASSWORD '{password}'; \
                   ELSE CREATE ROLE {TEST_ROLE} LOGIN PASSWORD '{password}'; END IF; END $$"
            ));
            let exists = admin
                .query_opt(
                    "SELECT 1 FROM pg_database WHERE datname = $1",
                    &[&TEST_DATABASE],
                )
                .unwrap_or_else(|e| panic!("test PostgreSQL: set-up failed: {}", describe(&e)))
                .is_some();
            let mut run = |sql: &str| {
                admin
                    .batch_execute(sql)
                    .unwrap_or_else(|e| panic!("test PostgreSQL: set-up failed: {}", describe(&e)))
            };
            if !exists {
                run(&format!(
                    "CREATE DATABASE {TEST_DATABASE} OWNER {TEST_ROLE}"
                ));
            }
            run("SELECT pg_advisory_unlock(hashtext('userdb test set-up'))");
        }
        *admin = self.admin_connect(TEST_DATABASE).unwrap_or_else(|e| {
            panic!(
                "test PostgreSQL: cannot open {TEST_DATABASE}: {}",
                describe(&e)
            )
        });
    }
}

/// The server's command line: the suite's settings (see the module's doc), then
/// `settings` (`name=value`, later ones win), its output to `log`, in its own
/// process group (a Ctrl-C on the tests reaches the watchdog's stop, not the
/// server half-way through a test's connection).
/// Runs the server of `data` (as `account`, registered at `index`) on a free
/// port of 127.0.0.1, trying another port when one was taken between the probe
/// and the bind: the port and a superuser client over the socket.
fn start_postgres(
    bin: &Path,
    data: &Path,
    socket_dir: &Path,
    settings: &[&str],
    account: Option<(u32, u32)>,
    index: usize,
) -> (u16, postgres::Client) {
    let log_path = data.parent().unwrap_or(data).join("postgres.log");
    let mut last_log = String::new();
    for _attempt in 0..5 {
        let port = free_port();
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log_path)
            .unwrap();
        let mut postgres = postgres_command(bin, data, port, socket_dir, settings, &log);
        as_account(&mut postgres, account);
        let mut child = postgres.spawn().unwrap_or_else(|e| {
            panic!(
                "test PostgreSQL: cannot run {}/postgres: {e}",
                bin.display()
            )
        });
        watch(index, Some(child.id()));
        match wait_ready(&mut child, socket_dir, port) {
            Ok(admin) => {
                register_server(index, child);
                return (port, admin);
            }
            Err(why) => {
                let _ = child.kill();
                let _ = child.wait();
                watch(index, None);
                last_log = std::fs::read_to_string(&log_path).unwrap_or_default();
                if !last_log.contains("Address already in use") {
                    panic!("test PostgreSQL did not start ({why}); its log:\n{last_log}");
                }
                // Another process took the port between our probe and the
                // server's bind: try another one.
            }
        }
    }
    panic!("test PostgreSQL: no free port after 5 tries; its log:\n{last_log}");
}

fn postgres_command(
    bin: &Path,
    data: &Path,
    port: u16,
    socket_dir: &Path,
    settings: &[&str],
    log: &std::fs::File,
) -> Command {
    let mut postgres = Command::new(bin.join("postgres"));
    postgres
        .arg("-D")
        .arg(data)
        .arg("-p")
        .arg(port.to_string())
        .arg("-k")
        .arg(socket_dir)
        .args([
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            "fsync=off",
            "-c",
            "synchronous_commit=off",
            "-c",
            "full_page_writes=off",
            "-c",
            "max_connections=200",
            "-c",
            "shared_buffers=32MB",
        ]);
    for setting in settings {
        postgres.arg("-c").arg(setting);
    }
    postgres
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log.try_clone().unwrap());
    postgres.process_group(0);
    postgres
}

/// An error with the server's message, which `Display` leaves out.
fn describe(err: &postgres::Error) -> String {
    match err.as_db_error() {
        Some(db) => format!("{err}: {db}"),
        None => err.to_string(),
    }
}

/// Where the PostgreSQL binaries are.
fn bin_dir() -> PathBuf {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            (bin.join("initdb").is_file() && bin.join("postgres").is_file())
                .then_some((version, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return bin;
    }
    let on_path = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .find(|dir| dir.join("initdb").is_file() && dir.join("postgres").is_file())
    });
    on_path.unwrap_or_else(|| {
        panic!(
            "the PostgreSQL tests need a PostgreSQL server installed (initdb and postgres were \
             found neither in /usr/lib/postgresql/*/bin nor on PATH): run the tests with \
             `scripts/test`, which installs it (or says what to install) first"
        )
    })
}

/// The account the server runs as: `Some((uid, gid))` of `postgres` when the
/// tests run as root, `None` (this account) otherwise.
#[allow(unsafe_code)] // geteuid and getpwnam_r
fn server_account() -> Option<(u32, u32)> {
    // SAFETY: geteuid cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        return None;
    }
    let name = CString::new(ADMIN_ROLE).unwrap();
    let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
    let mut buf = vec![0 as libc::c_char; 16384];
    let mut result: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: every pointer is valid for the call; `buf` outlives `pwd`'s use.
    let rc = unsafe {
        libc::getpwnam_r(
            name.as_ptr(),
            &mut pwd,
            buf.as_mut_ptr(),
            buf.len(),
            &mut result,
        )
    };
    if rc != 0 || result.is_null() {
        panic!(
            "the PostgreSQL tests run as root, and PostgreSQL refuses to: they run it as the \
             `postgres` account, which does not exist here; run the tests with `scripts/test`, \
             which installs postgresql (the package creates it)"
        );
    }
    Some((pwd.pw_uid, pwd.pw_gid))
}

fn give(path: &Path, account: Option<(u32, u32)>) {
    if let Some((uid, gid)) = account {
        std::os::unix::fs::chown(path, Some(uid), Some(gid))
            .unwrap_or_else(|e| panic!("test PostgreSQL: chown {}: {e}", path.display()));
    }
}

fn as_account(command: &mut Command, account: Option<(u32, u32)>) {
    if let Some((uid, gid)) = account {
        // std drops the supplementary groups too when it changes the uid.
        command.uid(uid).gid(gid);
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .unwrap_or_else(|e| panic!("test PostgreSQL: no free port: {e}"))
}

fn random_password() -> String {
    let mut bytes = [0u8; 16];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .expect("read /dev/urandom");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn socket_client(
    socket_dir: &Path,
    port: u16,
    dbname: &str,
) -> Result<postgres::Client, postgres::Error> {
    postgres::Config::new()
        .host_path(socket_dir)
        .port(port)
        .user(ADMIN_ROLE)
        .dbname(dbname)
        .connect(postgres::NoTls)
}

/// Waits until the server takes connections, or has exited.
fn wait_ready(child: &mut Child, socket_dir: &Path, port: u16) -> Result<postgres::Client, String> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            return Err(format!("it exited: {status}"));
        }
        match socket_client(socket_dir, port, "postgres") {
            Ok(client) => return Ok(client),
            Err(e) if Instant::now() > deadline => {
                return Err(format!("not ready after 60 s: {e}"));
            }
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}

/// A server's directory and what to stop at exit.
struct Entry {
    dir: PathBuf,
    /// The running server, once there is one.
    child: Option<Child>,
    /// The write end of the watchdog's pipe (see the module's doc).
    watchdog: Option<ChildStdin>,
}

/// Everything to clean up when the process exits.
static REGISTRY: Mutex<Vec<Entry>> = Mutex::new(Vec::new());

/// Registers a new server directory and starts its watchdog; returns its index.
/// A new temporary directory named `prefix…`, kept (the suite removes it
/// at exit) and registered: its place in the registry.
fn kept_dir(prefix: &str) -> (PathBuf, usize) {
    let dir = tempfile::Builder::new()
        .prefix(prefix)
        .tempdir()
        .unwrap_or_else(|e| panic!("test PostgreSQL: cannot make a temporary directory: {e}"))
        .keep();
    let index = register_dir(&dir);
    (dir, index)
}

/// A server's [`kept_dir`] and its socket directory inside, both given to
/// the account the server runs as.
fn server_dirs(prefix: &str, account: Option<(u32, u32)>) -> (PathBuf, usize, PathBuf) {
    let (dir, index) = kept_dir(prefix);
    let socket_dir = dir.join("socket");
    std::fs::create_dir(&socket_dir).unwrap();
    give(&dir, account);
    give(&socket_dir, account);
    (dir, index, socket_dir)
}

fn register_dir(dir: &Path) -> usize {
    static HOOK: OnceLock<()> = OnceLock::new();
    HOOK.get_or_init(|| {
        // SAFETY: `stop_all` is an `extern "C" fn()` that never unwinds out.
        unsafe { libc::atexit(stop_all) };
    });
    let mut registry = REGISTRY.lock().unwrap_or_else(|e| e.into_inner());
    registry.push(Entry {
        dir: dir.to_path_buf(),
        child: None,
        watchdog: spawn_watchdog(dir),
    });
    registry.len() - 1
}

/// Tells the directory's watchdog which process to stop (`None`: none now).
fn watch(index: usize, pid: Option<u32>) {
    let mut registry = REGISTRY.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(stdin) = registry[index].watchdog.as_mut() {
        let _ = writeln!(
            stdin,
            "pid {}",
            pid.map(|p| p.to_string()).unwrap_or_default()
        );
    }
}

fn register_server(index: usize, child: Child) {
    REGISTRY.lock().unwrap_or_else(|e| e.into_inner())[index].child = Some(child);
}

extern "C" fn stop_all() {
    let _ = std::panic::catch_unwind(|| {
        let Ok(mut registry) = REGISTRY.try_lock() else {
            return; // the watchdogs will do it
        };
        for mut entry in registry.drain(..) {
            if let Some(mut child) = entry.child.take() {
                // SAFETY: signalling our own child, not yet waited for.
                unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGQUIT) };
                let _ = child.wait();
            }
            let _ = std::fs::remove_dir_all(&entry.dir);
            if let Some(mut stdin) = entry.watchdog.take() {
                let _ = stdin.write_all(b"done\n");
            }
        }
    });
}

/// The watchdog of a directory (see the module's doc): told `pid N` when a
/// server runs there, `done` when the exit hook has cleaned up. `None` if `sh`
/// cannot run; then only the hook cleans up.
fn spawn_watchdog(dir: &Path) -> Option<ChildStdin> {
    let script = r#"trap '' INT HUP
pid=
while read -r line; do
  case "$line" in
    done) exit 0 ;;
    pid*) pid=${line#pid} ; pid=${pid# } ;;
  esac
done
if [ -n "$pid" ]; then
  kill -QUIT "$pid" 2>/dev/null
  i=0
  while kill -0 "$pid" 2>/dev/null && [ "$i" -lt 100 ]; do sleep 0.1; i=$((i+1)); done
else
  sleep 2 # an initdb that was running goes on a moment
fi
rm -rf "$1""#;
    Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg("userdb-pg-watchdog")
        .arg(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .ok()
        .and_then(|mut child| child.stdin.take())
}
