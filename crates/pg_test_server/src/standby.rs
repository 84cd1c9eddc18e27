//! A hot standby of a server of the suite's own, for the failover tests: a copy
//! made with `pg_basebackup -R` (which writes `primary_conninfo` and
//! `standby.signal`) over the primary's socket, streaming from it, on loopback
//! at a free port, run as the primary is (the `postgres` account when the tests
//! run as root) and stopped at exit as it is.
//!
//! The primary's `pg_hba.conf` (initdb's) trusts replication over the socket.
//! [`PgServer::make_synchronous`] turns synchronous replication on once the
//! standby streams: set at start, the primary's own set-up would wait for a
//! standby that is not there yet.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use super::{
    PgServer, TEST_DATABASE, as_account, bin_dir, server_account, server_dirs, socket_client,
    start_postgres,
};

/// A running hot standby (see the module's doc).
pub struct Standby {
    dir: PathBuf,
    port: u16,
    socket_dir: PathBuf,
}

impl PgServer {
    /// Starts a hot standby of this server (one of the suite's own), with
    /// `settings` added to its command line as [`PgServer::start`] does.
    pub fn start_standby(&self, settings: &[&str]) -> Standby {
        let bin = bin_dir();
        let account = server_account();
        let (dir, index, socket_dir) = server_dirs("userdb-pg-standby-", account);
        let data = dir.join("data");
        let mut backup = Command::new(bin.join("pg_basebackup"));
        backup
            .arg("-D")
            .arg(&data)
            .args(["-R", "-X", "stream", "--no-sync", "--checkpoint=fast"])
            .args(["-U", super::ADMIN_ROLE])
            .arg("-h")
            .arg(self.socket_dir())
            .arg("-p")
            .arg(self.port.to_string())
            .current_dir(&dir);
        as_account(&mut backup, account);
        let out = backup.output().unwrap_or_else(|e| {
            panic!(
                "test PostgreSQL: cannot run {}/pg_basebackup: {e}",
                bin.display()
            )
        });
        if !out.status.success() {
            panic!(
                "test PostgreSQL: pg_basebackup failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let settings = [settings, &["hot_standby=on"]].concat();
        let (port, _) = start_postgres(&bin, &data, &socket_dir, &settings, account, index);
        let standby = Standby {
            dir,
            port,
            socket_dir,
        };
        standby.catch_up(self);
        standby
    }

    /// Turns synchronous replication on: every COMMIT waits until a standby
    /// has it (`synchronous_standby_names = '*'`). The server must have been
    /// started with `synchronous_commit=on` (the suite's default is off, and a
    /// command-line setting wins over ALTER SYSTEM).
    pub fn make_synchronous(&self) {
        let commit: String = self
            .admin_client()
            .query_one("SELECT current_setting('synchronous_commit')", &[])
            .unwrap()
            .get(0);
        assert_eq!(
            commit, "on",
            "start the primary with synchronous_commit=on for synchronous replication"
        );
        // ALTER SYSTEM refuses to run in a transaction: one statement each.
        for sql in [
            "ALTER SYSTEM SET synchronous_standby_names = '*'",
            "SELECT pg_reload_conf()",
        ] {
            self.admin_sql(sql);
        }
        // The reload is asynchronous: wait until a new session sees it.
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let mut client = self.admin_client();
            let row = client
                .query_one("SELECT current_setting('synchronous_standby_names')", &[])
                .unwrap();
            if row.get::<_, String>(0) == "*" {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "synchronous replication not on after 30 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The server's data directory.
    pub fn data_dir(&self) -> PathBuf {
        self.dir.join("data")
    }

    /// Kills the server as a crash would: `pg_ctl stop -m immediate` (no
    /// checkpoint, every connection cut).
    pub fn stop_immediately(&self) {
        pg_ctl(&self.data_dir(), &["stop", "-m", "immediate"]);
    }
}

impl Standby {
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The standby's data directory.
    pub fn data_dir(&self) -> PathBuf {
        self.dir.join("data")
    }

    /// Promotes it to a primary (`pg_ctl promote`), waiting until it takes writes.
    pub fn promote(&self) {
        pg_ctl(&self.data_dir(), &["promote", "-w"]);
    }

    /// Whether it is still a standby (`pg_is_in_recovery()`).
    pub fn in_recovery(&self) -> bool {
        self.client()
            .query_one("SELECT pg_is_in_recovery()", &[])
            .unwrap()
            .get(0)
    }

    /// Waits until it has replayed everything `primary` has written so far.
    pub fn catch_up(&self, primary: &PgServer) {
        // A checkpoint flushes the WAL up to its own record, the suite's
        // commits made with synchronous_commit = off included; everything up
        // to the flush position is then what the standby must replay. (The
        // write position can miss an async commit; the insert position can
        // name a record nothing flushes for seconds; a commit that wrote no
        // WAL of its own flushes nothing.)
        let mut admin = primary.admin_client();
        admin.batch_execute("CHECKPOINT").unwrap();
        let lsn: String = admin
            .query_one("SELECT pg_current_wal_flush_lsn()::text", &[])
            .unwrap()
            .get(0);
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let done: Option<bool> = self
                .client()
                .query_one(
                    "SELECT pg_last_wal_replay_lsn() >= $1::text::pg_lsn",
                    &[&lsn],
                )
                .unwrap()
                .get(0);
            if done == Some(true) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the standby has not replayed {lsn} after 30 s"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The superuser in the test database, over the standby's socket.
    pub fn client(&self) -> postgres::Client {
        socket_client(&self.socket_dir, self.port, TEST_DATABASE)
            .unwrap_or_else(|e| panic!("test PostgreSQL standby: {e}"))
    }
}

/// `pg_ctl ARGS -D data`, as the server's account; panics on failure.
fn pg_ctl(data: &Path, args: &[&str]) {
    let bin = bin_dir();
    let mut command = Command::new(bin.join("pg_ctl"));
    command.args(args).arg("-D").arg(data);
    // The server's account may not read the tests' working directory.
    if let Some(parent) = data.parent() {
        command.current_dir(parent);
    }
    as_account(&mut command, server_account());
    let out = command
        .output()
        .unwrap_or_else(|e| panic!("test PostgreSQL: cannot run {}/pg_ctl: {e}", bin.display()));
    if !out.status.success() {
        panic!(
            "test PostgreSQL: pg_ctl {} failed ({}): {}{}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
