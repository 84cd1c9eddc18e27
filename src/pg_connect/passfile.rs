//! libpq's password file (`PGPASSFILE`, `~/.pgpass`): lines of
//! `hostname:port:database:username:password`, read as libpq reads them
//! (`passwordFromFile`). `#` starts a comment line; in the first four fields a
//! lone `*` matches anything; `\:` and `\\` stand for `:` and `\`; the password
//! ends at the first unescaped `:`; the first matching line wins.

use std::io::Read;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use secrecy::SecretString;

/// The libpq default socket directory on Debian and most Linux packages: a
/// connection through it is matched as `localhost`, as libpq does.
pub(crate) const DEFAULT_SOCKET_DIR: &str = "/var/run/postgresql";

/// The most of a password file read.
const MAX_PASSFILE_BYTES: u64 = 1 << 20;

/// The connection a password is looked up for.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Lookup<'a> {
    /// A host name, an address, or a socket directory.
    pub host: &'a str,
    pub port: u16,
    pub dbname: &'a str,
    pub user: &'a str,
}

/// What reading the password file gave.
#[derive(Debug)]
pub(crate) enum Found {
    /// The password of the first matching line (1-based).
    Password { password: SecretString, line: usize },
    /// The file exists but has no matching line.
    NoMatch,
    /// There is no such file.
    Missing,
    /// libpq ignores (with a warning) a file that is not a plain file or that
    /// group or others may access; userdb ignores it too, silently, and says
    /// why only if the server then asks for a password (see `super`).
    Ignored { why: String },
}

/// Reads `path` and looks for a password. An unreadable file is treated as
/// missing (libpq: "if password file cannot be opened, ignore it").
pub(crate) fn read(path: &Path, lookup: Lookup<'_>) -> Found {
    let Ok(meta) = std::fs::metadata(path) else {
        return Found::Missing;
    };
    if !meta.is_file() {
        return Found::Ignored {
            why: format!("password file {} is not a plain file", path.display()),
        };
    }
    let mode = meta.mode() & 0o777;
    if mode & 0o077 != 0 {
        return Found::Ignored {
            why: format!(
                "password file {} was ignored because others can access it (mode {mode:o}); \
                 run `chmod 600 {}`",
                path.display(),
                path.display()
            ),
        };
    }
    // libpq reads on to the end; a password file larger than this is not one.
    let mut bytes = Vec::new();
    let read = std::fs::File::open(path)
        .and_then(|f| f.take(MAX_PASSFILE_BYTES + 1).read_to_end(&mut bytes));
    if read.is_err() {
        return Found::Missing;
    }
    if bytes.len() as u64 > MAX_PASSFILE_BYTES {
        return Found::Ignored {
            why: format!(
                "password file {} was ignored because it is larger than {} MiB",
                path.display(),
                MAX_PASSFILE_BYTES >> 20
            ),
        };
    }
    let bytes = zeroize::Zeroizing::new(bytes);
    let text = String::from_utf8_lossy(&bytes);
    match find(&text, lookup) {
        Some((password, line)) => Found::Password { password, line },
        None => Found::NoMatch,
    }
}

/// The password file libpq would read: `passfile` from the URL, else
/// `PGPASSFILE`, else `~/.pgpass`.
pub(crate) fn location(
    from_url: Option<PathBuf>,
    pgpassfile: Option<String>,
    home: Option<PathBuf>,
) -> Option<PathBuf> {
    from_url
        .or_else(|| pgpassfile.map(PathBuf::from))
        .or_else(|| home.map(|home| home.join(".pgpass")))
}

/// The host name a line's first field is matched against: `localhost` for the
/// default socket directory, as libpq does; else the host as the URL names it
/// (so a `localhost` line does not match `127.0.0.1`, as in libpq).
pub(crate) fn host_as_matched(host: &str) -> &str {
    if host.is_empty() || host == DEFAULT_SOCKET_DIR {
        "localhost"
    } else {
        host
    }
}

/// The password of the first line of `text` that matches, with its line number.
pub(crate) fn find(text: &str, lookup: Lookup<'_>) -> Option<(SecretString, usize)> {
    let host = host_as_matched(lookup.host);
    let port = lookup.port.to_string();
    for (index, line) in text.split('\n').enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let rest = Some(line.as_bytes())
            .and_then(|t| field_matches(t, host))
            .and_then(|t| field_matches(t, &port))
            .and_then(|t| field_matches(t, lookup.dbname))
            .and_then(|t| field_matches(t, lookup.user));
        let Some(rest) = rest else { continue };
        let password = unescape_password(rest);
        // libpq: an empty password field is no password.
        if password.is_empty() {
            return None;
        }
        return Some((SecretString::from(password), index + 1));
    }
    None
}

/// libpq's `pwdfMatchesString`: the rest of the line after the field when the
/// field matches `token` (a lone `*` matches anything).
fn field_matches<'t>(field: &'t [u8], token: &str) -> Option<&'t [u8]> {
    if field.starts_with(b"*:") {
        return Some(&field[2..]);
    }
    let token = token.as_bytes();
    let mut t = 0;
    let mut i = 0;
    while i < field.len() {
        let mut escaped = false;
        if field[i] == b'\\' {
            i += 1;
            escaped = true;
            if i == field.len() {
                return None;
            }
        }
        if field[i] == b':' && !escaped && t == token.len() {
            return Some(&field[i + 1..]);
        }
        if t == token.len() || field[i] != token[t] {
            return None;
        }
        i += 1;
        t += 1;
    }
    None
}

