//! An isolated environment for every test: a cleared environment, temporary HOME
//! and XDG directories, the database in a temp dir, cheap argon2 parameters and a
//! fixed clock. No test touches the real default paths.

use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;

use assert_cmd::Command;
use serde_json::Value;

pub const NOW: &str = "2026-01-02T03:04:05Z";
pub const STRONG: &str = "correct horse battery staple";

pub struct TestEnv {
    dir: tempfile::TempDir,
    /// In the PostgreSQL suite: this test's own database (a fresh schema on the
    /// suite's server), as its URL.
    pg_url: Option<String>,
    /// The same database through PgBouncer, where the commands reach it
    /// ([`Self::through_pgbouncer`]); the helpers here go to the server.
    pooled_url: Option<String>,
}

impl TestEnv {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        for sub in ["home", "config", "data"] {
            std::fs::create_dir(dir.path().join(sub)).expect("dir");
        }
        let pg_url = crate::ON_POSTGRES.then(|| crate::pg_server::server().fresh_database());
        TestEnv {
            dir,
            pg_url,
            pooled_url: None,
        }
    }

    /// A new environment whose commands reach a fresh database of their own
    /// through the suite's PgBouncer in `mode` (PostgreSQL suite only); the
    /// helpers that plant and read data go to the server directly.
    #[allow(dead_code)] // the PostgreSQL suite's pooler tests
    pub fn through_pgbouncer(mode: crate::pg_server::PoolMode) -> Self {
        let mut env = TestEnv::new();
        let (direct, pooled) = crate::pg_server::pgbouncer(mode).fresh_database();
        env.pg_url = Some(direct);
        env.pooled_url = Some(pooled);
        env
    }

    /// A new environment whose default config file is `config` (see [`Self::write_config`]).
    pub fn with_config(config: &str) -> Self {
        let env = TestEnv::new();
        env.write_config(config);
        env
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes `text` to the file `name` in the test's directory; its path.
    pub fn write_file(&self, name: &str, text: &str) -> String {
        let path = self.path().join(name);
        std::fs::write(&path, text).expect("write");
        path.display().to_string()
    }

    pub fn db(&self) -> PathBuf {
        self.path().join("users.sqlite3")
    }

    /// The variables every run gets, as (name, value) pairs.
    pub fn vars(&self) -> Vec<(String, String)> {
        let p = |sub: &str| self.path().join(sub).display().to_string();
        vec![
            ("HOME".into(), p("home")),
            ("XDG_CONFIG_HOME".into(), p("config")),
            ("XDG_DATA_HOME".into(), p("data")),
            ("USERDB_DB".into(), self.database()),
            ("USERDB_NOW".into(), NOW.into()),
            ("USERDB_PASSWORD_MEMORY_COST".into(), "64".into()),
            ("USERDB_PASSWORD_TIME_COST".into(), "1".into()),
            ("USER".into(), "tester".into()),
            ("PATH".into(), std::env::var("PATH").unwrap_or_default()),
            // Only the PostgreSQL suite's server asks for it.
            (
                "PGPASSWORD".into(),
                if crate::ON_POSTGRES {
                    crate::pg_server::server().password().to_string()
                } else {
                    String::new()
                },
            ),
        ]
    }

    /// The PostgreSQL URL of the test's database on the server itself (even
    /// where the commands go through PgBouncer).
    #[allow(dead_code)] // the PostgreSQL suite's pooler tests
    pub fn direct_url(&self) -> &str {
        self.pg_url.as_deref().expect("the PostgreSQL suite")
    }

    /// What `USERDB_DB` names: the SQLite file, or the PostgreSQL URL
    /// (through PgBouncer, where the test goes through it).
    pub fn database(&self) -> String {
        match (&self.pooled_url, &self.pg_url) {
            (Some(url), _) | (None, Some(url)) => url.clone(),
            (None, None) => self.db().display().to_string(),
        }
    }

    /// A client of the PostgreSQL suite's database for this test.
    fn pg_client(&self, url: &str) -> postgres::Client {
        let mut config: postgres::Config = url.parse().expect("test URL");
        config.password(crate::pg_server::server().password());
        config
            .connect(postgres::NoTls)
            .expect("connect to the test server")
    }

    /// Writes the default config file (`$XDG_CONFIG_HOME/userdb/config.toml`), which
    /// every later command reads: how a test declares custom fields.
    pub fn write_config(&self, text: &str) {
        let dir = self.path().join("config/userdb");
        std::fs::create_dir_all(&dir).expect("config dir");
        std::fs::write(dir.join("config.toml"), text).expect("config file");
    }

    /// `userdb ARGS…` in this environment, stdin empty unless given.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_userdb"));
        cmd.env_clear().envs(self.vars()).args(args).write_stdin("");
        cmd
    }

    /// The same, as a std command (for the pseudo-terminal tests).
    pub fn std_cmd(&self, args: &[&str]) -> StdCommand {
        let mut cmd = StdCommand::new(env!("CARGO_BIN_EXE_userdb"));
        cmd.env_clear().envs(self.vars()).args(args);
        cmd
    }

    /// Creates a user with a strong password through the binary.
    pub fn create_user(&self, email: &str, extra: &[&str]) {
        let mut args = vec!["createuser", email, "--password-stdin"];
        args.extend_from_slice(extra);
        self.cmd(&args)
            .write_stdin(format!("{STRONG}\n"))
            .assert()
            .success();
    }

    /// `createsuperuser --no-input --email EMAIL` (no usable password) through the binary.
    pub fn create_superuser(&self, email: &str, extra: &[&str]) {
        let mut args = vec!["createsuperuser", "--no-input", "--email", email];
        args.extend_from_slice(extra);
        self.cmd(&args).assert().success();
    }

    /// `--json show-user EMAIL`, parsed.
    pub fn user_json(&self, email: &str) -> Value {
        let out = self.cmd(&["--json", "show-user", email]).assert().success();
        serde_json::from_slice(&out.get_output().stdout).expect("json")
    }

    /// How many users the database holds: none where a refused command left
    /// no SQLite file behind (a refused import creates none).
    pub fn users_stored(&self) -> i64 {
        if self.db_file().is_some_and(|file| !file.exists()) {
            return 0;
        }
        let count = self.query_one("SELECT count(*) FROM users");
        count.parse().expect("a number")
    }

    /// The SQLite file, where the test's database is one.
    pub fn db_file(&self) -> Option<PathBuf> {
        self.pg_url.is_none().then(|| self.db())
    }

    /// The tests' SQL in the dialect of the backend: SQLite's, with the two
    /// functions whose names differ translated for PostgreSQL.
    fn dialect(&self, sql: &str) -> String {
        if self.pg_url.is_none() {
            return sql.to_string();
        }
        sql.replace("group_concat(", "string_agg(")
            .replace("char(", "chr(")
    }

    /// Runs SQL against the test database directly (to plant data), on either
    /// backend: the statements must be SQL both understand.
    pub fn sql(&self, sql: &str) {
        let sql = &self.dialect(sql);
        if let Some(url) = &self.pg_url {
            self.pg_client(url).batch_execute(sql).expect("sql");
            return;
        }
        let conn = rusqlite::Connection::open(self.db()).expect("open");
        conn.execute_batch(sql).expect("sql");
    }

    /// The first column of the first row, as text (a count, a value, `NULL`),
    /// on either backend.
    pub fn query_one(&self, sql: &str) -> String {
        let sql = &self.dialect(sql);
        if let Some(url) = &self.pg_url {
            let row = self.pg_client(url).query_one(sql, &[]).expect("query");
            let column = |r: &postgres::Row| -> Option<String> {
                if let Ok(v) = r.try_get::<_, Option<String>>(0) {
                    return v;
                }
                if let Ok(v) = r.try_get::<_, Option<i64>>(0) {
                    return v.map(|v| v.to_string());
                }
                if let Ok(v) = r.try_get::<_, Option<i32>>(0) {
                    return v.map(|v| v.to_string());
                }
                if let Ok(v) = r.try_get::<_, Option<bool>>(0) {
                    return v.map(|v| i32::from(v).to_string());
                }
                panic!("query_one: unsupported column type in {sql}")
            };
            return column(&row).unwrap_or_else(|| "NULL".into());
        }
        let conn = rusqlite::Connection::open(self.db()).expect("open");
        conn.query_row(sql, [], |r| r.get::<_, rusqlite::types::Value>(0))
            .map(|v| match v {
                rusqlite::types::Value::Text(t) => t,
                rusqlite::types::Value::Integer(i) => i.to_string(),
                rusqlite::types::Value::Null => "NULL".into(),
                other => format!("{other:?}"),
            })
            .expect("query")
    }

    /// The first column of every row, as text, on either backend.
    pub fn query_rows(&self, sql: &str) -> Vec<String> {
        let sql = &self.dialect(sql);
        if let Some(url) = &self.pg_url {
            return self
                .pg_client(url)
                .query(sql, &[])
                .expect("query")
                .iter()
                .map(|r| r.get::<_, String>(0))
                .collect();
        }
        let conn = rusqlite::Connection::open(self.db()).expect("open");
        let mut stmt = conn.prepare(sql).expect("prepare");
        stmt.query_map([], |r| r.get(0))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows")
    }

    /// Everything the database keeps, as (where, bytes): SQLite's files (the
    /// main file, the WAL, the shared memory), or every row of every table of
    /// the test's PostgreSQL schema as text. For looking for a secret.
    pub fn stored_bytes(&self) -> Vec<(String, Vec<u8>)> {
        if let Some(url) = &self.pg_url {
            let mut client = self.pg_client(url);
            let tables: Vec<String> = client
                .query(
                    "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema()",
                    &[],
                )
                .expect("tables")
                .iter()
                .map(|r| r.get(0))
                .collect();
            return tables
                .into_iter()
                .map(|table| {
                    let rows: Vec<String> = client
                        .query(&format!("SELECT t::text FROM {table} t"), &[])
                        .expect("rows")
                        .iter()
                        .map(|r| r.get(0))
                        .collect();
                    (table, rows.join("\n").into_bytes())
                })
                .collect();
        }
        ["", "-wal", "-shm"]
            .iter()
            .filter_map(|suffix| {
                let path = format!("{}{suffix}", self.db().display());
                std::fs::read(&path).ok().map(|bytes| (path, bytes))
            })
            .collect()
    }

    /// Holds the writers' lock, as an import does for its whole run, until the
    /// guard is dropped: PostgreSQL's advisory lock on this test's schema, or
    /// SQLite's one write lock (`BEGIN IMMEDIATE` on another connection).
    pub fn hold_writer_lock(&self) -> WriterLockHold {
        if let Some(url) = &self.pg_url {
            let mut client = self.pg_client(url);
            client
                .batch_execute("SELECT pg_advisory_lock(1970496882, hashtext(current_schema()))")
                .expect("writers' lock");
            return WriterLockHold::Postgres(client);
        }
        let conn = rusqlite::Connection::open(self.db()).expect("open");
        conn.execute_batch("BEGIN IMMEDIATE").expect("write lock");
        WriterLockHold::Sqlite(conn)
    }

    /// Whether a command holds the writers' lock now (its write transaction
    /// is open), on either backend.
    pub fn writer_lock_held(&self) -> bool {
        if let Some(url) = &self.pg_url {
            let held: i64 = self
                .pg_client(url)
                .query_one(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted",
                    &[],
                )
                .expect("locks")
                .get(0);
            return held > 0;
        }
        let conn = rusqlite::Connection::open(self.db()).expect("open");
        conn.busy_timeout(std::time::Duration::ZERO)
            .expect("no waiting");
        conn.execute_batch("BEGIN IMMEDIATE; ROLLBACK;").is_err()
    }
}

