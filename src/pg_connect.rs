//! One connection to the PostgreSQL server a libpq URI names, made the way
//! `psql` would make it, in Rust (no libpq): the URI is parsed as libpq parses it
//! (see `uri`), the password found where libpq looks, TLS is rustls over ring,
//! and every failure is one line ([`Error::Connect`], exit 7) that names the
//! server without its password and says what to do.
//!
//! # Several servers
//!
//! As in libpq: `db1:5432,db2:5433` in the URL, `host=db1,db2&port=5432,5433`
//! in its query, or `PGHOST`/`PGPORT` lists (one port for every host, or one
//! per host). Each server is planned on its own (its password file line, its
//! default `sslmode`), tried in order (`load_balance_hosts=random` shuffles
//! them) within its own `connect_timeout`, and asked after connecting whether
//! it is a standby (`pg_is_in_recovery()`) and read-only
//! (`transaction_read_only`): `target_session_attrs` (or
//! `PGTARGETSESSIONATTRS`) keeps the first that fits, libpq 14's six values
//! (`prefer-standby` falls back to the first that answered). When none fits,
//! the error names every server tried and what it was.
//!
//! # What fills in what the URL leaves out
//!
//! Parameters in the URL win. For the rest, libpq's environment variables are
//! read, as `psql` reads them (an empty one counts as unset): `PGHOST`,
//! `PGPORT`, `PGDATABASE`, `PGUSER`, `PGPASSWORD`, `PGPASSFILE`, `PGSSLMODE`,
//! `PGSSLROOTCERT`, `PGTARGETSESSIONATTRS` and `PGLOADBALANCEHOSTS`; no other. Then the defaults: the socket directory
//! `/var/run/postgresql` (Debian's, where libpq of most Linux packages looks),
//! port 5432, the OS account's name as the user, the user's name as the
//! database, `application_name=userdb`, and the `connect_timeout` the caller
//! gives (libpq's `connect_timeout` in the URL wins; 0 waits without limit). The
//! timeout bounds the whole connection, TLS and authentication included, not
//! only the TCP connect.
//!
//! # Passwords
//!
//! Tried in libpq's order, the first one given wins: the URL's
//! (`user:password@` or `?password=`), `PGPASSWORD`, the file `[database]
//! password_file` names (its first line; refused unless private to this
//! account, as every secret file userdb reads: see
//! [`crate::private_file`]), then libpq's password file
//! (`?passfile=`, else `PGPASSFILE`, else `~/.pgpass`; see `passfile`). A
//! password file that group or others can access is **skipped**, as libpq
//! skips it, but without libpq's warning on stderr (a library prints nothing):
//! its reason is told in the error only if the server then asks for a password
//! none of the other sources gave, which is when it matters.
//!
//! # TLS
//!
//! `sslmode` as libpq's, with one safer default. When neither the URL nor
//! `PGSSLMODE` sets it, a server on this machine (a Unix socket, `localhost` or a
//! loopback address) is `prefer` (TLS if the server offers it, no certificate
//! check: nothing between to attack), and **any other host is `verify-full`**
//! (TLS required, the certificate checked against the trusted CAs and the host
//! name), where libpq's `prefer` would send the password in the clear to
//! whoever answers. Write `sslmode=prefer` or `disable` to opt out.
//!
//! - `disable`: no TLS. `allow` and `prefer`: TLS when the server offers it, else
//!   plain (libpq's `allow` tries plain first; here it is `prefer`). `require`:
//!   TLS or fail. These three check no certificate, unless a root file is given
//!   (`sslrootcert=PATH`, `PGSSLROOTCERT`, or libpq's `~/.postgresql/root.crt`
//!   when it exists): then they check the chain, as `verify-ca` (libpq does the
//!   same).
//! - `verify-ca`: the chain up to a root of the root file, not the name; it needs
//!   a root file (against the public CAs of the system store it would prove
//!   nothing).
//! - `verify-full`: the chain and the host name, against the root file if any,
//!   else the system trust store (libpq would need a root file;
//!   `sslrootcert=system` asks for the store, and then, as in libpq 16, only
//!   `verify-full` is accepted).
//! - A Unix socket never uses TLS (PostgreSQL offers none there), whatever
//!   `sslmode` says, as in libpq.
//!
//! # Server version
//!
//! PostgreSQL 13 or newer ([`MIN_SERVER_VERSION`]); an older server is refused
//! right after connecting, by its `server_version_num`.

mod passfile;
mod tls;
mod uri;

use std::ffi::CStr;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use postgres::error::SqlState;
use secrecy::{ExposeSecret, SecretString};
use tokio_postgres_rustls::MakeRustlsConnect;

use self::uri::{SessionAttrs, SslMode, UriParams};
use crate::error::{Error, Result};

