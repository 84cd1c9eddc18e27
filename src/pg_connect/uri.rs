//! libpq's connection URI, parsed the way libpq parses it (`conninfo_uri_parse`):
//! `postgres[ql]://[user[:password]@][host][:port][/dbname][?param=value&…]`.
//!
//! Every part is percent-decoded. A host that starts with `/` (given as
//! `%2Fvar%2Frun%2Fpostgresql` or as `?host=/var/run/postgresql`) is the
//! directory of a Unix-domain socket; `[…]` holds an IPv6 address. Query
//! parameters override the parts before them, as in libpq. Two departures, both
//! more lenient: the scheme is matched case-insensitively, and a value may hold
//! an unencoded `=` (`options=-csearch_path=app`), which libpq refuses.
//!
//! Error reasons never quote the URL or a value of it: a malformed URL may hold a
//! password where a host or port was expected.

use std::path::PathBuf;
use std::time::Duration;

use secrecy::SecretString;

/// libpq's `sslmode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SslMode {
    Disable,
    Allow,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl SslMode {
    pub(crate) fn parse(text: &str) -> Option<SslMode> {
        Some(match text {
            "disable" => SslMode::Disable,
            "allow" => SslMode::Allow,
            "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            _ => return None,
        })
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Allow => "allow",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }
}

/// libpq 14's `target_session_attrs`: which of the named servers to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SessionAttrs {
    Any,
    ReadWrite,
    ReadOnly,
    Primary,
    Standby,
    PreferStandby,
}

impl SessionAttrs {
    pub(crate) const NAMES: &'static str =
        "any, read-write, read-only, primary, standby, prefer-standby";

    pub(crate) fn parse(text: &str) -> Option<SessionAttrs> {
        Some(match text {
            "any" => SessionAttrs::Any,
            "read-write" => SessionAttrs::ReadWrite,
            "read-only" => SessionAttrs::ReadOnly,
            "primary" => SessionAttrs::Primary,
            "standby" => SessionAttrs::Standby,
            "prefer-standby" => SessionAttrs::PreferStandby,
            _ => return None,
        })
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            SessionAttrs::Any => "any",
            SessionAttrs::ReadWrite => "read-write",
            SessionAttrs::ReadOnly => "read-only",
            SessionAttrs::Primary => "primary",
            SessionAttrs::Standby => "standby",
            SessionAttrs::PreferStandby => "prefer-standby",
        }
    }
}

/// libpq 16's `load_balance_hosts`: `disable` (`false`, the hosts in order) or
/// `random` (`true`, shuffled).
pub(crate) fn parse_load_balance(text: &str) -> Option<bool> {
    match text {
        "disable" => Some(false),
        "random" => Some(true),
        _ => None,
    }
}

/// What the URL says; `None` where it says nothing (the environment and the
/// defaults fill those in: see `super::resolve`).
#[derive(Debug, Default, Clone)]
pub(crate) struct UriParams {
    pub user: Option<String>,
    /// `user:password@` or `?password=`. `SecretString`'s `Debug` hides it.
    pub password: Option<SecretString>,
    /// Host names, IP addresses, or (starting with `/`) socket directories,
    /// tried in order (libpq's list: `db1,db2`); empty when none is given.
    pub hosts: Vec<String>,
    /// One port for every host, or one per host (`None`: the default, 5432);
    /// empty when none is given.
    pub ports: Vec<Option<u16>>,
    pub dbname: Option<String>,
    pub sslmode: Option<SslMode>,
    pub sslrootcert: Option<String>,
    pub options: Option<String>,
    /// `Duration::ZERO`: wait without limit (libpq's `connect_timeout=0`).
    pub connect_timeout: Option<Duration>,
    pub application_name: Option<String>,
    pub passfile: Option<PathBuf>,
    pub target_session_attrs: Option<SessionAttrs>,
    /// `load_balance_hosts=random`.
    pub load_balance_hosts: Option<bool>,
}

