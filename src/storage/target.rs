//! Where the data lives, as `--db`, `USERDB_DB` or `[database] path` names it: a
//! PostgreSQL URL (`postgres://` or `postgresql://`), or else a file path taken
//! literally. Other URLs are refused rather than made into odd file trees.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A SQLite file.
    File(PathBuf),
    /// A PostgreSQL server, by libpq URI (it may hold a password: see
    /// [`Target::describe`]).
    Postgres(String),
}

impl Target {
    pub fn parse(text: impl AsRef<OsStr>) -> Result<Target> {
        let path = Path::new(text.as_ref());
        let lossy = path.to_string_lossy();
        let scheme = lossy.split_once("://").map(|(s, _)| s.to_ascii_lowercase());
        match scheme.as_deref() {
            Some("postgres" | "postgresql") => Ok(Target::Postgres(lossy.into_owned())),
            Some(s)
                if !s.is_empty()
                    && s.chars()
                        .all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c)) =>
            {
                Err(Error::UnsupportedDatabase(format!(
                    "a {s}:// URL is not a database userdb can open (SQLite files and \
                     PostgreSQL only)"
                )))
            }
            _ => Ok(Target::File(path.to_path_buf())),
        }
    }

    /// The target as messages, `config`, `doctor` and `copy` name it. A URL is
    /// shown as rebuilt from its parsed settings (the connector's own parse), so
    /// never with its password; a malformed one not at all.
    pub fn describe(&self) -> String {
        match self {
            Target::File(path) => path.display().to_string(),
            Target::Postgres(url) => super::postgres::connect::describe(url),
        }
    }

    pub fn file(&self) -> Option<&Path> {
        match self {
            Target::File(path) => Some(path),
            Target::Postgres(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_postgres_url_is_a_server_and_anything_else_without_a_scheme_a_file() {
        assert_eq!(
            Target::parse("postgres://app@db:5432/users").unwrap(),
            Target::Postgres("postgres://app@db:5432/users".into())
        );
        assert!(matches!(
            Target::parse("POSTGRESQL://db/users").unwrap(),
            Target::Postgres(_)
        ));
        for path in [
            "users.sqlite3",
            "file:mem.db?mode=memory",
            "/a b/c:d",
            "./x://y",
        ] {
            assert_eq!(Target::parse(path).unwrap(), Target::File(path.into()));
        }
        assert!(matches!(
            Target::parse("mysql://db/users"),
            Err(Error::UnsupportedDatabase(_))
        ));
    }

    #[test]
    fn a_url_is_described_from_its_parsed_settings_without_its_password() {
        let described = |url: &str| Target::parse(url).unwrap().describe();
        assert_eq!(
            described("postgres://app:s3cr%40t@db.internal:5432/users?sslmode=require"),
            "postgres://app:(redacted)@db.internal:5432/users?sslmode=require"
        );
        assert_eq!(
            described("postgresql://app@db/users"),
            "postgresql://app@db/users"
        );
        assert_eq!(
            described("postgres://db/users?options=-csearch_path%3Dt_1&connect_timeout=5"),
            "postgres://db/users?options=-csearch_path%3Dt_1&connect_timeout=5"
        );
        assert_eq!(
            described("postgres:///users?host=/var/run/postgresql&port=5433"),
            "postgres:///users?host=/var/run/postgresql&port=5433"
        );
        assert_eq!(
            described("postgres://app:pw@db1:5432,db2:5433/users?target_session_attrs=read-write"),
            "postgres://app:(redacted)@db1:5432,db2:5433/users?target_session_attrs=read-write"
        );
        assert_eq!(
            described("postgres://[::1]:5433/u%40sers"),
            "postgres://[::1]:5433/u%40sers"
        );
    }

    /// Every way libpq (and the connector) takes a password from a URL: what is
    /// shown never holds it, and the user, host and database are still named.
    #[test]
    fn no_spelling_of_a_password_is_described() {
        for url in [
            "postgres://app:Zq9sEcRet@db/users",
            "postgres://app:Zq9?sEcRet@db/users",
            "postgres://app:Zq9?sEcRet@db/users?sslmode=disable",
            "postgres://app:Zq9#sEcRet@db/users",
            "postgres://app:Zq9:sEcRet@db/users",
            "postgres://app:Zq9%40sEcRet@db/users",
            "postgres://app:Zq9%2FsEcRet@db/users",
            "postgres://app@db/users?password=Zq9sEcRet",
            "postgres://app@db/users?%70assword=Zq9sEcRet",
            "postgres://app@db/users?pass%77ord=Zq9sEcRet",
            "postgres://app@db/users?password=x&password=Zq9sEcRet",
            "postgres://app:Zq9sEcRet@db/users?password=other",
            "postgres://app@db/users?sslmode=disable&password=Zq9sEcRet&foo=1",
            "postgres://app@db/users?password=Zq9sEcRet&Password=1",
            "POSTGRESQL://app:Zq9sEcRet@db/users",
        ] {
            let shown = described_without(url, &["Zq9", "sEcRet"]);
            assert!(shown.contains("app"), "{url}: {shown}");
            assert!(shown.contains("db"), "{url}: {shown}");
            if !url.contains("foo=1") && !url.contains("Password=1") {
                assert!(shown.contains("users"), "{url}: {shown}");
                assert!(shown.contains("(redacted)"), "{url}: {shown}");
            }
        }
        // Unparsable before the host: nothing but the scheme is shown.
        for url in [
            "postgres://app:Zq9/sEcRet@db/users",
            "postgres://app:Zq9%zzsEcRet@db/users",
            "postgres://app:Zq9@sEcRet@db:5x/users",
        ] {
            let shown = described_without(url, &["Zq9", "sEcRet", "app", "db"]);
            assert!(shown.contains("not shown"), "{shown}");
        }
    }

    fn described_without(url: &str, secrets: &[&str]) -> String {
        let shown = Target::parse(url).unwrap().describe();
        for secret in secrets {
            assert!(!shown.contains(secret), "{url}: {shown}");
        }
        shown
    }
}