/// The oldest PostgreSQL userdb connects to, as `server_version_num`.
pub(crate) const MIN_SERVER_VERSION: u32 = 130000;

/// Where the password may come from besides the URL.
pub(crate) struct ConnectOptions<'a> {
    /// `[database] password_file`: its first line is the password.
    pub password_file: Option<&'a Path>,
    /// How long the whole connection may take; `Duration::ZERO` waits without
    /// limit. The URL's `connect_timeout` wins.
    pub connect_timeout: Duration,
}

/// Opens one connection to a server the libpq URI names: the first of its hosts
/// (in order, or shuffled with `load_balance_hosts=random`) that answers and
/// fits `target_session_attrs`. Errors name the server by
/// `Target::describe()`-style redacted URL, and every host tried.
pub(crate) fn connect(url: &str, options: &ConnectOptions) -> Result<Connection> {
    Hosts::new(url, options, &Environment::process())?.open()
}

/// An open connection, and what the server said of itself on connecting.
pub(crate) struct Connection {
    pub client: postgres::Client,
    pub session: Session,
}

/// Whether the server was a standby, and read-only, when the connection opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Session {
    /// `pg_is_in_recovery()`: a standby (hot or promoting).
    pub in_recovery: bool,
    /// `transaction_read_only`: a standby, or `default_transaction_read_only`.
    pub read_only: bool,
}

impl SessionAttrs {
    /// Whether a server in this state is one these attributes ask for (libpq
    /// 14's rules; `prefer-standby` asks for a standby first).
    fn accepts(self, session: Session) -> bool {
        match self {
            SessionAttrs::Any => true,
            SessionAttrs::ReadWrite => !session.read_only,
            SessionAttrs::ReadOnly => session.read_only,
            SessionAttrs::Primary => !session.in_recovery,
            SessionAttrs::Standby | SessionAttrs::PreferStandby => session.in_recovery,
        }
    }

    /// What was asked for, for the error when no server fits.
    fn wanted(self) -> &'static str {
        match self {
            SessionAttrs::Any | SessionAttrs::PreferStandby => "answered",
            SessionAttrs::ReadWrite => "accepts writes",
            SessionAttrs::ReadOnly => "is read-only",
            SessionAttrs::Primary => "is a primary",
            SessionAttrs::Standby => "is a standby",
        }
    }
}

impl Session {
    fn describe(self) -> &'static str {
        match (self.in_recovery, self.read_only) {
            (true, _) => "a read-only standby",
            (false, true) => "a read-only primary (default_transaction_read_only is on)",
            (false, false) => "a primary that accepts writes",
        }
    }
}

/// The servers a URL names, each planned on its own (its password file line
/// and default `sslmode` depend on the host), and how to choose among them.
struct Hosts {
    target: String,
    plans: Vec<Plan>,
    attrs: SessionAttrs,
    random: bool,
}

impl Hosts {
    fn new(url: &str, options: &ConnectOptions, env: &Environment) -> Result<Hosts> {
        let params = uri::parse(url).map_err(|e| Error::Connect {
            target: e.shown.unwrap_or_else(|| uri::hidden(url)),
            reason: e.reason,
        })?;
        // Shown from what was parsed, so never the password (see `uri::describe`).
        let target = params.shown(&url[..uri::scheme_len(url).unwrap_or(0)]);
        let fail = |e: Resolve| match e {
            Resolve::Reason(reason) => Error::Connect {
                target: target.clone(),
                reason,
            },
            Resolve::Error(e) => e,
        };
        let attrs = match (params.target_session_attrs, env.var("PGTARGETSESSIONATTRS")) {
            (Some(attrs), _) => attrs,
            (None, Some(text)) => SessionAttrs::parse(&text).ok_or_else(|| {
                fail(Resolve::Reason(format!(
                    "PGTARGETSESSIONATTRS must be one of {}",
                    SessionAttrs::NAMES
                )))
            })?,
            (None, None) => SessionAttrs::Any,
        };
        let random = match (params.load_balance_hosts, env.var("PGLOADBALANCEHOSTS")) {
            (Some(random), _) => random,
            (None, Some(text)) => uri::parse_load_balance(&text).ok_or_else(|| {
                fail(Resolve::Reason(
                    "PGLOADBALANCEHOSTS must be disable or random".into(),
                ))
            })?,
            (None, None) => false,
        };
        let plans = endpoints(&params, env)
            .and_then(|endpoints| {
                endpoints
                    .into_iter()
                    .map(|(host, port)| {
                        Plan::resolve(params.clone(), options, env, target.clone(), host, port)
                    })
                    .collect::<std::result::Result<Vec<Plan>, Resolve>>()
            })
            .map_err(fail)?;
        Ok(Hosts {
            target,
            plans,
            attrs,
            random,
        })
    }