/// Why a URL cannot be used, and whether the URL may still be shown (its
/// authority was understood, so its password is known and can be hidden).
#[derive(Debug)]
pub(crate) struct UriError {
    pub reason: String,
    pub authority_understood: bool,
    /// What was read before the error, rendered as [`UriParams::shown`], when
    /// the authority was understood; else `None` (nothing of the URL is shown).
    pub shown: Option<String>,
}

/// libpq parameters that userdb understands but does not take in a URL, with what
/// to do instead; any other name is unknown.
const UNSUPPORTED: &[(&str, &str)] = &[
    ("hostaddr", "name the server in the host part"),
    ("sslcert", "client certificates are not supported"),
    ("sslkey", "client certificates are not supported"),
    ("sslpassword", "client certificates are not supported"),
    ("sslcertmode", "client certificates are not supported"),
    ("sslcrl", "certificate revocation lists are not supported"),
    (
        "sslcrldir",
        "certificate revocation lists are not supported",
    ),
    (
        "sslnegotiation",
        "only the standard TLS negotiation is supported",
    ),
    ("sslsni", "the host name is always sent"),
    ("sslcompression", "TLS compression is not supported"),
    ("ssl_min_protocol_version", "rustls speaks TLS 1.2 and 1.3"),
    ("ssl_max_protocol_version", "rustls speaks TLS 1.2 and 1.3"),
    ("gssencmode", "GSSAPI is not supported"),
    ("gsslib", "GSSAPI is not supported"),
    ("krbsrvname", "GSSAPI is not supported"),
    ("gssdelegation", "GSSAPI is not supported"),
    (
        "require_auth",
        "the server's pg_hba.conf decides the method",
    ),
    ("channel_binding", "it is used when the server offers it"),
    ("requirepeer", "connect over TCP or leave it out"),
    ("service", "write the parameters into the URL"),
    ("client_encoding", "userdb always speaks UTF8"),
    ("replication", "userdb is not a replication client"),
    ("fallback_application_name", "use application_name"),
    ("keepalives", "userdb keeps the defaults"),
    ("keepalives_idle", "userdb keeps the defaults"),
    ("keepalives_interval", "userdb keeps the defaults"),
    ("keepalives_count", "userdb keeps the defaults"),
    ("tcp_user_timeout", "use connect_timeout"),
];

fn error(reason: impl Into<String>, authority_understood: bool) -> UriError {
    UriError {
        reason: reason.into(),
        authority_understood,
        shown: None,
    }
}

/// The length of the scheme and `://`, when `url` is a PostgreSQL URI.
pub(crate) fn scheme_len(url: &str) -> Option<usize> {
    ["postgresql://", "postgres://"].iter().find_map(|prefix| {
        url.get(..prefix.len())
            .filter(|head| head.eq_ignore_ascii_case(prefix))
            .map(|_| prefix.len())
    })
}

pub(crate) fn parse(url: &str) -> Result<UriParams, UriError> {
    let mut params = UriParams::default();
    match parse_into(url, &mut params) {
        Ok(()) => Ok(params),
        Err(mut err) => {
            if err.authority_understood {
                err.shown = Some(params.shown(&url[..scheme_len(url).unwrap_or(0)]));
            }
            Err(err)
        }
    }
}

/// The URL as every message, `config`, `doctor` and `copy` show it. It is
/// rebuilt from what [`parse`] read, never cut out of the text, so nothing the
/// connector takes as the password can be in it, however the URL spells it (a
/// raw `?`, `@`, `/` or `#` in `user:password@`, `?password=`, `?%70assword=`,
/// a repeated key). A URL whose authority cannot be read is not shown at all.
pub(crate) fn describe(url: &str) -> String {
    match parse(url) {
        Ok(params) => params.shown(&url[..scheme_len(url).unwrap_or(0)]),
        Err(err) => err.shown.unwrap_or_else(|| hidden(url)),
    }
}

/// A malformed URL: only its scheme is shown, since where its password ends is
/// not known.
pub(crate) fn hidden(url: &str) -> String {
    let scheme = &url[..scheme_len(url).unwrap_or(0)];
    format!("{scheme}… (the URL is malformed and not shown: it may hold a password)")
}

