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

    /// The target as messages name it: never a password written in a URL.
    pub fn describe(&self) -> String {
        match self {
            Target::File(path) => path.display().to_string(),
            Target::Postgres(url) => redact_url(url),
        }
    }

    pub fn file(&self) -> Option<&Path> {
        match self {
            Target::File(path) => Some(path),
            Target::Postgres(_) => None,
        }
    }
}

/// A URL with its passwords (`user:password@`, and a `password=` parameter,
/// which libpq accepts too) replaced.
fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (before_query, query) = match rest.split_once('?') {
        Some((before, query)) => (before, Some(query)),
        None => (rest, None),
    };
    let authority_end = before_query.find('/').unwrap_or(before_query.len());
    let (authority, path) = before_query.split_at(authority_end);
    let authority = match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{user}:(redacted)@{host}"),
            None => authority.to_string(),
        },
        None => authority.to_string(),
    };
    let query = query.map(|q| {
        let params: Vec<String> = q
            .split('&')
            .map(|p| match p.split_once('=') {
                Some((key, _)) if key.eq_ignore_ascii_case("password") => {
                    format!("{key}=(redacted)")
                }
                _ => p.to_string(),
            })
            .collect();
        format!("?{}", params.join("&"))
    });
    format!("{scheme}://{authority}{path}{}", query.unwrap_or_default())
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
    fn a_password_in_a_url_is_never_described() {
        let target =
            Target::parse("postgres://app:s3cr%40t@db.internal:5432/users?sslmode=require")
                .unwrap();
        assert_eq!(
            target.describe(),
            "postgres://app:(redacted)@db.internal:5432/users?sslmode=require"
        );
        let target = Target::parse("postgresql://app@db/users").unwrap();
        assert_eq!(target.describe(), "postgresql://app@db/users");
        let target = Target::parse("postgresql://db/users?password=x").unwrap();
        assert_eq!(
            target.describe(),
            "postgresql://db/users?password=(redacted)"
        );
        let target = Target::parse("postgres://a:b@h/d?sslmode=disable&password=c").unwrap();
        assert_eq!(
            target.describe(),
            "postgres://a:(redacted)@h/d?sslmode=disable&password=(redacted)"
        );
    }
}
