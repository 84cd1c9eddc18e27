//! PgBouncer in front of the test server, as a team running userdb at scale has
//! it: Debian's `pgbouncer` (1.18 on Debian 12; `/usr/sbin/pgbouncer`, else found
//! on `PATH`), one per pool mode, started on first use like the server: on
//! 127.0.0.1 at a free port, as the `postgres` account when the tests run as
//! root (PgBouncer refuses root too), stopped when the binary exits.
//!
//! - Pool size 4 per database and role (`default_pool_size`), 200 clients.
//! - Authentication as on the server: SCRAM, with the test role's password
//!   from a userlist file (the same password reaches the server).
//! - Every database name is passed through to the server (`* =`): each test
//!   gets a database of its own ([`PgBouncer::fresh_database`]), since
//!   PgBouncer 1.18 refuses the `options` startup parameter that selects a
//!   test's schema on the server directly (its `public` schema is the test
//!   role's, who owns the database).
//! - Stopping: the registry of [`crate`] sends SIGQUIT, which PgBouncer does not
//!   handle (it would dump core): a small `sh` in front turns it into SIGTERM,
//!   PgBouncer's immediate shutdown.

use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::{
    PgServer, TEST_ROLE, as_account, describe, free_port, give, kept_dir, register_server, server,
    server_account, watch,
};

/// PgBouncer's `pool_mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PoolMode {
    /// A client keeps its server connection until it disconnects.
    Session,
    /// A client has a server connection for one transaction (or one statement
    /// outside a transaction) at a time.
    Transaction,
    /// One statement at a time: transactions are refused.
    Statement,
}

impl PoolMode {
    fn name(self) -> &'static str {
        match self {
            PoolMode::Session => "session",
            PoolMode::Transaction => "transaction",
            PoolMode::Statement => "statement",
        }
    }
}

/// Server connections per database and role: a parallel test has more clients
/// than this, so transactions really share connections.
pub const POOL_SIZE: u32 = 4;

pub struct PgBouncer {
    port: u16,
    mode: PoolMode,
    dir: PathBuf,
}

static NEXT_DATABASE: AtomicU64 = AtomicU64::new(1);

/// The binary's PgBouncer in `mode`, in front of [`server`], started on first use.
pub fn pgbouncer(mode: PoolMode) -> &'static PgBouncer {
    static SESSION: OnceLock<PgBouncer> = OnceLock::new();
    static TRANSACTION: OnceLock<PgBouncer> = OnceLock::new();
    static STATEMENT: OnceLock<PgBouncer> = OnceLock::new();
    let cell = match mode {
        PoolMode::Session => &SESSION,
        PoolMode::Transaction => &TRANSACTION,
        PoolMode::Statement => &STATEMENT,
    };
    cell.get_or_init(|| PgBouncer::start(server(), mode))
}

impl PgBouncer {
    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn mode(&self) -> PoolMode {
        self.mode
    }