impl UriParams {
    /// These settings as a URL that [`parse`] reads back to the same settings,
    /// its password (if any) written `(redacted)`. `scheme` is the URL's own
    /// (`postgres://` as typed).
    pub(crate) fn shown(&self, scheme: &str) -> String {
        let mut out = scheme.to_string();
        if self.user.is_some() || self.password.is_some() {
            if let Some(user) = &self.user {
                out.push_str(&encode(user, ""));
            }
            if self.password.is_some() {
                out.push_str(":(redacted)");
            }
            out.push('@');
        }
        // One TCP host, or several each with its own port (or one port for
        // all), go in the authority as typed; sockets, and a port list that
        // does not pair with the hosts, go in the query (`host=`, `port=`).
        let sockets = self.hosts.iter().any(|h| h.starts_with('/'));
        let paired = self.ports.len() == self.hosts.len()
            || (self.hosts.len() <= 1 && self.ports.len() <= 1);
        let in_authority = !sockets && paired;
        let port_text = |port: &Option<u16>| port.map(|p| p.to_string()).unwrap_or_default();
        if in_authority {
            let mut ports = self.ports.iter();
            let entries: Vec<String> = if self.hosts.is_empty() {
                // `postgres://:5433/db`: a port and no host.
                vec![String::new()]
            } else {
                self.hosts
                    .iter()
                    .map(|host| {
                        if host.contains(':') {
                            format!("[{}]", encode(host, ":"))
                        } else {
                            encode(host, "")
                        }
                    })
                    .collect()
            };
            let entries: Vec<String> = entries
                .into_iter()
                .map(|host| match ports.next() {
                    Some(Some(port)) => format!("{host}:{port}"),
                    _ => host,
                })
                .collect();
            out.push_str(&entries.join(","));
        }
        let (host_query, port_query) = if in_authority {
            (None, None)
        } else {
            let hosts: Vec<String> = self.hosts.iter().map(|h| encode(h, "/:")).collect();
            let ports: Vec<String> = self.ports.iter().map(port_text).collect();
            (
                (!hosts.is_empty()).then(|| hosts.join(",")),
                (!ports.is_empty()).then(|| ports.join(",")),
            )
        };
        if let Some(dbname) = &self.dbname {
            out.push('/');
            out.push_str(&encode(dbname, ""));
        }
        let timeout = self.connect_timeout.map(|t| t.as_secs().to_string());
        let encoded = |value: Option<&str>| value.map(|v| encode(v, "/:"));
        let query: Vec<String> = [
            ("host", host_query),
            ("port", port_query),
            ("sslmode", encoded(self.sslmode.map(SslMode::as_str))),
            ("sslrootcert", encoded(self.sslrootcert.as_deref())),
            ("options", encoded(self.options.as_deref())),
            ("connect_timeout", encoded(timeout.as_deref())),
            (
                "application_name",
                encoded(self.application_name.as_deref()),
            ),
            (
                "passfile",
                encoded(self.passfile.as_deref().and_then(|p| p.to_str())),
            ),
            (
                "target_session_attrs",
                encoded(self.target_session_attrs.map(SessionAttrs::as_str)),
            ),
            (
                "load_balance_hosts",
                encoded(
                    self.load_balance_hosts
                        .map(|random| if random { "random" } else { "disable" }),
                ),
            ),
        ]
        .into_iter()
        .filter_map(|(key, value)| Some(format!("{key}={}", value?)))
        .collect();
        if !query.is_empty() {
            out.push('?');
            out.push_str(&query.join("&"));
        }
        out
    }
}

/// Percent-encodes every ASCII character but letters, digits, `-._~` and
/// `also`, and every control character; other characters are kept as they are
/// (`decode` reads them back).
fn encode(text: &str, also: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if (!c.is_ascii() && !c.is_control())
            || c.is_ascii_alphanumeric()
            || "-._~".contains(c)
            || also.contains(c)
        {
            out.push(c);
        } else {
            // Each UTF-8 byte, so that `decode` reads the same text back.
            let mut buf = [0; 4];
            for byte in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{byte:02X}"));
            }
        }
    }
    out
}

