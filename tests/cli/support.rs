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
}

impl TestEnv {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        for sub in ["home", "config", "data"] {
            std::fs::create_dir(dir.path().join(sub)).expect("dir");
        }
        TestEnv { dir }
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
            ("USERDB_DB".into(), self.db().display().to_string()),
            ("USERDB_NOW".into(), NOW.into()),
            ("USERDB_PASSWORD_MEMORY_COST".into(), "64".into()),
            ("USERDB_PASSWORD_TIME_COST".into(), "1".into()),
            ("USER".into(), "tester".into()),
            ("PATH".into(), std::env::var("PATH").unwrap_or_default()),
        ]
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

    /// `--json show-user EMAIL`, parsed.
    pub fn user_json(&self, email: &str) -> Value {
        let out = self.cmd(&["--json", "show-user", email]).assert().success();
        serde_json::from_slice(&out.get_output().stdout).expect("json")
    }

    /// Runs SQL against the test database directly (to plant data).
    pub fn sql(&self, sql: &str) {
        let conn = rusqlite::Connection::open(self.db()).expect("open");
        conn.execute_batch(sql).expect("sql");
    }

    pub fn query_one(&self, sql: &str) -> String {
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

pub fn stdout_json(output: &std::process::Output) -> Value {
    serde_json::from_slice(&output.stdout).expect("stdout is JSON")
}

pub fn stderr_text(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}