/// The password field: up to the first unescaped `:`, `\x` read as `x`.
fn unescape_password(field: &[u8]) -> String {
    let mut out = Vec::with_capacity(field.len());
    let mut i = 0;
    while i < field.len() && field[i] != b':' {
        if field[i] == b'\\' && i + 1 < field.len() {
            i += 1;
        }
        out.push(field[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;
    use std::os::unix::fs::PermissionsExt;

    fn lookup<'a>(host: &'a str, port: u16, dbname: &'a str, user: &'a str) -> Lookup<'a> {
        Lookup {
            host,
            port,
            dbname,
            user,
        }
    }

    fn password(text: &str, l: Lookup<'_>) -> Option<(String, usize)> {
        find(text, l).map(|(p, line)| (p.expose_secret().to_string(), line))
    }

    #[test]
    fn the_first_matching_line_wins_and_wildcards_match_anything() {
        let text = "# comment\n\
                    db.example.com:5432:users:app:first\n\
                    db.example.com:5432:users:app:second\n\
                    *:*:*:app:any-host\n\
                    *:*:*:*:fallback\n";
        let l = lookup("db.example.com", 5432, "users", "app");
        assert_eq!(password(text, l), Some(("first".into(), 2)));
        let l = lookup("other", 5432, "users", "app");
        assert_eq!(password(text, l), Some(("any-host".into(), 4)));
        let l = lookup("other", 6432, "x", "bob");
        assert_eq!(password(text, l), Some(("fallback".into(), 5)));
        // Nothing matches: no password.
        assert_eq!(
            password("db:5432:users:app:pw\n", lookup("db", 5433, "users", "app")),
            None
        );
        // A field is matched whole: `app` is not `ap`, `*x` is not a wildcard.
        assert_eq!(
            password("db:5432:users:ap:pw\n", lookup("db", 5432, "users", "app")),
            None
        );
        assert_eq!(
            password("*x:5432:users:app:pw\n", lookup("db", 5432, "users", "app")),
            None
        );
        // Lines with fewer than five fields never match; CRLF line ends are fine.
        assert_eq!(
            password(
                "db:5432:users\r\n*:*:*:*:ok\r\n",
                lookup("db", 5432, "u", "a")
            ),
            Some(("ok".into(), 2))
        );
    }

    #[test]
    fn escapes_stand_for_colons_and_backslashes() {
        let text = "fe80\\:\\:1:5432:d\\\\b:app:pa\\:ss\\\\word:ignored\n";
        let l = lookup("fe80::1", 5432, "d\\b", "app");
        assert_eq!(password(text, l), Some(("pa:ss\\word".into(), 1)));
        // An escaped `*` is a literal star.
        let text = "\\*:5432:db:app:star\n";
        assert_eq!(
            password(text, lookup("*", 5432, "db", "app")),
            Some(("star".into(), 1))
        );
        assert_eq!(password(text, lookup("h", 5432, "db", "app")), None);
    }

    #[test]
    fn the_default_socket_directory_is_localhost() {
        let text = "localhost:5432:db:app:local\n/tmp/pg:5432:db:app:socket\n";
        assert_eq!(
            password(text, lookup(DEFAULT_SOCKET_DIR, 5432, "db", "app")),
            Some(("local".into(), 1))
        );
        assert_eq!(
            password(text, lookup("/tmp/pg", 5432, "db", "app")),
            Some(("socket".into(), 2))
        );
    }

    #[test]
    fn a_file_others_can_read_is_ignored_and_a_missing_one_is_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pgpass");
        let l = lookup("db", 5432, "users", "app");
        assert!(matches!(read(&path, l), Found::Missing));
        std::fs::write(&path, "*:*:*:*:s3cret\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        match read(&path, l) {
            Found::Ignored { why } => {
                assert!(
                    why.contains("mode 644") && why.contains("chmod 600"),
                    "{why}"
                );
                assert!(!why.contains("s3cret"));
            }
            other => panic!("{other:?}"),
        }
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        match read(&path, l) {
            Found::Password { password, line } => {
                assert_eq!((password.expose_secret(), line), ("s3cret", 1));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(read(dir.path(), l), Found::Ignored { .. }));
    }

    #[test]
    fn the_file_is_the_urls_then_pgpassfile_then_home() {
        let home = Some(PathBuf::from("/home/a"));
        assert_eq!(
            location(Some("/u".into()), Some("/e".into()), home.clone()),
            Some(PathBuf::from("/u"))
        );
        assert_eq!(
            location(None, Some("/e".into()), home.clone()),
            Some(PathBuf::from("/e"))
        );
        assert_eq!(
            location(None, None, home),
            Some(PathBuf::from("/home/a/.pgpass"))
        );
        assert_eq!(location(None, None, None), None);
    }
}