fn parse_into(url: &str, params: &mut UriParams) -> Result<(), UriError> {
    let start = scheme_len(url).ok_or_else(|| {
        error(
            "not a PostgreSQL URL: it must start with postgres:// or postgresql://",
            false,
        )
    })?;
    let rest = &url[start..];

    // libpq: user credentials end at the first '@' met before any '/'.
    let mut p = rest;
    let at_or_slash = rest.find(['@', '/']);
    if let Some(i) = at_or_slash.filter(|&i| rest.as_bytes()[i] == b'@') {
        let userinfo = &rest[..i];
        let (user, password) = match userinfo.split_once(':') {
            Some((user, password)) => (user, Some(password)),
            None => (userinfo, None),
        };
        if !user.is_empty() {
            params.user = Some(decode(user, "the user name", false)?);
        }
        if let Some(password) = password.filter(|p| !p.is_empty()) {
            params.password = Some(SecretString::from(decode(password, "the password", false)?));
        }
        p = &rest[i + 1..];
    }
    // A raw '@' left before the query is a user name or password with an
    // unencoded '/' or '@' (libpq would read part of it as the host, port or
    // database, and show it there): refused, saying how to write it.
    if p[..p.find('?').unwrap_or(p.len())].contains('@') {
        return Err(error(
            "the URL holds an \"@\" after the host: a password (or user name) with special \
             characters must be percent-encoded (@ as %40, / as %2F, : as %3A, ? as %3F, \
             # as %23, % as %25), or given in PGPASSWORD instead of the URL",
            false,
        ));
    }

    // Hosts and ports, `host[:port]` separated by ',', up to '/', '?' or the end.
    // (IPv6 addresses in `[…]` hold neither '/' nor '?'.)
    let (authority, mut q) = p.split_at(p.find(['/', '?']).unwrap_or(p.len()));
    let mut entries = Vec::new();
    let mut rest_entries = authority;
    loop {
        let (entry, more) = split_entry(rest_entries)?;
        entries.push(entry);
        match more {
            Some(more) => rest_entries = more,
            None => break,
        }
    }
    if entries.len() > 1 || !entries[0].0.is_empty() {
        let several = entries.len() > 1;
        for (host, _) in &entries {
            if host.is_empty() && several {
                return Err(error(
                    "a host in the list of several is empty: name each server (db1:5432,db2:5432)",
                    false,
                ));
            }
            if !host.is_empty() {
                params.hosts.push(decode(host, "the host", false)?);
            }
        }
    }
    if entries.iter().any(|(_, port)| port.is_some()) {
        for (_, port) in &entries {
            let port = match port.filter(|p| !p.is_empty()) {
                Some(port) => Some(parse_port(&decode(port, "the port", false)?, false)?),
                None => None,
            };
            params.ports.push(port);
        }
    }
    // The database name, up to '?'.
    if let Some(path) = q.strip_prefix('/') {
        let end = path.find('?').unwrap_or(path.len());
        if end > 0 {
            params.dbname = Some(decode(&path[..end], "the database name", true)?);
        }
        q = &path[end..];
    }
    if let Some(query) = q.strip_prefix('?') {
        parse_query(query, params)?;
    }
    Ok(())
}

/// One `host[:port]` of the authority, as written (the port `None` when there
/// is no `:`).
type Entry<'a> = (&'a str, Option<&'a str>);