/// The writers' lock held by a test (see [`TestEnv::hold_writer_lock`]); dropping
/// the connection releases it.
#[allow(dead_code)]
pub enum WriterLockHold {
    Postgres(postgres::Client),
    Sqlite(rusqlite::Connection),
}

/// The one-time code in a message or console output: the line that is only digits.
pub fn code_in(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .find(|l| l.len() >= 6 && l.bytes().all(|b| b.is_ascii_digit()))
        .unwrap_or_else(|| panic!("no code in\n{text}"))
        .to_string()
}

/// The fixed clock moved forward by `seconds`, as a `USERDB_NOW` value.
pub fn now_plus(seconds: i64) -> String {
    let now: jiff::Timestamp = NOW.parse().unwrap();
    now.checked_add(jiff::SignedDuration::from_secs(seconds))
        .unwrap()
        .to_string()
}

/// The account name of the user running the tests: the audit log's actor.
pub fn os_user() -> String {
    let out = StdCommand::new("id").arg("-un").output().expect("id -un");
    String::from_utf8(out.stdout)
        .expect("utf-8")
        .trim()
        .to_string()
}

/// The exit codes of processes racing each other, once all have ended, sorted
/// (which one won is not the point: how many did).
pub fn sorted_exit_codes(children: Vec<std::process::Child>) -> Vec<i32> {
    let mut codes: Vec<i32> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap().status.code().unwrap())
        .collect();
    codes.sort();
    codes
}