    /// Tries the hosts in turn (libpq's order: as listed, or shuffled), each
    /// within its own `connect_timeout`, and keeps the first that fits.
    fn open(self) -> Result<Connection> {
        let mut order: Vec<&Plan> = self.plans.iter().collect();
        if self.random {
            use rand::seq::SliceRandom;
            order.shuffle(&mut rand::rng());
        }
        let several = order.len() > 1;
        let mut tried = Vec::new();
        let mut fallback = None;
        for plan in order {
            match plan.open() {
                Ok(connection) if self.attrs.accepts(connection.session) => {
                    return Ok(connection);
                }
                Ok(connection) => {
                    tried.push(format!(
                        "{} is {}",
                        plan.endpoint(),
                        connection.session.describe()
                    ));
                    // prefer-standby: a primary if no standby answers.
                    if self.attrs == SessionAttrs::PreferStandby && fallback.is_none() {
                        fallback = Some(connection);
                    }
                }
                // One server: its own error, as it was.
                Err(e) if !several => return Err(e),
                Err(Error::Connect { reason, .. }) => {
                    let endpoint = plan.endpoint();
                    tried.push(if reason.contains(&endpoint) {
                        reason
                    } else {
                        format!("{endpoint}: {reason}")
                    });
                }
                Err(other) => return Err(other),
            }
        }
        if let Some(connection) = fallback {
            return Ok(connection);
        }
        let asked = match self.attrs {
            SessionAttrs::Any => String::new(),
            attrs => format!(" (target_session_attrs={})", attrs.as_str()),
        };
        let count = if several {
            format!("none of the {} servers named", self.plans.len())
        } else {
            "the server named".to_string()
        };
        let reason = format!(
            "{count} {}{asked}: {}",
            if several {
                self.attrs.wanted()
            } else {
                "is not one that fits"
            },
            tried.join("; ")
        );
        let scrub = self.plans.first().map(|plan| plan.fail(reason.clone()));
        Err(scrub.unwrap_or(Error::Connect {
            target: self.target,
            reason,
        }))
    }
}

/// The hosts and ports to try, in order: the URL's lists, else `PGHOST` and
/// `PGPORT`, else the socket directory and 5432. One port serves every host;
/// else there is one per host, as in libpq.
fn endpoints(
    params: &UriParams,
    env: &Environment,
) -> std::result::Result<Vec<(Host, u16)>, Resolve> {
    let mut hosts = params.hosts.clone();
    if hosts.is_empty() {
        hosts = uri::split_hosts(env.var("PGHOST").as_deref())
            .map_err(|e| Resolve::Reason(format!("PGHOST: {e}")))?;
    }
    if hosts.is_empty() {
        hosts.push(passfile::DEFAULT_SOCKET_DIR.to_string());
    }
    let mut ports = params.ports.clone();
    if ports.is_empty() {
        ports = uri::parse_ports(env.var("PGPORT").as_deref(), true).map_err(|_| {
            Resolve::Reason(
                "PGPORT is not a port number from 1 to 65535 (or a list of them, one per host)"
                    .into(),
            )
        })?;
    }
    let port_of = |i: usize| -> u16 {
        let port = if ports.len() == 1 {
            ports[0]
        } else {
            ports.get(i).copied().flatten()
        };
        port.unwrap_or(5432)
    };
    if ports.len() > 1 && ports.len() != hosts.len() {
        return Err(Resolve::Reason(format!(
            "{} hosts and {} ports are named: give one port for all, or one per host",
            hosts.len(),
            ports.len()
        )));
    }
    Ok(hosts
        .into_iter()
        .enumerate()
        .map(|(i, host)| (Host::from_text(host), port_of(i)))
        .collect())
}

/// The environment a connection is planned in: the process's, or a test's.
struct Environment<'a> {
    var: &'a dyn Fn(&str) -> Option<String>,
}

impl Environment<'_> {
    fn process() -> Environment<'static> {
        Environment {
            var: &|name| std::env::var(name).ok(),
        }
    }

    /// A variable, an empty one counting as unset.
    fn var(&self, name: &str) -> Option<String> {
        (self.var)(name).filter(|v| !v.is_empty())
    }

    fn home(&self) -> Option<PathBuf> {
        self.var("HOME")
            .map(PathBuf::from)
            .or_else(|| passwd_entry().map(|(_, home)| home))
    }
}

/// The effective user's name and home directory.
#[allow(unsafe_code)] // getpwuid_r, as libpq reads the home directory
fn passwd_entry() -> Option<(String, PathBuf)> {
    let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
    let mut buf = vec![0 as libc::c_char; 16384];
    let mut result: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: every pointer is valid for the call, and `buf` outlives the
    // strings `pwd` points into, which are copied before it is dropped.
    unsafe {
        let rc = libc::getpwuid_r(
            libc::geteuid(),
            &mut pwd,
            buf.as_mut_ptr(),
            buf.len(),
            &mut result,
        );
        if rc != 0 || result.is_null() {
            return None;
        }
        let name = CStr::from_ptr(pwd.pw_name).to_string_lossy().into_owned();
        let home = CStr::from_ptr(pwd.pw_dir).to_string_lossy().into_owned();
        Some((name, PathBuf::from(home)))
    }
}