/// One `host[:port]` of the authority (an IPv6 address in `[…]`), and what
/// follows its `,` if one does.
fn split_entry(text: &str) -> Result<(Entry<'_>, Option<&str>), UriError> {
    let (host, after) = if let Some(inner) = text.strip_prefix('[') {
        let close = inner.find(']').ok_or_else(|| {
            error(
                "an IPv6 address opened with \"[\" is not closed with \"]\"",
                false,
            )
        })?;
        if close == 0 {
            return Err(error("the IPv6 address between [ and ] is empty", false));
        }
        let after = &inner[close + 1..];
        if !(after.is_empty() || after.starts_with([':', ','])) {
            return Err(error(
                "an IPv6 address in [ ] must be followed by :port, /dbname or ?parameters",
                false,
            ));
        }
        (&inner[..close], after)
    } else {
        let end = text.find([':', ',']).unwrap_or(text.len());
        (&text[..end], &text[end..])
    };
    let (port, after) = match after.strip_prefix(':') {
        Some(port_and_rest) => {
            let end = port_and_rest.find(',').unwrap_or(port_and_rest.len());
            (Some(&port_and_rest[..end]), &port_and_rest[end..])
        }
        None => (None, after),
    };
    Ok(((host, port), after.strip_prefix(',')))
}

fn parse_port(text: &str, understood: bool) -> Result<u16, UriError> {
    match text.parse::<u16>() {
        Ok(port) if port > 0 => Ok(port),
        _ => Err(error(
            "the port is not a number from 1 to 65535",
            understood,
        )),
    }
}

fn parse_query(query: &str, params: &mut UriParams) -> Result<(), UriError> {
    for pair in query.split('&').filter(|pair| !pair.is_empty()) {
        let Some((key, value)) = pair.split_once('=') else {
            return Err(error(
                "a URL parameter has no \"=\" between its name and its value",
                true,
            ));
        };
        let key = decode(key, "a parameter name", true)?;
        let value = decode(value, &format!("the value of `{key}`"), true)?;
        let value = (!value.is_empty()).then_some(value);
        match key.as_str() {
            "user" => params.user = value,
            "password" => params.password = value.map(SecretString::from),
            "host" => params.hosts = split_hosts(value.as_deref()).map_err(|e| error(e, true))?,
            "port" => params.ports = parse_ports(value.as_deref(), true)?,
            "dbname" => params.dbname = value,
            "sslmode" => {
                params.sslmode = value
                    .map(|v| {
                        SslMode::parse(&v).ok_or_else(|| {
                            error(
                                "sslmode must be one of disable, allow, prefer, require, \
                                 verify-ca, verify-full",
                                true,
                            )
                        })
                    })
                    .transpose()?;
            }
            "sslrootcert" => params.sslrootcert = value,
            "options" => params.options = value,
            "application_name" => params.application_name = value,
            "passfile" => params.passfile = value.map(PathBuf::from),
            "connect_timeout" => {
                params.connect_timeout = value
                    .map(|v| {
                        parse_timeout(&v).ok_or_else(|| {
                            error("connect_timeout must be a whole number of seconds", true)
                        })
                    })
                    .transpose()?;
            }
            "target_session_attrs" => {
                params.target_session_attrs = value
                    .map(|v| {
                        SessionAttrs::parse(&v).ok_or_else(|| {
                            error(
                                format!(
                                    "target_session_attrs must be one of {}",
                                    SessionAttrs::NAMES
                                ),
                                true,
                            )
                        })
                    })
                    .transpose()?;
            }
            "load_balance_hosts" => {
                params.load_balance_hosts = value
                    .map(|v| {
                        parse_load_balance(&v).ok_or_else(|| {
                            error("load_balance_hosts must be disable or random", true)
                        })
                    })
                    .transpose()?;
            }
            other => {
                let reason = match UNSUPPORTED.iter().find(|(name, _)| *name == other) {
                    Some((name, instead)) => {
                        format!("the URL parameter `{name}` is not supported by userdb: {instead}")
                    }
                    None => format!(
                        "the URL parameter `{}` is unknown; userdb takes user, password, host, \
                         port, dbname, sslmode, sslrootcert, options, connect_timeout, \
                         application_name, passfile, target_session_attrs and \
                         load_balance_hosts",
                        crate::terminal_text::escape(other)
                    ),
                };
                return Err(error(reason, true));
            }
        }
    }
    Ok(())
}