    /// PgBouncer's log (connections, and the errors it sends clients).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("pgbouncer.log")).unwrap_or_default()
    }

    /// A new, empty database on the server, owned by the test role: its URL
    /// on the server, and through this PgBouncer
    /// (`postgres://userdb_test@127.0.0.1:PORT/<prefix>pool_N`).
    pub fn fresh_database(&self) -> (String, String) {
        let server = server();
        let name = format!(
            "{}pool_{}",
            server.schema_prefix,
            NEXT_DATABASE.fetch_add(1, Ordering::Relaxed)
        );
        // CREATE DATABASE refuses to run in a transaction: a statement of its own.
        server.admin_sql(&format!("CREATE DATABASE {name} OWNER {TEST_ROLE}"));
        (
            format!(
                "postgres://{TEST_ROLE}@{}:{}/{name}",
                server.host(),
                server.port()
            ),
            format!("postgres://{TEST_ROLE}@127.0.0.1:{}/{name}", self.port),
        )
    }

    fn start(server: &PgServer, mode: PoolMode) -> PgBouncer {
        let bin = bin();
        let account = server_account();
        let (dir, index) = kept_dir("userdb-pgbouncer-");
        give(&dir, account);
        let userlist = dir.join("userlist.txt");
        std::fs::write(
            &userlist,
            format!(
                "\"{TEST_ROLE}\" \"{}\"\n",
                server.password().replace('"', "\"\"")
            ),
        )
        .unwrap();
        give(&userlist, account);
        let log = dir.join("pgbouncer.log");
        let mut last_log = String::new();
        for _attempt in 0..5 {
            let port = free_port();
            let ini = dir.join("pgbouncer.ini");
            std::fs::write(
                &ini,
                format!(
                    "[databases]\n\
                     * = host={host} port={server_port}\n\
                     [pgbouncer]\n\
                     listen_addr = 127.0.0.1\n\
                     listen_port = {port}\n\
                     unix_socket_dir =\n\
                     auth_type = scram-sha-256\n\
                     auth_file = {userlist}\n\
                     pool_mode = {mode}\n\
                     default_pool_size = {POOL_SIZE}\n\
                     max_client_conn = 200\n\
                     server_tls_sslmode = disable\n\
                     logfile = {log}\n",
                    host = server.host(),
                    server_port = server.port(),
                    userlist = userlist.display(),
                    mode = mode.name(),
                    log = log.display(),
                ),
            )
            .unwrap();
            give(&ini, account);
            // SIGQUIT (the registry's stop) becomes SIGTERM, PgBouncer's
            // immediate shutdown.
            let mut command = Command::new("sh");
            command
                .arg("-c")
                .arg("\"$0\" \"$1\" & p=$!; trap 'kill -TERM $p' QUIT; wait $p; wait $p")
                .arg(&bin)
                .arg(&ini)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            as_account(&mut command, account);
            command.process_group(0);
            let mut child = command
                .spawn()
                .unwrap_or_else(|e| panic!("test PgBouncer: cannot run {}: {e}", bin.display()));
            watch(index, Some(child.id()));
            match wait_ready(&mut child, server, port) {
                Ok(()) => {
                    register_server(index, child);
                    return PgBouncer { port, mode, dir };
                }
                Err(why) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    watch(index, None);
                    last_log = std::fs::read_to_string(&log).unwrap_or_default();
                    if !last_log.contains("Address already in use") {
                        panic!("test PgBouncer did not start ({why}); its log:\n{last_log}");
                    }
                }
            }
        }
        panic!("test PgBouncer: no free port after 5 tries; its log:\n{last_log}");
    }
}

/// Where PgBouncer is.
fn bin() -> PathBuf {
    let debian = PathBuf::from("/usr/sbin/pgbouncer");
    if debian.is_file() {
        return debian;
    }
    let on_path = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join("pgbouncer"))
            .find(|bin| bin.is_file())
    });
    on_path.unwrap_or_else(|| {
        panic!(
            "the PgBouncer tests need pgbouncer installed (found neither /usr/sbin/pgbouncer \
             nor pgbouncer on PATH): run the tests with `scripts/test`, which installs it (or \
             says what to install) first"
        )
    })
}

/// Waits until the test role gets through PgBouncer to the server, or it has
/// exited.
fn wait_ready(child: &mut std::process::Child, server: &PgServer, port: u16) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            return Err(format!("it exited: {status}"));
        }
        let attempt = postgres::Config::new()
            .host("127.0.0.1")
            .port(port)
            .user(TEST_ROLE)
            .password(server.password())
            .dbname(crate::TEST_DATABASE)
            .connect_timeout(Duration::from_secs(5))
            .connect(postgres::NoTls)
            .and_then(|mut client| client.simple_query("SELECT 1"));
        match attempt {
            Ok(_) => return Ok(()),
            Err(e) if Instant::now() > deadline => {
                return Err(format!("not ready after 30 s: {}", describe(&e)));
            }
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}