/// Where the server is.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Host {
    Tcp(String),
    Socket(PathBuf),
}

impl Host {
    /// A socket directory when it starts with `/`, as in libpq.
    fn from_text(text: String) -> Host {
        if text.starts_with('/') {
            Host::Socket(PathBuf::from(text))
        } else {
            Host::Tcp(text)
        }
    }

    fn is_local(&self) -> bool {
        match self {
            Host::Socket(_) => true,
            Host::Tcp(name) => {
                name.eq_ignore_ascii_case("localhost")
                    || name.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
            }
        }
    }

    fn as_str(&self) -> std::borrow::Cow<'_, str> {
        match self {
            Host::Tcp(name) => name.into(),
            Host::Socket(dir) => dir.to_string_lossy(),
        }
    }
}

/// Where the password came from, for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
enum PasswordSource {
    None,
    Url,
    PgPassword,
    PasswordFile(PathBuf),
    Passfile { path: PathBuf, line: usize },
}

impl PasswordSource {
    fn describe(&self) -> String {
        match self {
            PasswordSource::None => "no password".into(),
            PasswordSource::Url => "the password in the URL".into(),
            PasswordSource::PgPassword => "the password in PGPASSWORD".into(),
            PasswordSource::PasswordFile(path) => {
                format!(
                    "the password of [database] password_file {}",
                    path.display()
                )
            }
            PasswordSource::Passfile { path, line } => {
                format!("the password of line {line} of {}", path.display())
            }
        }
    }
}

/// Everything decided before connecting.
struct Plan {
    target: String,
    config: postgres::Config,
    tls: MakeRustlsConnect,
    host: Host,
    port: u16,
    user: String,
    dbname: String,
    sslmode: SslMode,
    sslmode_defaulted: bool,
    /// The certificates checked against, for messages.
    roots: Option<String>,
    password_source: PasswordSource,
    /// Why the password file gave no password: skipped (and why), or no line
    /// matched (and what was looked up).
    ignored_passfile: Option<String>,
    /// The password file that was looked in, if any.
    passfile: Option<PathBuf>,
    timeout: Duration,
    /// Scrubbed from every message, whatever its source.
    password: Option<SecretString>,
}