/// A list of hosts (`host=` or `PGHOST`): `db1,db2`; `None` or empty, none.
pub(crate) fn split_hosts(text: Option<&str>) -> Result<Vec<String>, String> {
    let Some(text) = text.filter(|t| !t.is_empty()) else {
        return Ok(Vec::new());
    };
    let hosts: Vec<String> = text.split(',').map(str::to_string).collect();
    if hosts.len() > 1 && hosts.iter().any(String::is_empty) {
        return Err(
            "a host in the list of several is empty: name each server (db1,db2)".to_string(),
        );
    }
    Ok(hosts)
}

/// A list of ports (`port=` or `PGPORT`): `5432,5433`, an empty entry meaning
/// the default; `None` or empty, none.
pub(crate) fn parse_ports(
    text: Option<&str>,
    understood: bool,
) -> Result<Vec<Option<u16>>, UriError> {
    let Some(text) = text.filter(|t| !t.is_empty()) else {
        return Ok(Vec::new());
    };
    text.split(',')
        .map(|port| {
            if port.is_empty() {
                Ok(None)
            } else {
                parse_port(port.trim(), understood).map(Some)
            }
        })
        .collect()
}

/// libpq's `connect_timeout`: seconds, 0 (or less) for no limit, and at least 2.
fn parse_timeout(text: &str) -> Option<Duration> {
    let seconds: i64 = text.trim().parse().ok()?;
    Some(match seconds {
        ..=0 => Duration::ZERO,
        1 => Duration::from_secs(2),
        n => Duration::from_secs(n as u64),
    })
}