pub fn stdout_json(output: &std::process::Output) -> Value {
    serde_json::from_slice(&output.stdout).expect("stdout is JSON")
}

pub fn stderr_text(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The lines of the README's `sh` block whose first line starts with `first`,
/// up to the first blank line or the end of the block.
pub fn readme_block(first: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let readme = std::fs::read_to_string(path).expect("README.md");
    let from = readme.find(first).expect("the README has the example");
    let block = &readme[from..];
    let end = ["\n\n", "\n```"]
        .iter()
        .filter_map(|end| block.find(end))
        .min()
        .unwrap_or(block.len());
    block[..end].to_string()
}

/// The README's lines run by bash under `set -euo pipefail`, `userdb` being
/// the binary in this test's environment, in the test's directory.
pub fn run_as_script(env: &TestEnv, script: &str, vars: &[(&str, &str)]) -> std::process::Output {
    std::process::Command::new("bash")
        .env_clear()
        .envs(env.vars())
        .envs(vars.iter().copied())
        .env("UDB", env!("CARGO_BIN_EXE_userdb"))
        .current_dir(env.path())
        .arg("-c")
        .arg(format!(
            "set -euo pipefail\nuserdb() {{ \"$UDB\" \"$@\"; }}\n{script}\n"
        ))
        .output()
        .expect("bash")
}

/// The TOTP code an authenticator holding `secret` (base32, as `enroll-totp`
/// shows it) shows at the time `now`.
pub fn totp_code(secret: &str, now: &str) -> String {
    let secret = userdb::totp::TotpSecret::from_base32(secret).expect("a base32 secret");
    let step = userdb::totp::step_at(now.parse().expect("a timestamp"));
    userdb::totp::code_at_step(&secret, step).to_string()
}