impl Plan {
    /// Everything about connecting to one of the URL's servers.
    fn resolve(
        params: UriParams,
        options: &ConnectOptions,
        env: &Environment,
        target: String,
        host: Host,
        port: u16,
    ) -> std::result::Result<Plan, Resolve> {
        let user = params
            .user
            .clone()
            .or_else(|| env.var("PGUSER"))
            .or_else(|| passwd_entry().map(|(name, _)| name))
            .ok_or_else(|| {
                Resolve::Reason(
                    "no user name: put one in the URL (postgres://USER@host/db) or in PGUSER"
                        .into(),
                )
            })?;
        let dbname = params
            .dbname
            .clone()
            .or_else(|| env.var("PGDATABASE"))
            .unwrap_or_else(|| user.clone());

        // TLS.
        let rootcert = params
            .sslrootcert
            .clone()
            .or_else(|| env.var("PGSSLROOTCERT"));
        let system_roots = rootcert.as_deref() == Some("system");
        let (sslmode, sslmode_defaulted) =
            choose_sslmode(params.sslmode, env.var("PGSSLMODE"), &host, system_roots)
                .map_err(Resolve::Reason)?;
        let (pg_sslmode, check, roots) = if matches!(host, Host::Socket(_)) {
            (
                postgres::config::SslMode::Disable,
                tls::Check::Nothing,
                None,
            )
        } else {
            let root_file = match rootcert.as_deref() {
                Some("system") => None,
                Some(path) => Some((PathBuf::from(path), "sslrootcert")),
                None => env
                    .home()
                    .map(|home| home.join(".postgresql/root.crt"))
                    .filter(|path| path.is_file())
                    .map(|path| (path, "the default root certificate file")),
            };
            let load_file = |(path, what): &(PathBuf, &str)| {
                tls::Roots::from_file(path, what).map_err(Resolve::Reason)
            };
            use postgres::config::SslMode as Pg;
            match sslmode {
                SslMode::Disable => (Pg::Disable, tls::Check::Nothing, None),
                SslMode::Allow | SslMode::Prefer | SslMode::Require | SslMode::VerifyCa
                    if system_roots =>
                {
                    return Err(Resolve::Reason(format!(
                        "sslmode={} cannot be used with sslrootcert=system: the public CAs of \
                         the system store prove a server's identity only with its name \
                         (use sslmode=verify-full)",
                        sslmode.as_str()
                    )));
                }
                SslMode::Allow | SslMode::Prefer | SslMode::Require => {
                    let pg = if sslmode == SslMode::Require {
                        Pg::Require
                    } else {
                        Pg::Prefer
                    };
                    match &root_file {
                        Some(file) => (pg, tls::Check::Chain, Some(load_file(file)?)),
                        None => (pg, tls::Check::Nothing, None),
                    }
                }
                SslMode::VerifyCa => match &root_file {
                    Some(file) => (Pg::Require, tls::Check::Chain, Some(load_file(file)?)),
                    None => {
                        return Err(Resolve::Reason(
                            "sslmode=verify-ca needs the CA that signs the server's \
                             certificate: set sslrootcert=PATH (a PEM file) in the URL, or use \
                             sslmode=verify-full to check against the system trust store"
                                .into(),
                        ));
                    }
                },
                SslMode::VerifyFull => {
                    let roots = match &root_file {
                        Some(file) => load_file(file)?,
                        None => tls::Roots::system().map_err(Resolve::Reason)?,
                    };
                    (Pg::Require, tls::Check::ChainAndName, Some(roots))
                }
            }
        };
        let client_config = tls::client_config(check, roots.as_ref()).map_err(Resolve::Reason)?;

        // The password.
        let mut ignored_passfile = None;
        let mut passfile_path = None;
        let (password, password_source) = if let Some(p) = params.password.clone() {
            (Some(p), PasswordSource::Url)
        } else if let Some(p) = env.var("PGPASSWORD") {
            (Some(SecretString::from(p)), PasswordSource::PgPassword)
        } else if let Some(path) = options.password_file {
            (
                Some(read_password_file(path).map_err(Resolve::Error)?),
                PasswordSource::PasswordFile(path.to_path_buf()),
            )
        } else {
            let location =
                passfile::location(params.passfile.clone(), env.var("PGPASSFILE"), env.home());
            let lookup_host = host.as_str();
            let found = location.as_deref().map(|path| {
                passfile::read(
                    path,
                    passfile::Lookup {
                        host: &lookup_host,
                        port,
                        dbname: &dbname,
                        user: &user,
                    },
                )
            });
            passfile_path = location.clone();
            match found {
                Some(passfile::Found::Password { password, line }) => (
                    Some(password),
                    PasswordSource::Passfile {
                        path: location.unwrap_or_default(),
                        line,
                    },
                ),
                Some(passfile::Found::Ignored { why }) => {
                    ignored_passfile = Some(why);
                    (None, PasswordSource::None)
                }
                Some(passfile::Found::NoMatch) => {
                    let matched = passfile::host_as_matched(&lookup_host);
                    let mut why = format!(
                        "no line of {} matches host {matched}, port {port}, database {dbname} \
                         and user {user}",
                        location.as_deref().unwrap_or(Path::new("")).display()
                    );
                    if matches!(host, Host::Tcp(_)) && host.is_local() && matched != "localhost" {
                        why.push_str(
                            "; as in libpq, a line for localhost matches only the name \
                             localhost or the default socket, not a loopback address",
                        );
                    }
                    ignored_passfile = Some(why);
                    (None, PasswordSource::None)
                }
                Some(passfile::Found::Missing) | None => (None, PasswordSource::None),
            }
        };

        let timeout = params.connect_timeout.unwrap_or(options.connect_timeout);
        let mut config = postgres::Config::new();
        match &host {
            Host::Tcp(name) => config.host(name),
            Host::Socket(dir) => config.host_path(dir),
        };
        config
            .port(port)
            .user(&user)
            .dbname(&dbname)
            .ssl_mode(pg_sslmode)
            .application_name(params.application_name.as_deref().unwrap_or("userdb"));
        if let Some(options) = &params.options {
            config.options(options);
        }
        if let Some(password) = &password {
            config.password(password.expose_secret());
        }
        if !timeout.is_zero() {
            config.connect_timeout(timeout);
        }
        Ok(Plan {
            target,
            config,
            tls: MakeRustlsConnect::new(client_config),
            host,
            port,
            user,
            dbname,
            sslmode,
            sslmode_defaulted,
            roots: roots.map(|r| r.source),
            password_source,
            ignored_passfile,
            passfile: passfile_path,
            timeout,
            password,
        })
    }