/// Percent-decoding as libpq does it: `%` and two hex digits, never `%00` (nor
/// a raw NUL); `+` stays a plus. The result must be UTF-8.
fn decode(text: &str, what: &str, understood: bool) -> Result<String, UriError> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .filter(|_| bytes[i + 1].is_ascii_hexdigit() && bytes[i + 2].is_ascii_hexdigit());
            match hex {
                Some(0) => {
                    return Err(error(
                        format!("{what} holds %00, which is not allowed"),
                        understood,
                    ));
                }
                Some(byte) => out.push(byte),
                None => {
                    return Err(error(
                        format!("{what} holds a % that is not followed by two hex digits"),
                        understood,
                    ));
                }
            }
            i += 3;
        } else if bytes[i] == 0 {
            // libpq's strings end at a NUL: one in the text is never a value.
            return Err(error(format!("{what} holds a NUL character"), understood));
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| {
        error(
            format!("{what} is not UTF-8 once percent-decoded"),
            understood,
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    fn ok(url: &str) -> UriParams {
        parse(url).unwrap_or_else(|e| panic!("{url}: {e:?}"))
    }

    #[test]
    fn every_part_of_a_uri_is_read() {
        let p = ok(
            "postgresql://app:s3cr%40t@db.example.com:6432/users?sslmode=verify-ca&sslrootcert=/etc/ca.pem&application_name=svc&connect_timeout=7&options=-csearch_path%3Dmyschema",
        );
        assert_eq!(p.user.as_deref(), Some("app"));
        assert_eq!(p.password.as_ref().unwrap().expose_secret(), "s3cr@t");
        assert_eq!(p.hosts, ["db.example.com"]);
        assert_eq!(p.ports, [Some(6432)]);
        assert_eq!(p.dbname.as_deref(), Some("users"));
        assert_eq!(p.sslmode, Some(SslMode::VerifyCa));
        assert_eq!(p.sslrootcert.as_deref(), Some("/etc/ca.pem"));
        assert_eq!(p.application_name.as_deref(), Some("svc"));
        assert_eq!(p.connect_timeout, Some(Duration::from_secs(7)));
        assert_eq!(p.options.as_deref(), Some("-csearch_path=myschema"));
        // The password never shows in Debug.
        assert!(!format!("{p:?}").contains("s3cr"), "{p:?}");
    }

    #[test]
    fn short_forms_leave_the_rest_to_defaults() {
        let p = ok("postgres://");
        assert!(p.user.is_none() && p.hosts.is_empty() && p.ports.is_empty() && p.dbname.is_none());
        let p = ok("postgres:///users");
        assert_eq!((p.hosts.len(), p.dbname.as_deref()), (0, Some("users")));
        let p = ok("POSTGRES://db");
        assert_eq!(p.hosts, ["db"]);
        let p = ok("postgres://app@db");
        assert_eq!(
            (p.user.as_deref(), p.password.is_none()),
            (Some("app"), true)
        );
        let p = ok("postgres://db:5433?sslmode=disable");
        assert_eq!(
            (p.ports, p.sslmode),
            (vec![Some(5433)], Some(SslMode::Disable))
        );
        let p = ok("postgres://db/?dbname=other");
        assert_eq!(p.dbname.as_deref(), Some("other"));
    }

    #[test]
    fn sockets_ipv6_and_query_overrides() {
        let p = ok("postgres://%2Fvar%2Frun%2Fpostgresql/users");
        assert_eq!(p.hosts, ["/var/run/postgresql"]);
        let p = ok("postgres:///users?host=/var/run/postgresql&port=5433");
        assert_eq!(p.hosts, ["/var/run/postgresql"]);
        assert_eq!(p.ports, [Some(5433)]);
        let p = ok("postgres://[::1]:5433/users");
        assert_eq!(
            (p.hosts, p.ports),
            (vec!["::1".to_string()], vec![Some(5433)])
        );
        let p = ok("postgres://u:a%40b@db/x?user=v&password=q");
        assert_eq!(p.user.as_deref(), Some("v"));
        assert_eq!(p.password.unwrap().expose_secret(), "q");
        // libpq's reading: the first ':' of the credentials ends the user.
        let p = ok("postgres://u:p:q@db/x");
        assert_eq!(p.password.unwrap().expose_secret(), "p:q");
        let p = ok("postgres://db/x?options=-csearch_path=plain");
        assert_eq!(p.options.as_deref(), Some("-csearch_path=plain"));
        assert_eq!(
            ok("postgres://db/x?connect_timeout=0").connect_timeout,
            Some(Duration::ZERO)
        );
        assert_eq!(
            ok("postgres://db/x?connect_timeout=1").connect_timeout,
            Some(Duration::from_secs(2))
        );
    }

    #[test]
    fn bad_urls_are_refused_without_quoting_them() {
        for (url, words, understood) in [
            ("mysql://db/x", "postgres://", false),
            ("postgres://db:54x2/users", "port", false),
            ("postgres://db:0/users", "port", false),
            // A password with an unencoded '/': libpq reads `u:p` as host and
            // port; the message must not show `Zq9`.
            ("postgres://u:Zq9/ss@db/users", "percent-encoded", false),
            ("postgres://u:123/Zq9@db/users", "PGPASSWORD", false),
            ("postgres://u:p@Zq9@db/users", "%40", false),
            ("postgres://[::1/users", "IPv6", false),
            ("postgres://a,,b/users", "is empty", false),
            ("postgres://a:1,b:x/users", "port", false),
            ("postgres://u:Zq9%zzss@db/users", "two hex digits", false),
            (
                "postgres://db/users?foo=secretvalue",
                "`foo` is unknown",
                true,
            ),
            (
                "postgres://db/users?sslcert=/x",
                "`sslcert` is not supported",
                true,
            ),
            (
                "postgres://db/users?sslmode=verify",
                "sslmode must be one of",
                true,
            ),
            (
                "postgres://db/users?connect_timeout=soon",
                "connect_timeout",
                true,
            ),
            ("postgres://db/users?novalue", "no \"=\"", true),
            ("postgres://db/users?port=99999", "port", true),
            ("postgres://db/users?host=a,,b", "is empty", true),
            ("postgres://db/users?port=1,x", "port", true),
            (
                "postgres://db/users?target_session_attrs=primary-ish",
                "target_session_attrs must be one of",
                true,
            ),
            (
                "postgres://db/users?load_balance_hosts=yes",
                "load_balance_hosts",
                true,
            ),
            ("postgres://db/us%00ers", "%00", true),
            // Found by the postgres_url fuzz target: shown, it read back as %00.
            ("postgres://db/us\0ers", "NUL", true),
            ("postgres://u\0@db/users", "NUL", false),
        ] {
            let err = parse(url).map(|_| ()).unwrap_err();
            assert!(err.reason.contains(words), "{url}: {err:?}");
            assert_eq!(err.authority_understood, understood, "{url}: {err:?}");
            for secret in ["Zq9", "secretvalue", "54x2"] {
                assert!(!err.reason.contains(secret), "{url}: {err:?}");
            }
        }
    }

    #[test]
    fn what_is_shown_reads_back_to_the_same_settings() {
        for url in [
            "postgres://a%40b:pw@[::1]:5433/d%2Fb?sslmode=require&options=-c%20x%3Dy",
            "postgres:///users?host=/var/run/postgresql&application_name=%C2%85%E2%80%A8",
            "postgres://u@h/db?passfile=/tmp/a%26b&connect_timeout=1",
            "postgres://db1:5432,[::1]:5433,db3/users?target_session_attrs=read-write",
            "postgres://db1,db2:5433/users?load_balance_hosts=random",
            "postgres:///users?host=db1,/run/pg&port=5432,5433",
            "postgres:///users?host=db1,db2&port=6432",
        ] {
            let params = ok(url);
            let shown = describe(url);
            let back = ok(&shown);
            assert_eq!(
                (back.user, back.hosts, back.ports, back.dbname),
                (params.user, params.hosts, params.ports, params.dbname),
                "{shown}"
            );
            assert_eq!(back.options, params.options, "{shown}");
            assert_eq!(back.application_name, params.application_name, "{shown}");
            assert_eq!(back.passfile, params.passfile, "{shown}");
            assert_eq!(back.connect_timeout, params.connect_timeout, "{shown}");
            assert_eq!(
                (back.target_session_attrs, back.load_balance_hosts),
                (params.target_session_attrs, params.load_balance_hosts),
                "{shown}"
            );
        }
    }

    #[test]
    fn several_hosts_are_read_as_libpq_reads_them() {
        // In the authority, each host with its own port (or none: the default).
        let p = ok("postgres://db1:5432,db2:5433/users?target_session_attrs=read-write");
        assert_eq!(p.hosts, ["db1", "db2"]);
        assert_eq!(p.ports, [Some(5432), Some(5433)]);
        assert_eq!(p.target_session_attrs, Some(SessionAttrs::ReadWrite));
        let p = ok("postgres://u:pw@db1,[::1]:6000,db3/users");
        assert_eq!(p.hosts, ["db1", "::1", "db3"]);
        assert_eq!(p.ports, [None, Some(6000), None]);
        // In the query: lists, the port list paired with the hosts or one for all.
        let p = ok("postgres:///users?host=db1,db2&port=5432,5433&load_balance_hosts=random");
        assert_eq!(p.hosts, ["db1", "db2"]);
        assert_eq!(p.ports, [Some(5432), Some(5433)]);
        assert_eq!(p.load_balance_hosts, Some(true));
        let p = ok("postgres://ignored/users?host=db1,db2&port=6432");
        assert_eq!((p.hosts.len(), p.ports.as_slice()), (2, &[Some(6432)][..]));
        for name in SessionAttrs::NAMES.split(", ") {
            assert_eq!(SessionAttrs::parse(name).unwrap().as_str(), name);
        }
        // What is shown keeps every host and never the password.
        let shown = describe("postgres://u:Zq9pw@db1:5432,db2:5433/users");
        assert_eq!(shown, "postgres://u:(redacted)@db1:5432,db2:5433/users");
    }

    #[test]
    fn sslmode_names_round_trip() {
        for name in [
            "disable",
            "allow",
            "prefer",
            "require",
            "verify-ca",
            "verify-full",
        ] {
            assert_eq!(SslMode::parse(name).unwrap().as_str(), name);
        }
        assert_eq!(SslMode::parse("VERIFY-FULL"), None);
    }
}