    /// Connects, checks the server's version, and asks whether it is a standby.
    fn open(&self) -> Result<Connection> {
        let result = if self.timeout.is_zero() {
            self.config.connect(self.tls.clone())
        } else {
            // The client's own timeout covers the TCP connect only: a server that
            // accepts and then says nothing would hold us for ever. The attempt
            // runs on its own thread, abandoned at the deadline.
            let (send, receive) = mpsc::channel();
            let config = self.config.clone();
            let tls = self.tls.clone();
            std::thread::Builder::new()
                .name("postgres-connect".into())
                .spawn(move || {
                    let _ = send.send(config.connect(tls));
                })
                .map_err(|e| self.fail(format!("cannot start the connection: {e}")))?;
            match receive.recv_timeout(self.timeout + Duration::from_millis(200)) {
                Ok(result) => result,
                Err(_) => return Err(self.fail(self.timed_out())),
            }
        };
        let mut client = result.map_err(|e| self.fail(self.reason(&e)))?;
        let version = client
            .simple_query(
                "SELECT current_setting('server_version_num'), current_setting('server_version'), \
                 pg_is_in_recovery()::text, current_setting('transaction_read_only')",
            )
            .map_err(|e| self.fail(self.reason(&e)))?;
        let row = version.iter().find_map(|m| match m {
            postgres::SimpleQueryMessage::Row(row) => Some(row),
            _ => None,
        });
        let num = row
            .and_then(|r| r.get(0))
            .and_then(|n| n.parse::<u32>().ok());
        let text = row.and_then(|r| r.get(1)).unwrap_or("?").to_string();
        match num {
            Some(num) => self.check_version(num, &text)?,
            None => return Err(self.fail("the server did not tell its version".into())),
        }
        let session = Session {
            in_recovery: row.and_then(|r| r.get(2)) == Some("true"),
            read_only: row.and_then(|r| r.get(3)) == Some("on"),
        };
        Ok(Connection { client, session })
    }

    fn check_version(&self, num: u32, text: &str) -> Result<()> {
        if num < MIN_SERVER_VERSION {
            return Err(self.fail(format!(
                "the server runs PostgreSQL {}, and userdb needs PostgreSQL {} or newer: \
                 upgrade the server",
                one_line(text),
                MIN_SERVER_VERSION / 10000
            )));
        }
        Ok(())
    }

    fn fail(&self, reason: String) -> Error {
        let scrub = |text: &str| match &self.password {
            Some(p) if p.expose_secret().len() >= 4 => {
                text.replace(p.expose_secret(), "(redacted)")
            }
            _ => text.to_string(),
        };
        Error::Connect {
            target: scrub(&self.target),
            reason: scrub(&reason),
        }
    }

    fn endpoint(&self) -> String {
        match &self.host {
            Host::Tcp(name) if name.contains(':') => format!("[{name}]:{}", self.port),
            Host::Tcp(name) => format!("{name}:{}", self.port),
            Host::Socket(dir) => format!("{}/.s.PGSQL.{}", dir.display(), self.port),
        }
    }

    fn timed_out(&self) -> String {
        format!(
            "no answer from {} within {}: check the host name, the port and any firewall \
             between (connect_timeout=SECONDS in the URL waits longer)",
            self.endpoint(),
            crate::duration::format_duration(self.timeout)
        )
    }

    fn sslmode_phrase(&self) -> String {
        if self.sslmode_defaulted {
            let whose = if self.host.is_local() {
                "a server on this machine"
            } else {
                "a server that is not on this machine"
            };
            format!("sslmode={}, the default for {whose}", self.sslmode.as_str())
        } else {
            format!("sslmode={}", self.sslmode.as_str())
        }
    }

    /// One line that says what went wrong and what to do.
    fn reason(&self, err: &postgres::Error) -> String {
        if let Some(db) = err.as_db_error() {
            let message = one_line(db.message());
            let code = db.code();
            return if *code == SqlState::INVALID_PASSWORD {
                format!(
                    "{message} (with {}): check the user name and the password",
                    self.password_source.describe()
                )
            } else if *code == SqlState::INVALID_CATALOG_NAME {
                format!(
                    "database \"{}\" does not exist: create it (CREATE DATABASE \"{}\" OWNER \
                     \"{}\"), or correct the database name in the URL",
                    self.dbname, self.dbname, self.user
                )
            } else if *code == SqlState::INVALID_AUTHORIZATION_SPECIFICATION {
                format!(
                    "the server refused user \"{}\": {message}; check the user name and the \
                     server's pg_hba.conf",
                    self.user
                )
            } else if *code == SqlState::TOO_MANY_CONNECTIONS {
                format!("{message}: try again later, or raise the server's max_connections")
            } else if *code == SqlState::CANNOT_CONNECT_NOW {
                format!("{message}: try again in a moment")
            } else {
                format!("the server refused the connection: {message}")
            };
        }
        let text = chain_text(err);
        if let Some(tls) = find_source::<rustls::Error>(err) {
            return self.tls_reason(tls);
        }
        if text.contains("server does not support TLS") {
            return format!(
                "the server does not offer TLS, and {} requires it: turn ssl on in the \
                 server's postgresql.conf, or write sslmode=prefer (or disable) in the URL if \
                 the network to it is trusted",
                self.sslmode_phrase() + if self.sslmode_defaulted { "," } else { "" }
            );
        }
        if text.contains("password missing") {
            let mut reason = format!(
                "the server asks for a password and none was given: put it in PGPASSWORD, in \
                 the file [database] password_file names, or in a line of {}",
                self.passfile
                    .as_deref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_else(|| "~/.pgpass".into())
            );
            if let Some(why) = &self.ignored_passfile {
                reason.push_str(&format!(" ({why})"));
            }
            return reason;
        }
        if let Some(io) = find_io(err) {
            return self.io_reason(io);
        }
        text
    }

    fn io_reason(&self, io: &std::io::Error) -> String {
        use std::io::ErrorKind;
        let endpoint = self.endpoint();
        match (io.kind(), &self.host) {
            (ErrorKind::ConnectionRefused, Host::Tcp(_)) => format!(
                "connection refused at {endpoint}: is PostgreSQL running there, listening on \
                 that address (listen_addresses) and port?"
            ),
            (ErrorKind::NotFound | ErrorKind::ConnectionRefused, Host::Socket(_)) => format!(
                "no server at socket {endpoint}: is PostgreSQL running on this machine, with \
                 that socket directory and port?"
            ),
            (ErrorKind::TimedOut, _) => self.timed_out(),
            (ErrorKind::PermissionDenied, Host::Socket(_)) => {
                format!("permission denied on socket {endpoint}")
            }
            _ if io.to_string().contains("lookup address") => format!(
                "cannot resolve host name {}: {}",
                self.host.as_str(),
                one_line(&io.to_string())
            ),
            _ => format!("{endpoint}: {}", one_line(&io.to_string())),
        }
    }

    fn tls_reason(&self, err: &rustls::Error) -> String {
        use rustls::CertificateError as C;
        let roots = self.roots.as_deref().unwrap_or("the trusted CAs");
        match err {
            rustls::Error::InvalidCertificate(C::UnknownIssuer | C::BadSignature) => format!(
                "TLS: the server's certificate is not signed by a CA of {roots} ({}): set \
                 sslrootcert=PATH in the URL to the PEM file of the CA that signs it",
                self.sslmode_phrase()
            ),
            rustls::Error::InvalidCertificate(
                C::NotValidForName | C::NotValidForNameContext { .. },
            ) => format!(
                "TLS: the server's certificate does not name {} ({}): connect by a name the \
                 certificate holds, or write sslmode=verify-ca to check its CA only",
                self.host.as_str(),
                self.sslmode_phrase()
            ),
            rustls::Error::InvalidCertificate(C::Expired | C::ExpiredContext { .. }) => {
                "TLS: the server's certificate has expired: renew it".into()
            }
            rustls::Error::InvalidCertificate(C::NotValidYet | C::NotValidYetContext { .. }) => {
                "TLS: the server's certificate is not valid yet: check this machine's clock".into()
            }
            rustls::Error::InvalidCertificate(other) => {
                format!("TLS: the server's certificate was refused: {other:?}")
            }
            other => format!("TLS handshake failed: {}", one_line(&other.to_string())),
        }
    }
}

/// The `sslmode` in force, and whether it is userdb's default: the URL's, else
/// `PGSSLMODE`, else `verify-full` for a server elsewhere (or when
/// `sslrootcert=system`) and `prefer` for one on this machine.
fn choose_sslmode(
    from_url: Option<SslMode>,
    pgsslmode: Option<String>,
    host: &Host,
    system_roots: bool,
) -> std::result::Result<(SslMode, bool), String> {
    Ok(match (from_url, pgsslmode) {
        (Some(mode), _) => (mode, false),
        (None, Some(text)) => (
            SslMode::parse(&text).ok_or_else(|| {
                "PGSSLMODE must be one of disable, allow, prefer, require, verify-ca, verify-full"
                    .to_string()
            })?,
            false,
        ),
        (None, None) if system_roots || !host.is_local() => (SslMode::VerifyFull, true),
        (None, None) => (SslMode::Prefer, true),
    })
}

/// Why planning failed: a reason to attach to the target, or an error of its own
/// (an unreadable `[database] password_file`).
enum Resolve {
    Reason(String),
    Error(Error),
}

fn read_password_file(path: &Path) -> Result<SecretString> {
    crate::private_file::read_password(path, "[database] password_file")
        .map_err(|e| Error::Config(e.to_string()))
}

/// The URL as messages, `config` and `doctor` show it: see [`uri::describe`].
pub(crate) fn describe(url: &str) -> String {
    uri::describe(url)
}

/// The `postgres_url` fuzz target (fuzz/fuzz_targets/postgres_url.rs): reads
/// `url` as the connector does, with `pgsslmode` as `PGSSLMODE` and
/// `passfile_text` as the password file, and panics when what must hold of any
/// URL does not. Not part of the API.
#[doc(hidden)]
#[allow(clippy::panic)]
pub fn fuzz_url(url: &str, pgsslmode: Option<&str>, passfile_text: &str) {
    let shown = uri::describe(url);
    let scheme = &url[..uri::scheme_len(url).unwrap_or(0)];
    let params = match uri::parse(url) {
        Ok(params) => params,
        Err(err) => {
            match err.shown {
                Some(partial) => {
                    assert_eq!(shown, partial);
                    if let Err(e) = uri::parse(&partial) {
                        panic!("what is shown of a bad URL does not parse: {}", e.reason);
                    }
                }
                None => assert_eq!(shown, uri::hidden(url)),
            }
            return;
        }
    };
    // One parse: what is shown is rendered from what the connector reads...
    assert_eq!(shown, params.shown(scheme));
    // ...and does not depend on the password's value, so it cannot hold it.
    let mut other = params.clone();
    other.password = params
        .password
        .as_ref()
        .map(|_| SecretString::from("another"));
    assert_eq!(other.shown(scheme), shown);
    // Read back, it names the same server, user, database and settings.
    let back = match uri::parse(&shown) {
        Ok(back) => back,
        Err(e) => panic!("the shown URL does not parse: {}", e.reason),
    };
    assert_eq!(
        (
            &back.user,
            &back.hosts,
            &back.ports,
            &back.dbname,
            back.sslmode
        ),
        (
            &params.user,
            &params.hosts,
            &params.ports,
            &params.dbname,
            params.sslmode
        )
    );
    assert_eq!(
        (&back.sslrootcert, &back.options, back.connect_timeout),
        (&params.sslrootcert, &params.options, params.connect_timeout)
    );
    assert_eq!(
        (&back.application_name, &back.passfile),
        (&params.application_name, &params.passfile)
    );
    assert_eq!(
        (back.target_session_attrs, back.load_balance_hosts),
        (params.target_session_attrs, params.load_balance_hosts)
    );
    assert_eq!(
        back.password
            .as_ref()
            .map(|p| p.expose_secret().to_string()),
        params.password.as_ref().map(|_| "(redacted)".to_string())
    );
    // sslmode: the URL's wins, then PGSSLMODE; by default a server elsewhere
    // is verify-full.
    let host_text = params
        .hosts
        .first()
        .cloned()
        .unwrap_or_else(|| passfile::DEFAULT_SOCKET_DIR.to_string());
    let host = Host::from_text(host_text.clone());
    let system_roots = params.sslrootcert.as_deref() == Some("system");
    if let Ok((mode, defaulted)) = choose_sslmode(
        params.sslmode,
        pgsslmode.map(str::to_string),
        &host,
        system_roots,
    ) {
        if let Some(given) = params.sslmode {
            assert_eq!((mode, defaulted), (given, false));
        } else if defaulted && !host.is_local() {
            assert_eq!(mode, SslMode::VerifyFull);
        }
    }

    // The password file, looked up for this URL's connection.
    let user = params.user.clone().unwrap_or_else(|| "fuzz".into());
    let dbname = params.dbname.clone().unwrap_or_else(|| user.clone());
    let lookup = passfile::Lookup {
        host: &host_text,
        port: params.ports.first().copied().flatten().unwrap_or(5432),
        dbname: &dbname,
        user: &user,
    };
    if let Some((password, line)) = passfile::find(passfile_text, lookup) {
        assert!(!password.expose_secret().is_empty());
        assert!(line >= 1 && line <= passfile_text.split('\n').count());
    }
}

/// The error and its causes, `: `-separated, on one line (the client's own
/// `Display` leaves the cause out).
pub(crate) fn chain_text(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![err.to_string()];
    let mut next = err.source();
    while let Some(e) = next {
        let text = e.to_string();
        if !parts.last().is_some_and(|last| last.contains(&text)) {
            parts.push(text);
        }
        next = e.source();
    }
    one_line(&parts.join(": "))
}

pub(crate) fn one_line(text: &str) -> String {
    text.split(['\n', '\r'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The first error of type `E` in `err`'s chain, looking inside I/O errors too
/// (whose `source` skips the error they wrap).
fn find_source<'a, E: std::error::Error + 'static>(
    err: &'a (dyn std::error::Error + 'static),
) -> Option<&'a E> {
    let mut next: Option<&'a (dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = next {
        if let Some(found) = e.downcast_ref::<E>() {
            return Some(found);
        }
        if let Some(inner) = e
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            .and_then(|inner| inner.downcast_ref::<E>())
        {
            return Some(inner);
        }
        next = e.source();
    }
    None
}

fn find_io<'a>(err: &'a (dyn std::error::Error + 'static)) -> Option<&'a std::io::Error> {
    find_source::<std::io::Error>(err)
}

#[cfg(test)]
mod tests;
